// Resampling at arbitrary positions given as an array: out(j) = I(p_j), p a vector-first grid of image indices.
// The general fallback of the resample kernels (for maps that are neither dense displacements nor affine).

import { OptionError } from "../core/errors.js";
import { voxelCount, type Vec3 } from "../core/space.js";
import { bsplineCoefficients } from "./bspline-prefilter.js";
import {
  bandSampler, createSampleArgs, heapAllocator, resolveResampleOptions, sampleOutputRow, sampleResult,
  type Allocator, type ResampleOptions, type ResampleResult, type ResolvedResample, type SampleArgs,
} from "./resample-common.js";
import { checkImage, checkShape, imageNdim, rowCount, type Image } from "./types.js";

/**
 * Absolute positions in image index units, vector-first like a Field: `ndim` planes over `shape`, components
 * [z, y, x] (3D) or [y, x] (2D). A list of N points is shape [1, 1, N]. Float64 keeps sub-voxel precision on
 * grids wider than 2^17.
 */
export interface Coordinates {
  data: Float32Array | Float64Array;
  shape: Vec3;
  ndim: 2 | 3;
}

/** Band arguments: SampleArgs plus the position planes (over outShape). */
export interface ResampleAtArgs extends SampleArgs {
  coords: Float32Array | Float64Array;
}

/** Checks the inputs and resolves the options of resampleAt. */
export function checkResampleAt(image: Image, coords: Coordinates, options: ResampleOptions = {}): ResolvedResample {
  checkImage("resampleAt: image", image);
  checkShape("resampleAt: coords.shape", coords.shape);
  const ndim = imageNdim(image.shape);
  if (coords.ndim !== ndim) {
    throw new OptionError("resampleAt: coords.ndim", coords.ndim, `${ndim}, the dimension of the image (shape [${image.shape}])`);
  }
  const n = ndim * voxelCount(coords.shape);
  if (coords.data.length !== n) {
    throw new OptionError("resampleAt: coords.data", `length ${coords.data.length}`, `${ndim}·${voxelCount(coords.shape)} = ${n} values`);
  }
  return resolveResampleOptions("resampleAt", options);
}

/** The band arguments for sampling `source` (samples or coefficients of an image of `sourceShape`) at `coords`. */
export function resampleAtArgs(
  source: Float32Array, sourceShape: Vec3, coords: Coordinates, r: ResolvedResample, allocate: Allocator = heapAllocator,
): ResampleAtArgs {
  return { ...createSampleArgs(source, sourceShape, coords.shape, r, allocate), coords: coords.data };
}

/** Writes output rows [start, end). */
export function resampleAtBand(args: ResampleAtArgs, start: number, end: number): void {
  const s = bandSampler(args);
  const { cz, cy, cx } = s.scratch;
  const { coords, outShape } = args;
  const nx = outShape[2], plane = voxelCount(outShape);
  const is3d = imageNdim(args.sourceShape) === 3;
  for (let r = start; r < end; r++) {
    const off = r * nx;
    if (is3d) {
      for (let x = 0; x < nx; x++) {
        cz[x] = coords[off + x]!;
        cy[x] = coords[plane + off + x]!;
        cx[x] = coords[2 * plane + off + x]!;
      }
    } else {
      for (let x = 0; x < nx; x++) {
        cy[x] = coords[off + x]!;
        cx[x] = coords[plane + off + x]!;
      }
    }
    sampleOutputRow(s, args, r);
  }
}

/**
 * Samples `image` at every position of `coords` (image index units, pixel centres at integers).
 * `band` fills the rows: resampleAtBand, or a faster one with its bytes (compute/wasm/resample-at.ts).
 * @returns samples (float32, coords.shape), and the mask and gradient (image voxel units) when asked.
 */
export function resampleAt(
  image: Image, coords: Coordinates, options: ResampleOptions = {}, band: (args: ResampleAtArgs, start: number, end: number) => void = resampleAtBand,
): ResampleResult {
  const r = checkResampleAt(image, coords, options);
  const source = r.interpolation === "cubic" && !r.prefiltered ? bsplineCoefficients(image).data : image.data;
  const args = resampleAtArgs(source, image.shape, coords, r);
  band(args, 0, rowCount(coords.shape));
  return sampleResult(args);
}
