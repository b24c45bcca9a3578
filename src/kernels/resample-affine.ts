// Resampling through an affine map of indices: out(i) = I(A·i), A a homogeneous index-to-index matrix.
// Building A from physical frames (spacing, origin, direction) belongs to transforms/; this file only samples.

import { OptionError } from "../core/errors.js";
import type { Vec3 } from "../core/space.js";
import { bsplineCoefficients } from "./bspline-prefilter.js";
import {
  bandSampler, createSampleArgs, heapAllocator, resolveResampleOptions, sampleOutputRow, sampleResult,
  type Allocator, type ResampleOptions, type ResampleResult, type ResolvedResample, type SampleArgs,
} from "./resample-common.js";
import { checkImage, checkShape, imageNdim, rowCount, type Image } from "./types.js";

/** Band arguments: SampleArgs plus the matrix, row-major, 16 numbers (3D) or 9 (2D). */
export interface ResampleAffineArgs extends SampleArgs {
  matrix: number[];
}

/** Checks the inputs and resolves the options of resampleAffine. */
export function checkResampleAffine(image: Image, outShape: Vec3, matrix: ArrayLike<number>, options: ResampleOptions = {}): ResolvedResample {
  checkImage("resampleAffine: image", image);
  checkShape("resampleAffine: outShape", outShape);
  const ndim = imageNdim(image.shape);
  if (ndim === 2 && outShape[0] !== 1) {
    throw new OptionError("resampleAffine: outShape", outShape, "[1, y, x] for a 2D image (shape[0] = 1)");
  }
  const size = ndim + 1;
  const m = Array.from(matrix);
  const lastRow = m.slice(size * ndim);
  const identityRow = Array.from({ length: size }, (_, j) => (j === ndim ? 1 : 0));
  if (m.length !== size * size || !m.every(Number.isFinite) || lastRow.some((v, j) => v !== identityRow[j])) {
    throw new OptionError(
      "resampleAffine: matrix", m,
      `${size}×${size} = ${size * size} finite numbers, row-major over [${ndim === 3 ? "z, y, x" : "y, x"}, 1], last row [${identityRow}]`,
    );
  }
  return resolveResampleOptions("resampleAffine", options);
}

/** The band arguments for sampling `source` (samples or coefficients of an image of `sourceShape`) onto `outShape`. */
export function resampleAffineArgs(
  source: Float32Array, sourceShape: Vec3, outShape: Vec3, matrix: ArrayLike<number>, r: ResolvedResample,
  allocate: Allocator = heapAllocator,
): ResampleAffineArgs {
  return { ...createSampleArgs(source, sourceShape, outShape, r, allocate), matrix: Array.from(matrix) };
}

/**
 * Writes output rows [start, end). Each position is A·i evaluated afresh from the row's start (never accumulated
 * along x), so it does not depend on where a band starts.
 */
export function resampleAffineBand(args: ResampleAffineArgs, start: number, end: number): void {
  const s = bandSampler(args);
  const { cz, cy, cx } = s.scratch;
  const m = args.matrix;
  const [, ny, nx] = args.outShape;
  const is3d = imageNdim(args.sourceShape) === 3;
  for (let r = start; r < end; r++) {
    const z = Math.floor(r / ny), y = r - z * ny;
    if (is3d) {
      const bz = m[0]! * z + m[1]! * y + m[3]!, sz = m[2]!;
      const by = m[4]! * z + m[5]! * y + m[7]!, sy = m[6]!;
      const bx = m[8]! * z + m[9]! * y + m[11]!, sx = m[10]!;
      for (let x = 0; x < nx; x++) {
        cz[x] = bz + sz * x;
        cy[x] = by + sy * x;
        cx[x] = bx + sx * x;
      }
    } else {
      const by = m[0]! * y + m[2]!, sy = m[1]!;
      const bx = m[3]! * y + m[5]!, sx = m[4]!;
      for (let x = 0; x < nx; x++) {
        cy[x] = by + sy * x;
        cx[x] = bx + sx * x;
      }
    }
    sampleOutputRow(s, args, r);
  }
}

/**
 * Samples `image` on a grid of `outShape`: output index i = [z, y, x] reads the image at A·[z, y, x, 1] (3D, A 4×4)
 * or A·[y, x, 1] (2D, A 3×3), row-major, both sides in voxel indices. A 3D image may be sampled onto a single
 * plane (outShape[0] = 1) with a 4×4 matrix; a 2D image needs outShape[0] = 1 and a 3×3 matrix.
 * @returns samples (float32, outShape), and the mask and gradient (image voxel units) when asked.
 */
export function resampleAffine(image: Image, outShape: Vec3, matrix: ArrayLike<number>, options: ResampleOptions = {}): ResampleResult {
  const r = checkResampleAffine(image, outShape, matrix, options);
  const source = r.interpolation === "cubic" && !r.prefiltered ? bsplineCoefficients(image).data : image.data;
  const args = resampleAffineArgs(source, image.shape, outShape, matrix, r);
  resampleAffineBand(args, 0, rowCount(outShape));
  return sampleResult(args);
}
