// What the single-level writers (NIfTI, MetaImage, PNG) share: rejecting options they cannot honour, and walking a
// Source slab by slab so no read is larger than one bounded z-slab. The formats' bytes are written elsewhere.

import { bytesPerSample } from "../core/dtype.js";
import { AbortedError, OptionError } from "../core/errors.js";
import type { Source } from "../core/source.js";
import type { Region } from "../core/space.js";
import type { Compression, WriteOptions } from "./write-options.js";

/** Largest slab a writer reads at once. */
export const SLAB_BYTES = 64 * 2 ** 20;

/**
 * Rejects the WriteOptions a single-level, untiled writer cannot honour (tileSize, chunkDepth, zarrVersion,
 * channelNames, levels other than 1 / "auto") and a compression outside `compressions`.
 */
export function checkSimpleWriteOptions(writer: string, options: WriteOptions, compressions: readonly Compression[]): void {
  const unused: [keyof WriteOptions, string][] = [
    ["tileSize", "untiled"],
    ["chunkDepth", "unchunked"],
    ["zarrVersion", "not Zarr"],
    ["channelNames", "has no channel names"],
  ];
  for (const [key, why] of unused) {
    if (options[key] !== undefined) throw new OptionError(key, options[key], `nothing: ${writer} is ${why}, so the option would have no effect`);
  }
  if (options.levels !== undefined && options.levels !== 1 && options.levels !== "auto") {
    throw new OptionError("levels", options.levels, `1 or "auto": ${writer} stores a single level`);
  }
  if (options.compression !== undefined && !compressions.includes(options.compression)) {
    throw new OptionError("compression", options.compression, `one of ${compressions.map((c) => `"${c}"`).join(", ")} for ${writer}`);
  }
}

/** Level-0 z-slabs of `source`, each at most {@link SLAB_BYTES} for all channels (at least one plane). */
export function slabRegions(source: Source): Region[] {
  const [nz, ny, nx] = source.meta.levels[0]!.shape;
  const planeBytes = ny * nx * bytesPerSample(source.meta.dtype) * source.meta.channels.length;
  const depth = Math.max(1, Math.min(nz, Math.floor(SLAB_BYTES / planeBytes)));
  const out: Region[] = [];
  for (let z = 0; z < nz; z += depth) out.push({ start: [z, 0, 0], size: [Math.min(depth, nz - z), ny, nx] });
  return out;
}

/** Throws AbortedError when `signal` has fired. */
export function throwIfAborted(what: string, signal?: AbortSignal): void {
  if (signal?.aborted) throw new AbortedError(what);
}
