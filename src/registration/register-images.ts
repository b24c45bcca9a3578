// The in-memory registration driver: picks the level to register at, builds the multi-resolution schedule, runs
// initialisation → affine → dense (greedy or SVF) and reports quality numbers. One call per image pair or per chunk.

import type { Source } from "../core/source.js";
import { indexToPhysicalLinear, mapVectors, voxelCount, type Space } from "../core/space.js";
import { BudgetError, OptionError } from "../core/errors.js";
import { peakRssBytes } from "../core/memory.js";
import type { Kernels } from "../compute/kernels.js";
import { serialKernels } from "../compute/serial-kernels.js";
import { jacobianStats, type JacobianStats } from "../kernels/jacobian-stats.js";
import { localNccFast } from "../compute/wasm/local-ncc.js";
import { mattesMutualInformation } from "../metrics/mattes-mutual-information.js";
import type { AffineDof, Mat4 } from "../transforms/affine.js";
import type { DisplacementGrid, RegistrationTransform } from "../transforms/registration-transform.js";
import { bsplineGridFromLattice } from "../transforms/bspline-field.js";
import { registerAffine, intensityRange } from "./affine-stage.js";
import { registerGreedy } from "./greedy-stage.js";
import { registerBSpline } from "./bspline-stage.js";
import { identity4, mul4 } from "../transforms/affine.js";
import { indexToPhysicalMat4, physicalToIndexMat4, resampleMatrix } from "./frame.js";
import { normaliseIntensity, readLevelImage, shrinkLevelImage, type LevelImage } from "./level-image.js";
import { presetParameters, type Preset, type Regularization } from "./presets.js";
import { initialise } from "./rotation-search.js";
import { createField, type Field, type Image } from "../kernels/types.js";
import type { BSplineLattice } from "../kernels/bspline-lattice.js";

export type MetricChoice = "auto" | "ncc" | "mi" | "mse";
export type DenseMode = "greedy" | "svf" | "symmetric" | "bspline" | "bspline-greedy" | "none";

export interface RegisterOptions {
  /** @default "accurate" */
  preset?: Preset;
  /** "auto": Mattes MI for the affine stage, local NCC for the dense stage. @default "auto" */
  metric?: MetricChoice;
  /** @default "affine" */
  dof?: AffineDof;
  /** Overrides of the preset's regularisation (greedy σ, NCC radius, B-spline knot spacing and bending weight, level smoothing). */
  regularization?: Regularization;
  /**
   * Dense stage: greedy diffeomorphic, stationary velocity (diffeomorphic by scaling and squaring; the transform stores
   * the velocity v, φ = exp(v), so it inverts exactly), B-spline FFD (the transform stores the coefficient lattice),
   * B-spline FFD on the coarse levels then greedy from its result (a smooth start keeps greedy out of wrong basins on
   * periodic texture; stored as a displacement grid), or none. @default "greedy"
   */
  deformable?: DenseMode;
  /** Also try a mirrored moving image during initialisation. @default false */
  flips?: boolean;
  /** Channel of each image to register on (e.g. DAPI of a multiplex cycle). @default luminance for RGB, else the channel mean */
  channels?: { fixed?: number; moving?: number };
  /** Memory for the registration working set; picks the finest level that fits. @default 2 GiB */
  budgetBytes?: number;
  /** Fixed pyramid level to register at, no finer than the budget allows. @default the finest level that fits budgetBytes */
  level?: number;
  /** @default 1 */
  seed?: number;
  kernels?: Kernels;
  onProgress?: (e: RegistrationEvent) => void;
  signal?: AbortSignal;
}

export interface RegistrationEvent {
  stage: "initialise" | "affine" | "deformable";
  /** Level of the stage's schedule, coarsest first. */
  level: number;
  /** Iteration within the level, from 0. */
  iteration: number;
  /** The level's iteration cap; the stage may stop earlier, when the metric stops improving. */
  maxIterations: number;
  /** The metric after this iteration. */
  value: number;
  elapsedMs: number;
}

export interface StageReport {
  name: string;
  seconds: number;
  peakRssBytes: number;
}

export interface RegistrationResult {
  transform: RegistrationTransform;
  /** Input pyramid levels registered at. */
  level: { fixed: number; moving: number };
  /** True when the deformable stage made the metric worse than the affine alone and its field was dropped. */
  denseRejected: boolean;
  /** The dense metric on the registration level: identity, after affine, after everything. */
  metric: { name: string; before: number; afterAffine: number; after: number };
  jacobian?: JacobianStats;
  /** Jacobian determinant of x ↦ x + u(x) on the registration grid (for the QC map). */
  jacobianMap?: Image;
  stages: StageReport[];
}

