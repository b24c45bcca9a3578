// Builds the reduced levels of a 2D pyramid from full-width bands of level 0 as they stream in, keeping only the bands
// each level's next band needs, so no level is read back from its file. The filter itself is reduce.ts's (reduceBlock).

import { allocatePixels, type DType, type PixelArray } from "../core/dtype.js";
import type { Region, Vec3 } from "../core/space.js";
import { reduceBlock, sourceRegionFor, type BlockReducer, type Factors } from "./reduce.js";

/** Receives band `band` of `level` (≥ 1): rows [band · bandRows, …) at full width, one plane per channel. */
export type BandSink = (level: number, band: number, planes: PixelArray[]) => Promise<void>;

/** Output columns reduced per call of reduceBlock: bounds its float64 working set (about 56 bytes per output pixel). */
const CHUNK_COLUMNS = 512;

/** One level's bands still needed by the next level. */
interface Held {
  /** First row of each held band, and its planes. */
  bands: { start: number; rows: number; planes: PixelArray[] }[];
  /** Rows received so far. */
  received: number;
  /** Next band of the next level to produce. */
  nextOut: number;
}

export interface BandCascade {
  /** Feeds the next band of level 0 (full width, `bandRows` rows or the remainder); emits every reduced band it completes. */
  push(planes: PixelArray[]): Promise<void>;
}

/**
 * A cascade over `levels` (as from pyramidLevels on a [1, Y, X] plane: shapes, and factors from the level above).
 * Band t of level l + 1 is reduced as soon as level l holds every row sourceRegionFor(band t) needs, in column chunks,
 * each by reduceBlock over exactly the rows and columns it needs: the same values as reducing a region read back from
 * the finer level. Each level keeps at most the bands from the first row its next band needs, about three.
 */
export function bandCascade(
  levels: readonly { shape: Vec3; factors: Factors }[], bandRows: number, dtype: DType, emit: BandSink,
  reduce: BlockReducer = async (...args) => reduceBlock(...args),
): BandCascade {
  const held: Held[] = levels.map(() => ({ bands: [], received: 0, nextOut: 0 }));
  const feed = async (l: number, planes: PixelArray[]): Promise<void> => {
    const h = held[l]!, [, H] = levels[l]!.shape;
    const rows = Math.min(bandRows, H - h.received);
    h.bands.push({ start: h.received, rows, planes });
    h.received += rows;
    if (l + 1 >= levels.length) {
      h.bands.length = 0;
      return;
    }
    const next = levels[l + 1]!, [, H1, W1] = next.shape;
    const outBands = Math.ceil(H1 / bandRows);
    while (h.nextOut < outBands) {
      const t = h.nextOut, y0 = t * bandRows, rowsOut = Math.min(bandRows, H1 - y0);
      const need = sourceRegionFor({ start: [0, y0, 0], size: [1, rowsOut, W1] }, next.factors, levels[l]!.shape);
      if (h.received < need.start[1] + need.size[1]) break;
      const out = await reduceBand(h, levels[l]!.shape, y0, rowsOut, W1, next.factors, dtype, reduce);
      h.nextOut++;
      // Drop bands that no later band of the next level reads.
      if (h.nextOut < outBands) {
        const y1 = h.nextOut * bandRows;
        const from = sourceRegionFor({ start: [0, y1, 0], size: [1, Math.min(bandRows, H1 - y1), W1] }, next.factors, levels[l]!.shape).start[1];
        h.bands = h.bands.filter((b) => b.start + b.rows > from);
      } else {
        h.bands.length = 0;
      }
      await emit(l + 1, t, out);
      await feed(l + 1, out);
    }
  };
  return { push: (planes) => feed(0, planes) };
}

/**
 * Rows [y0, y0 + rows) of the next level, full width `width`, from the bands held for the finer level of `inShape`:
 * column chunk after column chunk, the channels of a chunk reduced at once (on the reducer's threads).
 */
async function reduceBand(
  h: Held, inShape: Vec3, y0: number, rows: number, width: number, factors: Factors, dtype: DType, reduce: BlockReducer,
): Promise<PixelArray[]> {
  const channels = h.bands[0]!.planes.length, inWidth = inShape[2];
  const out = Array.from({ length: channels }, () => allocatePixels(dtype, rows * width));
  for (let x0 = 0; x0 < width; x0 += CHUNK_COLUMNS) {
    const cols = Math.min(CHUNK_COLUMNS, width - x0);
    const region: Region = { start: [0, y0, x0], size: [1, rows, cols] };
    const src = sourceRegionFor(region, factors, inShape);
    const [, r0, c0] = src.start, [, nr, nc] = src.size;
    await Promise.all(Array.from({ length: channels }, async (_, c) => {
      const block = allocatePixels(dtype, nr * nc);
      for (const b of h.bands) {
        const a = Math.max(r0, b.start), e = Math.min(r0 + nr, b.start + b.rows);
        for (let r = a; r < e; r++) {
          const s = (r - b.start) * inWidth + c0;
          block.set(b.planes[c]!.subarray(s, s + nc), (r - r0) * nc);
        }
      }
      const reduced = await reduce(block, src, inShape, region, factors, dtype);
      for (let r = 0; r < rows; r++) out[c]!.set(reduced.subarray(r * cols, (r + 1) * cols), r * width + x0);
    }));
  }
  return out;
}
