// Pixel data of whole-in-memory formats (NIfTI, MetaImage, NRRD): size checks before any allocation, bounded
// reads of raw or zlib/gzip data straight into per-channel planes, and the lazy single-level Source over them.
// Header parsing and geometry live with each format; this module never looks at a header.

import { constants as bufferConstants } from "node:buffer";
import { createReadStream, type Stats } from "node:fs";
import { open as openFile, stat } from "node:fs/promises";
import { pipeline, type Readable } from "node:stream";
import { createUnzip } from "node:zlib";
import { checkRead } from "../core/check-read.js";
import { bytesPerSample, swapBytesInPlace, viewPixels, type DType, type PixelArray } from "../core/dtype.js";
import { AbortedError, InputError, formatBytes } from "../core/errors.js";
import type { Source } from "../core/source.js";
import type { ImageMeta, Vec3 } from "../core/space.js";
import { cropPlane } from "./array-source.js";

/** Largest pixel payload a whole-in-memory reader accepts: 16 GiB. Bigger volumes belong in OME-Zarr or tiled TIFF. */
export const MAX_VOLUME_BYTES = 2 ** 34;

/** Deflate cannot expand data by more than ~1032:1 (RFC 1951 maximum run encoding), plus a little slack for headers. */
const MAX_INFLATE_RATIO = 1032;
const INFLATE_SLACK = 1 << 16;

/**
 * Checks header dimensions before anything is allocated: every entry a positive integer, and the pixel payload
 * (product × bytes per sample × channels) at most {@link MAX_VOLUME_BYTES}, and one channel no larger than a Node buffer.
 * @param dims   the dimensions as the header lists them (any order), labelled for the message
 * @returns the payload size in bytes
 */
export function checkVolumeSize(file: string, dims: readonly { name: string; size: number }[], dtype: DType): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d.size) || d.size < 1) {
      throw new InputError(file, `${d.name} is ${d.size}; every dimension must be a positive integer`);
    }
    n *= d.size;
  }
  const bytes = n * bytesPerSample(dtype);
  if (bytes > MAX_VOLUME_BYTES) {
    throw new InputError(
      file,
      `header claims ${dims.map((d) => d.size).join(" × ")} ${dtype} samples = ${formatBytes(bytes)}, which is absurd for ` +
        `this format (limit ${formatBytes(MAX_VOLUME_BYTES)}); convert the image to OME-Zarr or tiled OME-TIFF`,
    );
  }
  return bytes;
}

/** How the samples of the payload are laid out: `outer` blocks, each holding `channels` runs of `inner` samples. */
export interface ChannelLayout {
  /** Samples of one channel stored contiguously (1 for interleaved channels, the voxel count for planar ones). */
  inner: number;
  channels: number;
  /** Number of repetitions of [channels × inner] (the voxel count for interleaved channels, 1 for planar ones). */
  outer: number;
}

/** Where the payload is and how it is encoded. */
export interface DataLocation {
  /** The file holding the data (the header itself for single-file formats). */
  path: string;
  /** Byte offset of the data (or of the compressed stream) in `path`. */
  offset: number;
  /** "raw" bytes, or a zlib/gzip stream (either wrapper is detected). */
  encoding: "raw" | "deflate";
  /** Bytes of the compressed stream when known; else up to the end of the file. */
  compressedLength?: number;
  /** Decompressed bytes to skip before the pixel data (NIfTI's vox_offset inside a .nii.gz). @default 0 */
  skip?: number;
  bigEndian: boolean;
}

/** A stream of the file's bytes from `offset`, through a zlib/gzip inflater when `encoding` is "deflate". */
function dataStream(loc: DataLocation): Readable {
  const end = loc.compressedLength !== undefined ? loc.offset + loc.compressedLength - 1 : undefined;
  const file = createReadStream(loc.path, { start: loc.offset, ...(end !== undefined ? { end: Math.max(end, loc.offset) } : {}) });
  if (loc.encoding === "raw") return file;
  return pipeline(file, createUnzip(), () => {});
}

/**
 * Feeds the (decompressed) bytes of `loc` to `take` until it returns true or the data ends; never reads further.
 * @returns the number of bytes fed
 */
async function pump(file: string, loc: DataLocation, take: (chunk: Uint8Array) => boolean): Promise<{ fed: number; done: boolean }> {
  const s = dataStream(loc);
  let fed = 0;
  let done = false;
  try {
    for await (const chunk of s as AsyncIterable<Buffer>) {
      fed += chunk.length;
      if (take(chunk)) {
        done = true;
        break;
      }
    }
  } catch (e) {
    if (loc.encoding === "deflate" && e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string" && (e as NodeJS.ErrnoException).code!.startsWith("Z_")) {
      throw new InputError(file, `compressed data is truncated or corrupt after ${fed} decompressed bytes (zlib: ${e.message})`, { cause: e });
    }
    throw new InputError(file, `cannot read ${loc.path}: ${(e as Error).message}`, { cause: e });
  } finally {
    s.destroy();
  }
  return { fed, done };
}