/** Bytes per voxel of the dense working set (images, fields, forces, coordinates, metric buffers). */
export const DENSE_BYTES_PER_VOXEL = 160;

/**
 * Bytes per voxel of a B-spline registration in memory: the levels, the warp's samples, mask and gradient, the metric's
 * derivative, the final displacement and the Jacobian map; no dense update, velocity or composition buffers. Measured
 * (BENCHMARKS "B-spline + MSE on the synthetic pairs"): a whole 4096² run peaked at 68 bytes per voxel of its
 * registration level, a 256³ one at 84, start-up and both float32 inputs included.
 */
export const BSPLINE_BYTES_PER_VOXEL = 96;

/** The working set per voxel of a registration whose dense stage is `mode` (greedy when absent). */
export function denseBytesPerVoxel(mode: DenseMode | undefined): number {
  return mode === "bspline" ? BSPLINE_BYTES_PER_VOXEL : DENSE_BYTES_PER_VOXEL;
}

/** True when registering at a level of `shape` fits `budgetBytes`, at `bytesPerVoxel` (denseBytesPerVoxel). */
export function fitsBudget(shape: readonly number[], budgetBytes: number, bytesPerVoxel = DENSE_BYTES_PER_VOXEL): boolean {
  return voxelCount(shape) * bytesPerVoxel <= budgetBytes;
}

/** The finest level of `source` whose working set fits `budgetBytes`. */
export function chooseLevel(source: Source, budgetBytes: number, bytesPerVoxel = DENSE_BYTES_PER_VOXEL): number {
  for (let l = 0; l < source.meta.levels.length; l++) {
    if (fitsBudget(source.meta.levels[l]!.shape, budgetBytes, bytesPerVoxel)) return l;
  }
  const coarsest = source.meta.levels[source.meta.levels.length - 1]!;
  throw new BudgetError(`registration of ${source.meta.path}`, voxelCount(coarsest.shape) * bytesPerVoxel, budgetBytes);
}

/** The moving level whose spacing is closest to (not coarser than) `spacing`, on the finest axis. */
function matchingLevel(source: Source, space: Space, budgetBytes: number, bytesPerVoxel: number): number {
  const want = Math.min(...space.spacing.filter((_, a) => source.meta.ndim === 3 || a > 0));
  let best = chooseLevel(source, budgetBytes, bytesPerVoxel);
  for (let l = best; l < source.meta.levels.length; l++) {
    const sp = source.meta.space.spacing.map((s, a) => s * source.meta.levels[l]!.scale[a]!);
    if (Math.min(...sp.filter((_, a) => source.meta.ndim === 3 || a > 0)) <= want * 1.0001) best = l;
  }
  return best;
}

/** The multi-resolution pyramid of a level image: shrink by 2 until the smallest in-plane side is under 48. */
function schedule(li: LevelImage, maxLevels: number): LevelImage[] {
  const out = [li];
  while (out.length < maxLevels) {
    const s = out[0]!.image.shape;
    const sides = s[0] > 1 ? s : [s[1], s[2]];
    if (Math.min(...sides) < 96) break;
    out.unshift(shrinkLevelImage(out[0]!));
  }
  return out;
}

/**
 * Dense metric value of the moving image through `affine` ∘ (id + u) on the fixed grid of `fixed`; through the affine
 * alone when `u` is absent (no zero field of the registration level is allocated for that).
 */
async function denseValue(
  fixed: LevelImage, moving: LevelImage, affine: Mat4, u: Field | undefined, ndim: 2 | 3, name: string, kernels: Kernels, radius: number,
): Promise<number> {
  const b = mul4(physicalToIndexMat4(moving.space), mul4(affine, indexToPhysicalMat4(fixed.space)));
  const options = { interpolation: "linear", mask: true } as const;
  const r = u
    ? await kernels.resampleMapped(moving.image, b, u, options)
    : await kernels.resampleAffine(moving.image, fixed.image.shape, resampleMatrix(b, ndim), options);
  const shape = fixed.image.shape;
  if (name === "mse") return (await kernels.meanSquares(fixed.image.data, r.image.data, shape, { movingMask: r.mask! })).value;
  if (name === "mi") return mattesMutualInformation(fixed.image.data, r.image.data, shape, { movingMask: r.mask!, movingRange: intensityRange(moving.image.data) }).value;
  return localNccFast(fixed.image.data, r.image.data, shape, { movingMask: r.mask!, radius }).value;
}

/**
 * Registers `moving` to `fixed` in memory at one pyramid level. The result maps fixed physical points to moving
 * physical points: T(p) = A(φ(p)), φ stored as a displacement grid (greedy, bspline-greedy), a velocity field (svf)
 * or a B-spline lattice (bspline).
 */
