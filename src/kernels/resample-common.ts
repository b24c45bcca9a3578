// What the three resample kernels share: options and their checks, the output buffers, and writing one sampled row.
// How positions are produced (displacement field, affine matrix, coordinate array) lives in resample-*.ts.

import { OptionError } from "../core/errors.js";
import { voxelCount, type Vec3 } from "../core/space.js";
import { createRowSampler, gatherRowWithGradient, locateRow, maskRow, sampleRow, type RowSampler } from "./sample-row.js";
import { INTERPOLATIONS, imageNdim, type Boundary, type Field, type Image, type Interpolation } from "./types.js";

export interface ResampleOptions {
  /** @default "linear" */
  interpolation?: Interpolation;
  /** Value of samples outside the image (boundary "fill"). @default 0 */
  fill?: number;
  /** See {@link Boundary}. @default "fill" */
  boundary?: Boundary;
  /** Also return the mask of inside samples (1 inside, 0 outside). @default false */
  mask?: boolean;
  /**
   * Also return the gradient of the interpolant at each sample, ∂I/∂c in intensity per image voxel, components
   * [z, y, x] (3D) or [y, x] (2D): the piecewise derivative for linear, the analytic one for cubic. Not for nearest.
   * @default false
   */
  gradient?: boolean;
  /** `image` already holds cubic B-spline coefficients (bsplineCoefficients()); cubic only. @default false */
  prefiltered?: boolean;
}

export interface ResampleResult {
  /** The samples, float32, on the output grid. */
  image: Image;
  /** Present when asked: 1 where the sample was inside the image, C order over the output grid. */
  mask?: Uint8Array;
  /** Present when asked: ∂I/∂c at each sample, on the output grid, in image voxel units. */
  gradient?: Field;
}

/** Options with defaults applied and checked. */
export interface ResolvedResample {
  interpolation: Interpolation;
  fill: number;
  boundary: Boundary;
  mask: boolean;
  gradient: boolean;
  prefiltered: boolean;
}

/** Applies defaults and rejects bad or ineffective combinations, naming `fn` in the message. */
export function resolveResampleOptions(fn: string, options: ResampleOptions = {}): ResolvedResample {
  const r: ResolvedResample = {
    interpolation: options.interpolation ?? "linear",
    fill: options.fill ?? 0,
    boundary: options.boundary ?? "fill",
    mask: options.mask ?? false,
    gradient: options.gradient ?? false,
    prefiltered: options.prefiltered ?? false,
  };
  if (!INTERPOLATIONS.includes(r.interpolation)) {
    throw new OptionError(`${fn}: interpolation`, r.interpolation, `one of ${INTERPOLATIONS.join(", ")}`);
  }
  if (r.boundary !== "fill" && r.boundary !== "clamp") throw new OptionError(`${fn}: boundary`, r.boundary, "fill or clamp");
  if (typeof r.fill !== "number") throw new OptionError(`${fn}: fill`, r.fill, "a number");
  if (r.gradient && r.interpolation === "nearest") {
    throw new OptionError(`${fn}: gradient`, true, 'interpolation "linear" or "cubic" (nearest-neighbour sampling has no gradient)');
  }
  if (r.prefiltered && r.interpolation !== "cubic") {
    throw new OptionError(`${fn}: prefiltered`, true, 'interpolation "cubic" (only B-spline sampling uses coefficients)');
  }
  return r;
}

/** Everything a resample band needs besides its positions. Plain typed arrays and numbers, so it can go to a worker. */
export interface SampleArgs {
  /** The samples, or B-spline coefficients for cubic, C order over `sourceShape`. */
  source: Float32Array;
  sourceShape: Vec3;
  interpolation: Interpolation;
  boundary: Boundary;
  fill: number;
  /** Output samples, C order over `outShape`. */
  out: Float32Array;
  outShape: Vec3;
  /** Output mask, or null. */
  mask: Uint8Array | null;
  /** Output gradient, ndim planes over `outShape` ([z, y, x] or [y, x]), or null. */
  gradient: Float32Array | null;
}

/** Makes typed arrays; the CPU pool passes one that allocates on a SharedArrayBuffer. */
export interface Allocator {
  float32(length: number): Float32Array;
  uint8(length: number): Uint8Array;
}

/** Plain heap arrays (also float64, for the partial sums of block reductions). */
export const heapAllocator: Allocator & { float64(length: number): Float64Array } = {
  float32: (n) => new Float32Array(n),
  float64: (n) => new Float64Array(n),
  uint8: (n) => new Uint8Array(n),
};

/** The output buffers for sampling `source` (samples or coefficients) onto `outShape`. */
export function createSampleArgs(
  source: Float32Array, sourceShape: Vec3, outShape: Vec3, r: ResolvedResample, allocate: Allocator = heapAllocator,
): SampleArgs {
  const n = voxelCount(outShape), ndim = imageNdim(sourceShape);
  return {
    source, sourceShape, interpolation: r.interpolation, boundary: r.boundary, fill: r.fill,
    out: allocate.float32(n), outShape,
    mask: r.mask ? allocate.uint8(n) : null,
    gradient: r.gradient ? allocate.float32(ndim * n) : null,
  };
}

/** The result the caller sees, over the buffers of `args`. */
export function sampleResult(args: SampleArgs): ResampleResult {
  const result: ResampleResult = { image: { data: args.out, shape: [...args.outShape] } };
  if (args.mask) result.mask = args.mask;
  if (args.gradient) result.gradient = { data: args.gradient, shape: [...args.outShape], ndim: imageNdim(args.sourceShape) };
  return result;
}

/** A row sampler for a band of `args`, with room for one output row. */
export function bandSampler(args: SampleArgs): RowSampler {
  return createRowSampler(args.sourceShape, args.interpolation, args.boundary, args.fill, args.outShape[2], args.gradient !== null);
}

/** Locates the positions already in the sampler's scratch and writes output row r (values, mask, gradient). */
export function sampleOutputRow(s: RowSampler, args: SampleArgs, r: number): void {
  const n = args.outShape[2], off = r * n;
  if (args.gradient) {
    locateRow(s, n);
    const plane = voxelCount(args.outShape), ndim = imageNdim(args.sourceShape);
    const grad: Float32Array[] = [];
    for (let c = 0; c < ndim; c++) grad.push(args.gradient.subarray(c * plane, (c + 1) * plane));
    gatherRowWithGradient(s, n, args.source, args.out, off, grad);
  } else {
    sampleRow(s, n, args.source, args.out, off);
  }
  if (args.mask) maskRow(s, n, args.mask, off);
}
