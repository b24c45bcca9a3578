// A small Zarr v2/v3 array writer: metadata JSON plus one file per chunk, each written under a temporary name and
// renamed, so writers of disjoint chunks can run concurrently and a reader never sees half a chunk.

import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { allocatePixels, pixelBytes, type DType, type PixelArray } from "../../core/dtype.js";
import { OutputError } from "../../core/errors.js";
import { voxelCount } from "../../core/space.js";
import type { Compression } from "../write-options.js";
import { createChunkEncoder, zarrCompression, type ChunkEncoder, type ZarrCompression } from "./chunk-encoder.js";

const V2_DTYPE: Record<DType, string> = {
  uint8: "|u1", int8: "|i1", uint16: "<u2", int16: "<i2", uint32: "<u4", int32: "<i4", float32: "<f4", float64: "<f8",
};

export interface ZarrArrayInit {
  /** Array shape, slowest dimension first. */
  shape: readonly number[];
  /** Chunk shape, same rank as `shape`. */
  chunks: readonly number[];
  dtype: DType;
  /** @default 3 */
  zarrVersion?: 2 | 3;
  /** @default "zstd" for v3, "blosc" for v2 */
  compression?: Compression | ZarrCompression;
  /** Dimension names (v3 `dimension_names`; v2 `_ARRAY_DIMENSIONS` in .zattrs). */
  dimensionNames?: readonly string[];
  /** Extra array attributes. */
  attributes?: Record<string, unknown>;
}

/** Writes the chunks of one Zarr array whose metadata already exists. The fill value is always 0. */
export interface ZarrArrayWriter {
  readonly path: string;
  readonly shape: readonly number[];
  readonly chunks: readonly number[];
  readonly dtype: DType;
  readonly zarrVersion: 2 | 3;
  /** Chunks per dimension: ceil(shape / chunks). */
  readonly grid: readonly number[];
  /** The chunk's file path relative to the array ("c/0/1/2" in v3, "0/1/2" in v2). */
  chunkKey(coords: readonly number[]): string;
  /**
   * Encodes and writes one whole chunk atomically (temporary file, then rename).
   * @param data C-order samples of the full chunk shape (edge chunks padded, conventionally with 0), of `dtype`.
   * @returns false when the chunk is all zero bytes: then no file is written (and an old one is removed), since
   *   a missing chunk reads as the fill value 0.
   */
  writeChunk(coords: readonly number[], data: PixelArray): Promise<boolean>;
}

