// Zarr v2 (.zarray) and v3 (zarr.json) array metadata, checked before zarrita sees it so that bad files get a
// precise message. Decoding chunks is zarrita's job (array-reader.ts); writing metadata is array-writer.ts's.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { registry } from "zarrita";
import { DTYPES, type DType } from "../../core/dtype.js";
import { InputError } from "../../core/errors.js";

/** What terareg needs to know about one Zarr array, independent of the format version. */
export interface ArrayInfo {
  version: 2 | 3;
  shape: number[];
  /** Shape of one decoded chunk (the inner chunk of a sharded array). */
  chunks: number[];
  /** Shard shape for sharded v3 arrays. */
  shard?: number[];
  dtype: DType;
  /** False for a v2 array with `fill_value: null`: a missing chunk is then an error. */
  hasFillValue: boolean;
  /** Names per dimension (v3 dimension_names, or v2 xarray `_ARRAY_DIMENSIONS`), when given. */
  dimensionNames?: string[];
  /** Key, relative to the array, of the file holding the chunk at `coords` (its shard for sharded arrays). */
  chunkKey(coords: readonly number[]): string;
}

const V2_DTYPES: Record<string, DType> = {
  i1: "int8", u1: "uint8", i2: "int16", u2: "uint16", i4: "int32", u4: "uint32", f4: "float32", f8: "float64",
};

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Reads and parses a JSON metadata file. `name` is its path relative to `root` (for messages).
 * @returns undefined when the file does not exist.
 */
export async function readJsonFile(root: string, name: string): Promise<Json | undefined> {
  let text: string;
  try {
    text = await readFile(join(root, name), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new InputError(root, `cannot read ${name}: ${(e as Error).message}`, { cause: e });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(root, `invalid JSON in ${name}: ${(e as Error).message}`, { cause: e });
  }
  if (!isObject(value)) throw new InputError(root, `invalid metadata in ${name}: expected a JSON object`);
  return value;
}

function checkShape(root: string, name: string, field: string, v: unknown, allowZero: boolean): number[] {
  if (!Array.isArray(v) || v.length === 0) {
    throw new InputError(root, `invalid ${field} in ${name}: ${JSON.stringify(v)} (expected a non-empty list of integers)`);
  }
  let n = 1;
  for (const d of v) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < (allowZero ? 0 : 1)) {
      throw new InputError(root, `invalid ${field} in ${name}: ${JSON.stringify(v)} (each entry must be an integer ≥ ${allowZero ? 0 : 1})`);
    }
    n *= d;
  }
  if (n > Number.MAX_SAFE_INTEGER) {
    throw new InputError(root, `absurd ${field} in ${name}: [${v.join(", ")}] has more than 2^53 elements`);
  }
  return v as number[];
}

function unsupportedDtype(root: string, name: string, got: unknown): never {
  throw new InputError(root, `unsupported dtype ${JSON.stringify(got)} in ${name}; terareg reads ${DTYPES.join(", ")}`);
}

function checkCodec(root: string, name: string, codec: string): void {
  if (!registry.has(codec)) throw new InputError(root, `unsupported codec "${codec}" in ${name}`);
}

function checkV3Codecs(root: string, name: string, codecs: unknown): void {
  if (!Array.isArray(codecs)) throw new InputError(root, `invalid codecs in ${name}: expected a list`);
  for (const c of codecs) {
    if (!isObject(c) || typeof c.name !== "string") throw new InputError(root, `invalid codec ${JSON.stringify(c)} in ${name}`);
    if (c.name === "sharding_indexed") {
      const conf = isObject(c.configuration) ? c.configuration : {};
      checkV3Codecs(root, name, conf.codecs);
      checkV3Codecs(root, name, conf.index_codecs ?? []);
    } else {
      checkCodec(root, name, c.name);
    }
  }
}

/** Chunk key encoders of the two specs: v3 "default" ("c/0/1") and v2 ("0.1" or "0/1"). */
function keyEncoder(kind: "default" | "v2", separator: string): (coords: readonly number[]) => string {
  return kind === "default"
    ? (coords) => ["c", ...coords].join(separator)
    : (coords) => (coords.length === 0 ? "0" : coords.join(separator));
}

