// Runs the built `terareg` CLI in a child process for end-to-end tests.

import { spawnSync } from "node:child_process";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function terareg(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, ["dist/src/cli/main.js", ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
