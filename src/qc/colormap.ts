// Colour maps for QC figures: piecewise-linear ramps through a few control points, sampled into 256-entry tables.
// Which quantity goes on which map (and its limits) is decided by the figure modules, not here.

import type { Colour } from "./rgb.js";

/** A colour map: control colours evenly spaced over [0, 1], interpolated linearly in sRGB. */
export type Colormap = readonly Colour[];

/** Magma-like sequential ramp (black → purple → orange → pale yellow), 8 points read off matplotlib's magma. */
export const MAGMA: Colormap = [
  [0, 0, 4], [28, 16, 68], [79, 18, 123], [129, 37, 129], [181, 54, 122], [229, 80, 100], [251, 135, 97], [252, 253, 191],
];

/**
 * Diverging blue–white–red ramp (ColorBrewer RdBu reversed, centre made pure white) for log2 of a Jacobian
 * determinant: 0 = contraction limit, 0.5 = no change (exactly white), 1 = expansion limit.
 */
export const BLUE_WHITE_RED: Colormap = [
  [5, 48, 97], [33, 102, 172], [146, 197, 222], [255, 255, 255], [244, 165, 130], [178, 24, 43], [103, 0, 31],
];

/** Diverging magenta–white–green ramp (ColorBrewer PiYG, centre white) for signed improvements: green = better. */
export const MAGENTA_WHITE_GREEN: Colormap = [
  [142, 1, 82], [222, 119, 174], [253, 224, 239], [255, 255, 255], [230, 245, 208], [127, 188, 65], [39, 100, 25],
];

/** The colour at t ∈ [0, 1] (clamped; NaN → 0), linear between control points, each channel rounded. */
export function sampleColormap(map: Colormap, t: number): [number, number, number] {
  const out = new Uint8Array(3);
  sampleColormapInto(map, t, out, 0);
  return [out[0]!, out[1]!, out[2]!];
}

/** sampleColormap written to out[o … o + 2], for per-pixel loops that must not allocate. */
export function sampleColormapInto(map: Colormap, t: number, out: Uint8Array, o: number): void {
  const u = t > 0 ? (t < 1 ? t : 1) : 0;
  const pos = u * (map.length - 1), k = Math.min(Math.floor(pos), map.length - 2), f = pos - k;
  const a = map[k]!, b = map[k + 1]!;
  out[o] = Math.round(a[0] + f * (b[0] - a[0]));
  out[o + 1] = Math.round(a[1] + f * (b[1] - a[1]));
  out[o + 2] = Math.round(a[2] + f * (b[2] - a[2]));
}

/** 256 colours of `map` as 768 bytes (entry i = sampleColormap(map, i / 255)), for per-pixel lookups. */
export function colormapTable(map: Colormap): Uint8Array {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) table.set(sampleColormap(map, i / 255), 3 * i);
  return table;
}
