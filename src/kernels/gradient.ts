// Image gradient by finite differences: central inside, one-sided at the borders, per physical length when spacing is given.
// The interpolant's gradient at arbitrary positions is not here: the resample kernels return it (gradient option).

import { OptionError } from "../core/errors.js";
import { voxelCount, type Vec3 } from "../core/space.js";
import { checkImage, imageNdim, rowCount, type Field, type Image } from "./types.js";

/** Band arguments: `out` holds ndim planes over `shape`, components [z, y, x] (3D) or [y, x] (2D). */
export interface GradientArgs {
  src: Float32Array;
  shape: Vec3;
  spacing: Vec3;
  out: Float32Array;
}

/** Throws unless `spacing` is three finite positive numbers; returns it or the default [1, 1, 1]. */
export function checkSpacing(fn: string, spacing: Vec3 | undefined): Vec3 {
  const s = spacing ?? [1, 1, 1];
  if (s.length !== 3 || !s.every((v) => Number.isFinite(v) && v > 0)) {
    throw new OptionError(`${fn}: spacing`, s, "three finite numbers > 0, [z, y, x], in the unit of the result's denominator");
  }
  return [s[0], s[1], s[2]];
}

/**
 * The derivative rule along one axis of n voxels, tabulated per index i: offsets (times `stride`) of the lower and
 * upper neighbour and the factor 1 / ((hi − lo)·h). Central inside, one-sided at the ends, factor 0 when n = 1.
 */
export interface Neighbours {
  lo: Int32Array;
  hi: Int32Array;
  factor: Float64Array;
}

export function neighbours(n: number, stride: number, h: number): Neighbours {
  const t: Neighbours = { lo: new Int32Array(n), hi: new Int32Array(n), factor: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const lo = i > 0 ? i - 1 : i, hi = i < n - 1 ? i + 1 : i;
    t.lo[i] = (lo - i) * stride;
    t.hi[i] = (hi - i) * stride;
    t.factor[i] = hi === lo ? 0 : 1 / ((hi - lo) * h);
  }
  return t;
}

/** Writes rows [start, end) (row r = z·ny + y) of every component. */
export function gradientBand(args: GradientArgs, start: number, end: number): void {
  const { src, shape, spacing, out } = args;
  const [nz, ny, nx] = shape;
  const plane = voxelCount(shape);
  const is3d = imageNdim(shape) === 3;
  const gz = 0, gy = is3d ? plane : 0, gx = is3d ? 2 * plane : plane;
  const zs = neighbours(nz, ny * nx, spacing[0]), ys = neighbours(ny, nx, spacing[1]), xs = neighbours(nx, 1, spacing[2]);
  const { lo: xlo, hi: xhi, factor: xf } = xs;
  for (let r = start; r < end; r++) {
    const z = Math.floor(r / ny), y = r - z * ny, o = r * nx;
    const zlo = zs.lo[z]!, zhi = zs.hi[z]!, zf = zs.factor[z]!;
    const ylo = ys.lo[y]!, yhi = ys.hi[y]!, yf = ys.factor[y]!;
    for (let x = 0; x < nx; x++) {
      const i = o + x;
      if (is3d) out[gz + i] = (src[i + zhi]! - src[i + zlo]!) * zf;
      out[gy + i] = (src[i + yhi]! - src[i + ylo]!) * yf;
      out[gx + i] = (src[i + xhi[x]!]! - src[i + xlo[x]!]!) * xf[x]!;
    }
  }
}

/**
 * Finite-difference gradient of `image`: a vector field on the same grid, components [z, y, x] (3D) or [y, x]
 * (2D, no z component). Central differences inside, one-sided at the borders.
 * @param spacing voxel size [z, y, x]; the result is then per unit of that length. @default [1, 1, 1] (per voxel)
 */
export function gradient(image: Image, spacing?: Vec3): Field {
  checkImage("gradient: image", image);
  const s = checkSpacing("gradient", spacing);
  const ndim = imageNdim(image.shape);
  const out = new Float32Array(ndim * voxelCount(image.shape));
  gradientBand({ src: image.data, shape: image.shape, spacing: s, out }, 0, rowCount(image.shape));
  return { data: out, shape: [...image.shape], ndim };
}
