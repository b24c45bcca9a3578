// The transform a registration produces: T(p) = A(p + d(p)), fixed physical → moving physical (pull-back), with
// d a displacement field in physical units on a regular grid (the registration level) and A an affine.

import { OptionError } from "../core/errors.js";
import { physicalToIndex, type Space, type Vec3 } from "../core/space.js";
import { invertAffine, mapPointsAffine, type Mat4 } from "./affine.js";

/** A displacement field d(p) in physical units, vector-first [ndim, z, y, x], components in [z, y, x] / [y, x] order. */
export interface DisplacementGrid {
  ndim: 2 | 3;
  shape: Vec3;
  space: Space;
  data: Float32Array;
}

export interface RegistrationTransform {
  ndim: 2 | 3;
  /** Fixed physical → moving physical, applied after the displacement. */
  affine: Mat4;
  displacement?: DisplacementGrid;
  /** Level-0 frames of the images it was computed for, so pixel landmarks can be converted without the images. */
  fixedSpace?: Space;
  movingSpace?: Space;
  /** Level-0 shape [z, y, x] of the fixed image (the grid exports such as elastix's record). */
  fixedShape?: Vec3;
}

/** d(p) by (bi/tri)linear interpolation, clamped to the grid (constant extrapolation beyond it). Adds into `out`. */
export function addDisplacementAt(grid: DisplacementGrid, p: Vec3, out: Vec3): void {
  const [nz, ny, nx] = grid.shape, n = nz * ny * nx;
  const i = physicalToIndex(grid.space, p);
  const clampAxis = (v: number, size: number) => Math.min(Math.max(v, 0), size - 1);
  const z = clampAxis(i[0], nz), y = clampAxis(i[1], ny), x = clampAxis(i[2], nx);
  const z0 = Math.min(Math.floor(z), Math.max(nz - 2, 0)), y0 = Math.min(Math.floor(y), Math.max(ny - 2, 0)), x0 = Math.min(Math.floor(x), Math.max(nx - 2, 0));
  const fz = nz > 1 ? z - z0 : 0, fy = ny > 1 ? y - y0 : 0, fx = nx > 1 ? x - x0 : 0;
  const z1 = Math.min(z0 + 1, nz - 1), y1 = Math.min(y0 + 1, ny - 1), x1 = Math.min(x0 + 1, nx - 1);
  const first = grid.ndim === 3 ? 0 : 1;
  for (let a = first; a < 3; a++) {
    const d = grid.data, o = (a - first) * n;
    const at = (zz: number, yy: number, xx: number) => d[o + (zz * ny + yy) * nx + xx]!;
    const c00 = at(z0, y0, x0) * (1 - fx) + at(z0, y0, x1) * fx, c01 = at(z0, y1, x0) * (1 - fx) + at(z0, y1, x1) * fx;
    const c10 = at(z1, y0, x0) * (1 - fx) + at(z1, y0, x1) * fx, c11 = at(z1, y1, x0) * (1 - fx) + at(z1, y1, x1) * fx;
    out[a] = out[a]! + (c00 * (1 - fy) + c01 * fy) * (1 - fz) + (c10 * (1 - fy) + c11 * fy) * fz;
  }
}

/** T(p) for n points ([z, y, x] triples, physical), returning new coordinates. */
export function mapPoints(t: RegistrationTransform, points: Float64Array): Float64Array {
  const out = Float64Array.from(points);
  if (t.displacement) {
    for (let o = 0; o < out.length; o += 3) {
      const p: Vec3 = [out[o]!, out[o + 1]!, out[o + 2]!];
      const q: Vec3 = [...p];
      addDisplacementAt(t.displacement, p, q);
      out.set(q, o);
    }
  }
  return mapPointsAffine(t.affine, out);
}

/**
 * T⁻¹(q) for n points: p = A⁻¹(q) − d(p) solved by fixed-point iteration p ← A⁻¹q − d(p), which converges where
 * id + d is invertible with |∇d| < 1. Points that do not reach `tolerance` (physical units) within `maxIterations`
 * are returned as NaN, so a failure is never silent.
 */
export function mapPointsInverse(t: RegistrationTransform, points: Float64Array, tolerance = 1e-4, maxIterations = 200): Float64Array {
  if (!(tolerance > 0)) throw new OptionError("tolerance", tolerance, "a positive length");
  const target = mapPointsAffine(invertAffine(t.affine), Float64Array.from(points));
  if (!t.displacement) return target;
  const out = new Float64Array(target.length);
  for (let o = 0; o < target.length; o += 3) {
    const a: Vec3 = [target[o]!, target[o + 1]!, target[o + 2]!];
    let p: Vec3 = [...a];
    let ok = false;
    for (let k = 0; k < maxIterations; k++) {
      const d: Vec3 = [0, 0, 0];
      addDisplacementAt(t.displacement, p, d);
      const next: Vec3 = [a[0] - d[0], a[1] - d[1], a[2] - d[2]];
      const step = Math.hypot(next[0] - p[0], next[1] - p[1], next[2] - p[2]);
      p = next;
      if (step < tolerance) {
        ok = true;
        break;
      }
    }
    out.set(ok ? p : [NaN, NaN, NaN], o);
  }
  return out;
}
