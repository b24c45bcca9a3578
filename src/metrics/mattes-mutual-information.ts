// Mattes mutual information from a Parzen joint histogram: value (−MI) and analytic gradient w.r.t. the warped image.
// Choosing the samples (seeded) is sample-indices.ts's job; the cubic B-spline weights are in cubic-bspline.ts.

import { OptionError } from "../core/errors.js";
import type { Vec3 } from "../core/space.js";
import { checkMetricInputs, checkSamples, isCounted, type MaskOptions, type MetricResult } from "./metric.js";

/** Options of {@link mattesMutualInformation}. */
export interface MattesMutualInformationOptions extends MaskOptions {
  /** Histogram bins per image, padding included (2 each side for the kernel support); an integer ≥ 5. @default 32 */
  bins?: number;
  /** Voxel indices to use (from `sampleIndices`); voxels the masks exclude are skipped. @default every counted voxel */
  samples?: Int32Array;
  /** Fixed intensities mapped onto the histogram; values outside go to the edge bins. @default [min, max] of the samples */
  fixedRange?: [number, number];
  /** Warped-moving intensities mapped onto the histogram; values outside are clamped (zero gradient). @default [min, max] of the samples */
  movingRange?: [number, number];
}

/** Empty bins kept on each side of the intensity range so that the cubic kernel's support stays inside. */
const PADDING = 2;

/**
 * Mattes mutual information, negated: value = −MI = −Σ_{ι,κ} p(ι,κ) ln( p(ι,κ) / (p_F(ι) p_W(κ)) ), in nats.
 *
 * Over the counted samples s (S of them), with bin widths Δ_F, Δ_W = (max − min)/(bins − 4):
 *   fixed bin   ι_s = clamp(⌊(F_s − min_F)/Δ_F⌋ + 2, 2, bins − 3)      (zero-order, box Parzen window)
 *   moving term t_s = clamp((W_s − min_W)/Δ_W + 2, 2, bins − 2)          (cubic B-spline Parzen window)
 *   p(ι,κ) = (1/S) Σ_s [ι = ι_s] β³(κ − t_s),   p_F(ι) = Σ_κ p(ι,κ),   p_W(κ) = Σ_ι p(ι,κ).
 * Gradient: since p_F does not depend on W and Σ_κ ∂p/∂W_s = 0,
 *   ∂value/∂W_s = (1/(S Δ_W)) Σ_κ β³′(κ − t_s) ln( p(ι_s,κ) / p_W(κ) ).
 * The ranges are treated as constants (as ITK does): where they come from the samples, the one or two samples at the
 * min/max of W also move the range, which the gradient ignores. Identical images give the minimum; when the
 * intensity levels of F lie ≥ 4 moving bins apart, exactly −H(F) (the fixed histogram's entropy).
 *
 * @param fixed F, C-order [z, y, x], `shape` voxels.
 * @param warped W = M∘T on the fixed grid, same layout.
 * @param shape [z, y, x]; 2D images have z = 1.
 * @returns value in nats (≤ 0), gradient ∂value/∂W in nats per intensity of W, non-zero only at counted samples.
 * @see Mattes, Haynor, Vesselle, Lewellen, Eubank (2003) PET-CT image registration in the chest using free-form
 *      deformations, IEEE Trans. Med. Imaging 22(1):120–128, doi:10.1109/TMI.2003.809072.
 * @see ITK MattesMutualInformationImageToImageMetric; elastix AdvancedMattesMutualInformationMetric.
 */
