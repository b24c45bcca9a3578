// The Source interface every reader implements: metadata up front, pixels only for the region asked.
// Format-specific parsing lives in io/<format>/; opening by path lives in io/open.ts.

import type { PixelArray } from "./dtype.js";
import type { ImageMeta, Region } from "./space.js";

export interface ReadOptions {
  /** Channel indices to read, in the order wanted. @default all channels */
  channels?: readonly number[];
  signal?: AbortSignal;
}

/** A lazily read, possibly multi-level image. */
export interface Source {
  readonly meta: ImageMeta;
  /**
   * Reads one region of one level, touching only the tiles or chunks the region overlaps.
   * @returns one C-order [z, y, x] plane per requested channel, of length voxelCount(region.size), dtype meta.dtype.
   */
  read(region: Region, level: number, options?: ReadOptions): Promise<PixelArray[]>;
  /** Releases file handles. Safe to call twice. */
  close(): Promise<void>;
}
