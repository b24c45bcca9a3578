// The raster every QC figure is drawn into: 8-bit RGB, interleaved, row-major, top row first.
// Drawing primitives (lines, discs) live in draw.ts; PNG encoding in encode-png.ts.

import { OptionError } from "../core/errors.js";

/** An 8-bit RGB raster: `data[3 · (y · width + x) + c]`, c = 0 red, 1 green, 2 blue; y = 0 is the top row. */
export interface Rgb {
  data: Uint8Array;
  width: number;
  height: number;
}

/** One colour, [red, green, blue], each 0–255. */
export type Colour = readonly [number, number, number];

/** Largest QC raster we draw: 2^26 pixels (192 MiB of RGB). QC images are previews, not outputs. */
export const MAX_QC_PIXELS = 2 ** 26;

/** A `width` × `height` raster filled with `fill` (black by default). */
export function createRgb(width: number, height: number, fill: Colour = [0, 0, 0]): Rgb {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width * height > MAX_QC_PIXELS) {
    throw new OptionError("createRgb: size", `${width}×${height}`, `positive integers with at most 2^26 pixels; QC images are drawn at a reduced resolution`);
  }
  const data = new Uint8Array(width * height * 3);
  if (fill[0] !== 0 || fill[1] !== 0 || fill[2] !== 0) {
    for (let i = 0; i < data.length; i += 3) {
      data[i] = fill[0];
      data[i + 1] = fill[1];
      data[i + 2] = fill[2];
    }
  }
  return { data, width, height };
}

/** Sets pixel (x, y) to `c`; positions outside the raster are ignored (so callers can draw past the edges). */
export function setPixel(img: Rgb, x: number, y: number, c: Colour): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const o = 3 * (y * img.width + x);
  img.data[o] = c[0];
  img.data[o + 1] = c[1];
  img.data[o + 2] = c[2];
}

/** The colour of pixel (x, y), or undefined outside the raster. */
export function getPixel(img: Rgb, x: number, y: number): [number, number, number] | undefined {
  if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= img.width || y >= img.height) return undefined;
  const o = 3 * (y * img.width + x);
  return [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
}

/** Copies `src` into `dst` with its top-left corner at (x0, y0); the part outside `dst` is clipped. */
export function blit(dst: Rgb, src: Rgb, x0: number, y0: number): void {
  const xa = Math.max(0, x0), xb = Math.min(dst.width, x0 + src.width);
  if (xb <= xa) return;
  for (let y = Math.max(0, y0); y < Math.min(dst.height, y0 + src.height); y++) {
    const from = 3 * ((y - y0) * src.width + (xa - x0));
    dst.data.set(src.data.subarray(from, from + 3 * (xb - xa)), 3 * (y * dst.width + xa));
  }
}

/** Stacks rasters top to bottom, left-aligned, `gap` rows of `background` between them. */
export function stackVertically(parts: readonly Rgb[], gap = 0, background: Colour = [0, 0, 0]): Rgb {
  const width = Math.max(...parts.map((p) => p.width));
  const height = parts.reduce((h, p) => h + p.height, 0) + gap * (parts.length - 1);
  const out = createRgb(width, height, background);
  let y = 0;
  for (const p of parts) {
    blit(out, p, 0, y);
    y += p.height + gap;
  }
  return out;
}
