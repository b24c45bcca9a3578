// The moving window a tile needs: the bounding box of all its mapped coordinates that land in the moving image, plus
// the interpolator's support, clipped to the image. The coordinates come from tile-mapper.ts; sampling is in warped-source.ts.

import type { Region, Vec3 } from "../core/space.js";
import type { Interpolation } from "../kernels/types.js";

/** Per-axis [z, y, x] extremes of the coordinates inside the image (2D: z stays 0). */
export interface CoordinateBounds {
  min: Vec3;
  max: Vec3;
  /** Number of positions inside. */
  inside: number;
}

/**
 * Finds the positions (vector-first, `ndim` planes of `n` values, moving index units; those in [start, end)) that lie
 * inside an image of `shape` — −0.5 ≤ c ≤ size − 0.5 on every axis, the kernels' "fill" boundary (kernels/types.ts) —
 * and sets every other position to NaN on all axes, so every kernel returns the fill value there whatever the window.
 * @returns the bounds of the inside positions, or undefined when none is inside (the tile needs no moving pixel).
 */
export function clipToImage(coords: Float64Array, n: number, ndim: 2 | 3, shape: Vec3, start = 0, end = n): CoordinateBounds | undefined {
  const hz = shape[0] - 0.5, hy = shape[1] - 0.5, hx = shape[2] - 0.5;
  const oy = ndim === 3 ? n : 0, ox = oy + n;
  let z0 = Infinity, z1 = -Infinity, y0 = Infinity, y1 = -Infinity, x0 = Infinity, x1 = -Infinity, inside = 0;
  for (let i = start; i < end; i++) {
    const z = ndim === 3 ? coords[i]! : 0, y = coords[oy + i]!, x = coords[ox + i]!;
    if (!(z >= -0.5 && z <= hz && y >= -0.5 && y <= hy && x >= -0.5 && x <= hx)) {
      if (ndim === 3) coords[i] = NaN;
      coords[oy + i] = NaN;
      coords[ox + i] = NaN;
      continue;
    }
    inside++;
    if (z < z0) z0 = z;
    if (z > z1) z1 = z;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
  }
  return inside === 0 ? undefined : { min: [z0, y0, x0], max: [z1, y1, x1], inside };
}

/** The union of per-band bounds (undefined entries: bands with no position inside). */
export function unionBounds(bands: readonly (CoordinateBounds | undefined)[]): CoordinateBounds | undefined {
  let out: CoordinateBounds | undefined;
  for (const b of bands) {
    if (!b) continue;
    if (!out) {
      out = { min: [...b.min], max: [...b.max], inside: b.inside };
      continue;
    }
    for (let a = 0; a < 3; a++) {
      out.min[a] = Math.min(out.min[a]!, b.min[a]!);
      out.max[a] = Math.max(out.max[a]!, b.max[a]!);
    }
    out.inside += b.inside;
  }
  return out;
}

/**
 * The region of the moving image (of `shape`) that sampling positions within `bounds` read, per axis:
 * nearest [round(min), round(max)]; linear [⌊min⌋, ⌊max⌋ + 1], widened to 2 voxels where the image has 2, so the
 * kernel's border clamp of the lower tap picks the taps it would pick on the whole image; cubic
 * [⌊min⌋ − 1 − margin, ⌊max⌋ + 2 + margin]. All clipped to the image.
 * With these windows, nearest and linear samples are bit-identical to sampling the whole image: shifting a
 * position by the integer window start is exact in float64, and the taps and weights are the same.
 */
export function movingWindow(bounds: CoordinateBounds, shape: Vec3, interpolation: Interpolation, cubicMargin: number): Region {
  const start: Vec3 = [0, 0, 0], size: Vec3 = [1, 1, 1];
  for (let a = 0; a < 3; a++) {
    const n = shape[a]!, lo = bounds.min[a]!, hi = bounds.max[a]!;
    let first: number, last: number;
    if (interpolation === "nearest") {
      first = Math.round(lo);
      last = Math.round(hi);
    } else if (interpolation === "linear") {
      first = Math.floor(lo);
      last = Math.floor(hi) + 1;
    } else {
      first = Math.floor(lo) - 1 - cubicMargin;
      last = Math.floor(hi) + 2 + cubicMargin;
    }
    first = Math.max(0, first);
    last = Math.min(n - 1, last);
    if (interpolation === "linear" && last === first && n >= 2) {
      if (first > 0) first--;
      else last++;
    }
    start[a] = first;
    size[a] = last - first + 1;
  }
  return { start, size };
}

/** Moves positions into window-local index units in place (c − start per axis); NaN stays NaN. */
export function shiftCoordinates(coords: Float64Array, n: number, ndim: 2 | 3, start: Vec3): void {
  const first = 3 - ndim;
  for (let a = first; a < 3; a++) {
    const s = start[a]!, o = (a - first) * n;
    if (s === 0) continue;
    for (let i = 0; i < n; i++) coords[o + i] = coords[o + i]! - s;
  }
}
