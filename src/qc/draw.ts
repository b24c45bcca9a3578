// Drawing primitives for QC figures: Bresenham lines, filled discs and rings, clipped to the raster.
// No canvas dependency; positions are integer pixels, (0, 0) the top-left pixel.

import { setPixel, type Colour, type Rgb } from "./rgb.js";

/** Fills the disc of `radius` (pixels whose centre is within radius + 0.5 of (cx, cy)); radius 0 is one pixel. */
export function drawDisc(img: Rgb, cx: number, cy: number, radius: number, c: Colour): void {
  const r = Math.max(0, Math.floor(radius)), r2 = (r + 0.5) ** 2;
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= r2) setPixel(img, cx + dx, cy + dy, c);
  }
}

/** Draws a one-pixel ring: the pixels of the disc of `radius` that are not in the disc of radius − 1. */
export function drawRing(img: Rgb, cx: number, cy: number, radius: number, c: Colour): void {
  const r = Math.max(1, Math.floor(radius)), outer = (r + 0.5) ** 2, inner = (r - 0.5) ** 2;
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) {
      const d = dx * dx + dy * dy;
      if (d <= outer && d > inner) setPixel(img, cx + dx, cy + dy, c);
    }
  }
}

/**
 * The part of the segment a–b inside [lo, hiX] × [lo, hiY] (Liang–Barsky), or undefined when it misses the box
 * or an end is not finite.
 * @see Y.-D. Liang, B. A. Barsky, "A new concept and method for line clipping", ACM TOG 3(1), 1984.
 */
export function clipSegment(
  x0: number, y0: number, x1: number, y1: number, lo: number, hiX: number, hiY: number,
): [number, number, number, number] | undefined {
  if (![x0, y0, x1, y1].every(Number.isFinite)) return undefined;
  const dx = x1 - x0, dy = y1 - y0;
  let t0 = 0, t1 = 1;
  const edges: [number, number][] = [[-dx, x0 - lo], [dx, hiX - x0], [-dy, y0 - lo], [dy, hiY - y0]];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return undefined;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return undefined;
  }
  return [x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy];
}

/**
 * Draws the segment (x0, y0)–(x1, y1) with Bresenham's algorithm, both ends included, stamping a disc of
 * `radius` at every step (radius 0: one-pixel line). Ends are rounded to pixels; a segment reaching outside
 * the raster is clipped first (its visible part keeps its direction to within a pixel).
 * @see J. E. Bresenham, "Algorithm for computer control of a digital plotter", IBM Systems Journal 4(1), 1965.
 */
export function drawLine(img: Rgb, x0: number, y0: number, x1: number, y1: number, c: Colour, radius = 0): void {
  const r = Math.max(0, Math.floor(radius));
  const clipped = clipSegment(x0, y0, x1, y1, -r, img.width - 1 + r, img.height - 1 + r);
  if (!clipped) return;
  const [xa, ya, xb, yb] = clipped.map(Math.round) as [number, number, number, number];
  const dx = Math.abs(xb - xa), dy = -Math.abs(yb - ya), sx = xa < xb ? 1 : -1, sy = ya < yb ? 1 : -1;
  let err = dx + dy, x = xa, y = ya;
  for (;;) {
    if (r > 0) drawDisc(img, x, y, r, c);
    else setPixel(img, x, y, c);
    if (x === xb && y === yb) break;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}