/** Stable, pretty JSON (keys in insertion order): the bytes of a metadata file. */
export function metadataJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Writes a small file atomically: temporary sibling, then rename. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(file), `.${file.slice(dirname(file).length + 1)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new OutputError(file, `cannot write: ${(e as Error).message}`, { cause: e });
  }
}

/** Writes a Zarr group's metadata (v3 zarr.json, or v2 .zgroup + .zattrs) with `attributes`. */
export async function writeZarrGroup(path: string, zarrVersion: 2 | 3, attributes: Record<string, unknown>): Promise<void> {
  await mkdir(path, { recursive: true });
  if (zarrVersion === 3) {
    await writeFileAtomic(join(path, "zarr.json"), metadataJson({ zarr_format: 3, node_type: "group", attributes }));
  } else {
    await writeFileAtomic(join(path, ".zgroup"), metadataJson({ zarr_format: 2 }));
    await writeFileAtomic(join(path, ".zattrs"), metadataJson(attributes));
  }
}

function checkInit(path: string, init: ZarrArrayInit): void {
  const { shape, chunks } = init;
  const ok = shape.length > 0 && shape.length === chunks.length
    && shape.every((s) => Number.isInteger(s) && s >= 0) && chunks.every((c) => Number.isInteger(c) && c >= 1);
  if (!ok) throw new OutputError(path, `invalid array: shape [${shape.join(", ")}] and chunks [${chunks.join(", ")}] must be integer lists of one rank (chunks ≥ 1)`);
}

function arrayMetadata(init: ZarrArrayInit, version: 2 | 3, enc: ChunkEncoder): Record<string, unknown> {
  if (version === 2) {
    return {
      zarr_format: 2, shape: [...init.shape], chunks: [...init.chunks], dtype: V2_DTYPE[init.dtype],
      compressor: enc.v2Compressor, fill_value: 0, order: "C", filters: null, dimension_separator: "/",
    };
  }
  return {
    zarr_format: 3, node_type: "array", shape: [...init.shape], data_type: init.dtype,
    chunk_grid: { name: "regular", configuration: { chunk_shape: [...init.chunks] } },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    fill_value: 0, codecs: enc.v3Codecs, attributes: init.attributes ?? {},
    ...(init.dimensionNames ? { dimension_names: [...init.dimensionNames] } : {}),
  };
}

/** True when every byte is 0 (so the chunk equals the fill value 0 bit for bit; -0.0 is not 0 here). */
function allZeroBytes(b: Uint8Array): boolean {
  const words = b.byteOffset % 4 === 0 ? Math.floor(b.byteLength / 4) : 0;
  if (words > 0) {
    const w = new Uint32Array(b.buffer, b.byteOffset, words);
    for (let i = 0; i < words; i++) if (w[i] !== 0) return false;
  }
  for (let i = words * 4; i < b.byteLength; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * Creates (or overwrites) the metadata of a Zarr array at directory `path` and returns its chunk writer.
 * v3: zarr.json with codecs [bytes little-endian, compressor], chunk keys "c/i/j/k". v2: .zarray with
 * dimension_separator "/", order C, fill_value 0 (and .zattrs with `_ARRAY_DIMENSIONS` when names are given).
 */
export async function createZarrArrayWriter(path: string, init: ZarrArrayInit): Promise<ZarrArrayWriter> {
  checkInit(path, init);
  const version = init.zarrVersion ?? 3;
  const enc = createChunkEncoder(zarrCompression(init.compression, version), version, init.dtype);
  await mkdir(path, { recursive: true });
  const meta = arrayMetadata(init, version, enc);
  if (version === 3) {
    await writeFileAtomic(join(path, "zarr.json"), metadataJson(meta));
  } else {
    await writeFileAtomic(join(path, ".zarray"), metadataJson(meta));
    const attrs = { ...(init.attributes ?? {}), ...(init.dimensionNames ? { _ARRAY_DIMENSIONS: [...init.dimensionNames] } : {}) };
    if (Object.keys(attrs).length > 0) await writeFileAtomic(join(path, ".zattrs"), metadataJson(attrs));
  }
  return openWriter(path, init, version, enc);
}

function openWriter(path: string, init: ZarrArrayInit, version: 2 | 3, enc: ChunkEncoder): ZarrArrayWriter {
  const shape = [...init.shape], chunks = [...init.chunks];
  const grid = shape.map((s, i) => Math.ceil(s / chunks[i]!));
  const samples = voxelCount(chunks);
  const arrayType = allocatePixels(init.dtype, 0).constructor;
  const madeDirs = new Set<string>();
  const chunkKey = (coords: readonly number[]): string => (version === 3 ? ["c", ...coords] : coords).join("/");
  return {
    path, shape, chunks, dtype: init.dtype, zarrVersion: version, grid, chunkKey,
    async writeChunk(coords, data) {
      const key = chunkKey(coords);
      if (coords.length !== grid.length || coords.some((c, i) => !Number.isInteger(c) || c < 0 || c >= grid[i]!)) {
        throw new OutputError(path, `chunk [${coords.join(", ")}] is outside the chunk grid [${grid.join(", ")}]`);
      }
      if (data.length !== samples || data.constructor !== arrayType) {
        throw new OutputError(path, `chunk "${key}" has ${data.length} samples; the chunk shape [${chunks.join(", ")}] needs ${samples} of ${init.dtype}`);
      }
      const file = join(path, key);
      const bytes = pixelBytes(data);
      if (allZeroBytes(bytes)) {
        await rm(file, { force: true });
        return false;
      }
      const encoded = await enc.encode(bytes);
      const dir = dirname(file);
      if (!madeDirs.has(dir)) {
        await mkdir(dir, { recursive: true });
        madeDirs.add(dir);
      }
      await writeFileAtomic(file, encoded);
      return true;
    },
  };
}
