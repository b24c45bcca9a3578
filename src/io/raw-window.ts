// Windowed reads of uncompressed raw payloads (MetaImage, NRRD, NIfTI): a region costs positioned reads of the rows
// it covers, never the whole volume. Layout and byte order come from the format's reader; this module knows no header.

import { open as openFile, type FileHandle } from "node:fs/promises";
import { checkRead } from "../core/check-read.js";
import { allocatePixels, bytesPerSample, swapBytesInPlace, viewPixels, type DType, type PixelArray } from "../core/dtype.js";
import { AbortedError, InputError } from "../core/errors.js";
import type { Source } from "../core/source.js";
import type { ImageMeta, Region } from "../core/space.js";
import type { ChannelLayout, DataLocation } from "./volume-data.js";

/** Rows are fetched in groups whose file span is at most this many bytes (or one row, when a row is longer). */
const GROUP_SPAN_BYTES = 8 * 2 ** 20;
/** A group is read in one call when what it skips is at most this multiple of what it needs; else row by row. */
const MAX_SPAN_RATIO = 4;

/** Whether {@link rawWindowSource} can read windows of `layout` directly: one channel, interleaved, or planar. */
export function windowedLayout(layout: ChannelLayout): boolean {
  return layout.channels === 1 || layout.inner === 1 || layout.outer === 1;
}

/**
 * A single-level Source over the raw payload at `loc` (encoding "raw", no skip), reading each region with positioned
 * reads of the rows it covers. `transform` maps a window of stored samples to returned ones (NIfTI's scaling).
 * @param meta    metadata as returned; `meta.levels[0].shape` is the payload's [z, y, x] shape
 * @param stored  the dtype of the samples on disk (meta.dtype unless `transform` changes it)
 * @param layout  channel layout; must satisfy {@link windowedLayout} (planar runs start at c · inner samples)
 */
export function rawWindowSource(meta: ImageMeta, loc: DataLocation, stored: DType, layout: ChannelLayout, transform?: (p: PixelArray) => PixelArray): Source {
  if (loc.encoding !== "raw" || (loc.skip ?? 0) !== 0) throw new RangeError("rawWindowSource reads uncompressed data only");
  const [, ny, nx] = meta.levels[0]!.shape;
  if (!windowedLayout(layout)) throw new RangeError(`channel layout ${JSON.stringify(layout)} has no contiguous rows`);
  const size = bytesPerSample(stored);
  const interleaved = layout.channels > 1 && layout.inner === 1;
  let handle: Promise<FileHandle> | undefined;
  const file = () => {
    handle ??= openFile(loc.path, "r").catch((e: Error) => {
      handle = undefined;
      throw new InputError(meta.path, `cannot open ${loc.path}: ${e.message}`, { cause: e });
    });
    return handle;
  };

  /** Reads `count` bytes at payload byte `at` into `dst` at `into`, failing on a short read (a file cut since opening). */
  const readExact = async (fh: FileHandle, dst: Uint8Array, into: number, count: number, at: number) => {
    let done = 0;
    while (done < count) {
      const { bytesRead } = await fh.read(dst, into + done, count - done, loc.offset + at + done);
      if (bytesRead === 0) throw new InputError(meta.path, `data is truncated: no bytes at offset ${loc.offset + at + done} of ${loc.path}`);
      done += bytesRead;
    }
  };

  /**
   * Reads the rows of `region` into `dst`, row after row: voxel (z, y, x) of this run of samples starts at payload byte
   * `base + ((z·ny + y)·nx + x)·sampleBytes` (sampleBytes covers all channels when they are interleaved).
   */
  const readRows = async (fh: FileHandle, region: Region, base: number, sampleBytes: number, dst: Uint8Array) => {
    const [z0, y0, x0] = region.start;
    const [dz, dy, dx] = region.size;
    const rowBytes = dx * sampleBytes;
    const rowAt = (z: number, y: number) => base + (((z0 + z) * ny + (y0 + y)) * nx + x0) * sampleBytes;
    const pitch = nx * sampleBytes;
    const rowsPerGroup = Math.max(1, Math.floor(GROUP_SPAN_BYTES / pitch));
    const wide = pitch <= MAX_SPAN_RATIO * rowBytes;
    let o = 0;
    for (let z = 0; z < dz; z++) {
      for (let y = 0; y < dy; y += rowsPerGroup) {
        const rows = Math.min(rowsPerGroup, dy - y);
        if (rows > 1 && wide) {
          const span = (rows - 1) * pitch + rowBytes;
          if (pitch === rowBytes) {
            await readExact(fh, dst, o, span, rowAt(z, y));
          } else {
            const buf = new Uint8Array(span);
            await readExact(fh, buf, 0, span, rowAt(z, y));
            for (let r = 0; r < rows; r++) dst.set(buf.subarray(r * pitch, r * pitch + rowBytes), o + r * rowBytes);
          }
        } else {
          await Promise.all(Array.from({ length: rows }, (_, r) => readExact(fh, dst, o + r * rowBytes, rowBytes, rowAt(z, y + r))));
        }
        o += rows * rowBytes;
      }
    }
  };

  return {
    meta,
    async read(region, level, options) {
      const channels = checkRead(meta, region, level, options?.channels);
      if (options?.signal?.aborted) throw new AbortedError(`read ${meta.path}`);
      const fh = await file();
      const n = region.size[0] * region.size[1] * region.size[2];
      let planes: PixelArray[];
      if (interleaved) {
        const all = new Uint8Array(n * layout.channels * size);
        await readRows(fh, region, 0, size * layout.channels, all);
        if (loc.bigEndian) swapBytesInPlace(all, size);
        const samples = viewPixels(stored, all);
        planes = channels.map((c) => {
          const p = allocatePixels(stored, n);
          for (let i = 0, j = c; i < n; i++, j += layout.channels) p[i] = samples[j]!;
          return p;
        });
      } else {
        planes = await Promise.all(
          channels.map(async (c) => {
            const bytes = new Uint8Array(n * size);
            await readRows(fh, region, c * layout.inner * size, size, bytes);
            if (loc.bigEndian) swapBytesInPlace(bytes, size);
            return viewPixels(stored, bytes);
          }),
        );
      }
      return transform ? planes.map(transform) : planes;
    },
    async close() {
      const h = handle;
      handle = undefined;
      if (h) await (await h.catch(() => undefined))?.close();
    },
  };
}
