// Centre of mass of an image's foreground in physical space: the first guess of where the content is.
// Foreground weight = |I − background|, the background being the median of the border pixels (bright or dark).

import type { Vec3 } from "../core/space.js";
import { indexToPhysical } from "../core/space.js";
import type { LevelImage } from "./level-image.js";

/** Median of the pixels on the image border (the y and x edges of every plane; in 3D also the first and last plane). */
export function borderMedian(li: LevelImage): number {
  const [nz, ny, nx] = li.image.shape;
  const d = li.image.data, vals: number[] = [];
  const at = (z: number, y: number, x: number) => d[(z * ny + y) * nx + x]!;
  const sy = Math.max(1, Math.floor(ny / 512)), sx = Math.max(1, Math.floor(nx / 512));
  for (let z = 0; z < nz; z++) {
    const face = nz > 1 && (z === 0 || z === nz - 1);
    for (let y = 0; y < ny; y += sy) {
      if (face || y === 0 || y + sy >= ny) for (let x = 0; x < nx; x += sx) vals.push(at(z, y, x));
      else vals.push(at(z, y, 0), at(z, y, nx - 1));
    }
  }
  vals.sort((a, b) => a - b);
  return vals[Math.floor(vals.length / 2)] ?? 0;
}

/** Physical centre of mass of the foreground weights |I − borderMedian|. Falls back to the image centre. */
export function foregroundCentre(li: LevelImage): Vec3 {
  const [nz, ny, nx] = li.image.shape;
  const d = li.image.data, bg = borderMedian(li);
  let sw = 0, sz = 0, sy = 0, sx = 0;
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const w = Math.abs(d[i]! - bg);
        sw += w;
        sz += w * z;
        sy += w * y;
        sx += w * x;
      }
    }
  }
  const idx: Vec3 = sw > 0 ? [sz / sw, sy / sw, sx / sw] : [(nz - 1) / 2, (ny - 1) / 2, (nx - 1) / 2];
  return indexToPhysical(li.space, idx);
}

/** Physical centre of the image's grid. */
export function gridCentre(li: LevelImage): Vec3 {
  const [nz, ny, nx] = li.image.shape;
  return indexToPhysical(li.space, [(nz - 1) / 2, (ny - 1) / 2, (nx - 1) / 2]);
}
