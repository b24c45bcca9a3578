// The dense stage: greedy diffeomorphic registration in the spirit of ANTs SyN / greedy (metric force → Gaussian-
// smoothed update → composition → field smoothing), or its stationary-velocity variants (u = exp(v)), one-sided or symmetric.

import { AbortedError, OptionError } from "../core/errors.js";
import type { Vec3 } from "../core/space.js";
import type { Kernels } from "../compute/kernels.js";
import { maxNorm, scaleField, addFields } from "../kernels/field-arithmetic.js";
import { createField, type Field } from "../kernels/types.js";
import { checkElastic, solveElastic, type ElasticOptions } from "../kernels/linear-elasticity.js";
import { localNccFast } from "../compute/wasm/local-ncc.js";
import { mattesMutualInformation } from "../metrics/mattes-mutual-information.js";
import type { MetricResult } from "../metrics/metric.js";
import { identity4, mul4, type Mat4 } from "../transforms/affine.js";
import { indexToPhysicalMat4, physicalToIndexMat4, resampleMatrix } from "./frame.js";
import type { LevelImage } from "./level-image.js";
import { intensityRange } from "./affine-stage.js";

export type DenseMetric = "ncc" | "mse" | "mi";

export interface GreedyOptions {
  /** @default "ncc" */
  metric?: DenseMetric;
  /** Local NCC window radius in voxels. @default 2 */
  radius?: number;
  /** Iterations per level, coarsest first. */
  iterations: number[];
  /** Gaussian σ (voxels) of each update: the "fluid" regularisation. @default 1.732 (greedy's default) */
  sigmaUpdate?: number;
  /**
   * Regularise each update by linear elasticity instead of the σ-update Gaussian: the update solves
   * (I − μΔ − (λ + μ)∇∇·) w = force (kernels/linear-elasticity.ts). @default none
   */
  elastic?: ElasticOptions;
  /** Gaussian σ (voxels) applied to the whole field after each update: the "elastic" one. @default 0.707 */
  sigmaField?: number;
  /** Largest displacement of one update, in voxels. @default 0.5 */
  stepVoxels?: number;
  /**
   * "greedy": compose updates into a displacement; "svf": add them to a stationary velocity v, φ = exp(v);
   * "symmetric": a stationary velocity driven from both ends, the moving image pulled by exp(v/2) and the fixed one by
   * exp(−v/2) towards their midpoint (with a symmetric metric and both images on one grid, swapping them gives −v).
   */
  mode?: "greedy" | "svf" | "symmetric";
  /** Stop a level when the metric improved less than this (relative) over the last 10 iterations. @default 1e-4 */
  tolerance?: number;
  /**
   * A displacement to start from instead of zero (voxel units of `level`'s fixed grid), e.g. a B-spline stage's
   * result; it is resampled onto the coarsest level. Mode "greedy" only.
   */
  initial?: { displacement: Field; level: LevelImage };
  /** Fixed voxels that count, one mask per level (coarsest first, each over its level's grid); 0 = ignore. @default all */
  fixedMasks?: Uint8Array[];
  onIteration?: (e: { level: number; iteration: number; value: number }) => void;
  signal?: AbortSignal;
}

export interface GreedyResult {
  /** Displacement u on the finest fixed grid, voxel units of that grid (φ(x) = x + u(x)). */
  displacement: Field;
  /** Stationary velocity (modes "svf" and "symmetric"), same units; exp(v) = displacement. */
  velocity?: Field;
  /** Per level, coarsest first: the metric before and after, NaN on a level that ran no iteration (not evaluated). */
  levels: { valueBefore: number; valueAfter: number; iterations: number }[];
}

async function denseMetric(
  metric: DenseMetric, f: Float32Array, w: Float32Array, shape: Vec3, mask: Uint8Array, radius: number, range: [number, number], kernels: Kernels,
): Promise<MetricResult> {
  if (metric === "mse") return kernels.meanSquares(f, w, shape, { movingMask: mask });
  if (metric === "mi") return mattesMutualInformation(f, w, shape, { movingMask: mask, bins: 32, movingRange: range });
  return localNccFast(f, w, shape, { movingMask: mask, radius });
}

/**
 * The force −∂C/∂u of a metric gradient dC/dW (`dC`, one value per voxel) on an image W(x) = I(K·(x + u(x)) + t)
 * sampled with gradient `g` (∂I/∂c per axis of I's index, planes of n): force_a = −dC/dW · Σ_r K_ra ∂I/∂c_r, K the
 * linear part of `k` (4×4: output voxel → image voxel). Fixed voxel units, vector-first.
 */
