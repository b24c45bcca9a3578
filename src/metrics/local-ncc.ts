// Local (windowed) normalised cross-correlation, ANTs "CC": value and exact analytic gradient w.r.t. the warped image.
// Window statistics come from box-sum.ts; resampling and the chain rule to forces belong to the registration layer.

import { OptionError } from "../core/errors.js";
import type { Vec3 } from "../core/space.js";
import { slabGeometry, slidingBoxSum, type SlabGeometry } from "./box-sum.js";
import { checkMetricInputs, countedMask, type MaskOptions, type MetricResult } from "./metric.js";

/** How {@link localNcc} differentiates; see there. */
export type LocalNccGradientMode = "exact" | "ants";

/** Options of {@link localNcc}. */
export interface LocalNccOptions extends MaskOptions {
  /** Half-width of the box window in voxels, one number for every axis or [z, y, x]; the window is 2r + 1 wide. */
  radius: number | Vec3;
  /**
   * "exact": the true derivative of the mean of the local terms (each W_j sits in every window that contains j).
   * "ants": only the window centred on j, as ANTs' ANTSNeighborhoodCorrelation does (3 box sums fewer, ≈ 20 % faster
   * in 2D, ≈ 45 % in 3D).
   * @default "exact"
   */
  gradientMode?: LocalNccGradientMode;
  /**
   * Variance floor, relative to the image's own variance over the counted voxels: a window whose fixed or moving
   * variance is at most `epsilon` × that global variance is flat, and contributes cc = 0 and no gradient.
   * Relative, so the metric stays invariant to W → aW + b. Keep it > 0 when the images have constant regions: the
   * running sums leave rounding noise (≈ 1e-16 of the window sums) where the variance should be exactly 0.
   * @default 1e-6
   */
  epsilon?: number;
}

const GRADIENT_MODES: readonly LocalNccGradientMode[] = ["exact", "ants"];

/**
 * Local NCC with a box window, the squared form of ANTs' CC metric (Avants et al. 2008):
 *
 *   for each counted voxel i, over the counted voxels j of the window N_i (n_i of them), with f, w the intensities:
 *   A_i = Σ f w − (Σ f)(Σ w)/n_i,  B_i = Σ f² − (Σ f)²/n_i,  C_i = Σ w² − (Σ w)²/n_i,
 *   cc_i = A_i² / (B_i C_i)  ∈ [0, 1],             value = −(1/|Ω|) Σ_{i∈Ω} cc_i  ∈ [−1, 0].
 *
 * The square (not the signed correlation A/√(BC)) is what ANTs minimises: smooth where A changes sign, and blind to
 * contrast inversion, which a cost meant for one modality can afford. Identical non-flat images give −1.
 *
 * Gradient (exact): ∂cc_i/∂w_j = α_i (f_j − f̄_i) − β_i (w_j − w̄_i), with α_i = 2A_i/(B_iC_i), β_i = α_i A_i/C_i.
 * Since j ∈ N_i ⇔ i ∈ box(j), ∂value/∂w_j = −(1/|Ω|) [f_j Box(α)_j − w_j Box(β)_j + Box(γ)_j], γ_i = β_i w̄_i − α_i f̄_i,
 * where Box is the same clipped box sum. "ants" keeps only the term i = j (α_j, β_j, γ_j without the sums).
 *
 * Windows are clipped at the image border and hold only counted voxels (masks), so a voxel outside the masks changes
 * nothing. 2D images (z = 1) get 2D windows. Intensities are centred on their global mean first (NCC does not see
 * the shift) so that float64 window sums lose nothing to cancellation. Cost O(N) whatever the radius.
 *
 * Streamed slab by slab (rows of a 2D image, planes of a volume): besides the N-value gradient (and an N-byte mask
 * when masks are given) it holds about 9 (2r + 4) slabs of float64, never whole float64 images.
 * @param fixed F, C-order [z, y, x], `shape` voxels.
 * @param warped W = M∘T on the fixed grid, same layout.
 * @param shape [z, y, x]; 2D images have z = 1.
 * @returns value in [−1, 0] (dimensionless), gradient ∂value/∂W in 1/intensity of W.
 * @see Avants, Epstein, Grossman, Gee (2008) Symmetric diffeomorphic image registration with cross-correlation,
 *      Med. Image Anal. 12(1):26–41, doi:10.1016/j.media.2007.06.004 — the CC metric.
 * @see ITK ANTSNeighborhoodCorrelationImageToImageMetricv4 (its gradient is the "ants" mode).
 */
