// Options shared by every image writer; each writer documents which it honours and rejects the rest.
// The dispatcher (io/write.ts) picks the writer from the output name and makes the write atomic.

import type { ProgressFn } from "../core/progress.js";
import type { BlockReducer } from "../pyramid/reduce.js";

export type Compression = "none" | "deflate" | "lzw" | "gzip" | "zstd" | "blosc";

export interface WriteOptions {
  /** Tile (TIFF) or chunk (Zarr) edge in pixels for y and x. @default 512 (2D), 128 (3D Zarr) */
  tileSize?: number;
  /** Chunk depth in z for volumes (Zarr). @default 128 */
  chunkDepth?: number;
  /** Pyramid levels to write; "auto" stops when a level fits in one tile. @default "auto" */
  levels?: number | "auto";
  /** @default "deflate" for TIFF, "zstd" for Zarr v3, "blosc" for Zarr v2 */
  compression?: Compression;
  /** Zarr format version (OME-Zarr NGFF 0.5 for 3, 0.4 for 2). @default 3 */
  zarrVersion?: 2 | 3;
  /** Channel names to write instead of the source's. */
  channelNames?: string[];
  progress?: ProgressFn;
  signal?: AbortSignal;
  /**
   * Runs the pyramid's reductions, e.g. a Kernels' reduceBlock on the worker pool: where they run, never what they
   * produce, so writers that build no pyramid (single-level formats) ignore it. @default reduceBlock on the calling thread
   */
  reduce?: BlockReducer;
}
