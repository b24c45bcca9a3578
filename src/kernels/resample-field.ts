// Resampling through a dense displacement field: out(x) = I(x + offset + u(x)) on the field's grid (a pull-back warp).
// Interpolation, bounds and gradients are shared with the other resample kernels (resample-common.ts, sample-row.ts).

import { OptionError } from "../core/errors.js";
import { voxelCount, type Vec3 } from "../core/space.js";
import { bsplineCoefficients } from "./bspline-prefilter.js";
import {
  bandSampler, createSampleArgs, heapAllocator, resolveResampleOptions, sampleOutputRow, sampleResult,
  type Allocator, type ResampleOptions, type ResampleResult, type ResolvedResample, type SampleArgs,
} from "./resample-common.js";
import { checkField, checkImage, imageNdim, rowCount, type Field, type Image } from "./types.js";

export interface ResampleFieldOptions extends ResampleOptions {
  /**
   * Image index of the field's voxel [0, 0, 0], added to every position (e.g. a tile's start minus the start of the
   * image window read for it), [z, y, x]; offset[0] must be 0 for 2D. @default [0, 0, 0]
   */
  offset?: Vec3;
}

/** Band arguments: SampleArgs plus the displacement planes (over outShape) and the offset. */
export interface ResampleFieldArgs extends SampleArgs {
  field: Float32Array;
  offset: Vec3;
}

/** Checks the inputs and resolves the options of resampleField. */
export function checkResampleField(image: Image, field: Field, options: ResampleFieldOptions = {}): ResolvedResample {
  checkImage("resampleField: image", image);
  checkField("resampleField: field", field);
  const ndim = imageNdim(image.shape);
  if (field.ndim !== ndim) {
    throw new OptionError("resampleField: field.ndim", field.ndim, `${ndim}, the dimension of the image (shape [${image.shape}])`);
  }
  const offset = options.offset ?? [0, 0, 0];
  if (offset.length !== 3 || !offset.every(Number.isFinite) || (ndim === 2 && offset[0] !== 0)) {
    throw new OptionError("resampleField: offset", offset, `three finite numbers [z, y, x]${ndim === 2 ? " with z = 0 for a 2D image" : ""}`);
  }
  return resolveResampleOptions("resampleField", options);
}

/** The band arguments for sampling `source` (samples or coefficients of an image of `sourceShape`) through `field`. */
export function resampleFieldArgs(
  source: Float32Array, sourceShape: Vec3, field: Field, r: ResolvedResample, offset: Vec3 = [0, 0, 0],
  allocate: Allocator = heapAllocator,
): ResampleFieldArgs {
  return { ...createSampleArgs(source, sourceShape, field.shape, r, allocate), field: field.data, offset };
}

/** Writes output rows [start, end) (row r = z·ny + y of the field grid). */
export function resampleFieldBand(args: ResampleFieldArgs, start: number, end: number): void {
  const s = bandSampler(args);
  const { cz, cy, cx } = s.scratch;
  const { field, offset, outShape } = args;
  const [, ny, nx] = outShape;
  const plane = voxelCount(outShape);
  const is3d = imageNdim(args.sourceShape) === 3;
  for (let r = start; r < end; r++) {
    const z = Math.floor(r / ny), y = r - z * ny, off = r * nx;
    if (is3d) {
      const pz = z + offset[0], py = y + offset[1], px = offset[2];
      for (let x = 0; x < nx; x++) {
        cz[x] = pz + field[off + x]!;
        cy[x] = py + field[plane + off + x]!;
        cx[x] = px + x + field[2 * plane + off + x]!;
      }
    } else {
      const py = y + offset[1], px = offset[2];
      for (let x = 0; x < nx; x++) {
        cy[x] = py + field[off + x]!;
        cx[x] = px + x + field[plane + off + x]!;
      }
    }
    sampleOutputRow(s, args, r);
  }
}

/**
 * Samples `image` at x + offset + u(x) for every voxel x of the field's grid (identity grid plus displacement, both
 * in image voxel units): the output has the field's shape. For cubic, the image is prefiltered here unless
 * `prefiltered` says it already holds coefficients.
 * @param image float32 C order [z, y, x]; 2D when shape[0] = 1.
 * @param field displacement, vector-first, ndim equal to the image's, in image voxel units.
 * @returns samples (float32, field grid), and the mask and gradient when asked.
 */
export function resampleField(image: Image, field: Field, options: ResampleFieldOptions = {}): ResampleResult {
  const r = checkResampleField(image, field, options);
  const source = r.interpolation === "cubic" && !r.prefiltered ? bsplineCoefficients(image).data : image.data;
  const args = resampleFieldArgs(source, image.shape, field, r, options.offset);
  resampleFieldBand(args, 0, rowCount(field.shape));
  return sampleResult(args);
}