export function localNcc(fixed: Float32Array, warped: Float32Array, shape: Vec3, options: LocalNccOptions): MetricResult {
  const setup = localNccSetup(fixed, warped, shape, options);
  const { radius, mode, counted, gradient, g } = setup;
  if (g.count === 0) return { value: 0, gradient, count: 0 };
  const geometry = slabGeometry(shape, radius);
  const { length, radius: r, slabSize } = geometry;
  const ctx: NccContext = {
    fixed, warped, counted, gradient, slabSize,
    meanF: g.meanF, meanW: g.meanW, floorF: setup.floorF, floorW: setup.floorW, scale: -1 / g.count,
    extentSlow: windowExtents(length, r), extentSlab: counted ? undefined : slabWindowCounts(geometry),
  };
  // Stage 1 sums f, w, f², w², f·w (and the counted indicator) over each window; stage 2 box-sums α, β, γ.
  const moments = slidingBoxSum(counted ? 6 : 5, geometry);
  const coefficients = mode === "exact" ? slidingBoxSum(3, geometry) : undefined;
  const local = new Float64Array(3 * slabSize);
  let ccSum = 0;
  for (let t = 0; t < length + r; t++) {
    const sums = moments.step(t < length ? (slab) => fillMoments(ctx, t, slab) : undefined);
    if (!sums) continue;
    const centre = t - r;
    if (!coefficients) {
      ccSum += windowCoefficients(ctx, centre, sums, local);
      writeGradient(ctx, centre, local);
      continue;
    }
    const boxed = coefficients.step((slab) => (ccSum += windowCoefficients(ctx, centre, sums, slab)));
    if (boxed) writeGradient(ctx, centre - r, boxed);
  }
  if (coefficients)
    for (let t = length; t < length + r; t++) writeGradient(ctx, t - r, coefficients.step(undefined)!);
  return { value: -ccSum / g.count, gradient, count: g.count };
}

/** localNcc's inputs checked and its whole-image quantities, shared with its wasm version (compute/wasm/local-ncc.ts). */
export interface LocalNccSetup {
  /** Window radius [z, y, x], clipped to the image. */
  radius: Vec3;
  mode: LocalNccGradientMode;
  /** Non-zero where a voxel counts (both masks; countedMask), or undefined when every voxel does. Read only. */
  counted: Uint8Array | undefined;
  /** The result's gradient, zeros. */
  gradient: Float32Array;
  /** Counted voxels, global means and variances. */
  g: { count: number; meanF: number; meanW: number; varianceF: number; varianceW: number };
  /** Variance floors per voxel of window (epsilon × the global variances), intensity². */
  floorF: number;
  floorW: number;
}

/** Checks localNcc's arguments and computes what precedes its slab loop. */
export function localNccSetup(fixed: Float32Array, warped: Float32Array, shape: Vec3, options: LocalNccOptions): LocalNccSetup {
  const n = checkMetricInputs(fixed, warped, shape, options);
  const radius = windowRadius(options.radius, shape);
  const mode = options.gradientMode ?? "exact";
  if (!GRADIENT_MODES.includes(mode)) throw new OptionError("gradientMode", mode, `one of ${GRADIENT_MODES.join(", ")}`);
  const epsilon = options.epsilon ?? 1e-6;
  if (!Number.isFinite(epsilon) || epsilon < 0) throw new OptionError("epsilon", epsilon, "a finite number ≥ 0");
  const counted = countedMask(options.fixedMask, options.movingMask);
  const g = globalMoments(fixed, warped, counted);
  return { radius, mode, counted, gradient: new Float32Array(n), g, floorF: epsilon * g.varianceF, floorW: epsilon * g.varianceW };
}

/** What the slab functions of {@link localNcc} share. */
interface NccContext {
  fixed: Float32Array;
  warped: Float32Array;
  /** Non-zero where a voxel counts (both masks; countedMask), or undefined when every voxel does. Read only. */
  counted: Uint8Array | undefined;
  gradient: Float32Array;
  slabSize: number;
  meanF: number;
  meanW: number;
  /** Variance floors per voxel of window, intensity². */
  floorF: number;
  floorW: number;
  /** −1/|Ω|. */
  scale: number;
  /** Window length along the streamed axis at each slab. */
  extentSlow: Int32Array;
  /** Window size within a slab at each position (no masks only; with masks the 6th channel counts). */
  extentSlab: Float64Array | undefined;
}

/** Slab t of the five moment images, channel-major: f, w, f², w², f·w (f, w centred), then the indicator with masks. */
function fillMoments(ctx: NccContext, t: number, slab: Float64Array): void {
  const { fixed, warped, counted, slabSize, meanF, meanW } = ctx;
  for (let p = 0, i = t * slabSize; p < slabSize; p++, i++) {
    const use = counted === undefined || counted[i] !== 0;
    const f = use ? fixed[i]! - meanF : 0, w = use ? warped[i]! - meanW : 0;
    slab[p] = f;
    slab[slabSize + p] = w;
    slab[2 * slabSize + p] = f * f;
    slab[3 * slabSize + p] = w * w;
    slab[4 * slabSize + p] = f * w;
    if (counted) slab[5 * slabSize + p] = use ? 1 : 0;
  }
}

/**
 * For every window centred in slab `centre`: cc_i = A²/(BC), summed and returned, and α_i, β_i, γ_i written
 * channel-major into `out` (0 for flat windows and for centres that do not count).
 */
