// The parametric deformable stage: a cubic B-spline free-form deformation with a bending-energy penalty, optimised
// by L-BFGS coarse to fine with the lattice refined exactly between levels. The dense alternative is greedy-stage.ts.

import { AbortedError, OptionError } from "../core/errors.js";
import type { Vec3 } from "../core/space.js";
import type { Kernels } from "../compute/kernels.js";
import { bendingEnergy } from "../kernels/bending-energy.js";
import { maxVectorNorm } from "../kernels/field-arithmetic.js";
import {
  createLattice, fitLattice, mapLattice, subdivideLattice, type BSplineLattice,
} from "../kernels/bspline-lattice.js";
import { imageNdim, type Field } from "../kernels/types.js";
import { localNccFast } from "../compute/wasm/local-ncc.js";
import { mattesMutualInformation } from "../metrics/mattes-mutual-information.js";
import type { MetricResult } from "../metrics/metric.js";
import { mul4, type Mat4 } from "../transforms/affine.js";
import { intensityRange } from "./affine-stage.js";
import { indexToPhysicalMat4, physicalToIndexMat4 } from "./frame.js";
import type { DenseMetric, GreedyResult } from "./greedy-stage.js";
import { minimizeLbfgs } from "./lbfgs.js";
import type { LevelImage } from "./level-image.js";

const DENSE_METRICS: readonly DenseMetric[] = ["ncc", "mse", "mi"];

/**
 * The default early stop of a level: the cost improved less than 0.1 % over the last 10 iterations. Near the optimum
 * each L-BFGS step gains ever less and its line search backtracks more, and on noisy images those steps fit the noise:
 * with 1e-5 (until 2026-11-22) the finest levels ran to their iteration cap for no gain. On the peers' pairs
 * (BENCHMARKS, "B-spline early stop") 4096² took 11–12 s instead of 20.5 s and 256³ 43 s instead of 71 s, at the same
 * or a better median TRE.
 */
export const BSPLINE_TOLERANCE = 1e-3;

export interface BSplineOptions {
  /** @default "ncc" (local NCC) */
  metric?: DenseMetric;
  /** Local NCC window radius in voxels; only with metric "ncc". @default 2 */
  radius?: number;
  /** L-BFGS iterations (accepted steps) per level, coarsest first, one entry per level. 0 skips a level. */
  iterations: number[];
  /**
   * Knot spacing in voxels of the finest level. The lattice is refined by 2 along an axis exactly where the pyramid
   * halves that axis, so it is this many voxels of every level, and physically constant from the finest level up to
   * a factor 2 per halving. @default 16
   */
  gridSpacingVoxels?: number;
  /**
   * λ, the weight of the bending energy relative to the metric: the cost is C + λ·s·E, with E the bending energy in
   * lattice units (bending-energy.ts) and s the metric's natural unit ({@link metricScale}: 1 for NCC and MI, the
   * fixed image's intensity variance for MSE), so λ does not depend on the metric, the intensity scale, the voxel
   * size or the level. 0 turns the penalty off. @default 0.01
   */
  bendingWeight?: number;
  /** Largest change of one knot's displacement in one step, in voxels of the level. @default 1 */
  maxStepVoxels?: number;
  /** Stop a level when the cost improved less than this (relative) over the last 10 iterations. @default {@link BSPLINE_TOLERANCE} */
  tolerance?: number;
  /** Per level, coarsest first: the fixed voxels the metric may count (1); all when absent. */
  fixedMasks?: Uint8Array[];
  /** After every accepted step: `value` is the metric, `cost` adds the bending penalty. */
  onIteration?: (e: { level: number; iteration: number; value: number; cost: number }) => void;
  signal?: AbortSignal;
}

/** A {@link GreedyResult} (so the driver can swap stages) plus the lattice itself. */
export interface BSplineResult extends GreedyResult {
  /** The final lattice, on the finest fixed grid; `displacement` is its evaluation there. */
  lattice: BSplineLattice;
}

