// B-spline free-form deformations as transforms: cubic B-spline coefficients on a knot grid in physical space,
// d(p) = Σ_k β³(t(p) − k) c_k with t the knot index of p. The lattice kernels (fitting, subdivision) live in kernels/bspline-lattice.ts.

import { OptionError } from "../core/errors.js";
import { indexToPhysical, indexToPhysicalLinear, mapVectors, voxelCount, type Space, type Vec3 } from "../core/space.js";
import type { BSplineLattice } from "../kernels/bspline-lattice.js";

/**
 * A cubic B-spline FFD: coefficients c_k in physical displacement units, vector-first [ndim, kz, ky, kx], components
 * [z, y, x] / [y, x]. `space` is the knot frame: knot k sits at origin + direction · (spacing ⊙ k), so `spacing` is
 * the knot spacing in physical units. Knots outside the grid count as zero (the field fades to 0 within two knot
 * spacings past the last knot). A 2D grid has shape[0] = 1 and no spline along z.
 */
export interface BSplineGrid {
  ndim: 2 | 3;
  shape: Vec3;
  space: Space;
  data: Float32Array;
}

/** Throws an OptionError naming `what` unless shape, ndim and data length agree. */
export function checkBSplineGrid(grid: BSplineGrid, what = "transform.bspline"): void {
  if (!grid.shape.every((s) => Number.isInteger(s) && s > 0)) throw new OptionError(`${what}.shape`, grid.shape, "three positive knot counts [z, y, x]");
  if (grid.ndim === 2 && grid.shape[0] !== 1) throw new OptionError(`${what}.shape`, grid.shape, "[1, ky, kx] for a 2D B-spline");
  const n = grid.ndim * voxelCount(grid.shape);
  if (grid.data.length !== n) throw new OptionError(`${what}.data`, `length ${grid.data.length}`, `${grid.ndim}·${voxelCount(grid.shape)} = ${n} coefficients for shape [${grid.shape}]`);
}

/**
 * The weights of the 4 knots around a continuous knot index t, β³(u + 1), β³(u), β³(u − 1), β³(u − 2) with
 * u = t − ⌊t⌋, into out[o..o+3]; returns the first of those knots, ⌊t⌋ − 1.
 */
export function knotWeights(t: number, out: Float64Array, o: number): number {
  const f = Math.floor(t), u = t - f;
  const v = 1 - u, u2 = u * u, u3 = u2 * u;
  out[o] = (v * v * v) / 6;
  out[o + 1] = (3 * u3 - 6 * u2 + 4) / 6;
  out[o + 2] = (-3 * u3 + 3 * u2 + 3 * u + 1) / 6;
  out[o + 3] = u3 / 6;
  return f - 1;
}

/** knotWeights along z into out[0..3] for a 3D grid; a 2D grid has no spline along z: weight 1 on knot plane 0. */
export function zKnotWeights(ndim: 2 | 3, tz: number, out: Float64Array): number {
  if (ndim === 3) return knotWeights(tz, out, 0);
  out[0] = 1;
  return 0;
}

/** Scratch for addBSplineAtKnot: 12 weights. */
export function bsplineScratch(): Float64Array {
  return new Float64Array(12);
}

/**
 * Adds d(t) to out[0..2] ([z, y, x], z untouched in 2D) for the continuous knot index t = (tz, ty, tx):
 * d(t) = Σ_k Π_a β³(t_a − k_a) c_k over the 4 (4², 4³) knots around t, knots outside the grid counting as 0.
 * Both mapPoints and the warp's tile path call this, so points and images see the same field.
 * @see D. Rueckert et al. (1999) Nonrigid registration using free-form deformations, IEEE TMI 18(8):712–721.
 */
export function addBSplineAtKnot(grid: BSplineGrid, tz: number, ty: number, tx: number, out: Float64Array, w: Float64Array): void {
  const [kz, ky, kx] = grid.shape, n = kz * ky * kx, d = grid.data, nd = grid.ndim;
  const y0 = knotWeights(ty, w, 4), x0 = knotWeights(tx, w, 8);
  // Knots entirely off the grid contribute nothing.
  if (y0 + 3 < 0 || y0 >= ky || x0 + 3 < 0 || x0 >= kx) return;
  const z0 = zKnotWeights(nd, tz, w), zTaps = nd === 3 ? 4 : 1;
  if (z0 + 3 < 0 || z0 >= kz) return;
  const first = nd === 3 ? 0 : 1;
  for (let c = 0; c < nd; c++) {
    const o = c * n;
    let s = 0;
    for (let a = 0; a < zTaps; a++) {
      const z = z0 + a;
      if (z < 0 || z >= kz) continue;
      let sz = 0;
      for (let b = 0; b < 4; b++) {
        const y = y0 + b;
        if (y < 0 || y >= ky) continue;
        const row = o + (z * ky + y) * kx;
        let sy = 0;
        for (let e = 0; e < 4; e++) {
          const x = x0 + e;
          if (x >= 0 && x < kx) sy += w[8 + e]! * d[row + x]!;
        }
        sz += w[4 + b]! * sy;
      }
      s += w[a]! * sz;
    }
    out[first + c] = out[first + c]! + s;
  }
}

/**
 * The kernel lattice (bspline-lattice.ts: coefficients in voxels of an image grid, knots in fractional image indices)
 * as a physical BSplineGrid over the image frame `imageSpace`: knot 0 at physical(origin), knot spacing
 * spacing ⊙ imageSpacing along the image's direction, coefficients c_phys = D · (spacing ⊙ c_voxels). Exact.
 */
export function bsplineGridFromLattice(lattice: BSplineLattice, imageSpace: Space): BSplineGrid {
  const c = lattice.coefficients, nd = c.ndim;
  const data = mapVectors(indexToPhysicalLinear(imageSpace), c.data, nd, new Float32Array(c.data.length));
  const origin = indexToPhysical(imageSpace, nd === 3 ? lattice.origin : [0, lattice.origin[1], lattice.origin[2]]);
  const spacing: Vec3 = [nd === 3 ? lattice.spacing[0] * imageSpace.spacing[0] : imageSpace.spacing[0], lattice.spacing[1] * imageSpace.spacing[1], lattice.spacing[2] * imageSpace.spacing[2]];
  return { ndim: nd, shape: [...c.shape], space: { ...imageSpace, origin, spacing, direction: [...imageSpace.direction] }, data };
}
