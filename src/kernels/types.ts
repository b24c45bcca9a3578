// The data types every kernel takes and returns: a float image, a vector-first field, and the row bands they split into.
// Physical spacing, origins and directions are not here: kernels work in voxel units unless a spacing argument says otherwise.

import { OptionError } from "../core/errors.js";
import { voxelCount, type Vec3 } from "../core/space.js";

/**
 * A scalar image: float32 samples in C order [z, y, x], x fastest.
 * A 2D image has shape[0] = 1 and is handled as true 2D (no z taps, no z derivative).
 */
export interface Image {
  data: Float32Array;
  /** Voxels per axis, [z, y, x]. */
  shape: Vec3;
}

/**
 * A vector field, vector-first (DESIGN §2): `data` holds `ndim` planes of z·y·x values, one per component,
 * components in axis order: [z, y, x] for ndim = 3, [y, x] for ndim = 2.
 * Displacements are in voxel units of the grid the field lives on unless a function says otherwise.
 */
export interface Field {
  data: Float32Array;
  /** Voxels per axis of the grid, [z, y, x]. */
  shape: Vec3;
  /** Number of components: 2 for a 2D field (shape[0] must then be 1), 3 for a 3D one. */
  ndim: 2 | 3;
}

/** How a continuous position is turned into a value. `cubic` is the cubic B-spline (prefiltered). */
export type Interpolation = "nearest" | "linear" | "cubic";

export const INTERPOLATIONS: readonly Interpolation[] = ["nearest", "linear", "cubic"];

/**
 * What a sample outside the image gets. `fill`: the fill value, and mask 0, outside −0.5 ≤ c ≤ n − 0.5 on any axis
 * (pixel centres at integers, so the image covers half a voxel beyond its first and last centre, as in ITK);
 * `clamp`: the position is clamped to [0, n − 1] per axis first (replicate the border), so every sample is inside.
 */
export type Boundary = "fill" | "clamp";

/** 2 when shape[0] = 1 (a single plane), else 3. */
export function imageNdim(shape: Vec3): 2 | 3 {
  return shape[0] === 1 ? 2 : 3;
}

/** A zero image of `shape`. */
export function createImage(shape: Vec3): Image {
  return { data: new Float32Array(voxelCount(shape)), shape: [shape[0], shape[1], shape[2]] };
}

/** A zero field of `shape` with `ndim` components (2D when omitted and shape[0] = 1). */
export function createField(shape: Vec3, ndim: 2 | 3 = imageNdim(shape)): Field {
  return { data: new Float32Array(ndim * voxelCount(shape)), shape: [shape[0], shape[1], shape[2]], ndim };
}

/** Component `c` of a field (0 = first axis in [z, y, x] / [y, x] order) as a view, no copy. */
export function fieldComponent(field: Field, c: number): Float32Array {
  const n = voxelCount(field.shape);
  return field.data.subarray(c * n, (c + 1) * n);
}

/** Throws an OptionError naming `what` unless `shape` is three positive integers. */
export function checkShape(what: string, shape: Vec3): void {
  if (shape.length !== 3 || !shape.every((s) => Number.isInteger(s) && s > 0)) {
    throw new OptionError(what, shape, "three positive integers [z, y, x]");
  }
  if (voxelCount(shape) >= 2 ** 31) {
    throw new OptionError(what, shape, "fewer than 2^31 voxels per kernel call; split the work into tiles");
  }
}

/** Throws an OptionError naming `what` unless data length matches the shape. */
export function checkImage(what: string, image: Image): void {
  checkShape(`${what}.shape`, image.shape);
  const n = voxelCount(image.shape);
  if (!(image.data instanceof Float32Array) || image.data.length !== n) {
    throw new OptionError(`${what}.data`, `length ${image.data?.length}`, `a Float32Array of ${n} samples for shape [${image.shape}]`);
  }
}

/** Throws an OptionError naming `what` unless ndim, shape and data length agree. */
export function checkField(what: string, field: Field): void {
  checkShape(`${what}.shape`, field.shape);
  if (field.ndim !== 2 && field.ndim !== 3) throw new OptionError(`${what}.ndim`, field.ndim, "2 or 3");
  if (field.ndim === 2 && field.shape[0] !== 1) {
    throw new OptionError(`${what}.ndim`, field.ndim, `3 for a field of shape [${field.shape}] (2D fields have shape[0] = 1)`);
  }
  const n = field.ndim * voxelCount(field.shape);
  if (!(field.data instanceof Float32Array) || field.data.length !== n) {
    throw new OptionError(`${what}.data`, `length ${field.data?.length}`, `a Float32Array of ${field.ndim}·${voxelCount(field.shape)} = ${n} values`);
  }
}

/** Throws an OptionError unless the two fields have the same shape and ndim. */
export function checkSameGrid(whatA: string, a: Field, whatB: string, b: Field): void {
  if (a.ndim !== b.ndim || a.shape.some((s, i) => s !== b.shape[i])) {
    throw new OptionError(whatB, `ndim ${b.ndim}, shape [${b.shape}]`, `the grid of ${whatA}: ndim ${a.ndim}, shape [${a.shape}]`);
  }
}

/**
 * Work is split into bands of output rows: row r = z·ny + y, in C order, so a band is a contiguous slab along the
 * slowest axis (z in 3D, y in 2D). This is the length a pool splits.
 */
export function rowCount(shape: Vec3): number {
  return shape[0] * shape[1];
}
