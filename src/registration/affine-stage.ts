// The parametric stage: translation / rigid / similarity / affine in physical space about a centre, optimised on
// seeded fixed-image samples by regular-step gradient descent with automatic step halving, coarse to fine.

import { AbortedError } from "../core/errors.js";
import type { Vec3 } from "../core/space.js";
import type { Kernels } from "../compute/kernels.js";
import { correlation } from "../metrics/correlation.js";
import { mattesMutualInformation } from "../metrics/mattes-mutual-information.js";
import { meanSquares } from "../metrics/mean-squares.js";
import type { MetricResult } from "../metrics/metric.js";
import { sampleIndices } from "../metrics/sample-indices.js";
import { affineFromParams, mul4, type AffineDof, type AffineParams, type Mat4 } from "../transforms/affine.js";
import { indexToPhysicalMat4, physicalToIndexMat4 } from "./frame.js";
import type { LevelImage } from "./level-image.js";
import { fromVector, slotScales, slotsFor, toVector, type Slot } from "./parameter-vector.js";

export type ParametricMetric = "mse" | "ncc" | "mi";

export interface AffineStageOptions {
  dof: AffineDof;
  /** @default "ncc" (global correlation on the samples) */
  metric?: ParametricMetric;
  /** Iterations per level, coarsest first (one entry per level image pair). */
  iterations: number[];
  /** Fixed-image samples per level. @default 20000 */
  samples?: number;
  /** @default 1 */
  seed?: number;
  /** First step, in voxels of the level. @default 2 */
  initialStepVoxels?: number;
  /** Stop when the step falls below this, in voxels of the level. @default 0.01 */
  minStepVoxels?: number;
  /** Called after every iteration. */
  onIteration?: (e: { level: number; iteration: number; value: number; step: number }) => void;
  signal?: AbortSignal;
}

export interface AffineStageResult {
  params: AffineParams;
  /** Fixed physical → moving physical. */
  matrix: Mat4;
  /** Metric value at the start and end of each level. */
  levels: { valueBefore: number; valueAfter: number; iterations: number }[];
}

/** Fixed samples of one level: values and physical positions relative to the centre. */
interface SampleSet {
  values: Float32Array;
  /** p − centre, [z, y, x] per sample. */
  rel: Float64Array;
  count: number;
}

function fixedSamples(fixed: LevelImage, count: number, seed: number, centre: Vec3): SampleSet {
  const n = fixed.image.data.length;
  const idx = count >= n ? Int32Array.from({ length: n }, (_, i) => i) : sampleIndices(count, n, seed);
  const [, ny, nx] = fixed.image.shape;
  const m = indexToPhysicalMat4(fixed.space);
  const values = new Float32Array(idx.length), rel = new Float64Array(idx.length * 3);
  idx.forEach((i, k) => {
    const z = Math.floor(i / (ny * nx)), y = Math.floor(i / nx) % ny, x = i % nx;
    values[k] = fixed.image.data[i]!;
    for (let r = 0; r < 3; r++) rel[k * 3 + r] = m[r * 4]! * z + m[r * 4 + 1]! * y + m[r * 4 + 2]! * x + m[r * 4 + 3]! - centre[r]!;
  });
  return { values, rel, count: idx.length };
}

function evaluateMetric(metric: ParametricMetric, f: Float32Array, w: Float32Array, mask: Uint8Array, movingRange: [number, number]): MetricResult {
  const shape: Vec3 = [1, 1, f.length];
  if (metric === "mse") return meanSquares(f, w, shape, { movingMask: mask });
  if (metric === "mi") return mattesMutualInformation(f, w, shape, { movingMask: mask, bins: 32, movingRange });
  return correlation(f, w, shape, { movingMask: mask });
}

/** Linear part of the affine of `params`, as 9 numbers. */
function linear(params: AffineParams, ndim: 2 | 3): Float64Array {
  const m = affineFromParams(params, [0, 0, 0], ndim);
  return Float64Array.from([m[0]!, m[1]!, m[2]!, m[4]!, m[5]!, m[6]!, m[8]!, m[9]!, m[10]!]);
}

/**
 * Cost and gradient w.r.t. the slot vector. With r_i = ∂C/∂W_i · Qᵀ ∇M(c_i) (Q = moving physical→index, linear part)
 * and q_i = p_i − c: ∂C/∂t = Σ r_i, and ∂C/∂θ_k = Σ_ab (Σ_i r_ia q_ib) ∂L_ab/∂θ_k for the linear part L.
 */
