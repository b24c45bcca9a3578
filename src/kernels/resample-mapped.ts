// Resampling through an affine index map and a displacement: out(x) = I(B·x + K·u(x)), K the linear part of B, the
// dense stages' warp of the moving image (B: fixed index → moving index, u in fixed voxels), without a position array.

import { OptionError } from "../core/errors.js";
import type { Vec3 } from "../core/space.js";
import { bsplineCoefficients } from "./bspline-prefilter.js";
import {
  bandSampler, createSampleArgs, heapAllocator, resolveResampleOptions, sampleOutputRow, sampleResult,
  type Allocator, type ResampleOptions, type ResampleResult, type ResolvedResample, type SampleArgs,
} from "./resample-common.js";
import { checkField, checkImage, imageNdim, rowCount, type Field, type Image } from "./types.js";

/**
 * Positions c(x) = B·x + K·u(x) in image index units, vector-first planes ([z, y, x] or [y, x]) over u's grid.
 * `b`: a 4×4 row-major index-to-index matrix [z, y, x, 1]; u: a displacement in voxels of its own grid.
 */
export function mappedPositions(b: ArrayLike<number>, u: Field): Float64Array {
  const [nz, ny, nx] = u.shape, n = nz * ny * nx, out = new Float64Array(u.ndim * n);
  mappedRows(b, u.data, u.ndim, u.shape, 0, nz * ny, out, n);
  return out;
}

/**
 * Positions of rows [start, end) (row r = z·ny + y) into `out`, component planes `plane` values apart, row r at
 * (r − start)·nx: c = (b₀z + b₁y + b₃) + b₂x, then + K·u(x) in the order [z,] y, x.
 */
function mappedRows(b: ArrayLike<number>, d: Float32Array, nd: 2 | 3, shape: Vec3, start: number, end: number, out: Float64Array, plane: number): void {
  const [nz, ny, nx] = shape, n = nz * ny * nx, first = nd === 3 ? 0 : 1;
  for (let r = first; r < 3; r++) {
    const o = (r - first) * plane, b0 = b[r * 4]!, b1 = b[r * 4 + 1]!, b2 = b[r * 4 + 2]!, b3 = b[r * 4 + 3]!;
    for (let g = start; g < end; g++) {
      const z = Math.floor(g / ny), y = g - z * ny, base = b0 * z + b1 * y + b3;
      for (let x = 0, i = g * nx, q = o + (g - start) * nx; x < nx; x++, i++, q++) {
        let c = base + b2 * x;
        if (nd === 3) c += b0 * d[i]! + b1 * d[n + i]! + b2 * d[2 * n + i]!;
        else c += b1 * d[i]! + b2 * d[n + i]!;
        out[q] = c;
      }
    }
  }
}

/** Band arguments: SampleArgs plus the matrix and the displacement planes (over outShape). */
export interface ResampleMappedArgs extends SampleArgs {
  matrix: number[];
  field: Float32Array;
}

/** Checks the inputs and resolves the options of resampleMapped. */
export function checkResampleMapped(image: Image, matrix: ArrayLike<number>, field: Field, options: ResampleOptions = {}): ResolvedResample {
  checkImage("resampleMapped: image", image);
  checkField("resampleMapped: field", field);
  const ndim = imageNdim(image.shape);
  if (field.ndim !== ndim) throw new OptionError("resampleMapped: field.ndim", field.ndim, `${ndim}, the dimension of the image (shape [${image.shape}])`);
  checkIndexMatrix("resampleMapped", matrix);
  return resolveResampleOptions("resampleMapped", options);
}

/** Throws an OptionError naming `fn` unless `matrix` is 16 finite numbers (a row-major 4×4 index map [z, y, x, 1]). */
export function checkIndexMatrix(fn: string, matrix: ArrayLike<number>): void {
  if (matrix.length !== 16 || !Array.from(matrix).every(Number.isFinite)) throw new OptionError(`${fn}: matrix`, `${matrix.length} values`, "16 finite numbers, a row-major 4×4 index-to-index matrix [z, y, x, 1]");
}

/** The band arguments for sampling `source` (samples or coefficients of an image of `sourceShape`) at B·x + K·u(x). */
export function resampleMappedArgs(
  source: Float32Array, sourceShape: Vec3, matrix: ArrayLike<number>, field: Field, r: ResolvedResample, allocate: Allocator = heapAllocator,
): ResampleMappedArgs {
  return { ...createSampleArgs(source, sourceShape, field.shape, r, allocate), matrix: Array.from(matrix), field: field.data };
}

/** Writes output rows [start, end): the positions of each row (mappedPositions' arithmetic), then the samples. */
export function resampleMappedBand(args: ResampleMappedArgs, start: number, end: number): void {
  const s = bandSampler(args);
  const { cz, cy, cx } = s.scratch;
  const nd = imageNdim(args.sourceShape), nx = args.outShape[2];
  const row = new Float64Array(nd * nx);
  for (let r = start; r < end; r++) {
    mappedRows(args.matrix, args.field, nd, args.outShape, r, r + 1, row, nx);
    if (nd === 3) {
      cz.set(row.subarray(0, nx));
      cy.set(row.subarray(nx, 2 * nx));
      cx.set(row.subarray(2 * nx, 3 * nx));
    } else {
      cy.set(row.subarray(0, nx));
      cx.set(row.subarray(nx, 2 * nx));
    }
    sampleOutputRow(s, args, r);
  }
}

/**
 * Samples `image` at B·x + K·u(x) for every voxel x of u's grid: the same samples, mask and gradient as
 * resampleAt(image, mappedPositions(matrix, field)), without the position array. `band` fills the rows:
 * resampleMappedBand, or a faster one with its bytes (compute/wasm/resample-at.ts).
 */
export function resampleMapped(
  image: Image, matrix: ArrayLike<number>, field: Field, options: ResampleOptions = {},
  band: (args: ResampleMappedArgs, start: number, end: number) => void = resampleMappedBand,
): ResampleResult {
  const r = checkResampleMapped(image, matrix, field, options);
  const source = r.interpolation === "cubic" && !r.prefiltered ? bsplineCoefficients(image).data : image.data;
  const args = resampleMappedArgs(source, image.shape, matrix, field, r);
  band(args, 0, rowCount(field.shape));
  return sampleResult(args);
}