/** The first `n` bytes of the (decompressed) data, or fewer when the data is shorter. For headers inside .nii.gz. */
export async function readPrefix(file: string, loc: DataLocation, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let at = 0;
  await pump(file, loc, (chunk) => {
    const k = Math.min(chunk.length, n - at);
    out.set(chunk.subarray(0, k), at);
    at += k;
    return at >= n;
  });
  return out.subarray(0, at);
}

/**
 * Rejects a payload the file cannot possibly hold, before anything is allocated: raw data longer than the file,
 * or compressed data that would need more than deflate's maximum ratio.
 */
export function checkDataFits(file: string, loc: DataLocation, payloadBytes: number, fileSize: number): void {
  const available = loc.compressedLength ?? fileSize - loc.offset;
  if (loc.encoding === "raw") {
    if (available < payloadBytes) {
      throw new InputError(
        file,
        `data is truncated: the header needs ${payloadBytes} bytes of pixel data from offset ${loc.offset} of ${loc.path}, ` +
          `but only ${Math.max(0, available)} are there`,
      );
    }
    return;
  }
  const most = Math.max(0, available) * MAX_INFLATE_RATIO + INFLATE_SLACK;
  if (payloadBytes + (loc.skip ?? 0) > most) {
    throw new InputError(
      file,
      `header claims ${formatBytes(payloadBytes)} of pixel data, more than a ${available}-byte compressed stream can hold ` +
        `(at most ${formatBytes(most)}); the header or the file is corrupt`,
    );
  }
}

/**
 * Reads the payload of `loc` into one plane per channel, swapping bytes for big-endian data.
 * Reads exactly `samples × channels` samples: a gzip bomb cannot make it allocate or inflate more.
 */
export async function readPlanes(file: string, loc: DataLocation, dtype: DType, layout: ChannelLayout): Promise<PixelArray[]> {
  const size = bytesPerSample(dtype);
  const planeBytes = layout.inner * layout.outer * size;
  if (planeBytes > bufferConstants.MAX_LENGTH) {
    throw new InputError(file, `one channel holds ${formatBytes(planeBytes)}, more than Node can allocate at once; convert the image to OME-Zarr`);
  }
  const planes = Array.from({ length: layout.channels }, () => new Uint8Array(planeBytes));
  const total = planeBytes * layout.channels;
  const blockBytes = layout.inner * size;
  let skip = loc.skip ?? 0;
  let pos = 0; // payload bytes placed so far
  const place = (chunk: Uint8Array): boolean => {
    let i = 0;
    if (skip > 0) {
      i = Math.min(skip, chunk.length);
      skip -= i;
    }
    if (layout.channels === 1) {
      const k = Math.min(chunk.length - i, total - pos);
      planes[0]!.set(chunk.subarray(i, i + k), pos);
      pos += k;
      return pos >= total;
    }
    while (i < chunk.length && pos < total) {
      const block = Math.floor(pos / blockBytes);
      const within = pos - block * blockBytes;
      const c = block % layout.channels;
      const o = (block - c) / layout.channels;
      const k = Math.min(blockBytes - within, chunk.length - i, total - pos);
      const dst = planes[c]!;
      const at = o * blockBytes + within;
      if (k < 16) for (let j = 0; j < k; j++) dst[at + j] = chunk[i + j]!;
      else dst.set(chunk.subarray(i, i + k), at);
      i += k;
      pos += k;
    }
    return pos >= total;
  };
  await pump(file, loc, place);
  if (pos < total) {
    throw new InputError(
      file,
      `data is truncated: expected ${total} bytes of pixel data${loc.encoding === "deflate" ? " after decompression" : ""}, found ${pos}`,
    );
  }
  return planes.map((p) => {
    if (loc.bigEndian) swapBytesInPlace(p, size);
    return viewPixels(dtype, p);
  });
}

/**
 * A single-level Source whose planes are decoded on the first read and kept until close().
 * @param load  decodes every channel's C-order [z, y, x] plane of `meta.levels[0].shape`
 */
export function lazyPlanesSource(meta: ImageMeta, load: () => Promise<PixelArray[]>): Source {
  const shape: Vec3 = meta.levels[0]!.shape;
  let planes: Promise<PixelArray[]> | undefined;
  return {
    meta,
    async read(region, level, options) {
      const channels = checkRead(meta, region, level, options?.channels);
      if (options?.signal?.aborted) throw new AbortedError(`read ${meta.path}`);
      if (!planes) {
        planes = load();
        planes.catch(() => (planes = undefined)); // a failed decode may be retried
      }
      const all = await planes;
      return channels.map((c) => cropPlane(all[c]!, shape, region, meta.dtype));
    },
    async close() {
      planes = undefined;
    },
  };
}

/** Stats `path` and checks it is a regular file, naming it in the InputError otherwise. */
export async function statRegularFile(path: string): Promise<Stats> {
  const st = await stat(path).catch((e: Error) => {
    throw new InputError(path, `cannot open: ${e.message}`, { cause: e });
  });
  if (!st.isFile()) throw new InputError(path, "not a regular file");
  return st;
}

/** The first `n` bytes of a file (fewer if it is shorter). */
export async function readHead(path: string, n: number): Promise<Uint8Array> {
  const fh = await openFile(path, "r");
  try {
    const b = Buffer.alloc(n);
    const { bytesRead } = await fh.read(b, 0, n, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
