// Jacobian determinant of the map x ↦ x + u(x) for a displacement field u, by finite differences (2D and 3D).
// Summaries of it (percentiles, folding, SD of log J) live in jacobian-stats.ts.

import { voxelCount, type Vec3 } from "../core/space.js";
import { checkSpacing, neighbours } from "./gradient.js";
import { checkField, rowCount, type Field, type Image } from "./types.js";

/** Band arguments: `field` has `ndim` planes over `shape`; `out` one plane. */
export interface JacobianArgs {
  field: Float32Array;
  shape: Vec3;
  ndim: 2 | 3;
  spacing: Vec3;
  out: Float32Array;
}

/** Writes rows [start, end): det(I + ∇u), ∂u_a/∂x_b by gradient.ts's neighbour rule, float64 then float32. */
export function jacobianBand(args: JacobianArgs, start: number, end: number): void {
  const { field: f, shape, ndim, spacing, out } = args;
  const [nz, ny, nx] = shape;
  const plane = voxelCount(shape);
  const zs = neighbours(nz, ny * nx, spacing[0]), ys = neighbours(ny, nx, spacing[1]), xs = neighbours(nx, 1, spacing[2]);
  for (let r = start; r < end; r++) {
    const z = Math.floor(r / ny), y = r - z * ny, o = r * nx;
    const zlo = zs.lo[z]!, zhi = zs.hi[z]!, zf = zs.factor[z]!;
    const ylo = ys.lo[y]!, yhi = ys.hi[y]!, yf = ys.factor[y]!;
    for (let x = 0; x < nx; x++) {
      const xlo = xs.lo[x]!, xhi = xs.hi[x]!, xf = xs.factor[x]!;
      const i = o + x, j = plane + i;
      if (ndim === 2) {
        const a = 1 + (f[i + yhi]! - f[i + ylo]!) * yf, b = (f[i + xhi]! - f[i + xlo]!) * xf;
        const c = (f[j + yhi]! - f[j + ylo]!) * yf, d = 1 + (f[j + xhi]! - f[j + xlo]!) * xf;
        out[i] = a * d - b * c;
        continue;
      }
      const k = j + plane;
      const a = 1 + (f[i + zhi]! - f[i + zlo]!) * zf, b = (f[i + yhi]! - f[i + ylo]!) * yf, c = (f[i + xhi]! - f[i + xlo]!) * xf;
      const d = (f[j + zhi]! - f[j + zlo]!) * zf, e = 1 + (f[j + yhi]! - f[j + ylo]!) * yf, g = (f[j + xhi]! - f[j + xlo]!) * xf;
      const p = (f[k + zhi]! - f[k + zlo]!) * zf, q = (f[k + yhi]! - f[k + ylo]!) * yf, s = 1 + (f[k + xhi]! - f[k + xlo]!) * xf;
      out[i] = a * (e * s - g * q) - b * (d * s - g * p) + c * (d * q - e * p);
    }
  }
}

/**
 * Jacobian determinant of x ↦ x + u(x) at every voxel: det(I + ∂u/∂x), rows of the matrix in component order
 * ([z, y, x] or [y, x]). Central differences inside, one-sided at borders; no derivative along an axis of length 1.
 * det ≤ 0 marks folding.
 * @param field displacement; in voxel units by default.
 * @param spacing grid spacing [z, y, x] when `field` is in that physical unit (the determinant is unitless).
 * @returns float32 image on the field's grid.
 */
export function jacobianDeterminant(field: Field, spacing?: Vec3): Image {
  checkField("jacobianDeterminant: field", field);
  const s = checkSpacing("jacobianDeterminant", spacing);
  const out = new Float32Array(voxelCount(field.shape));
  jacobianBand({ field: field.data, shape: field.shape, ndim: field.ndim, spacing: s, out }, 0, rowCount(field.shape));
  return { data: out, shape: [...field.shape] };
}
