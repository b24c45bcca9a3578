// Mean squares (MSE) between the fixed image and the warped moving image: value and analytic gradient.
// Resampling, and turning ∂value/∂W into forces or parameter gradients, belong to the registration layer.

import { OptionError } from "../core/errors.js";
import type { Vec3 } from "../core/space.js";
import { blockCount, combineBlockSums, SUM_BLOCK } from "../kernels/block-sums.js";
import { heapAllocator } from "../kernels/resample-common.js";
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
  const { fixedMask, movingMask, samples, gradientInto } = options;
  if (!samples) return denseMeanSquares(fixed, warped, shape, options);
  const n = checkMetricInputs(fixed, warped, shape, options);
  checkSamples(samples, n);
  if (gradientInto) throw new OptionError("meanSquares: gradientInto", "given with samples", `an array of ${n} values, without samples`);
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

/** {@link meanSquares} without sample indices: the options of the dense evaluation the compute backends run. */
export type DenseMeanSquaresOptions = Omit<MeanSquaresOptions, "samples">;

/** Band arguments of the dense mean squares: the units are blocks of SUM_BLOCK voxels (block-sums.ts). */
export interface MeanSquaresBlockArgs {
  fixed: Float32Array;
  warped: Float32Array;
  /** The voxels that count (non-zero); every voxel when absent. */
  counted?: Uint8Array;
  /** Output: ∂value/∂W = scale·(W − F) on counted voxels, 0 elsewhere. May be `warped` (each voxel is read first). */
  gradient: Float32Array;
  /** 2 / n, n the number of counted voxels. */
  scale: number;
  /** Output: per block, Σ (W − F)² over its counted voxels, in index order. */
  out: Float64Array;
}

/**
 * The arguments of a dense mean squares over blocks, and n, the number of counted voxels (the two masks merged by
 * countedMask). Outputs come from `allocate` (the gradient only when `gradientInto` is absent); `share` places an
 * input where the bands read it. Checks the inputs as meanSquares does.
 */
export function meanSquaresBlockArgs(
  fixed: Float32Array, warped: Float32Array, shape: Vec3, options: DenseMeanSquaresOptions,
  allocate: { float32(n: number): Float32Array; float64(n: number): Float64Array },
  share: <T extends Float32Array | Uint8Array>(a: T) => T = (a) => a,
): { args: MeanSquaresBlockArgs; count: number } {
  const n = checkMetricInputs(fixed, warped, shape, options);
  const { gradientInto } = options;
  if (gradientInto && gradientInto.length !== n) {
    throw new OptionError("meanSquares: gradientInto", `length ${gradientInto.length}`, `an array of ${n} values, without samples`);
  }
  const counted = countedMask(options.fixedMask, options.movingMask);
  let count = n;
  if (counted) {
    count = 0;
    for (let i = 0; i < n; i++) if (counted[i] !== 0) count++;
  }
  const gradient = gradientInto ? share(gradientInto) : allocate.float32(n);
  const args: MeanSquaresBlockArgs = {
    fixed: share(fixed), warped: warped === gradientInto ? gradient : share(warped), gradient,
    scale: count === 0 ? 0 : 2 / count, out: allocate.float64(blockCount(n)),
  };
  if (counted) args.counted = share(counted);
  return { args, count };
}

/** Writes the gradient of blocks [start, end) and their sums of squares. */
export function meanSquaresBlocksBand(args: MeanSquaresBlockArgs, start: number, end: number): void {
  const { fixed, warped, counted, gradient, scale, out } = args;
  for (let b = start; b < end; b++) {
    const lo = b * SUM_BLOCK, hi = Math.min(fixed.length, lo + SUM_BLOCK);
    let sum = 0;
    if (counted) {
      for (let i = lo; i < hi; i++) {
        if (counted[i] === 0) {
          gradient[i] = 0;
          continue;
        }
        const d = warped[i]! - fixed[i]!;
        sum += d * d;
        gradient[i] = scale * d;
      }
    } else {
      for (let i = lo; i < hi; i++) {
        const d = warped[i]! - fixed[i]!;
        sum += d * d;
        gradient[i] = scale * d;
      }
    }
    out[b] = sum;
  }
}

/** The metric from the band arguments once every block ran (value 0, gradient zeros when nothing counted). */
export function meanSquaresBlockResult(args: MeanSquaresBlockArgs, count: number): MetricResult {
  if (count === 0) return { value: 0, gradient: args.gradient.fill(0), count };
  return { value: combineBlockSums(args.out) / count, gradient: args.gradient, count };
}

/**
 * meanSquares over every voxel, as the backends run it: partial sums over fixed blocks combined in block order, so
 * the pool's result has the same bits whatever the number of threads (Kernels.meanSquares).
 */
function denseMeanSquares(fixed: Float32Array, warped: Float32Array, shape: Vec3, options: DenseMeanSquaresOptions): MetricResult {
  const { args, count } = meanSquaresBlockArgs(fixed, warped, shape, options, heapAllocator);
  if (count > 0) meanSquaresBlocksBand(args, 0, args.out.length);
  return meanSquaresBlockResult(args, count);
}
