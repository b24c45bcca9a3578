// The files of a large run that chunk jobs share: plan.json, global/ (T_global and the foreground rule),
// chunks/manifest.jsonl (one line per finished chunk) and chunks/cNNNNNN.f32 (each chunk's residual lattice).

import { appendFile, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeAtomically } from "../core/atomic.js";
import { InputError } from "../core/errors.js";
import type { ProgressFn } from "../core/progress.js";
import type { Source } from "../core/source.js";
import { openImage } from "../io/open.js";
import { rejectNaN } from "../io/reject-nan.js";
import { withPyramid } from "../pyramid/with-pyramid.js";
import { loadTransform } from "../transforms/transform-io.js";
import type { ChunkContext, ChunkRecord } from "./chunk-job.js";
import type { ForegroundRule } from "./foreground.js";
import type { Plan } from "./plan.js";

export const PLAN_FILE = "plan.json";
export const MANIFEST_FILE = join("chunks", "manifest.jsonl");

export const runPaths = (runDir: string) => ({
  plan: join(runDir, PLAN_FILE),
  pyramid: join(runDir, "pyramid"),
  global: join(runDir, "global"),
  globalTransform: join(runDir, "global", "transform"),
  globalResult: join(runDir, "global", "result.json"),
  foreground: join(runDir, "global", "foreground.json"),
  chunks: join(runDir, "chunks"),
  manifest: join(runDir, MANIFEST_FILE),
  chunkFile: (id: number) => join(runDir, "chunks", `c${String(id).padStart(6, "0")}.f32`),
});

export async function readPlan(file: string): Promise<Plan> {
  const text = await readFile(file, "utf8").catch(() => {
    throw new InputError(file, "no plan here (run `terareg plan` or `terareg register`)");
  });
  try {
    const plan = JSON.parse(text) as Plan;
    if (plan.format !== "terareg-plan") throw new Error(`format ${JSON.stringify(plan.format)}`);
    return plan;
  } catch (e) {
    throw new InputError(file, `not a terareg plan (${(e as Error).message})`);
  }
}

/** Opens both inputs of a plan with the levels it was made for (pyramid cache under the run directory). */
export async function openPlannedInputs(plan: Plan, runDir: string, progress?: ProgressFn): Promise<{ fixed: Source; moving: Source }> {
  const cache = runPaths(runDir).pyramid;
  const options = { levels: plan.pyramidLevels, ...(progress ? { progress } : {}) };
  const fixed = await withPyramid(rejectNaN(await openImage(plan.fixed.path)), cache, options);
  const moving = await withPyramid(rejectNaN(await openImage(plan.moving.path)), cache, options);
  return { fixed, moving };
}

/** Everything a chunk job needs, read back from the run directory (as a worker or a resumed run sees it). */
export async function loadChunkContext(runDir: string): Promise<ChunkContext & { close(): Promise<void> }> {
  const p = runPaths(runDir);
  const plan = await readPlan(p.plan);
  const { fixed, moving } = await openPlannedInputs(plan, runDir);
  const global = await loadTransform(p.globalTransform);
  const foreground = JSON.parse(await readFile(p.foreground, "utf8")) as ForegroundRule;
  return {
    plan, fixed, moving, global, foreground,
    async close() {
      await fixed.close();
      await moving.close();
    },
  };
}

/** Writes a chunk's residual atomically (little-endian float32, vector-first over its node box). */
export async function writeChunkResidual(runDir: string, id: number, residual: Float32Array): Promise<void> {
  const bytes = Buffer.from(residual.buffer, residual.byteOffset, residual.byteLength);
  await writeAtomically(runPaths(runDir).chunkFile(id), (tmp) => writeFile(tmp, bytes));
}

export async function readChunkResidual(runDir: string, id: number, values: number): Promise<Float32Array> {
  const file = runPaths(runDir).chunkFile(id);
  const buf = await readFile(file);
  if (buf.byteLength !== values * 4) throw new InputError(file, `holds ${buf.byteLength} bytes; expected ${values * 4} (${values} float32)`);
  const out = new Float32Array(values);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

/** One manifest line: the plan key it belongs to and the chunk's record (NaN written as null). */
export interface ManifestLine extends Omit<ChunkRecord, "before" | "after"> {
  key: string;
  before: number | null;
  after: number | null;
}

/** Appends one finished chunk; a single short write, so a kill leaves at worst an unparsable last line (ignored). */
export async function appendManifest(runDir: string, key: string, record: ChunkRecord): Promise<void> {
  const line: ManifestLine = { key, ...record, before: Number.isFinite(record.before) ? record.before : null, after: Number.isFinite(record.after) ? record.after : null };
  await appendFile(runPaths(runDir).manifest, `${JSON.stringify(line)}\n`);
}

/**
 * The finished chunks of the run with plan `key`: manifest lines that parse, carry the key, and whose residual file
 * exists with the expected size. A torn last line (a kill mid-append) is ended, so later appends start clean.
 */
export async function readManifest(runDir: string, key: string, valuesOf: (id: number) => number): Promise<Map<number, ChunkRecord>> {
  const p = runPaths(runDir);
  const text = await readFile(p.manifest, "utf8").catch(() => "");
  if (text.length > 0 && !text.endsWith("\n")) await appendFile(p.manifest, "\n");
  const done = new Map<number, ChunkRecord>();
  for (const raw of text.split("\n")) {
    if (!raw.trim()) continue;
    let line: ManifestLine;
    try {
      line = JSON.parse(raw) as ManifestLine;
    } catch {
      continue;
    }
    if (line.key !== key || !Number.isInteger(line.id)) continue;
    const st = await stat(p.chunkFile(line.id)).catch(() => undefined);
    if (!st || st.size !== valuesOf(line.id) * 4) continue;
    const { key: _k, ...rest } = line;
    done.set(line.id, { ...rest, before: line.before ?? NaN, after: line.after ?? NaN });
  }
  return done;
}
