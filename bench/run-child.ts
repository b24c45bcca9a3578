// Runs a command in a child process and measures its wall time and peak RSS (from the kernel, via /proc or
// the child's own report), so each benchmark row's memory is that of one fresh process.

import { spawn } from "node:child_process";

export interface ChildResult {
  seconds: number;
  stdout: string;
  stderr: string;
  code: number;
}

/** Spawns `node args...` and resolves when it exits; rejects if it fails. */
export function runNode(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const r = { seconds: (performance.now() - t0) / 1000, stdout, stderr, code: code ?? -1 };
      if (code !== 0) reject(new Error(`node ${args.join(" ")} failed (${code}): ${stderr.trim().split("\n").pop()}`));
      else resolve(r);
    });
  });
}

/** The last JSON line of a --log-json run's stdout (its summary). */
export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split("\n").filter((l) => l.startsWith("{"));
  return JSON.parse(lines[lines.length - 1] ?? "{}") as Record<string, unknown>;
}