/** Everything one level's cost needs besides the lattice. */
export interface BSplineLevelProblem {
  fixed: LevelImage;
  moving: LevelImage;
  /** Fixed index → moving index through the affine, B = P_m⁻¹ · A · P_f. */
  fixedToMovingIndex: Mat4;
  metric: DenseMetric;
  /** Local NCC radius (voxels). */
  radius: number;
  /** Moving intensity range of the MI histogram. */
  movingRange: [number, number];
  /** Absolute weight w of the bending energy: cost = metric + w·E. */
  bendingWeight: number;
  /** Fixed voxels the metric may count (1) on this level's grid; all when absent. */
  fixedMask?: Uint8Array;
}

export interface BSplineCost {
  /** metric + w·E. */
  value: number;
  metricValue: number;
  /** E, the bending energy in lattice units. */
  bending: number;
  /** ∂value/∂c over the knots (shape and ndim of the lattice's coefficients), per voxel of displacement. */
  gradient: Field;
  /** Voxels the metric counted (0: no overlap). */
  count: number;
}

async function denseMetric(problem: BSplineLevelProblem, warped: Float32Array, mask: Uint8Array, kernels: Kernels): Promise<MetricResult> {
  const f = problem.fixed.image.data, shape = problem.fixed.image.shape;
  // The warp's samples are not needed after the metric: mean squares writes its derivative over them.
  if (problem.metric === "mse") return kernels.meanSquares(f, warped, shape, { movingMask: mask, gradientInto: warped });
  if (problem.metric === "mi") return mattesMutualInformation(f, warped, shape, { movingMask: mask, bins: 32, movingRange: problem.movingRange });
  return localNccFast(f, warped, shape, { movingMask: mask, radius: problem.radius });
}

/**
 * Cost of a lattice and its gradient w.r.t. the coefficients. With u = eval(c), W(x) = M(c(x)), c(x) = B·x + K·u(x):
 *   ∂C/∂u_a(x) = ∂C/∂W(x) · Σ_r K_ra ∂M/∂c_r(c(x))   (the dense force of greedy-stage.ts, sign flipped),
 *   ∂C/∂c_k = Σ_x β³(x/h − k) ∂C/∂u(x) = splat(∂C/∂u)   (the adjoint of evaluation),
 * plus w·∂E/∂c for the bending energy. Linear interpolation of the moving image; samples outside it do not count.
 */
export async function bsplineCost(problem: BSplineLevelProblem, lattice: BSplineLattice, kernels: Kernels): Promise<BSplineCost> {
  const shape = problem.fixed.image.shape, b = problem.fixedToMovingIndex;
  const res = await kernels.latticeWarp(problem.moving.image, b, lattice, shape);
  const inside = res.mask!, fixedMask = problem.fixedMask;
  if (fixedMask) for (let i = 0; i < inside.length; i++) inside[i] = inside[i]! & fixedMask[i]!;
  const m = await denseMetric(problem, res.image.data, inside, kernels);
  const gradient = await kernels.splatForce(m.gradient, res.gradient!, b, lattice);
  kernels.release(res.image.data, inside, res.gradient!.data);
  const bend = bendingEnergy(lattice, shape);
  const w = problem.bendingWeight;
  if (w !== 0) for (let i = 0; i < gradient.data.length; i++) gradient.data[i] = gradient.data[i]! + w * bend.gradient.data[i]!;
  return { value: m.value + w * bend.value, metricValue: m.value, bending: bend.value, gradient, count: m.count };
}

/**
 * The unit the bending weight λ is relative to: 1 for "ncc" (values in [−1, 0]) and "mi" (nats, typically 0.1–1),
 * and the variance of the fixed intensities for "mse" (1 for a constant image), the cost of two unrelated images
 * being about twice that. Not the metric at the start: unrelated images (NCC ≈ 0) would then get no penalty at all.
 */
export function metricScale(metric: DenseMetric, fixed: Float32Array): number {
  if (metric !== "mse") return 1;
  let mean = 0;
  for (let i = 0; i < fixed.length; i++) mean += fixed[i]!;
  mean /= fixed.length;
  let v = 0;
  for (let i = 0; i < fixed.length; i++) v += (fixed[i]! - mean) ** 2;
  return v / fixed.length || 1;
}

/** The lattice with its coefficients replaced by `x` (float64 → float32). */
function withCoefficients(lattice: BSplineLattice, x: Float64Array): BSplineLattice {
  const c = lattice.coefficients;
  return { ...lattice, coefficients: { data: Float32Array.from(x), shape: [...c.shape], ndim: c.ndim } };
}

