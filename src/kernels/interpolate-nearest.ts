// Nearest-neighbour sampling of one row of positions: locate (round to the closest centre) and gather.
// Positions come from the resample kernels; bounds follow Boundary in types.ts.

import type { Vec3 } from "../core/space.js";
import type { RowScratch } from "./row-scratch.js";

/** Rounds positions [0, n) of the scratch to the nearest voxel (halves round up); 2D ignores cz. */
export function locateNearest(s: RowScratch, n: number, shape: Vec3, clamp: boolean): void {
  const [nz, ny, nx] = shape;
  const is3d = nz > 1;
  const { cz, cy, cx, inside, base } = s;
  for (let i = 0; i < n; i++) {
    let z = is3d ? cz[i]! : 0, y = cy[i]!, x = cx[i]!;
    if (clamp) {
      z = z < 0 ? 0 : z > nz - 1 ? nz - 1 : z;
      y = y < 0 ? 0 : y > ny - 1 ? ny - 1 : y;
      x = x < 0 ? 0 : x > nx - 1 ? nx - 1 : x;
    }
    if (!(z >= -0.5 && z <= nz - 0.5 && y >= -0.5 && y <= ny - 0.5 && x >= -0.5 && x <= nx - 0.5)) {
      inside[i] = 0;
      base[i] = 0;
      continue;
    }
    const iz = Math.min(nz - 1, Math.round(z)), iy = Math.min(ny - 1, Math.round(y)), ix = Math.min(nx - 1, Math.round(x));
    inside[i] = 1;
    base[i] = (iz * ny + iy) * nx + ix;
  }
}

/** out[off + i] = image at the located voxel, or `fill` outside. */
export function gatherNearest(s: RowScratch, n: number, image: Float32Array, fill: number, out: Float32Array, off: number): void {
  const { inside, base } = s;
  for (let i = 0; i < n; i++) out[off + i] = inside[i] ? image[base[i]!]! : fill;
}
