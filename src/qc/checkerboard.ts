// Checkerboard of a registered pair: alternating squares from the fixed and the warped image, both in grey.
// Edges that run on across square borders show alignment; both images must already be on one grid.

import { OptionError } from "../core/errors.js";
import type { Image } from "../kernels/types.js";
import { orthogonalSlices, type PanelOptions } from "./orthogonal-slices.js";
import { normaliseToByte, robustRange } from "./robust-range.js";
import { createRgb, type Rgb } from "./rgb.js";

/** The side, in pixels, of one checkerboard square: the longest axis of `shape` divided into `squares`, rounded up. */
export function checkerSquareSize(shape: readonly number[], squares: number): number {
  return Math.max(1, Math.ceil(Math.max(...shape) / squares));
}

/**
 * Checkerboard: pixel (row, col) of a panel comes from `fixed` when ⌊row / s⌋ + ⌊col / s⌋ is even, else from `warped`,
 * with s = checkerSquareSize(shape, squares), so squares have the same size in every panel. Each image is scaled to
 * 0–255 by its own 1st–99th percentile window and drawn as grey (R = G = B).
 * @param squares squares along the longest axis of the image. @default 8
 * @returns RGB raster, one pixel per voxel; a volume gives three orthogonal mid-slices.
 */
export function checkerboard(fixed: Image, warped: Image, squares = 8, options: PanelOptions = {}): Rgb {
  if (!Number.isInteger(squares) || squares < 1) throw new OptionError("checkerboard: squares", squares, "a positive integer");
  const rangeOf = options.rangeOf ?? robustRange, rf = rangeOf(fixed), rw = rangeOf(warped);
  const s = checkerSquareSize(fixed.shape, squares);
  return orthogonalSlices([fixed, warped], ([f, w]) => {
    const [, ny, nx] = f!.shape;
    const out = createRgb(nx, ny);
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const i = y * nx + x;
        const g = (Math.floor(y / s) + Math.floor(x / s)) % 2 === 0 ? normaliseToByte(f!.data[i]!, rf) : normaliseToByte(w!.data[i]!, rw);
        out.data.fill(g, 3 * i, 3 * i + 3);
      }
    }
    return out;
  }, options);
}