/** Validates a parsed .zarray; `name` is its path relative to `root`; `attrs` is the array's .zattrs. */
export function parseV2Array(root: string, name: string, meta: Json, attrs: Json = {}): ArrayInfo {
  if (meta.zarr_format !== 2) throw new InputError(root, `invalid metadata in ${name}: zarr_format is ${JSON.stringify(meta.zarr_format)}, expected 2`);
  const shape = checkShape(root, name, "shape", meta.shape, true);
  const chunks = checkShape(root, name, "chunks", meta.chunks, false);
  if (chunks.length !== shape.length) throw new InputError(root, `invalid chunks in ${name}: rank ${chunks.length} differs from the shape's ${shape.length}`);
  const m = typeof meta.dtype === "string" ? /^([<>|])([iuf]\d)$/.exec(meta.dtype) : null;
  const dtype = m ? V2_DTYPES[m[2]!] : undefined;
  if (!dtype) unsupportedDtype(root, name, meta.dtype);
  if (meta.order !== undefined && meta.order !== "C" && meta.order !== "F") {
    throw new InputError(root, `invalid order ${JSON.stringify(meta.order)} in ${name} (expected "C" or "F")`);
  }
  if (meta.compressor !== null && meta.compressor !== undefined) {
    if (!isObject(meta.compressor) || typeof meta.compressor.id !== "string") throw new InputError(root, `invalid compressor in ${name}`);
    checkCodec(root, name, `numcodecs.${meta.compressor.id}`);
  }
  for (const f of Array.isArray(meta.filters) ? meta.filters : []) {
    if (!isObject(f) || typeof f.id !== "string") throw new InputError(root, `invalid filter ${JSON.stringify(f)} in ${name}`);
    if (f.id !== "fixedscaleoffset") checkCodec(root, name, `numcodecs.${f.id}`);
  }
  const sep = meta.dimension_separator ?? ".";
  if (sep !== "." && sep !== "/") throw new InputError(root, `invalid dimension_separator ${JSON.stringify(sep)} in ${name}`);
  const dims = attrs._ARRAY_DIMENSIONS;
  return {
    version: 2, shape, chunks, dtype,
    hasFillValue: meta.fill_value !== null && meta.fill_value !== undefined,
    ...(Array.isArray(dims) && dims.length === shape.length ? { dimensionNames: dims.map(String) } : {}),
    chunkKey: keyEncoder("v2", sep),
  };
}

/** Validates a parsed v3 array zarr.json; `name` is its path relative to `root`. */
export function parseV3Array(root: string, name: string, meta: Json): ArrayInfo {
  if (meta.zarr_format !== 3 || meta.node_type !== "array") {
    throw new InputError(root, `invalid metadata in ${name}: expected zarr_format 3 and node_type "array"`);
  }
  const shape = checkShape(root, name, "shape", meta.shape, true);
  const grid = meta.chunk_grid;
  if (!isObject(grid) || grid.name !== "regular" || !isObject(grid.configuration)) {
    throw new InputError(root, `unsupported chunk_grid ${JSON.stringify(grid)} in ${name} (only "regular" is defined)`);
  }
  const outer = checkShape(root, name, "chunk_shape", grid.configuration.chunk_shape, false);
  if (outer.length !== shape.length) throw new InputError(root, `invalid chunk_shape in ${name}: rank ${outer.length} differs from the shape's ${shape.length}`);
  const dtype = typeof meta.data_type === "string" && (DTYPES as readonly string[]).includes(meta.data_type) ? meta.data_type as DType : undefined;
  if (!dtype) unsupportedDtype(root, name, meta.data_type);
  checkV3Codecs(root, name, meta.codecs);
  const sharding = (meta.codecs as Json[]).find((c) => c.name === "sharding_indexed");
  let chunks = outer, shard: number[] | undefined;
  if (sharding) {
    const conf = isObject(sharding.configuration) ? sharding.configuration : {};
    const inner = checkShape(root, name, "sharding chunk_shape", conf.chunk_shape, false);
    if (inner.length !== outer.length || inner.some((c, i) => outer[i]! % c !== 0)) {
      throw new InputError(root, `invalid sharding chunk_shape [${inner.join(", ")}] in ${name}: must divide the shard shape [${outer.join(", ")}]`);
    }
    chunks = inner;
    shard = outer;
  }
  const enc = isObject(meta.chunk_key_encoding) ? meta.chunk_key_encoding : { name: "default" };
  const conf = isObject(enc.configuration) ? enc.configuration : {};
  if (enc.name !== "default" && enc.name !== "v2") throw new InputError(root, `unsupported chunk_key_encoding ${JSON.stringify(enc.name)} in ${name}`);
  const sep = conf.separator ?? (enc.name === "default" ? "/" : ".");
  if (sep !== "." && sep !== "/") throw new InputError(root, `invalid chunk key separator ${JSON.stringify(sep)} in ${name}`);
  const encode = keyEncoder(enc.name, sep);
  const dims = meta.dimension_names;
  return {
    version: 3, shape, chunks, dtype, hasFillValue: true,
    ...(shard ? { shard } : {}),
    ...(Array.isArray(dims) && dims.length === shape.length && dims.every((d) => typeof d === "string") ? { dimensionNames: dims as string[] } : {}),
    chunkKey: shard
      ? (coords) => encode(coords.map((c, i) => Math.floor((c * chunks[i]!) / shard![i]!)))
      : encode,
  };
}