function metricForce(dC: Float32Array, g: Float32Array, k: ArrayLike<number>, shape: Vec3, nd: 2 | 3): Field {
  const n = dC.length, force = createField(shape, nd), f = force.data;
  const first = nd === 3 ? 0 : 1;
  // The sum starts from 0.
  for (let a = first; a < 3; a++) {
    const fo = (a - first) * n;
    if (nd === 2) {
      const k1 = k[4 + a]!, k2 = k[8 + a]!;
      for (let i = 0; i < n; i++) {
        const dw = dC[i]!;
        if (dw !== 0) f[fo + i] = -dw * (0 + k1 * g[i]! + k2 * g[n + i]!);
      }
    } else {
      const k0 = k[a]!, k1 = k[4 + a]!, k2 = k[8 + a]!;
      for (let i = 0; i < n; i++) {
        const dw = dC[i]!;
        if (dw !== 0) f[fo + i] = -dw * (0 + k0 * g[i]! + k1 * g[n + i]! + k2 * g[2 * n + i]!);
      }
    }
  }
  return force;
}

/** One evaluation: warped moving, metric, and the force −∂C/∂u (fixed voxel units, vector-first). */
async function forceAt(
  fixed: LevelImage, moving: LevelImage, b: Mat4, u: Field, options: GreedyOptions, range: [number, number], kernels: Kernels, fixedMask?: Uint8Array,
): Promise<{ value: number; force: Field }> {
  const shape = fixed.image.shape;
  const res = await kernels.resampleMapped(moving.image, b, u, { interpolation: "linear", gradient: true, mask: true });
  if (fixedMask) for (let i = 0; i < fixedMask.length; i++) res.mask![i] = res.mask![i]! & fixedMask[i]!;
  const m = await denseMetric(options.metric ?? "ncc", fixed.image.data, res.image.data, shape, res.mask!, options.radius ?? 2, range, kernels);
  return { value: m.value, force: metricForce(m.gradient, res.gradient!.data, b, shape, u.ndim) };
}

/**
 * One symmetric evaluation at the midpoint of φ = exp(v): the moving image pulled by exp(v/2), the fixed one by
 * exp(−v/2), both on the fixed grid; the metric between them, and the velocity update direction ½(f_M − f_F), f_M the
 * force on the moving side's displacement and f_F the one on the fixed side's (whose displacement is −v/2).
 */
async function symmetricForceAt(
  fixed: LevelImage, moving: LevelImage, b: Mat4, v: Field, options: GreedyOptions, ranges: [[number, number], [number, number]], kernels: Kernels, fixedMask?: Uint8Array,
): Promise<{ value: number; force: Field }> {
  const shape = fixed.image.shape, nd = v.ndim, metric = options.metric ?? "ncc", radius = options.radius ?? 2;
  const [uM, uF] = [await kernels.expVelocity(scaleField(v, 0.5)), await kernels.expVelocity(scaleField(v, -0.5))];
  const wM = await kernels.resampleMapped(moving.image, b, uM, { interpolation: "linear", gradient: true, mask: true });
  const wF = await kernels.resampleMapped(fixed.image, identity4(), uF, { interpolation: "linear", gradient: true, mask: true });
  const mask = wM.mask!;
  for (let i = 0; i < mask.length; i++) mask[i] = mask[i]! & wF.mask![i]! & (fixedMask ? fixedMask[i]! : 1);
  // The metric's gradient with respect to each side: its second image's (so the fixed side's with the roles swapped).
  const onM = await denseMetric(metric, wF.image.data, wM.image.data, shape, mask, radius, ranges[1], kernels);
  const onF = await denseMetric(metric, wM.image.data, wF.image.data, shape, mask, radius, ranges[0], kernels);
  const fM = metricForce(onM.gradient, wM.gradient!.data, b, shape, nd), fF = metricForce(onF.gradient, wF.gradient!.data, identity4(), shape, nd);
  return { value: onM.value, force: scaleField(addFields(fM, scaleField(fF, -1)), 0.5) };
}

/** Resamples a displacement of one level's grid onto another's (finer or coarser), converting voxel units (same direction assumed). */
export async function upsampleField(u: Field, coarse: LevelImage, fine: LevelImage, kernels: Kernels): Promise<Field> {
  const m = mul4(physicalToIndexMat4(coarse.space), indexToPhysicalMat4(fine.space)); // fine index → coarse index
  const nd = u.ndim, first = nd === 3 ? 0 : 1, n = u.data.length / nd;
  const out = createField(fine.image.shape, nd);
  const nFine = out.data.length / nd;
  const matrix = resampleMatrix(m, nd);
  for (let a = first; a < 3; a++) {
    const comp = { data: u.data.subarray((a - first) * n, (a - first + 1) * n), shape: u.shape };
    const r = await kernels.resampleAffine(comp, fine.image.shape, matrix, { interpolation: "linear", boundary: "clamp" });
    const ratio = coarse.space.spacing[a]! / fine.space.spacing[a]!;
    const dst = out.data.subarray((a - first) * nFine, (a - first + 1) * nFine);
    for (let i = 0; i < nFine; i++) dst[i] = r.image.data[i]! * ratio;
  }
  return out;
}

