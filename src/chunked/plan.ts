// The plan of a large registration, a pure function of both images' metadata and the options: registration level
// from the memory budget, refinement level, chunk grid, lattice, memory per stage and an estimated time (plan.json).

import { createHash } from "node:crypto";
import { freemem, totalmem } from "node:os";
import { BudgetError, OptionError } from "../core/errors.js";
import { levelSpace, voxelCount, type ImageMeta, type LevelInfo, type Space, type Vec3 } from "../core/space.js";
import { DENSE_BYTES_PER_VOXEL } from "../registration/register-images.js";
import type { DenseMode, MetricChoice } from "../registration/register-images.js";
import type { Preset, Regularization } from "../registration/presets.js";
import type { AffineDof } from "../transforms/affine.js";
import { chunkGrid, type ChunkGrid } from "./chunk-grid.js";

/** Memory of the process before any image work: Node, the libraries, and the readers' tile caches. */
export const BASE_BYTES = 160 * 2 ** 20;
/** Memory of one chunk worker beyond its working set: the isolate and the tile caches of its two open images. */
export const WORKER_BASE_BYTES = 100 * 2 ** 20;
/** Chunk working set per extended-chunk voxel: the dense stage's, plus the moving window per channel read. */
export const CHUNK_BYTES_PER_VOXEL = DENSE_BYTES_PER_VOXEL;
export const WINDOW_BYTES_PER_VOXEL_CHANNEL = 12;
/** The tiled warp into a pyramidal writer: pieces, windows, the writer's tile buffers (measured 220-290 MB). */
export const WARP_BYTES = 320 * 2 ** 20;
/** Seconds per voxel and dense iteration on one core (local NCC, measured 0.45 s per Mvoxel-iteration in 2D). */
export const DENSE_SECONDS_PER_VOXEL_ITERATION = 0.45e-6;
/** Seconds per output voxel and channel of the tiled warp on one core (measured about 2.4 Mpx/s of 3-channel uint8). */
export const WARP_SECONDS_PER_VOXEL_CHANNEL = 1 / 7e6;

export interface PlanOptions {
  /** Memory budget of the whole run. @default freeMemoryBudget() */
  budgetBytes?: number;
  /** Core chunk size in voxels of the refinement level, [z, y, x] (z ignored in 2D). @default 512² in 2D, 128³ in 3D */
  chunk?: Vec3;
  /** Halo on each side as a fraction of the chunk size. @default 0.15 */
  overlap?: number;
  /** Level of the global registration; at least the finest level the budget allows. @default that level */
  registrationLevel?: number;
  /** Level of the fixed image the chunks register at. @default 0 (full resolution) */
  refineLevel?: number;
  /** Residual lattice: one node every this many voxels of the refinement level. @default 8 in 2D, 4 in 3D */
  latticeStep?: number;
  /** Worker threads for the chunks (and kernels elsewhere). @default 1 */
  threads?: number;
  preset?: Preset;
  metric?: MetricChoice;
  dof?: AffineDof;
  /**
   * Dense stage of the global registration. Its job here is the large-scale deformation (the chunks add the local
   * part), so it is a B-spline: smooth, so regions with periodic texture do not slide by one period (greedy alone can,
   * at a coarse level), and without the voxel-scale roughness a greedy finish leaves, which the chunks' smoothed
   * residuals cannot undo (BENCHMARKS.md "Global stage of the chunked flow"). @default "bspline"
   */
  deformable?: DenseMode;
  /** Overrides of the global stage's regularisation (the chunks keep their own, CHUNK_PRESETS). */
  regularization?: Regularization;
  flips?: boolean;
  seed?: number;
  channels?: { fixed?: number; moving?: number };
  /** A chunk whose fixed core has less foreground than this fraction keeps T_global and is flagged. @default 0.05 */
  minForeground?: number;
  /** The chunks' dense stage. @default the preset's: "bspline" for fast, "greedy" for accurate (CHUNK_PRESETS) */
  chunkDeformable?: ChunkDeformable;
}

/** What identifies an input file: a changed one invalidates a run's finished chunks. */
export interface InputFingerprint {
  path: string;
  format: string;
  shape: Vec3;
  dtype: string;
  channels: number;
  /** File size and modification time, when the input is a file or directory on disk. */
  bytes: number | null;
  mtimeMs: number | null;
}

