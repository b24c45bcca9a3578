// Chunk compression for the Zarr writer: the byte transform and the metadata that declares it (v2 compressor,
// v3 codecs). Every encoder is deterministic: equal chunks give equal bytes on every run and platform.

import { gzipSync, deflateSync } from "node:zlib";
import { bytesPerSample, type DType } from "../../core/dtype.js";
import { OptionError } from "../../core/errors.js";
import type { Compression } from "../write-options.js";

/** Compressions the Zarr writer produces; "zlib" only for Zarr v2 (v3 has no zlib codec; use gzip). */
export type ZarrCompression = "none" | "gzip" | "zlib" | "zstd" | "blosc";

export interface ChunkEncoder {
  compression: ZarrCompression;
  /** Compresses the little-endian bytes of one chunk. */
  encode(bytes: Uint8Array): Promise<Uint8Array>;
  /** The `.zarray` "compressor" value. */
  v2Compressor: Record<string, unknown> | null;
  /** The `zarr.json` "codecs" list. */
  v3Codecs: Record<string, unknown>[];
}

/** Levels: numcodecs' defaults for gzip/zlib/blosc (fast), zstd's own default for zstd. */
const GZIP_LEVEL = 1, ZSTD_LEVEL = 3, BLOSC = { cname: "lz4", clevel: 5 } as const;

/**
 * The Zarr compression for a WriteOptions compression: "deflate" means zlib in v2 and gzip (deflate in a gzip
 * wrapper) in v3; "lzw" has no Zarr codec and is rejected.
 * @default "zstd" for v3, "blosc" for v2
 */
export function zarrCompression(c: Compression | ZarrCompression | undefined, version: 2 | 3): ZarrCompression {
  if (c === undefined) return version === 3 ? "zstd" : "blosc";
  if (c === "deflate") return version === 3 ? "gzip" : "zlib";
  if (c === "zlib" && version === 3) throw new OptionError("--compression", c, 'one of none, gzip, deflate, zstd, blosc for Zarr v3 (v3 has no zlib codec; "deflate" writes gzip)');
  if (c === "none" || c === "gzip" || c === "zlib" || c === "zstd" || c === "blosc") return c;
  throw new OptionError("--compression", c, `one of none, gzip, deflate, zstd, blosc for Zarr v${version}`);
}

type NumcodecsCodec = { encode(data: Uint8Array): Uint8Array | Promise<Uint8Array> };
const wasmCodecs = new Map<string, Promise<NumcodecsCodec>>();

/** Loads a numcodecs wasm codec once per process, on first use. */
function wasmCodec(name: "zstd" | "blosc"): Promise<NumcodecsCodec> {
  let p = wasmCodecs.get(name);
  if (!p) {
    p = name === "zstd"
      ? import("numcodecs/zstd").then((m) => new m.default(ZSTD_LEVEL))
      : import("numcodecs/blosc").then((m) => new m.default(BLOSC.clevel, BLOSC.cname, 1, 0));
    wasmCodecs.set(name, p);
  }
  return p;
}

/** A gzip member with mtime 0 and OS "unknown", so the bytes do not depend on the clock or the platform. */
function gzipDeterministic(bytes: Uint8Array): Uint8Array {
  const out = gzipSync(bytes, { level: GZIP_LEVEL });
  out[9] = 255;
  return out;
}

/** The encoder and its metadata for `compression` in Zarr `version` over samples of `dtype`. */
export function createChunkEncoder(compression: ZarrCompression, version: 2 | 3, dtype: DType): ChunkEncoder {
  const bytesCodec = { name: "bytes", configuration: { endian: "little" } };
  switch (compression) {
    case "none":
      return { compression, encode: async (b) => b, v2Compressor: null, v3Codecs: [bytesCodec] };
    case "gzip":
      return {
        compression, encode: async (b) => gzipDeterministic(b),
        v2Compressor: { id: "gzip", level: GZIP_LEVEL },
        v3Codecs: [bytesCodec, { name: "gzip", configuration: { level: GZIP_LEVEL } }],
      };
    case "zlib":
      if (version === 3) throw new OptionError("--compression", compression, "gzip for Zarr v3");
      return { compression, encode: async (b) => deflateSync(b, { level: GZIP_LEVEL }), v2Compressor: { id: "zlib", level: GZIP_LEVEL }, v3Codecs: [] };
    case "zstd":
      return {
        compression, encode: async (b) => (await wasmCodec("zstd")).encode(b),
        v2Compressor: { id: "zstd", level: ZSTD_LEVEL },
        v3Codecs: [bytesCodec, { name: "zstd", configuration: { level: ZSTD_LEVEL, checksum: false } }],
      };
    case "blosc":
      // numcodecs.js fixes blosc's internal typesize; the header records it, so any blosc decoder reads it back.
      return {
        compression, encode: async (b) => (await wasmCodec("blosc")).encode(b),
        v2Compressor: { id: "blosc", cname: BLOSC.cname, clevel: BLOSC.clevel, shuffle: 1, blocksize: 0 },
        v3Codecs: [bytesCodec, {
          name: "blosc",
          configuration: { cname: BLOSC.cname, clevel: BLOSC.clevel, shuffle: "shuffle", typesize: bytesPerSample(dtype), blocksize: 0 },
        }],
      };
  }
}
