// Per-chunk heat map of the local refinement: relative metric improvement per chunk, flagged chunks hatched in red.
// The grid is 2D; for a 3D chunk grid the caller passes one z-slab. Computing the numbers is chunked/'s job.

import { OptionError } from "../core/errors.js";
import { MAGENTA_WHITE_GREEN, sampleColormap } from "./colormap.js";
import { createRgb, setPixel, type Colour, type Rgb } from "./rgb.js";

/** A 2D chunk grid's results, row-major (index r · cols + c; row 0 at the top). */
export interface ChunkGridQc {
  rows: number;
  cols: number;
  /** Relative metric improvement per chunk, (before − after) / |before| for a cost: > 0 better, < 0 worse, NaN not run. */
  improvement: readonly number[];
  /** Chunks that fell back to the global transform (got worse, failed); drawn hatched and outlined in red. */
  flagged: readonly boolean[];
}

export const FLAG_COLOUR: Colour = [255, 0, 0];
/** Colour of a chunk with no improvement value (NaN: not run, masked out). */
export const MISSING_COLOUR: Colour = [128, 128, 128];
/** One-pixel lines between chunks (drawn when chunks are at least 4 pixels across). */
export const GRID_LINE_COLOUR: Colour = [64, 64, 64];
/** Pixels between the diagonal red hatch lines of a flagged chunk. */
export const HATCH_PERIOD = 6;

export interface ChunkMapOptions {
  /** |improvement| at which the ramp saturates (full green / full magenta). @default the largest finite |improvement| (1 if all are 0) */
  range?: number;
}

/** Pixel span [start, end) of chunk k of n along an axis of `size` pixels. */
export function chunkSpan(k: number, n: number, size: number): [number, number] {
  return [Math.floor((k * size) / n), Math.floor(((k + 1) * size) / n)];
}

/**
 * Heat map of per-chunk improvement on a magenta–white–green ramp (0 white, +range green, −range magenta, NaN grey),
 * `width` × `height` pixels, chunk (r, c) covering chunkSpan(c, cols, width) × chunkSpan(r, rows, height).
 * Flagged chunks get a red outline (2 pixels, 1 when the chunk is under 8 pixels) and red diagonal hatching every
 * HATCH_PERIOD pixels ((x − x0) + (y − y0) ≡ 0 mod HATCH_PERIOD).
 */
export function chunkMap(grid: ChunkGridQc, width: number, height: number, options: ChunkMapOptions = {}): Rgb {
  const { rows, cols, improvement, flagged } = grid;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new OptionError("chunkMap: grid", `${rows}×${cols}`, "positive integer rows and cols");
  }
  if (improvement.length !== rows * cols) throw new OptionError("chunkMap: grid.improvement", `${improvement.length} values`, `rows · cols = ${rows * cols}, row-major`);
  if (flagged.length !== rows * cols) throw new OptionError("chunkMap: grid.flagged", `${flagged.length} values`, `rows · cols = ${rows * cols}, row-major`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < cols || height < rows) {
    throw new OptionError("chunkMap: size", `${width}×${height}`, `integers of at least one pixel per chunk (${cols}×${rows})`);
  }
  let range = options.range;
  if (range === undefined) {
    range = 0;
    for (const v of improvement) if (Number.isFinite(v)) range = Math.max(range, Math.abs(v));
    if (range === 0) range = 1;
  } else if (!(range > 0) || !Number.isFinite(range)) {
    throw new OptionError("chunkMap: range", range, "a positive finite improvement, e.g. 0.2 for ±20 %");
  }
  const out = createRgb(width, height);
  for (let r = 0; r < rows; r++) {
    const [y0, y1] = chunkSpan(r, rows, height);
    for (let c = 0; c < cols; c++) {
      const [x0, x1] = chunkSpan(c, cols, width), k = r * cols + c, v = improvement[k]!;
      const fill: Colour = Number.isNaN(v) ? MISSING_COLOUR : sampleColormap(MAGENTA_WHITE_GREEN, 0.5 + v / (2 * range));
      const lines = x1 - x0 >= 4 && y1 - y0 >= 4, edge = Math.min(x1 - x0, y1 - y0) < 8 ? 1 : 2;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          let colour = fill;
          if (lines && ((x === x0 && c > 0) || (y === y0 && r > 0))) colour = GRID_LINE_COLOUR;
          if (flagged[k]) {
            const border = x - x0 < edge || x1 - 1 - x < edge || y - y0 < edge || y1 - 1 - y < edge;
            if (border || (x - x0 + (y - y0)) % HATCH_PERIOD === 0) colour = FLAG_COLOUR;
          }
          setPixel(out, x, y, colour);
        }
      }
    }
  }
  return out;
}