export interface ChunkParameters {
  /** The chunks' dense stage: greedy (a free-form field, smoothed) or a cubic B-spline with bending energy. */
  deformable: ChunkDeformable;
  /** Iterations per level of the chunk's own schedule, coarsest first (greedy steps, or B-spline L-BFGS steps). */
  iterations: number[];
  nccRadius: number;
  /** Greedy chunks: σ of each update and of the field (voxels), and the largest step. */
  sigmaUpdate: number;
  sigmaField: number;
  stepVoxels: number;
  minForeground: number;
  /** σ of the low-pass applied before sampling the lattice, in lattice steps (0 = none). */
  latticeSmoothing: number;
  /** B-spline chunks: knot spacing in voxels of the refinement level, and the bending weight (bspline-stage.ts). */
  gridSpacing: number;
  bendingWeight: number;
}

export type ChunkDeformable = "greedy" | "bspline";
export const CHUNK_DEFORMABLE: readonly ChunkDeformable[] = ["greedy", "bspline"];

export interface Plan {
  format: "terareg-plan";
  version: 1;
  /** Hash of everything that decides the results (inputs, levels, grid, parameters): a resume must match it. */
  key: string;
  fixed: InputFingerprint;
  moving: InputFingerprint;
  ndim: 2 | 3;
  /** Levels both images are opened with (withPyramid builds missing ones into RUN/pyramid). */
  pyramidLevels: number;
  budgetBytes: number;
  threads: number;
  /** Chunk workers run at once: threads, or fewer when the budget cannot hold that many working sets. */
  chunkWorkers: number;
  global: { level: number; shape: Vec3; budgetBytes: number; preset: Preset; metric: MetricChoice; dof: AffineDof; deformable: DenseMode; regularization: Regularization; flips: boolean; seed: number; channels: { fixed?: number; moving?: number } };
  refinement: { level: number; shape: Vec3; space: Space; latticeStep: Vec3; latticeShape: Vec3; latticeSpace: Space };
  chunking: { size: Vec3; halo: Vec3; overlap: number; counts: Vec3; count: number; parameters: ChunkParameters };
  chunks: ChunkGrid["chunks"];
  memory: { baseBytes: number; globalBytes: number; chunkBytesPerWorker: number; chunksBytes: number; blendBytes: number; warpBytes: number; peakBytes: number };
  estimatedSeconds: { global: number; chunks: number; warp: number; total: number };
}

/** The default budget: 70 % of the memory free now, capped at 80 % of the total. */
export function freeMemoryBudget(): number {
  return Math.floor(Math.min(0.7 * freemem(), 0.8 * totalmem()));
}

// Chunk greedy σ (fluid / elastic, voxels): fast smooths as the accurate global stage does, 3 / 1.5, measured by
// `npm run bench -- chunked` (BENCHMARKS.md "Chunk regularisation"): 2D seam jump 0.088 → 0.060 px, TRE 0.038 → 0.040 px,
// 3D seam 0.016 → 0.009 voxel, TRE 0.086 → 0.078. Blending the lattice smoother still (latticeSmoothing 1) took the 2D seam
// under 0.05 but the TRE to 0.071 px. Accurate keeps 1.732 / 0.707 until it is measured the same way.
// Fast iterations (coarse, fine) 30 / 5, not 30 / 15: the fine level only polishes what the lattice (a node every 8
// voxels, low-passed) cannot hold anyway. Measured the same way: 2D TRE 0.040 / 0.121 → 0.038 / 0.118 px, chunk stage
// 18.1 → 10.9 s; 3D 0.078 / 0.156 → 0.079 / 0.157 voxel, 13.6 → 7.4 s; seams unchanged. The 30 coarse iterations
// keep the capture range (up to 0.5 voxel of the coarse level each).
// Fast chunks are B-splines (knots every 16 voxels of the refinement level, bending weight 0.01), measured 2026-11-22
// (BENCHMARKS.md "Chunk dense stage"): on the 300 MP pair at level 1 the border jump 0.085 → 0.018 px, chunks 148 → 126 s,
// TRE 0.069 / 0.200 → 0.082 / 0.175 px; 8192² seams 0.028 → 0.007 px, TRE 0.054 → 0.061. Greedy stays for accurate: it
// follows finer detail (lower median), at the cost of rougher fields.
const CHUNK_PRESETS: Record<Preset, ChunkParameters> = {
  fast: { deformable: "bspline", iterations: [30, 5], nccRadius: 2, sigmaUpdate: 3, sigmaField: 1.5, stepVoxels: 0.5, minForeground: 0.05, latticeSmoothing: 0.5, gridSpacing: 16, bendingWeight: 0.01 },
  accurate: { deformable: "greedy", iterations: [50, 30], nccRadius: 3, sigmaUpdate: 1.732, sigmaField: 0.707, stepVoxels: 0.5, minForeground: 0.05, latticeSmoothing: 0.5, gridSpacing: 16, bendingWeight: 0.01 },
};

