// Mean squares (MSE) between the fixed image and the warped moving image: value and analytic gradient.
// Resampling, and turning ∂value/∂W into forces or parameter gradients, belong to the registration layer.

import { OptionError } from "../core/errors.js";
import type { Vec3 } from "../core/space.js";
import { checkMetricInputs, checkSamples, countedMask, isCounted, type MaskOptions, type MetricResult } from "./metric.js";

/** Options of {@link meanSquares}. */
export interface MeanSquaresOptions extends MaskOptions {
  /** Voxel indices to evaluate (from `sampleIndices`); voxels the masks exclude are skipped. @default every voxel */
  samples?: Int32Array;
  /**
   * Without `samples`: write ∂value/∂W here (one value per voxel) instead of into a new array. It may be `warped`
   * itself, since each voxel is read before it is written: the B-spline stage hands its warp's shared output back, so
   * the derivative needs neither a new image-sized array nor a copy into shared memory for the splat.
   */
  gradientInto?: Float32Array;
}

/**
 * Mean squares: value = (1/n) Σ_{i∈Ω} (W_i − F_i)², gradient_i = 2 (W_i − F_i) / n on Ω and 0 elsewhere,
 * where Ω is the set of counted voxels (masks, samples) and n = |Ω|. A repeated sample counts twice.
 * @param fixed F, C-order [z, y, x], `shape` voxels.
 * @param warped W = M∘T resampled on the fixed grid, same layout.
 * @param shape [z, y, x]; 2D images have z = 1.
 * @returns value in intensity² (0 for identical images), gradient ∂value/∂W (same layout as W).
 * @see ITK MeanSquaresImageToImageMetricv4.
 */
export function meanSquares(
  fixed: Float32Array, warped: Float32Array, shape: Vec3, options: MeanSquaresOptions = {},
): MetricResult {
  const n = checkMetricInputs(fixed, warped, shape, options);
  const { fixedMask, movingMask, samples, gradientInto } = options;
  if (samples) checkSamples(samples, n);
  if (gradientInto && (samples || gradientInto.length !== n)) {
    throw new OptionError("meanSquares: gradientInto", samples ? "given with samples" : `length ${gradientInto.length}`, `an array of ${n} values, without samples`);
  }
  if (!samples) return denseMeanSquares(fixed, warped, gradientInto ?? new Float32Array(n), fixedMask, movingMask);
  const gradient = new Float32Array(n);
  const total = samples.length;
  let count = total;
  if (fixedMask || movingMask) {
    count = 0;
    for (let k = 0; k < total; k++) if (isCounted(samples[k]!, fixedMask, movingMask)) count++;
  }
  if (count === 0) return { value: 0, gradient, count };
  const scale = 2 / count;
  let sum = 0;
  for (let k = 0; k < total; k++) {
    const i = samples[k]!;
    if (!isCounted(i, fixedMask, movingMask)) continue;
    const d = warped[i]! - fixed[i]!;
    sum += d * d;
    gradient[i] += scale * d; // += : a repeated sample contributes each time
  }
  return { value: sum / count, gradient, count };
}

/**
 * meanSquares over every voxel: the same sums in the same order, with the two masks merged into one first
 * (countedMask) so the loops stay tight (the B-spline stage evaluates it at every L-BFGS step).
 */
function denseMeanSquares(
  fixed: Float32Array, warped: Float32Array, gradient: Float32Array, fixedMask: Uint8Array | undefined, movingMask: Uint8Array | undefined,
): MetricResult {
  const n = fixed.length, counted = countedMask(fixedMask, movingMask);
  let count = n;
  if (counted) {
    count = 0;
    for (let i = 0; i < n; i++) if (counted[i] !== 0) count++;
  }
  if (count === 0) return { value: 0, gradient: gradient.fill(0), count };
  const scale = 2 / count;
  let sum = 0;
  if (counted) {
    for (let i = 0; i < n; i++) {
      if (counted[i] === 0) {
        gradient[i] = 0;
        continue;
      }
      const d = warped[i]! - fixed[i]!;
      sum += d * d;
      gradient[i] = scale * d;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const d = warped[i]! - fixed[i]!;
      sum += d * d;
      gradient[i] = scale * d;
    }
  }
  return { value: sum / count, gradient, count };
}