export async function affineCostAndGradient(
  moving: LevelImage, samples: SampleSet, params: AffineParams, centre: Vec3, ndim: 2 | 3, slots: Slot[],
  metric: ParametricMetric, movingRange: [number, number], kernels: Kernels,
): Promise<{ value: number; gradient: Float64Array; count: number }> {
  const toIndex = physicalToIndexMat4(moving.space);
  const q = mul4(toIndex, affineFromParams(params, centre, ndim)); // fixed physical → moving index
  const n = samples.count, rel = samples.rel;
  const coords = new Float64Array(n * ndim);
  const qc = [0, 1, 2].map((r) => q[r * 4]! * centre[0] + q[r * 4 + 1]! * centre[1] + q[r * 4 + 2]! * centre[2] + q[r * 4 + 3]!);
  const first = ndim === 3 ? 0 : 1;
  for (let r = first; r < 3; r++) {
    const plane = (r - first) * n;
    for (let i = 0; i < n; i++) coords[plane + i] = qc[r]! + q[r * 4]! * rel[i * 3]! + q[r * 4 + 1]! * rel[i * 3 + 1]! + q[r * 4 + 2]! * rel[i * 3 + 2]!;
  }
  const res = await kernels.resampleAt(moving.image, { data: coords, shape: [1, 1, n], ndim }, { interpolation: "linear", gradient: true, mask: true });
  const m = evaluateMetric(metric, samples.values, res.image.data, res.mask!, movingRange);
  const g = res.gradient!.data;
  // G = Σ r q^T (3×3) and Σ r, in physical units; r = dC/dW · Q_linᵀ · ∇_index M.
  const G = new Float64Array(9), tsum = new Float64Array(3);
  for (let i = 0; i < n; i++) {
    const d = m.gradient[i]!;
    if (d === 0) continue;
    const gi = [0, 0, 0];
    for (let c = first; c < 3; c++) gi[c] = g[(c - first) * n + i]!;
    for (let a = 0; a < 3; a++) {
      const ra = d * (q[a]! * gi[0]! + q[4 + a]! * gi[1]! + q[8 + a]! * gi[2]!);
      tsum[a] = tsum[a]! + ra;
      for (let b = 0; b < 3; b++) G[a * 3 + b] = G[a * 3 + b]! + ra * rel[i * 3 + b]!;
    }
  }
  const v = toVector(slots, params), h = 1e-6;
  const gradient = new Float64Array(slots.length);
  slots.forEach((s, k) => {
    if (s.field === "translation") {
      gradient[k] = s.axes.reduce((acc, a) => acc + tsum[a]!, 0);
      return;
    }
    const vp = Float64Array.from(v), vm = Float64Array.from(v);
    vp[k] = vp[k]! + h;
    vm[k] = vm[k]! - h;
    const lp = linear(fromVector(slots, vp, params), ndim), lm = linear(fromVector(slots, vm, params), ndim);
    let s2 = 0;
    for (let j = 0; j < 9; j++) s2 += G[j]! * (lp[j]! - lm[j]!) / (2 * h);
    gradient[k] = s2;
  });
  return { value: m.value, gradient, count: m.count };
}

/** Min and max of an image's samples (the moving MI histogram range, fixed for a whole stage). */
export function intensityRange(data: Float32Array): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi > lo ? hi : lo + 1];
}

/**
 * Optimises `init` over the level pairs (coarsest first). Each level: samples of the fixed image, then
 * regular-step gradient descent in scaled units (ITK's RegularStepGradientDescent logic): a step of
 * `step` physical units along −∇/|∇|, halved whenever the gradient turns back, until the step is tiny.
 */
export async function registerAffine(
  fixedLevels: LevelImage[], movingLevels: LevelImage[], init: AffineParams, centre: Vec3, ndim: 2 | 3,
  options: AffineStageOptions, kernels: Kernels,
): Promise<AffineStageResult> {
  const slots = slotsFor(options.dof, ndim);
  const metric = options.metric ?? "ncc";
  let params = init;
  const levels: AffineStageResult["levels"] = [];
  for (let l = 0; l < fixedLevels.length; l++) {
    const fixed = fixedLevels[l]!, moving = movingLevels[l]!;
    const voxel = Math.min(...fixed.space.spacing.slice(ndim === 3 ? 0 : 1));
    const [nz, ny, nx] = fixed.image.shape;
    const radius = 0.5 * Math.hypot(ndim === 3 ? nz * fixed.space.spacing[0] : 0, ny * fixed.space.spacing[1], nx * fixed.space.spacing[2]);
    const scales = slotScales(slots, radius);
    const samples = fixedSamples(fixed, options.samples ?? 20000, (options.seed ?? 1) + l, centre);
    const range = intensityRange(moving.image.data);
    let step = (options.initialStepVoxels ?? 2) * voxel;
    const minStep = (options.minStepVoxels ?? 0.01) * voxel;
    let prev: Float64Array | undefined;
    let first = NaN, last = NaN, it = 0;
    for (; it < (options.iterations[l] ?? 0); it++) {
      if (options.signal?.aborted) throw new AbortedError("affine registration");
      const { value, gradient } = await affineCostAndGradient(moving, samples, params, centre, ndim, slots, metric, range, kernels);
      if (it === 0) first = value;
      last = value;
      const scaled = gradient.map((g, k) => g / scales[k]!);
      const norm = Math.hypot(...scaled);
      if (!(norm > 0)) break;
      if (prev && scaled.reduce((acc, g, k) => acc + g * prev![k]!, 0) < 0) step *= 0.5;
      if (step < minStep) break;
      prev = scaled;
      const v = toVector(slots, params);
      for (let k = 0; k < v.length; k++) v[k] = v[k]! - (step * scaled[k]!) / norm / scales[k]!;
      params = fromVector(slots, v, params);
      options.onIteration?.({ level: l, iteration: it, value, step });
    }
    levels.push({ valueBefore: first, valueAfter: last, iterations: it });
  }
  return { params, matrix: affineFromParams(params, centre, ndim), levels };
}