/** The finest of `levels` whose dense working set fits `budgetBytes`, or -1. */
function finestFitting(levels: readonly LevelInfo[], budgetBytes: number): number {
  return levels.findIndex((l) => voxelCount(l.shape) * DENSE_BYTES_PER_VOXEL <= budgetBytes);
}

/**
 * Plans the large-image flow for images of `fixed` and `moving` metadata. `fixedLevels` are the levels the fixed
 * image will have when registered (its own, or the pyramid cache's: levelsWithPyramid).
 * @throws BudgetError when not even the coarsest level, or one chunk worker, fits the budget.
 */
export function makePlan(fixed: { meta: ImageMeta; levels: readonly LevelInfo[]; fingerprint: InputFingerprint }, moving: { meta: ImageMeta; fingerprint: InputFingerprint }, options: PlanOptions = {}): Plan {
  const ndim = fixed.meta.ndim;
  if (moving.meta.ndim !== ndim) throw new OptionError("images", `${ndim}D fixed, ${moving.meta.ndim}D moving`, "two 2D images or two 3D volumes");
  const budgetBytes = options.budgetBytes ?? freeMemoryBudget();
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new OptionError("threads", threads, "a positive integer");
  const preset = options.preset ?? "fast";
  const overlap = options.overlap ?? 0.15;
  if (!(overlap >= 0 && overlap <= 0.5)) throw new OptionError("--overlap", overlap, "a fraction from 0 to 0.5 of the chunk size");
  const levels = fixed.levels;
  // Inputs decoded whole (compressed NIfTI/MetaImage/NRRD, PNG, JPEG) stay resident in every process or worker reading them.
  const residentBytes = (fixed.meta.residentBytes ?? 0) + (moving.meta.residentBytes ?? 0);
  const baseBytes = BASE_BYTES + residentBytes;

  const globalBudget = budgetBytes - baseBytes;
  const fitting = finestFitting(levels, globalBudget);
  if (fitting < 0) {
    const coarsest = levels[levels.length - 1]!.shape;
    throw new BudgetError(`global registration of ${fixed.meta.path} (coarsest level ${coarsest.join("×")})`, baseBytes + voxelCount(coarsest) * DENSE_BYTES_PER_VOXEL, budgetBytes);
  }
  const asked = options.registrationLevel;
  if (asked !== undefined && !(Number.isInteger(asked) && asked >= fitting && asked < levels.length)) {
    throw new OptionError("--global-level", asked, `a level from ${fitting} (the finest the budget allows) to ${levels.length - 1}`);
  }
  const gl = asked ?? fitting;
  const rl = options.refineLevel ?? 0;
  if (!Number.isInteger(rl) || rl < 0 || rl > gl) {
    throw new OptionError("--refine-level", rl, `a level from 0 to ${gl} (the global registration runs at level ${gl})`);
  }
  const rShape = levels[rl]!.shape;
  const defaultChunk: Vec3 = ndim === 3 ? [128, 128, 128] : [1, 512, 512];
  const chunk = options.chunk ?? defaultChunk;
  const halo = chunk.map((c) => Math.round(c * overlap)) as Vec3;
  const stepN = options.latticeStep ?? (ndim === 3 ? 4 : 8);
  if (!Number.isInteger(stepN) || stepN < 1 || stepN > 256) throw new OptionError("--lattice-step", stepN, "an integer from 1 to 256 voxels");
  const grid = chunkGrid(rShape, chunk, halo, [stepN, stepN, stepN]);

  // The refinement level's frame as the fixed image will have it (levelSpace needs the level list).
  const metaWithLevels: ImageMeta = { ...fixed.meta, levels: [...levels] };
  const rSpace = levelSpace(metaWithLevels, rl);
  const latticeSpace: Space = { ...rSpace, spacing: rSpace.spacing.map((s, a) => s * grid.step[a]!) as Vec3 };

  const channelsRead = options.channels?.moving !== undefined ? 1 : moving.meta.channels.length;
  const extVoxels = voxelCount(grid.chunks.reduce<Vec3>((m, c) => (voxelCount(c.extended.size) > voxelCount(m) ? c.extended.size : m), [1, 1, 1]));
  const chunkBytesPerWorker = WORKER_BASE_BYTES + residentBytes + extVoxels * (CHUNK_BYTES_PER_VOXEL + WINDOW_BYTES_PER_VOXEL_CHANNEL * channelsRead);
  const nodes = voxelCount(grid.latticeShape);
  const blendBytes = nodes * (ndim * 8 + 8 + ndim * 4);
  const chunkWorkers = Math.min(threads, Math.floor((budgetBytes - baseBytes - blendBytes) / chunkBytesPerWorker));
  if (chunkWorkers < 1) {
    throw new BudgetError(`chunk job of ${grid.chunks[0]!.extended.size.slice(3 - ndim).join("×")} voxels at level ${rl}`, baseBytes + blendBytes + chunkBytesPerWorker, budgetBytes);
  }
  const globalBytes = baseBytes + voxelCount(levels[gl]!.shape) * DENSE_BYTES_PER_VOXEL;
  const chunksBytes = baseBytes + blendBytes + chunkWorkers * chunkBytesPerWorker;
  const warpBytes = baseBytes + WARP_BYTES + nodes * ndim * 4;
  const memory = { baseBytes, globalBytes, chunkBytesPerWorker, chunksBytes, blendBytes, warpBytes, peakBytes: Math.max(globalBytes, chunksBytes, warpBytes) };
  if (warpBytes > budgetBytes) throw new BudgetError("final warp", warpBytes, budgetBytes);

  const parameters: ChunkParameters = {
    ...CHUNK_PRESETS[preset], minForeground: options.minForeground ?? CHUNK_PRESETS[preset].minForeground, deformable: options.chunkDeformable ?? CHUNK_PRESETS[preset].deformable,
  };
  const denseIterations = preset === "fast" ? 220 : 350;
  const chunkIterationVoxels = grid.chunks.reduce((s, c) => s + voxelCount(c.extended.size), 0) * (parameters.iterations[1]! + parameters.iterations[0]! / (ndim === 3 ? 8 : 4));
  const estimatedSeconds = {
    global: (voxelCount(levels[gl]!.shape) * denseIterations * DENSE_SECONDS_PER_VOXEL_ITERATION) / threads,
    chunks: (chunkIterationVoxels * DENSE_SECONDS_PER_VOXEL_ITERATION) / chunkWorkers,
    warp: (voxelCount(levels[0]!.shape) * moving.meta.channels.length * WARP_SECONDS_PER_VOXEL_CHANNEL) / threads,
    total: 0,
  };
  estimatedSeconds.total = estimatedSeconds.global + estimatedSeconds.chunks + estimatedSeconds.warp;

  const globalPart = {
    level: gl, shape: [...levels[gl]!.shape] as Vec3, budgetBytes: globalBudget, preset, metric: options.metric ?? "auto",
    dof: options.dof ?? "affine", deformable: options.deformable ?? "bspline", regularization: options.regularization ?? {}, flips: options.flips ?? false, seed: options.seed ?? 1,
    channels: options.channels ?? {},
  };
  const refinement = { level: rl, shape: [...rShape] as Vec3, space: rSpace, latticeStep: grid.step, latticeShape: grid.latticeShape, latticeSpace };
  const chunking = { size: grid.size, halo: grid.halo, overlap, counts: grid.counts, count: grid.chunks.length, parameters };
  // The budget only picks levels and worker counts, which are in here already; results do not depend on it otherwise.
  const { budgetBytes: _budget, ...globalKey } = globalPart;
  const key = createHash("sha256").update(JSON.stringify({ fixed: fixed.fingerprint, moving: moving.fingerprint, pyramidLevels: levels.length, global: globalKey, refinement, chunking })).digest("hex");
  return {
    format: "terareg-plan", version: 1, key, fixed: fixed.fingerprint, moving: moving.fingerprint, ndim, pyramidLevels: levels.length, budgetBytes, threads, chunkWorkers,
    global: globalPart, refinement, chunking, chunks: grid.chunks, memory, estimatedSeconds,
  };
}