/** Per axis: coarse spacing / fine spacing > 1.5, i.e. the pyramid halved the axis between the two levels. */
function halvedAxes(coarse: LevelImage, fine: LevelImage): [boolean, boolean, boolean] {
  return [0, 1, 2].map((a) => coarse.space.spacing[a]! / fine.space.spacing[a]! > 1.5) as [boolean, boolean, boolean];
}

/** Moves the lattice of level `coarse` onto the grid of `fine`: re-expressed (exact), subdivided where halved, fitted. */
function transferLattice(lattice: BSplineLattice, coarse: LevelImage, fine: LevelImage): BSplineLattice {
  const m = mul4(physicalToIndexMat4(coarse.space), indexToPhysicalMat4(fine.space)); // fine index → coarse index
  const scale: Vec3 = [m[0]!, m[5]!, m[10]!], offset: Vec3 = [m[3]!, m[7]!, m[11]!];
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      if (r !== c && Math.abs(m[r * 4 + c]!) > 1e-6 * Math.max(...scale.map(Math.abs))) {
        throw new OptionError("fixedLevels", `level spaces with different directions`, "levels of one image (same direction cosines), as shrinkLevelImage makes them");
      }
  return fitLattice(subdivideLattice(mapLattice(lattice, scale, offset), halvedAxes(coarse, fine)), fine.image.shape);
}

function checkOptions(fixedLevels: LevelImage[], movingLevels: LevelImage[], ndim: 2 | 3, options: BSplineOptions): void {
  if (fixedLevels.length === 0) throw new OptionError("fixedLevels", "[]", "at least one level");
  if (movingLevels.length !== fixedLevels.length)
    throw new OptionError("movingLevels", `${movingLevels.length} levels`, `one per fixed level (${fixedLevels.length})`);
  const its = options.iterations;
  if (!Array.isArray(its) || its.length !== fixedLevels.length)
    throw new OptionError("iterations", its, `one iteration count per level, coarsest first (${fixedLevels.length} entries)`);
  if (!its.every((n) => Number.isInteger(n) && n >= 0)) throw new OptionError("iterations", its, "non-negative integers");
  fixedLevels.forEach((f, l) => {
    if (imageNdim(f.image.shape) !== ndim)
      throw new OptionError("ndim", ndim, `${imageNdim(f.image.shape)}, the dimension of fixed level ${l} (shape [${f.image.shape}])`);
  });
  const metric = options.metric ?? "ncc";
  if (!DENSE_METRICS.includes(metric)) throw new OptionError("metric", metric, `one of ${DENSE_METRICS.map((m) => `"${m}"`).join(", ")}`);
  if (options.radius !== undefined && metric !== "ncc")
    throw new OptionError("radius", options.radius, `no radius with metric "${metric}" (the window radius is for "ncc" only)`);
  const positive = (name: string, v: number | undefined, min: number, hint: string) => {
    if (v !== undefined && !(Number.isFinite(v) && v >= min)) throw new OptionError(name, v, hint);
  };
  positive("gridSpacingVoxels", options.gridSpacingVoxels, 1, "a knot spacing of at least 1 voxel, e.g. 16");
  positive("bendingWeight", options.bendingWeight, 0, "a finite weight ≥ 0, e.g. 0.01 (0 turns the penalty off)");
  positive("tolerance", options.tolerance, 0, "a finite relative change ≥ 0, e.g. 1e-5");
  if (options.maxStepVoxels !== undefined && !(Number.isFinite(options.maxStepVoxels) && options.maxStepVoxels > 0))
    throw new OptionError("maxStepVoxels", options.maxStepVoxels, "a positive step in voxels, e.g. 1");
}

