// Jacobian determinant map: log2 det on a blue–white–red ramp (contraction, none, expansion), folds in bright green.
// Computing the determinant is kernels/jacobian-determinant.ts; its summary numbers are kernels/jacobian-stats.ts.

import { OptionError } from "../core/errors.js";
import type { Image } from "../kernels/types.js";
import { BLUE_WHITE_RED, sampleColormap, sampleColormapInto } from "./colormap.js";
import { orthogonalSlices, PANEL_BACKGROUND, type PanelOptions } from "./orthogonal-slices.js";
import { createRgb, stackVertically, type Colour, type Rgb } from "./rgb.js";

/** Colour of folded voxels (det ≤ 0): bright green, which the blue–white–red ramp never produces. */
export const FOLD_COLOUR: Colour = [0, 255, 0];
/** Colour of voxels whose determinant is NaN (outside the field, masked). */
export const NAN_COLOUR: Colour = [128, 128, 128];
/** Legend strips are drawn only under maps at least this wide. */
export const MIN_LEGEND_WIDTH = 32;

export interface JacobianMapOptions extends PanelOptions {
  /** |log2 det| at which the ramp saturates: 1 shows 0.5× (dark blue) … 1× (white) … 2× (dark red). @default 1 */
  limit?: number;
  /** Append a legend strip below the map (fold swatch on the left, then the ramp from 2^−limit to 2^limit with a grey tick at 1×); skipped when the map is narrower than MIN_LEGEND_WIDTH. @default true */
  legend?: boolean;
}

/** The colour of one determinant value under `limit`. */
export function jacobianColour(det: number, limit = 1): [number, number, number] {
  const out = new Uint8Array(3);
  jacobianColourInto(det, limit, out, 0);
  return [out[0]!, out[1]!, out[2]!];
}

/** jacobianColour written to out[o … o + 2], for the per-pixel loop. */
function jacobianColourInto(det: number, limit: number, out: Uint8Array, o: number): void {
  if (Number.isNaN(det)) out.set(NAN_COLOUR, o);
  else if (det <= 0) out.set(FOLD_COLOUR, o);
  else sampleColormapInto(BLUE_WHITE_RED, 0.5 + Math.log2(det) / (2 * limit), out, o);
}

/**
 * Diverging map of log2 det: det = 1 is exactly white, det = 2^−limit and below darkest blue, 2^limit and above darkest
 * red, det ≤ 0 (folding) FOLD_COLOUR, NaN NAN_COLOUR.
 * @param det determinant image [z, y, x] (from jacobianDeterminant); a volume gives three orthogonal mid-slices.
 * @returns RGB raster: the map, then (when `legend`) 4 background rows and a strip of height clamp(width / 24, 8, 20).
 */
export function jacobianMap(det: Image, options: JacobianMapOptions = {}): Rgb {
  const limit = options.limit ?? 1;
  if (!(limit > 0) || !Number.isFinite(limit)) throw new OptionError("jacobianMap: limit", limit, "a positive finite |log2 det|, e.g. 1 for 0.5×…2×");
  const map = orthogonalSlices(det, (slice) => {
    const [, ny, nx] = slice.shape;
    const out = createRgb(nx, ny);
    for (let i = 0; i < nx * ny; i++) jacobianColourInto(slice.data[i]!, limit, out.data, 3 * i);
    return out;
  }, options);
  if (options.legend === false || map.width < MIN_LEGEND_WIDTH) return map;
  const background = options.background ?? PANEL_BACKGROUND;
  return stackVertically([map, jacobianLegend(map.width, background)], 4, background);
}

/**
 * A 2D determinant map reduced by 2× blocks (the smallest value of each block, NaN only where the whole block is) until
 * its longer side is at most `maxSide`, so a fold stays visible however far the map is shrunk. Volumes and maps that
 * already fit are returned as they are.
 */
export function shrinkKeepingFolds(det: Image, maxSide: number): Image {
  let cur = det;
  while (cur.shape[0] === 1 && Math.max(cur.shape[1], cur.shape[2]) > maxSide) {
    const [, ny, nx] = cur.shape, my = Math.ceil(ny / 2), mx = Math.ceil(nx / 2), src = cur.data;
    const out = new Float32Array(my * mx);
    for (let y = 0; y < my; y++) {
      for (let x = 0; x < mx; x++) {
        let m = NaN;
        for (let dy = 0; dy < 2 && 2 * y + dy < ny; dy++) {
          for (let dx = 0; dx < 2 && 2 * x + dx < nx; dx++) {
            const v = src[(2 * y + dy) * nx + 2 * x + dx]!;
            if (!(v >= m)) m = Number.isNaN(v) ? m : v;
          }
        }
        out[y * mx + x] = m;
      }
    }
    cur = { data: out, shape: [1, my, mx] };
  }
  return cur;
}

/**
 * The legend strip alone, `width` wide: a FOLD_COLOUR swatch (as wide as the strip is high), 4 background columns, then
 * the ramp from its low end (left) to its high end (right) with a grey tick at the centre (1×). The limits it stands for
 * belong in the figure caption.
 */
export function jacobianLegend(width: number, background: Colour = PANEL_BACKGROUND): Rgb {
  const h = Math.min(20, Math.max(8, Math.round(width / 24)));
  const out = createRgb(width, h, background);
  const rampStart = h + 4, rampWidth = width - rampStart;
  const centre = rampStart + Math.round((rampWidth - 1) / 2);
  for (let x = 0; x < width; x++) {
    let c: Colour;
    if (x < h) c = FOLD_COLOUR;
    else if (x < rampStart) continue;
    else if (x === centre) c = [128, 128, 128];
    else c = sampleColormap(BLUE_WHITE_RED, (x - rampStart) / Math.max(1, rampWidth - 1));
    for (let y = 0; y < h; y++) out.data.set(c, 3 * (y * width + x));
  }
  return out;
}
