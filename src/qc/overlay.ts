// Colour overlay of a registered pair: fixed in green, warped moving in magenta, so aligned structure looks grey/white.
// Both images must already be on one grid at QC resolution; warping them there is the caller's job.

import type { Image } from "../kernels/types.js";
import { orthogonalSlices, type PanelOptions } from "./orthogonal-slices.js";
import { normaliseToByte, robustRange } from "./robust-range.js";
import { createRgb, type Rgb } from "./rgb.js";

/**
 * Green–magenta overlay: G = fixed, R = B = warped, each scaled to 0–255 by its own 1st–99th percentile window
 * (over the whole image, so the three panels of a volume share it). Where the two agree the pixel is grey
 * (R = G = B); green shows fixed-only structure, magenta warped-only structure.
 * @param fixed, warped same shape [z, y, x]; a volume (z > 1) is shown as three orthogonal mid-slices.
 * @returns RGB raster, one pixel per voxel.
 */
export function overlay(fixed: Image, warped: Image, options: PanelOptions = {}): Rgb {
  const rangeOf = options.rangeOf ?? robustRange, rf = rangeOf(fixed), rw = rangeOf(warped);
  return orthogonalSlices([fixed, warped], ([f, w]) => {
    const [, ny, nx] = f!.shape;
    const out = createRgb(nx, ny);
    for (let i = 0; i < nx * ny; i++) {
      const m = normaliseToByte(w!.data[i]!, rw);
      out.data[3 * i] = m;
      out.data[3 * i + 1] = normaliseToByte(f!.data[i]!, rf);
      out.data[3 * i + 2] = m;
    }
    return out;
  }, options);
}
