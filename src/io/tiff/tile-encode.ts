// Cutting a band of pixels into padded TIFF tiles, compressing them, and appending them to the output file.
// Which bands to cut and where their offsets go is write-ome-tiff.ts's job.

import type { FileHandle } from "node:fs/promises";
import { promisify } from "node:util";
import { deflate } from "node:zlib";
import { allocatePixels, pixelBytes, type DType, type PixelArray } from "../../core/dtype.js";

const deflateAsync = promisify(deflate);

/** zlib level: 6 is zlib's default balance; equal input and level give equal bytes, which keeps output deterministic. */
const DEFLATE_LEVEL = 6;

/** An output chunk size that holds the deflate stream of `n` bytes whole (above zlib's deflateBound). */
export function oneChunk(n: number): number {
  return n + (n >> 8) + 1024;
}

/** How tiles are stored: TIFF Compression 1 (none) or 8 (Adobe deflate). */
export type TileCodec = "none" | "deflate";

/**
 * Copies the `w`×`h` window at (`y0`, `x0`) of a `bandWidth`-wide plane into a zero-padded `tile`×`tile` tile
 * (TIFF tiles are always full size; the padding is zeros so the file is deterministic).
 */
export function cutTile(plane: PixelArray, bandWidth: number, y0: number, x0: number, h: number, w: number, tile: number, dtype: DType): PixelArray {
  const out = allocatePixels(dtype, tile * tile);
  for (let r = 0; r < h; r++) {
    const s = (y0 + r) * bandWidth + x0;
    out.set(plane.subarray(s, s + w), r * tile);
  }
  return out;
}

/** Encodes one tile's samples (little-endian, the host order Node runs on) with `codec`. */
export async function encodeTile(samples: PixelArray, codec: TileCodec): Promise<Uint8Array> {
  const bytes = pixelBytes(samples);
  if (codec === "none") return bytes;
  // One output chunk that holds the whole stream (deflateBound: n + n/4096·5 + 13, rounded up generously): zlib's async
  // API hands every chunk back to the main thread before it compresses the next, so with the default 16 KiB chunks a
  // busy main thread (warping the next band) stalls compression; one chunk lets it run to the end on the thread pool.
  // The compressed bytes do not depend on the chunk size.
  return deflateAsync(bytes, { level: DEFLATE_LEVEL, chunkSize: oneChunk(bytes.length) });
}

/** Appends buffers to a file at a running offset and reports where each landed. */
export class Appender {
  constructor(private readonly handle: FileHandle, public position: number) {}

  /** Writes `parts` back to back; returns each part's file offset. */
  async append(parts: readonly Uint8Array[]): Promise<number[]> {
    const offsets: number[] = [];
    let at = this.position;
    for (const p of parts) {
      offsets.push(at);
      at += p.length;
    }
    // writev hands the parts to the kernel without first copying them into one buffer.
    let rest = parts.filter((p) => p.length > 0), pos = this.position;
    while (rest.length > 0) {
      let { bytesWritten } = await this.handle.writev(rest, pos);
      pos += bytesWritten;
      while (rest.length > 0 && bytesWritten >= rest[0]!.length) bytesWritten -= rest.shift()!.length;
      if (rest.length > 0 && bytesWritten > 0) rest = [rest[0]!.subarray(bytesWritten), ...rest.slice(1)];
    }
    this.position = at;
    return offsets;
  }
}
