// What every similarity metric shares: the result type, the mask options and the checks on its inputs.
// The metrics themselves live one per file (mean-squares.ts, local-ncc.ts, mattes-mutual-information.ts).

import { OptionError } from "../core/errors.js";
import { voxelCount, type Vec3 } from "../core/space.js";

/**
 * The value of a metric and its derivative with respect to every warped-moving intensity.
 * Every metric is a cost to minimise (NCC and MI are negated).
 */
export interface MetricResult {
  /** The cost, normalised by the number of counted voxels (or samples) so that sizes compare. */
  value: number;
  /** ∂value/∂W[i] for every voxel i, same length and C-order [z, y, x] layout as W; 0 where W does not count. */
  gradient: Float32Array;
  /** How many voxels (or samples) counted; 0 means no overlap, and then value is 0 and the gradient all zeros. */
  count: number;
}

/** Masks shared by every metric. A voxel counts when both masks (those given) are non-zero there. */
export interface MaskOptions {
  /** Region of interest on the fixed grid, one byte per voxel, C-order [z, y, x]; 0 = ignore. @default every voxel */
  fixedMask?: Uint8Array;
  /** Validity of the warped-moving samples (e.g. 0 where T(x) fell outside the moving image). @default every voxel */
  movingMask?: Uint8Array;
}

/** The signature every metric shares: fixed F, warped moving W = M∘T, both on the fixed grid of `shape`. */
export type MetricFunction<O> = (fixed: Float32Array, warped: Float32Array, shape: Vec3, options: O) => MetricResult;

/**
 * Checks that the images and masks match `shape` and returns the voxel count N.
 * @throws OptionError naming the argument whose length is wrong.
 */
export function checkMetricInputs(fixed: Float32Array, warped: Float32Array, shape: Vec3, masks: MaskOptions): number {
  if (shape.length !== 3 || !shape.every((s) => Number.isInteger(s) && s > 0))
    throw new OptionError("shape", shape, "three positive integers [z, y, x] (2D images have z = 1)");
  const n = voxelCount(shape);
  const expected = `${n} values, one per voxel of shape [${shape.join(", ")}]`;
  if (fixed.length !== n) throw new OptionError("fixed", `${fixed.length} values`, expected);
  if (warped.length !== n) throw new OptionError("warped", `${warped.length} values`, expected);
  if (masks.fixedMask && masks.fixedMask.length !== n)
    throw new OptionError("fixedMask", `${masks.fixedMask.length} values`, expected);
  if (masks.movingMask && masks.movingMask.length !== n)
    throw new OptionError("movingMask", `${masks.movingMask.length} values`, expected);
  return n;
}

/**
 * Checks explicit sample indices: integers in [0, n).
 * @throws OptionError naming the first bad index.
 */
export function checkSamples(samples: Int32Array, n: number): void {
  for (let k = 0; k < samples.length; k++) {
    const s = samples[k]!;
    if (s < 0 || s >= n) throw new OptionError("samples", `index ${s} at position ${k}`, `voxel indices in [0, ${n})`);
  }
}

/**
 * The voxels that count under both masks (non-zero where counted), or undefined when there is no mask: the mask itself
 * when only one is given (read it, do not write it), else a new 0/1 array.
 */
export function countedMask(fixedMask: Uint8Array | undefined, movingMask: Uint8Array | undefined): Uint8Array | undefined {
  if (!fixedMask || !movingMask) return fixedMask ?? movingMask;
  const n = fixedMask.length, out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = fixedMask[i] !== 0 && movingMask[i] !== 0 ? 1 : 0;
  return out;
}

/** True when voxel i counts under the masks (either may be absent). */
export function isCounted(i: number, fixedMask: Uint8Array | undefined, movingMask: Uint8Array | undefined): boolean {
  return (fixedMask === undefined || fixedMask[i] !== 0) && (movingMask === undefined || movingMask[i] !== 0);
}
