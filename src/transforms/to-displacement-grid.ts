// Explicit conversion of any deformation kind to a displacement grid d(p) = φ(p) − p sampled at the nodes of a grid,
// for consumers and formats that only know displacement fields (ITK and NGFF exports, elastix for velocity fields).

import { indexToPhysical, voxelCount, type Space, type Vec3 } from "../core/space.js";
import { deformationMapper, type Deformation, type DisplacementGrid } from "./registration-transform.js";

/** Refinement of the B-spline knot spacing when sampling an FFD onto a displacement grid. */
export const BSPLINE_SAMPLES_PER_KNOT = 4;

/**
 * The grid a deformation is sampled on by default: its own nodes for a displacement or velocity grid; for a B-spline,
 * knots 0 … K − 1 (the fitted lattice's knots reach one spacing past the image on each side) at a quarter of the knot
 * spacing, so linear interpolation between samples stays close to the cubic spline.
 */
export function samplingGrid(d: Deformation): { shape: Vec3; space: Space } {
  if (d.kind !== "bspline") return { shape: [...d.grid.shape], space: d.grid.space };
  const r = BSPLINE_SAMPLES_PER_KNOT, g = d.grid, splined = (a: number) => g.ndim === 3 || a > 0;
  const shape = g.shape.map((k, a) => (splined(a) ? (k - 1) * r + 1 : 1)) as Vec3;
  const spacing = g.space.spacing.map((s, a) => (splined(a) ? s / r : s)) as Vec3;
  return { shape, space: { ...g.space, spacing } };
}

/**
 * d(p) = φ(p) − p at every node p of `target` (physical units, vector-first like every DisplacementGrid). Exact at the
 * nodes; between them a consumer interpolates linearly, which approximates a velocity field's flow or a B-spline
 * (the approximation such exports state). A displacement grid on its own grid is returned unchanged.
 * @param target the sampling grid. @default samplingGrid(d)
 */
export function toDisplacementGrid(d: Deformation, target: { shape: Vec3; space: Space } = samplingGrid(d)): DisplacementGrid {
  if (d.kind === "displacement" && target.shape.every((s, a) => s === d.grid.shape[a]) && target.space === d.grid.space) return d.grid;
  const nd = d.grid.ndim, first = nd === 3 ? 0 : 1, [nz, ny, nx] = target.shape, n = voxelCount(target.shape);
  const data = new Float32Array(nd * n), phi = deformationMapper(d), q = new Float64Array(3);
  let i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const p = indexToPhysical(target.space, [z, y, x]);
        q.set(p);
        phi(q);
        for (let c = 0; c < nd; c++) data[c * n + i] = q[first + c]! - p[first + c]!;
      }
    }
  }
  return { ndim: nd, shape: [...target.shape], space: target.space, data };
}