/**
 * Greedy diffeomorphic registration of `movingLevels` to `fixedLevels` (coarsest first) on top of the affine
 * `affine` (fixed physical → moving physical). Each iteration: force = −∂C/∂u, smoothed by sigmaUpdate (with
 * `elastic`, its linear-elastic solve instead), scaled to at most stepVoxels, then u ← u ∘ update (mode "greedy") or
 * v ← v + update, u = exp(v) (mode "svf"); then the field (or velocity) is smoothed by sigmaField. Mode "symmetric" measures the metric at the midpoint, between the
 * moving image pulled by exp(v/2) and the fixed one by exp(−v/2), and takes ½(f_M − f_F) as the force on v
 * (the midpoint scheme of SyN, in the stationary-velocity form of symmetric log-demons); the rest is as "svf".
 * @see B. Avants et al. 2008 (SyN); P. Yushkevich et al., greedy (github.com/pyushkevich/greedy);
 *      T. Vercauteren et al. 2009, diffeomorphic log-demons (the stationary-velocity variants, symmetric included).
 */
export async function registerGreedy(
  fixedLevels: LevelImage[], movingLevels: LevelImage[], affine: Mat4, ndim: 2 | 3, options: GreedyOptions, kernels: Kernels,
): Promise<GreedyResult> {
  const mode = options.mode ?? "greedy";
  if (options.initial && mode !== "greedy") throw new OptionError("initial", "a displacement", "mode \"greedy\" (a velocity field cannot start from a displacement)");
  if (mode !== "greedy" && mode !== "svf" && mode !== "symmetric") throw new OptionError("mode", mode, '"greedy", "svf" or "symmetric"');
  if (options.elastic) checkElastic("elastic", options.elastic);
  const tol = options.tolerance ?? 1e-4;
  let u: Field | undefined, v: Field | undefined;
  const levels: GreedyResult["levels"] = [];
  for (let l = 0; l < fixedLevels.length; l++) {
    const fixed = fixedLevels[l]!, moving = movingLevels[l]!;
    const shape = fixed.image.shape;
    if (!u) u = options.initial ? await upsampleField(options.initial.displacement, options.initial.level, fixed, kernels) : createField(shape, ndim);
    else u = await upsampleField(u, fixedLevels[l - 1]!, fixed, kernels);
    if (mode !== "greedy") v = v ? await upsampleField(v, fixedLevels[l - 1]!, fixed, kernels) : createField(shape, ndim);
    if ((options.iterations[l] ?? 0) === 0) {
      levels.push({ valueBefore: NaN, valueAfter: NaN, iterations: 0 }); // not evaluated, as in the B-spline stage
      continue;
    }
    const b = mul4(physicalToIndexMat4(moving.space), mul4(affine, indexToPhysicalMat4(fixed.space)));
    const range = intensityRange(moving.image.data);
    // The symmetric mode also warps the fixed image, so it needs that one's range too; the others never read it.
    const ranges: [[number, number], [number, number]] | undefined = mode === "symmetric" ? [intensityRange(fixed.image.data), range] : undefined;
    const history: number[] = [];
    let it = 0;
    for (; it < (options.iterations[l] ?? 0); it++) {
      if (options.signal?.aborted) throw new AbortedError("deformable registration");
      const { value, force } = mode === "symmetric"
        ? await symmetricForceAt(fixed, moving, b, v!, options, ranges!, kernels, options.fixedMasks?.[l])
        : await forceAt(fixed, moving, b, u, options, range, kernels, options.fixedMasks?.[l]);
      history.push(value);
      options.onIteration?.({ level: l, iteration: it, value });
      if (history.length > 10) {
        const old = history[history.length - 11]!;
        if (old - value < tol * Math.abs(old)) break;
      }
      let update = options.elastic ? solveElastic(force, options.elastic).field : await kernels.gaussianSmoothField(force, options.sigmaUpdate ?? 1.732);
      const norm = maxNorm(update);
      if (!(norm > 0)) break;
      update = scaleField(update, (options.stepVoxels ?? 0.5) / norm);
      if (mode !== "greedy") {
        v = await kernels.gaussianSmoothField(addFields(v!, update), options.sigmaField ?? 0.707);
        u = await kernels.expVelocity(v);
      } else {
        u = await kernels.gaussianSmoothField(await kernels.composeFields(u, update), options.sigmaField ?? 0.707);
      }
    }
    const last = (await forceAt(fixed, moving, b, u, options, range, kernels, options.fixedMasks?.[l])).value;
    levels.push({ valueBefore: history[0] ?? last, valueAfter: last, iterations: it });
  }
  return { displacement: u!, ...(v ? { velocity: v } : {}), levels };
}
