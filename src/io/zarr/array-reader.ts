// Reads a [z, y, x] region of chosen channels out of one Zarr array, decoding only the chunks the region touches.
// zarrita decodes each chunk (codecs, sharding, endianness, F order); the copy into C-order planes is ours.

import type { Readable } from "@zarrita/storage";
import type * as zarr from "zarrita";
import { allocatePixels, type PixelArray } from "../../core/dtype.js";
import { AbortedError, InputError } from "../../core/errors.js";
import { voxelCount, type Region } from "../../core/space.js";
import type { ArrayInfo } from "./array-metadata.js";
import { ChunkCache, type DecodedChunk } from "./chunk-cache.js";
import { MissingChunkError } from "./fs-store.js";
import { forEachLimit } from "./limit.js";

/** Which array dimension holds each named axis; -1 when the array has no such axis. */
export interface AxisIndex {
  t: number;
  c: number;
  z: number;
  y: number;
  x: number;
}

export interface ArrayReaderInit {
  /** The image path, for messages. */
  root: string;
  /** The array's path inside the image ("0", "1", or "" for a bare array), for messages and cache keys. */
  name: string;
  info: ArrayInfo;
  array: zarr.Array<zarr.DataType, Readable>;
  axes: AxisIndex;
  /** Shared decoded-chunk cache. @default a private 64 MiB cache */
  cache?: ChunkCache;
}

/** Reads regions of one array. */
export type ArrayReader = (region: Region, channels: readonly number[], signal?: AbortSignal) => Promise<PixelArray[]>;

/** Chunks decoded concurrently per read: enough to overlap file reads with decoding. */
const READ_CONCURRENCY = 8;

function describe(e: unknown): string {
  const parts: string[] = [];
  for (let x: unknown = e; x instanceof Error && parts.length < 4; x = x.cause) parts.push(x.message);
  return parts.join(": ") || String(e);
}

/** A reader over `init.array`: each call returns one C-order [z, y, x] plane per requested channel. */
export function createArrayReader(init: ArrayReaderInit): ArrayReader {
  const { root, name, info, array, axes } = init;
  const cache = init.cache ?? new ChunkCache();
  const rank = info.shape.length;
  const chunkSamples = voxelCount(info.chunks);
  const prefix = name === "" ? "" : `${name}/`;
  const inflight = new Map<string, Promise<DecodedChunk>>();

  async function decode(coords: number[], signal?: AbortSignal): Promise<DecodedChunk> {
    const key = `${prefix}${info.chunkKey(coords)}`;
    let chunk: zarr.Chunk<zarr.DataType>;
    try {
      chunk = await array.getChunk(coords, signal ? { signal } : undefined);
    } catch (e) {
      if (signal?.aborted) throw new AbortedError(`read ${root}`);
      if (e instanceof MissingChunkError) {
        throw new InputError(root, `chunk "${key}" is missing and the array has no fill value (fill_value null)`, { cause: e });
      }
      throw new InputError(root, `chunk "${key}" is corrupt: cannot decode it (${describe(e)})`, { cause: e });
    }
    if (chunk.data.length !== chunkSamples) {
      throw new InputError(root, `chunk "${key}" is corrupt: it decodes to ${chunk.data.length} samples; expected ${chunkSamples} (chunk shape [${info.chunks.join(", ")}])`);
    }
    return { data: chunk.data as unknown as DecodedChunk["data"], stride: chunk.stride };
  }

  async function getChunk(coords: number[], signal?: AbortSignal): Promise<DecodedChunk> {
    const key = `${prefix}${coords.join(",")}`;
    const hit = cache.get(key);
    if (hit) return hit;
    let p = inflight.get(key);
    if (!p) {
      p = decode(coords, signal).then((c) => {
        cache.set(key, c, (c.data as unknown as ArrayBufferView).byteLength);
        return c;
      }).finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  }

  // The array dimension and chunk edge of each spatial axis [z, y, x]; an absent axis behaves as size 1.
  const spatialDims = [axes.z, axes.y, axes.x];
  const edge = spatialDims.map((d) => (d < 0 ? 1 : info.chunks[d]!));
  const channelChunk = axes.c < 0 ? 1 : info.chunks[axes.c]!;

  return async (region, channels, signal) => {
    const [nz, ny, nx] = region.size;
    const out = channels.map(() => allocatePixels(info.dtype, nz * ny * nx));
    // Channels that share a chunk along c are copied from one decode.
    const groups = new Map<number, number[]>();
    channels.forEach((c, i) => {
      const g = Math.floor(c / channelChunk);
      groups.set(g, [...(groups.get(g) ?? []), i]);
    });
    const lo = [0, 1, 2].map((a) => Math.floor(region.start[a]! / edge[a]!));
    const hi = [0, 1, 2].map((a) => Math.floor((region.start[a]! + region.size[a]! - 1) / edge[a]!));
    const tasks: { group: number; cz: number; cy: number; cx: number }[] = [];
    for (const group of groups.keys()) {
      for (let cz = lo[0]!; cz <= hi[0]!; cz++) {
        for (let cy = lo[1]!; cy <= hi[1]!; cy++) {
          for (let cx = lo[2]!; cx <= hi[2]!; cx++) tasks.push({ group, cz, cy, cx });
        }
      }
    }
    await forEachLimit(tasks, READ_CONCURRENCY, async ({ group, cz, cy, cx }) => {
      if (signal?.aborted) throw new AbortedError(`read ${root}`);
      const coords = new Array<number>(rank).fill(0);
      if (axes.c >= 0) coords[axes.c] = group;
      const cc = [cz, cy, cx];
      spatialDims.forEach((d, a) => { if (d >= 0) coords[d] = cc[a]!; });
      const chunk = await getChunk(coords, signal);
      copyChunk(chunk, cc, group, groups.get(group)!);
    });
    return out;

    function copyChunk(chunk: DecodedChunk, cc: number[], group: number, members: number[]): void {
      const st = spatialDims.map((d) => (d < 0 ? 0 : chunk.stride[d]!));
      const o = [0, 1, 2].map((a) => cc[a]! * edge[a]!);
      const a0 = [0, 1, 2].map((a) => Math.max(region.start[a]!, o[a]!));
      const a1 = [0, 1, 2].map((a) => Math.min(region.start[a]! + region.size[a]!, o[a]! + edge[a]!));
      const [sz, sy, sx] = st as [number, number, number];
      const n = a1[2]! - a0[2]!;
      const data = chunk.data;
      for (const i of members) {
        const plane = out[i]!;
        const base = axes.c < 0 ? 0 : (channels[i]! - group * channelChunk) * chunk.stride[axes.c]!;
        for (let z = a0[0]!; z < a1[0]!; z++) {
          for (let y = a0[1]!; y < a1[1]!; y++) {
            const src = base + (z - o[0]!) * sz + (y - o[1]!) * sy + (a0[2]! - o[2]!) * sx;
            const dst = ((z - region.start[0]) * ny + (y - region.start[1])) * nx + (a0[2]! - region.start[2]);
            if (sx === 1) {
              (plane as Uint8Array).set(data.subarray(src, src + n) as Uint8Array, dst);
            } else {
              for (let k = 0; k < n; k++) plane[dst + k] = data[src + k * sx]!;
            }
          }
        }
      }
    }
  };
}
