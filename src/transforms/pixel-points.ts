// Landmark pixels ↔ physical points: ANHIR files list x, y[, z] in pixels of the full-resolution image as shipped;
// transforms work on physical [z, y, x]. Pixel centres are at integer positions (DESIGN §2).

import { indexToPhysical, physicalToIndex, type Space, type Vec3 } from "../core/space.js";

/** [x, y(, z)] pixel rows → physical [z, y, x] triples, flattened. */
export function pixelsToPhysical(points: readonly number[][], space: Space): Float64Array {
  const out = new Float64Array(points.length * 3);
  points.forEach((p, k) => out.set(indexToPhysical(space, [p[2] ?? 0, p[1]!, p[0]!]), k * 3));
  return out;
}

/** Physical [z, y, x] triples → [x, y(, z)] pixel rows with `dims` entries. */
export function physicalToPixels(points: Float64Array, space: Space, dims: 2 | 3): number[][] {
  const out: number[][] = [];
  for (let o = 0; o < points.length; o += 3) {
    const i = physicalToIndex(space, [points[o]!, points[o + 1]!, points[o + 2]!] as Vec3);
    out.push(dims === 3 ? [i[2], i[1], i[0]] : [i[2], i[1]]);
  }
  return out;
}
