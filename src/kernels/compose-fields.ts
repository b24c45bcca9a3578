// Composition of displacement fields, (u ∘ v)(x) = v(x) + u(x + v(x)): the greedy / ANTs update of a pull-back map.
// u is read by linear interpolation with clamped (replicated) borders; both fields share one grid, in its voxel units.

import { voxelCount, type Vec3 } from "../core/space.js";
import { createRowSampler, gatherRow, locateRow } from "./sample-row.js";
import { checkField, checkSameGrid, rowCount, type Field } from "./types.js";

/** Band arguments: `u`, `v` and `out` each hold `ndim` planes over `shape`. */
export interface ComposeArgs {
  u: Float32Array;
  v: Float32Array;
  shape: Vec3;
  ndim: 2 | 3;
  out: Float32Array;
}

/** Writes rows [start, end) of every component: out_c(x) = v_c(x) + u_c(x + v(x)). */
export function composeBand(args: ComposeArgs, start: number, end: number): void {
  const { u, v, shape, ndim, out } = args;
  const [, ny, nx] = shape;
  const plane = voxelCount(shape);
  const s = createRowSampler(shape, "linear", "clamp", 0, nx, false);
  const { cz, cy, cx } = s.scratch;
  const first = ndim === 3 ? 0 : -1;
  for (let r = start; r < end; r++) {
    const z = Math.floor(r / ny), y = r - z * ny, off = r * nx;
    for (let x = 0; x < nx; x++) {
      if (first === 0) cz[x] = z + v[off + x]!;
      cy[x] = y + v[(first + 1) * plane + off + x]!;
      cx[x] = x + v[(first + 2) * plane + off + x]!;
    }
    locateRow(s, nx);
    for (let c = 0; c < ndim; c++) {
      const o = c * plane;
      gatherRow(s, nx, u.subarray(o, o + plane), out, o + off);
      for (let x = 0; x < nx; x++) out[o + off + x] = v[o + off + x]! + out[o + off + x]!;
    }
  }
}

/**
 * (u ∘ v)(x) = v(x) + u(x + v(x)): the displacement of φ_u ∘ φ_v with φ_w(x) = x + w(x), i.e. first v, then u.
 * This is how greedy and ANTs update a pull-back map φ = id + u by a small step v: u ← compose(u, v), and warping
 * with the result samples M(φ_u(φ_v(x))). u is interpolated linearly; positions past the grid read the border
 * (replicate), so a constant u composes exactly everywhere.
 * @param u outer displacement, voxel units of the shared grid.
 * @param v inner displacement, same grid and ndim.
 * @param band the band kernel that fills the rows: composeBand, or a faster one with its bytes (compute/wasm).
 * @returns a new field on the same grid.
 * @see P. Yushkevich et al., greedy (github.com/pyushkevich/greedy), GreedyApproach: uk1 = v + uk(x + v).
 * @see B. Avants et al., "Symmetric diffeomorphic image registration with cross-correlation", MedIA 12(1), 2008.
 */
export function composeFields(u: Field, v: Field, band: (args: ComposeArgs, start: number, end: number) => void = composeBand): Field {
  checkField("composeFields: u", u);
  checkField("composeFields: v", v);
  checkSameGrid("composeFields: u", u, "composeFields: v", v);
  const out = new Float32Array(u.data.length);
  band({ u: u.data, v: v.data, shape: u.shape, ndim: u.ndim, out }, 0, rowCount(u.shape));
  return { data: out, shape: [...u.shape], ndim: u.ndim };
}