export async function registerImages(fixed: Source, moving: Source, options: RegisterOptions = {}): Promise<RegistrationResult> {
  const ndim = fixed.meta.ndim === 3 || moving.meta.ndim === 3 ? 3 : 2;
  if (fixed.meta.ndim !== moving.meta.ndim) {
    throw new OptionError("images", `${fixed.meta.ndim}D fixed, ${moving.meta.ndim}D moving`, "two 2D images or two 3D volumes");
  }
  const kernels = options.kernels ?? serialKernels;
  const budget = options.budgetBytes ?? 2 * 2 ** 30;
  const preset = options.preset ?? "accurate";
  const metricChoice = options.metric ?? "auto";
  const affineMetric = metricChoice === "auto" ? "mi" : metricChoice;
  const denseMetric = metricChoice === "auto" ? "ncc" : metricChoice;
  const t0 = performance.now();
  const stages: StageReport[] = [];
  let mark = performance.now();
  const endStage = (name: string) => {
    const now = performance.now();
    stages.push({ name, seconds: (now - mark) / 1000, peakRssBytes: peakRssBytes() });
    mark = now;
  };
  const emit = (stage: RegistrationEvent["stage"], caps: number[]) => (e: { level: number; iteration: number; value: number }) =>
    options.onProgress?.({ stage, ...e, maxIterations: caps[e.level] ?? e.iteration + 1, elapsedMs: performance.now() - t0 });

  const bytesPerVoxel = denseBytesPerVoxel(options.deformable);
  const fl = chooseLevel(fixed, budget, bytesPerVoxel);
  if (options.level !== undefined && !(Number.isInteger(options.level) && options.level >= fl && options.level < fixed.meta.levels.length)) {
    throw new OptionError("level", options.level, `a level of ${fixed.meta.path} from ${fl} (the finest the budget allows) to ${fixed.meta.levels.length - 1}`);
  }
  const level = options.level ?? fl;
  for (const [which, src, c] of [["fixed", fixed, options.channels?.fixed], ["moving", moving, options.channels?.moving]] as const) {
    if (c !== undefined && !(Number.isInteger(c) && c >= 0 && c < src.meta.channels.length)) {
      throw new OptionError(`${which} channel`, c, `a channel index 0..${src.meta.channels.length - 1} of ${src.meta.path} (${src.meta.channels.join(", ")})`);
    }
  }
  const f0 = await readLevelImage(fixed, level, { budgetBytes: budget, ...(options.channels?.fixed !== undefined ? { channel: options.channels.fixed } : {}) });
  const ml = matchingLevel(moving, f0.space, budget, bytesPerVoxel);
  const m0 = await readLevelImage(moving, ml, { budgetBytes: budget, ...(options.channels?.moving !== undefined ? { channel: options.channels.moving } : {}) });
  normaliseIntensity(f0.image);
  normaliseIntensity(m0.image);
  const fixedPyramid = schedule(f0, 4), movingPyramid = [m0];
  while (movingPyramid.length < fixedPyramid.length) movingPyramid.unshift(shrinkLevelImage(movingPyramid[0]!));
  const params = presetParameters(preset, fixedPyramid.length, options.regularization);
  // Every stage reads these many times: smoothed by the level's extra σ if any, then placed once where the kernels
  // read them (on the CPU pool, shared memory, instead of a copy of the moving level per resampling call).
  const resident = (levels: LevelImage[]) => Promise.all(levels.map(async (l, i) => {
    const sigma = params.smoothingSigmas[i]!;
    const image = sigma > 0 ? await kernels.gaussianSmooth(l.image, ndim === 3 ? sigma : [0, sigma, sigma]) : l.image;
    return { ...l, image: await kernels.resident(image) };
  }));
  const fixedLevels = await resident(fixedPyramid), movingLevels = await resident(movingPyramid);
  endStage("read");

  // A translation-only registration must not inherit a rotation from the search.
  const init = await initialise(fixedLevels[0]!, movingLevels[0]!, ndim, {
    metric: affineMetric, flips: options.flips ?? false, seed: options.seed ?? 1, ...(options.dof === "translation" ? { angleStepDegrees: 0 } : {}),
  }, kernels);
  endStage("initialise");
  const affine = await registerAffine(fixedLevels, movingLevels, init.params, init.centre, ndim, {
    dof: options.dof ?? "affine", metric: affineMetric, iterations: params.affineIterations, samples: params.affineSamples,
    seed: options.seed ?? 1, onIteration: emit("affine", params.affineIterations), ...(options.signal ? { signal: options.signal } : {}),
  }, kernels);
  endStage("affine");

  const finest = fixedLevels[fixedLevels.length - 1]!, finestMoving = movingLevels[movingLevels.length - 1]!;
  const before = await denseValue(finest, finestMoving, identity4(), undefined, ndim, denseMetric, kernels, params.nccRadius);
  const afterAffine = await denseValue(finest, finestMoving, affine.matrix, undefined, ndim, denseMetric, kernels, params.nccRadius);
  const transform: RegistrationTransform = {
    ndim, affine: affine.matrix, fixedSpace: fixed.meta.space, movingSpace: moving.meta.space, fixedShape: [...fixed.meta.levels[0]!.shape],
  };
  let after = afterAffine;
  let jacobian: JacobianStats | undefined;
  let jacobianMap: Image | undefined;
  let denseRejected = false;
  const mode = options.deformable ?? "greedy";
  if (mode !== "none") {
    // Dense levels with 0 iterations are dropped from the fine end: the field is then upsampled to the finest grid.
    const common = {
      metric: denseMetric, iterations: params.denseIterations, onIteration: emit("deformable", params.denseIterations),
      ...(denseMetric === "ncc" ? { radius: params.nccRadius } : {}), ...(options.signal ? { signal: options.signal } : {}),
    };
    const greedy = (initial?: { displacement: Field; level: LevelImage }) => registerGreedy(fixedLevels, movingLevels, affine.matrix, ndim, {
      ...common, sigmaUpdate: params.sigmaUpdate, sigmaField: params.sigmaField, stepVoxels: params.stepVoxels, ...(params.elastic ? { elastic: params.elastic } : {}),
      mode: mode === "svf" || mode === "symmetric" ? mode : "greedy", ...(initial ? { initial } : {}),
    }, kernels);
    const bspline = { ...common, gridSpacingVoxels: params.gridSpacing, bendingWeight: params.bendingWeight };
    let dense;
    let lattice: BSplineLattice | undefined;
    if (mode === "bspline") {
      dense = await registerBSpline(fixedLevels, movingLevels, affine.matrix, ndim, bspline, kernels);
      lattice = dense.lattice;
    } else if (mode === "bspline-greedy") {
      // The B-spline runs on the two coarsest levels only; greedy then refines its displacement at every level. As
      // greedy's starting point it converges fully (tolerance 1e-5): stopped earlier, it moved the greedy result on
      // ANHIR, mostly for the worse (rTRE kidney / lung 0.00180 / 0.00424; at 5e-4 0.00221 / 0.00451; at
      // BSPLINE_TOLERANCE 0.00177 / 0.00533).
      const coarse = params.denseIterations.map((n, l) => (l < 2 ? n : 0));
      const smooth = await registerBSpline(fixedLevels, movingLevels, affine.matrix, ndim, { ...bspline, iterations: coarse, tolerance: 1e-5 }, kernels);
      dense = await greedy({ displacement: smooth.displacement, level: finest });
    } else {
      dense = await greedy();
    }
    const u = dense.displacement;
    const denseAfter = await denseValue(finest, finestMoving, affine.matrix, u, ndim, denseMetric, kernels, params.nccRadius);
    // A deformable result that scores worse than the affine one on the registration level is dropped (and said so),
    // as bigstream's final metric check does: the affine alone is the better answer there.
    if (denseAfter <= afterAffine) {
      after = denseAfter;
      jacobianMap = await kernels.jacobianDeterminant(u);
      jacobian = jacobianStats(jacobianMap);
      // Each mode stores what it optimised: the velocity (svf, symmetric), the coefficient lattice (bspline), else the field.
      if (mode === "svf" || mode === "symmetric") {
        if (!dense.velocity) throw new Error(`registerGreedy in mode ${mode} returned no velocity`);
        transform.velocity = toPhysical(dense.velocity, finest.space);
      } else if (lattice) {
        transform.bspline = bsplineGridFromLattice(lattice, finest.space);
      } else {
        transform.displacement = toPhysical(u, finest.space);
      }
    } else {
      denseRejected = true;
    }
    endStage("deformable");
  }
  return {
    transform, level: { fixed: level, moving: ml }, metric: { name: denseMetric, before, afterAffine, after }, denseRejected,
    ...(jacobian ? { jacobian } : {}), ...(jacobianMap ? { jacobianMap } : {}), stages,
  };
}

/** Fixed-voxel displacements → physical displacements d = D · (spacing ⊙ u), vector-first [z, y, x] / [y, x]. */
export function toPhysical(u: ReturnType<typeof createField>, space: Space): DisplacementGrid {
  const data = mapVectors(indexToPhysicalLinear(space), u.data, u.ndim, new Float32Array(u.data.length));
  return { ndim: u.ndim, shape: [...u.shape], space, data };
}
