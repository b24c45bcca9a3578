// Reads any region of a reduced level by reading just the region of the finer level it needs and filtering it.
// This is the out-of-core step every pyramid builder repeats, level after level, tile by tile.

import type { DType, PixelArray } from "../core/dtype.js";
import type { Region, Vec3 } from "../core/space.js";
import { reduceBlock, sourceRegionFor, type BlockReducer, type Factors } from "./reduce.js";

/** Reads a region of the finer level: one plane per channel. */
export type RegionReader = (region: Region) => Promise<PixelArray[]>;

/**
 * A reader for the level obtained from a level of shape `inShape` by `factors`.
 * Each call reads sourceRegionFor(region) (at most 2·size + 2 per halved axis) from `readFiner` and reduces each
 * channel with `reduce` (reduceBlock on the calling thread by default; a Kernels' reduceBlock runs it on a pool).
 */
export function reducedReader(
  readFiner: RegionReader, inShape: Vec3, factors: Factors, dtype: DType, reduce: BlockReducer = async (...args) => reduceBlock(...args),
): RegionReader {
  return async (region) => {
    const src = sourceRegionFor(region, factors, inShape);
    const planes = await readFiner(src);
    return Promise.all(planes.map((p) => reduce(p, src, inShape, region, factors, dtype)));
  };
}