/**
 * B-spline free-form deformation of `movingLevels` onto `fixedLevels` (coarsest first) on top of `affine` (fixed
 * physical → moving physical): φ(x) = A(x + u(x)), u(x) = Σ_k β³(x/h − k) c_k. Each level minimises
 * C(F, M∘φ) + λ·s·E(c) over the coefficients by L-BFGS; between levels the lattice is re-expressed on the finer
 * grid and refined by exact dyadic subdivision, so the field a level starts from is the one the previous level ended
 * with, bit for bit up to float32 rounding.
 * @param ndim 2 for images of shape [1, y, x], else 3.
 * @returns the dense displacement on the finest fixed grid (voxel units of that grid, vector-first), the lattice, and
 *          per level the metric before and after and the iterations run.
 * @see Rueckert et al. (1999) Nonrigid registration using free-form deformations: application to breast MR images,
 *      IEEE TMI 18(8):712–721; Klein et al. (2010) elastix, IEEE TMI 29(1):196–205 (the grid schedule).
 */
export async function registerBSpline(
  fixedLevels: LevelImage[], movingLevels: LevelImage[], affine: Mat4, ndim: 2 | 3, options: BSplineOptions, kernels: Kernels,
): Promise<BSplineResult> {
  checkOptions(fixedLevels, movingLevels, ndim, options);
  const metric = options.metric ?? "ncc", lambda = options.bendingWeight ?? 0.01, grid = options.gridSpacingVoxels ?? 16;
  const finest = fixedLevels[fixedLevels.length - 1]!;
  // Knot spacing on the coarsest level: the finest one, doubled once per halving of each axis on the way down.
  const spacing0 = [0, 1, 2].map((a) => {
    let physical = grid * finest.space.spacing[a]!;
    for (let l = 0; l + 1 < fixedLevels.length; l++) if (halvedAxes(fixedLevels[l]!, fixedLevels[l + 1]!)[a]) physical *= 2;
    return physical / fixedLevels[0]!.space.spacing[a]!;
  }) as Vec3;
  let lattice = createLattice(fixedLevels[0]!.image.shape, spacing0, ndim);
  const levels: GreedyResult["levels"] = [];
  for (let l = 0; l < fixedLevels.length; l++) {
    if (options.signal?.aborted) throw new AbortedError("B-spline registration");
    const fixed = fixedLevels[l]!, moving = movingLevels[l]!;
    if (l > 0) lattice = transferLattice(lattice, fixedLevels[l - 1]!, fixed);
    const iterations = options.iterations[l]!;
    if (iterations === 0) {
      // Not evaluated: at the fine end (preset fast, bspline-greedy's initialiser) that would be a whole warp and
      // splat of the largest level for a number nobody reads.
      levels.push({ valueBefore: NaN, valueAfter: NaN, iterations: 0 });
      continue;
    }
    const problem: BSplineLevelProblem = {
      fixed, moving, metric, radius: options.radius ?? 2, movingRange: intensityRange(moving.image.data),
      bendingWeight: lambda * metricScale(metric, fixed.image.data),
      fixedToMovingIndex: mul4(physicalToIndexMat4(moving.space), mul4(affine, indexToPhysicalMat4(fixed.space))),
      ...(options.fixedMasks?.[l] ? { fixedMask: options.fixedMasks[l] } : {}),
    };
    const start = await bsplineCost(problem, lattice, kernels);
    const base = lattice;
    let lastMetric = start.metricValue, acceptedMetric = start.metricValue;
    const result = await minimizeLbfgs(Float64Array.from(base.coefficients.data), async (x) => {
      const r = await bsplineCost(problem, withCoefficients(base, x), kernels);
      lastMetric = r.metricValue;
      return { value: r.value, gradient: Float64Array.from(r.gradient.data) };
    }, {
      iterations, maxStep: options.maxStepVoxels ?? 1, stepNorm: (d) => maxVectorNorm(d, ndim),
      tolerance: options.tolerance ?? BSPLINE_TOLERANCE, signal: options.signal, what: "B-spline registration",
      initial: { value: start.value, gradient: Float64Array.from(start.gradient.data) },
      onIteration: (e) => {
        acceptedMetric = lastMetric; // the accepted point is always the last one evaluated
        options.onIteration?.({ level: l, iteration: e.iteration, value: lastMetric, cost: e.value });
      },
    });
    lattice = withCoefficients(base, result.x);
    levels.push({ valueBefore: start.metricValue, valueAfter: acceptedMetric, iterations: result.iterations });
  }
  return { displacement: await kernels.evaluateLattice(lattice, finest.image.shape), lattice, levels };
}
