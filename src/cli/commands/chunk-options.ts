// The options `terareg plan` and `terareg register` share for the large-image flow: budget, chunk size, overlap,
// levels, lattice and the chunks' dense stage, parsed into PlanOptions.

import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { OptionError } from "../../core/errors.js";
import type { Vec3 } from "../../core/space.js";
import { CHUNK_DEFORMABLE, freeMemoryBudget, type PlanOptions } from "../../chunked/plan.js";
import { parseBytes, parseEnum, parseInteger } from "../parse.js";

export interface RawChunkOptions {
  chunk?: string;
  overlap: string;
  globalLevel?: string;
  refineLevel?: string;
  latticeStep?: string;
  minForeground: string;
  chunkDeformable?: string;
}

/** Adds the chunking flags to `command`. */
export function addChunkOptions(command: Command): Command {
  return command
    .option("--chunk <size>", "core chunk size at the refinement level: N (a square or cube) or XxY[xZ], e.g. 512 or 256x256x128 (default 512 in 2D, 128 in 3D)")
    .option("--overlap <fraction>", "halo on each side of a chunk, as a fraction of its size", "0.15")
    .option("--global-level <n>", "pyramid level of the global registration (default: the finest the budget allows)")
    .option("--refine-level <n>", "pyramid level the chunks register at (default 0, full resolution)")
    .option("--lattice-step <n>", "residual lattice: one node every N voxels of the refinement level (default 8)")
    .option("--min-foreground <fraction>", "a chunk with less foreground than this keeps the global transform and is flagged", "0.05")
    .option("--chunk-deformable <mode>", `the chunks' dense stage: ${CHUNK_DEFORMABLE.join(", ")} (bspline: a B-spline with knots every 16 voxels and bending energy, smooth across chunk borders and faster; greedy: a free-form field, closer in the median, rougher; default: bspline with --preset fast, greedy with accurate)`);
}

/** "512" → [512, 512, 512]; "256x128" → [128, 128, 256]; "256x256x64" → [64, 256, 256] (x first; z ignored in 2D). */
export function parseChunk(raw: string): Vec3 {
  const t = raw.trim();
  if (/^\d+$/.test(t)) {
    const n = parseInteger("--chunk", t, 8, 1 << 20);
    return [n, n, n];
  }
  const m = /^(\d+)x(\d+)(?:x(\d+))?$/i.exec(t);
  if (!m) throw new OptionError("--chunk", raw, 'N or XxY or XxYxZ with integers ≥ 8, e.g. "512" or "256x256x128"');
  const nums = [m[1], m[2], m[3]].filter((v) => v !== undefined).map((v) => parseInteger("--chunk", v!, 8, 1 << 20));
  return [nums[2] ?? nums[1]!, nums[1]!, nums[0]!];
}

function parseFraction(flag: string, raw: string, max: number): number {
  const v = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw.trim()) || !(v >= 0 && v <= max)) throw new OptionError(flag, raw, `a fraction from 0 to ${max}`);
  return v;
}

/** PlanOptions from the shared flags plus --memory ("auto" = freeMemoryBudget) and --threads, both always set. */
export function parseChunkOptions(raw: RawChunkOptions & { memory: string; threads?: string }): PlanOptions & { budgetBytes: number; threads: number } {
  return {
    budgetBytes: raw.memory === "auto" ? freeMemoryBudget() : parseBytes("--memory", raw.memory),
    threads: raw.threads === undefined ? availableParallelism() : parseInteger("--threads", raw.threads, 1, 256),
    overlap: parseFraction("--overlap", raw.overlap, 0.5),
    minForeground: parseFraction("--min-foreground", raw.minForeground, 1),
    ...(raw.chunk !== undefined ? { chunk: parseChunk(raw.chunk) } : {}),
    ...(raw.globalLevel !== undefined ? { registrationLevel: parseInteger("--global-level", raw.globalLevel, 0, 40) } : {}),
    ...(raw.refineLevel !== undefined ? { refineLevel: parseInteger("--refine-level", raw.refineLevel, 0, 40) } : {}),
    ...(raw.latticeStep !== undefined ? { latticeStep: parseInteger("--lattice-step", raw.latticeStep, 1, 256) } : {}),
    ...(raw.chunkDeformable !== undefined ? { chunkDeformable: parseEnum("--chunk-deformable", raw.chunkDeformable, CHUNK_DEFORMABLE) } : {}),
  };
}

/** True when any flag asks for the chunked flow explicitly. */
export function asksForChunks(raw: RawChunkOptions): boolean {
  return raw.chunk !== undefined || raw.globalLevel !== undefined || raw.refineLevel !== undefined || raw.latticeStep !== undefined;
}