function windowCoefficients(ctx: NccContext, centre: number, sums: Float64Array, out: Float64Array): number {
  const { counted, slabSize, floorF, floorW, extentSlab } = ctx;
  const slow = ctx.extentSlow[centre]!;
  let ccSum = 0;
  for (let p = 0, i = centre * slabSize; p < slabSize; p++, i++) {
    const m = extentSlab ? slow * extentSlab[p]! : sums[5 * slabSize + p]!;
    const sf = sums[p]!, sw = sums[slabSize + p]!, meanF = sf / m, meanW = sw / m;
    const a = sums[4 * slabSize + p]! - sf * meanW;
    const b = sums[2 * slabSize + p]! - sf * meanF;
    const c = sums[3 * slabSize + p]! - sw * meanW;
    if (!(b > floorF * m && c > floorW * m) || (counted !== undefined && counted[i] === 0)) {
      out[p] = out[slabSize + p] = out[2 * slabSize + p] = 0;
      continue;
    }
    const inverseBC = 1 / (b * c);
    const alpha = 2 * a * inverseBC;
    const beta = alpha * a * b * inverseBC; // α A / C
    ccSum += a * a * inverseBC;
    out[p] = alpha;
    out[slabSize + p] = beta;
    out[2 * slabSize + p] = beta * meanW - alpha * meanF; // γ_i = β_i w̄_i − α_i f̄_i
  }
  return ccSum;
}

/** Gradient of slab `at`: −(1/|Ω|) [f_j α_j − w_j β_j + γ_j] with α, β, γ box-summed (exact) or not (ants). */
function writeGradient(ctx: NccContext, at: number, coefficients: Float64Array): void {
  const { fixed, warped, counted, gradient, slabSize, meanF, meanW, scale } = ctx;
  for (let p = 0, i = at * slabSize; p < slabSize; p++, i++) {
    if (counted !== undefined && counted[i] === 0) continue;
    const f = fixed[i]! - meanF, w = warped[i]! - meanW;
    gradient[i] = scale * (f * coefficients[p]! - w * coefficients[slabSize + p]! + coefficients[2 * slabSize + p]!);
  }
}

/**
 * Count, means and variances of F and W over the counted voxels, one float64 pass with sums shifted by the first
 * counted value (no cancellation when the mean is far from 0).
 */
function globalMoments(
  fixed: Float32Array, warped: Float32Array, counted: Uint8Array | undefined,
): { count: number; meanF: number; meanW: number; varianceF: number; varianceW: number } {
  let count = 0, f0 = 0, w0 = 0, sf = 0, sw = 0, sff = 0, sww = 0;
  for (let i = 0; i < fixed.length; i++) {
    if (counted !== undefined && counted[i] === 0) continue;
    if (count === 0) (f0 = fixed[i]!), (w0 = warped[i]!);
    const f = fixed[i]! - f0, w = warped[i]! - w0;
    count++;
    sf += f;
    sw += w;
    sff += f * f;
    sww += w * w;
  }
  if (count === 0) return { count, meanF: 0, meanW: 0, varianceF: 0, varianceW: 0 };
  const mf = sf / count, mw = sw / count;
  return {
    count, meanF: f0 + mf, meanW: w0 + mw,
    varianceF: Math.max(0, sff / count - mf * mf), varianceW: Math.max(0, sww / count - mw * mw),
  };
}

/** Window size within one slab at each position (product of the clipped extents along y and x). */
function slabWindowCounts(geometry: SlabGeometry): Float64Array {
  const [, sy, sx] = geometry.slabShape, [, ry, rx] = geometry.slabRadius;
  const ey = windowExtents(sy, ry), ex = windowExtents(sx, rx), out = new Float64Array(sy * sx);
  for (let y = 0, p = 0; y < sy; y++) for (let x = 0; x < sx; x++, p++) out[p] = ey[y]! * ex[x]!;
  return out;
}

/** Clipped window length along one axis at every position: min(len−1, k+r) − max(0, k−r) + 1. */
function windowExtents(len: number, r: number): Int32Array {
  const e = new Int32Array(len);
  for (let k = 0; k < len; k++) e[k] = Math.min(len - 1, k + r) - Math.max(0, k - r) + 1;
  return e;
}

/**
 * The radius as [z, y, x] non-negative integers, clipped to shape − 1 (a wider window sees nothing more).
 * @throws OptionError when not integers ≥ 0, or when no axis is left with a window wider than one voxel.
 */
export function windowRadius(radius: number | Vec3, shape: Vec3): Vec3 {
  const r: Vec3 = typeof radius === "number" ? [radius, radius, radius] : radius;
  if (!Array.isArray(r) || r.length !== 3 || !r.every((v) => Number.isInteger(v) && v >= 0))
    throw new OptionError("radius", radius, "a non-negative integer number of voxels, or three of them [z, y, x]");
  const clipped: Vec3 = [Math.min(r[0], shape[0] - 1), Math.min(r[1], shape[1] - 1), Math.min(r[2], shape[2] - 1)];
  if (clipped.every((v) => v === 0))
    throw new OptionError("radius", radius, `a window wider than one voxel along some axis of shape [${shape.join(", ")}]`);
  return clipped;
}