export function mattesMutualInformation(
  fixed: Float32Array, warped: Float32Array, shape: Vec3, options: MattesMutualInformationOptions = {},
): MetricResult {
  const n = checkMetricInputs(fixed, warped, shape, options);
  const bins = options.bins ?? 32;
  if (!Number.isInteger(bins) || bins < 2 * PADDING + 1)
    throw new OptionError("bins", bins, `an integer ≥ ${2 * PADDING + 1} (${PADDING} padding bins each side)`);
  if (options.samples) checkSamples(options.samples, n);
  const gradient = new Float32Array(n);
  const used = countedSamples(n, options);
  const count = used.length;
  if (count === 0) return { value: 0, gradient, count };

  const fixedBins = histogramAxis(fixed, used, bins, options.fixedRange, "fixedRange");
  const movingBins = histogramAxis(warped, used, bins, options.movingRange, "movingRange");

  // Each counted sample's fixed row ι_s·bins and moving term t_s, computed once for both passes (inlined
  // fixedIndex and movingParzenTerm: the same operations, so the same bits).
  const rows = new Int32Array(count), terms = new Float64Array(count);
  const fMin = fixedBins.min, fWidth = fixedBins.width, mMin = movingBins.min, mWidth = movingBins.width;
  const lastRow = bins - PADDING - 1, lastTerm = bins - PADDING;
  for (let k = 0; k < count; k++) {
    const i = used[k]!;
    const b = Math.floor((fixed[i]! - fMin) / fWidth) + PADDING;
    rows[k] = b !== b ? -1 : (b < PADDING ? PADDING : b > lastRow ? lastRow : b) * bins; // -1: a NaN fixed value counts nowhere
    const t = (warped[i]! - mMin) / mWidth + PADDING;
    terms[k] = t < PADDING ? PADDING : t > lastTerm ? lastTerm : t;
  }

  // Joint histogram, rows = fixed bin ι, columns = moving bin κ; each sample adds the 4 weights (summing to 1)
  // of cubicBSplineWeights, written out.
  const joint = new Float64Array(bins * bins);
  for (let k = 0; k < count; k++) {
    if (rows[k]! < 0) continue;
    const t = terms[k]!, first = firstMovingBin(t, bins), at = rows[k]! + first;
    const u = t - first - 1, v = 1 - u, u2 = u * u, u3 = u2 * u;
    joint[at] += (v * v * v) / 6;
    joint[at + 1] += (3 * u3 - 6 * u2 + 4) / 6;
    joint[at + 2] += (-3 * u3 + 3 * u2 + 3 * u + 1) / 6;
    joint[at + 3] += u3 / 6;
  }
  for (let j = 0; j < joint.length; j++) joint[j] /= count;
  const movingPdf = new Float64Array(bins), fixedPdf = new Float64Array(bins);
  for (let r = 0; r < bins; r++)
    for (let c = 0; c < bins; c++) {
      movingPdf[c] += joint[r * bins + c]!;
      fixedPdf[r] += joint[r * bins + c]!;
    }

  // MI, and ln(p/p_W) for the gradient (0 where p = 0: no sample there has a non-zero kernel slope either).
  let mi = 0;
  const logRatio = new Float64Array(bins * bins);
  for (let r = 0; r < bins; r++)
    for (let c = 0; c < bins; c++) {
      const p = joint[r * bins + c]!;
      if (p <= 0) continue;
      logRatio[r * bins + c] = Math.log(p / movingPdf[c]!);
      mi += p * Math.log(p / (fixedPdf[r]! * movingPdf[c]!));
    }

  // ∂β³(κ − t)/∂t = d(weight)/du, so ∂value/∂W_s = −(1/(S Δ_W)) Σ_c weight′_c(u_s) ln(p/p_W)(ι_s, first_s + c),
  // with the derivatives of cubicBSplineWeightDerivatives written out.
  const scale = -1 / (count * mWidth);
  for (let k = 0; k < count; k++) {
    const t = terms[k]!;
    if (t <= PADDING || t >= lastTerm || rows[k]! < 0) continue; // clamped to the range edge: W_s does not move t_s
    const first = firstMovingBin(t, bins), at = rows[k]! + first;
    const u = t - first - 1, v = 1 - u, u2 = u * u;
    const d = (-(v * v) / 2) * logRatio[at]! + (1.5 * u2 - 2 * u) * logRatio[at + 1]! + (-1.5 * u2 + u + 0.5) * logRatio[at + 2]! + (u2 / 2) * logRatio[at + 3]!;
    const i = used[k]!;
    gradient[i] += scale * d;
  }
  return { value: -mi, gradient, count };
}

/** Where one image's intensities fall on the histogram: lower edge of the range and bin width. */
interface HistogramAxis {
  min: number;
  width: number;
}

/** The counted sample indices, in order (every counted voxel when no samples are given). */
function countedSamples(n: number, options: MattesMutualInformationOptions): Int32Array {
  const { fixedMask, movingMask, samples } = options;
  const total = samples ? samples.length : n;
  const used = new Int32Array(total);
  let count = 0;
  for (let k = 0; k < total; k++) {
    const i = samples ? samples[k]! : k;
    if (isCounted(i, fixedMask, movingMask)) used[count++] = i;
  }
  return used.subarray(0, count);
}

/**
 * Bin geometry of one image: range given or [min, max] of the samples, width = range / (bins − 4).
 * A constant image gets width 1, which puts every sample in the first inner bin.
 */
function histogramAxis(
  values: Float32Array, used: Int32Array, bins: number, range: [number, number] | undefined, option: string,
): HistogramAxis {
  let lo = Infinity, hi = -Infinity;
  if (range) {
    [lo, hi] = range;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo))
      throw new OptionError(option, range, "[min, max] with finite min < max");
  } else {
    for (let k = 0; k < used.length; k++) {
      const v = values[used[k]!]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const width = hi > lo ? (hi - lo) / (bins - 2 * PADDING) : 1;
  return { min: lo, width };
}

/** First of the 4 bins under β³(κ − t): ⌊t⌋ − 1, kept ≤ bins − 4 (at t = bins − 2 the 5th would weigh β³(2) = 0). */
function firstMovingBin(t: number, bins: number): number {
  return Math.min(Math.floor(t) - 1, bins - 4);
}
