// Debian's elastix as the benchmarks' peer column: runs the peers' run_elastix.sh (../shared/peers: affine then
// B-spline, 2 threads, under /usr/bin/time -v, then transformix -def on the fixed landmarks) on a case folder in the
// peers' layout, and reads back its wall time, peak RSS and predicted moving landmarks.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";

export const PEERS = resolve(process.cwd(), "..", "shared", "peers");
export const PYTHON = "/usr/bin/python3";
const TOOLS = ["/usr/bin/elastix", "/usr/bin/transformix", "/usr/bin/time", PYTHON];
/** The peers README's recommended column ("Compare against the scaled column"). */
export const ELASTIX_VARIANT = "scaled";
const TIMEOUT_S = 1800;

export interface Cmd { seconds: number; code: number; out: string }

/** Runs a command, collecting stdout+stderr; resolves with the exit code (never rejects on a non-zero exit). */
export function runCmd(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Cmd> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ seconds: (performance.now() - t0) / 1000, code: code ?? -1, out }));
  });
}

export const lastLine = (s: string): string => s.trim().split("\n").pop() ?? "";

/** The tools elastix runs need that this machine lacks (empty when the peer column can be measured). */
export function missingElastixTools(): string[] {
  const missing = TOOLS.filter((t) => !existsSync(t));
  if (!existsSync(join(PEERS, "run_elastix.sh"))) missing.push(join(PEERS, "run_elastix.sh"));
  return missing;
}

export type PeerRun =
  | { ok: true; seconds: number; peakRssMB?: number; predicted: number[][]; tre: { median: number; max: number }; identityMedian: number }
  | { ok: false; why: string };

/**
 * Runs elastix on DATA/CASE (fixed.mha, moving.mha, landmarks.csv, meta.json with the size the scaled parameters
 * are derived from) into RUNS, and returns elastix's time and RSS with transformix's mapping of the fixed landmarks
 * (same order as landmarks.csv).
 */
export async function runElastixPeer(data: string, caseId: string, runs: string, results: string): Promise<PeerRun> {
  await mkdir(results, { recursive: true });
  const env = { ...process.env, VARIANT: ELASTIX_VARIANT, PEERS_RESULTS: results, FRESH: "1" };
  const e = await runCmd("/bin/bash", [join(PEERS, "run_elastix.sh"), caseId, data, runs, String(TIMEOUT_S)], env);
  const file = join(results, `elastix_${ELASTIX_VARIANT}_affine_bspline__${caseId}.json`);
  if (!existsSync(file)) return { ok: false, why: `failed (exit ${e.code}): ${lastLine(e.out).slice(-160)}` };
  const p = JSON.parse(await readFile(file, "utf8")) as {
    status: string; wall_s?: number; peak_rss_mb?: number; identity_tre_px: { median: number }; tre_px?: { median: number; max: number };
  };
  const pred = join(runs, `elastix_${ELASTIX_VARIANT}`, caseId, "pred_stage1.csv");
  if (p.status !== "ok" || !p.tre_px || !existsSync(pred)) return { ok: false, why: `${p.status} after ${(p.wall_s ?? NaN).toFixed(1)} s` };
  const predicted = (await readFile(pred, "utf8")).trim().split(/\r?\n/).map((l) => l.split(",").map(Number));
  return {
    ok: true, seconds: p.wall_s ?? NaN, predicted, tre: p.tre_px, identityMedian: p.identity_tre_px.median,
    ...(p.peak_rss_mb === undefined ? {} : { peakRssMB: p.peak_rss_mb }),
  };
}
