// Writes a Source as a single-file MetaImage (.mha), raw or zlib-compressed, reading the source slab by slab.
// Header text is formatted in header.ts; Space → ITK frame in itk-frame.ts.

import { createWriteStream } from "node:fs";
import { endianness } from "node:os";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createDeflate } from "node:zlib";
import { writeAtomically } from "../../core/atomic.js";
import { allocatePixels, bytesPerSample, pixelBytes } from "../../core/dtype.js";
import { OutputError } from "../../core/errors.js";
import type { Source } from "../../core/source.js";
import type { WriteOptions } from "../write-options.js";
import { checkSimpleWriteOptions, slabRegions, throwIfAborted } from "../simple-writer.js";
import { formatMetaHeader } from "./header.js";
import { isPlanarSpace, spaceToItkFrame } from "../itk-frame.js";

/**
 * Writes level 0 of `source` to a single-file MetaImage `path` (.mha), channels interleaved
 * (ElementNumberOfChannels), in the host byte order, reading one bounded z-slab at a time.
 *
 * - Geometry: our Space becomes ITK's Offset / ElementSpacing / TransformMatrix (LPS), numbers written with full
 *   double precision. A 2D source with a planar frame is written with NDims = 2; anything else with NDims = 3.
 * - Options: `compression` "none" (default) or "deflate" / "gzip" (both write zlib CompressedData, as ITK does; the
 *   compressed stream is held in memory to fill CompressedDataSize); `progress` and `signal` are honoured; tiling,
 *   levels > 1 and channelNames are rejected (OptionError).
 * The file appears under its name only when complete.
 */
export async function writeMetaImage(source: Source, path: string, options: WriteOptions = {}): Promise<void> {
  if (!/\.mha$/i.test(path)) throw new OutputError(path, 'a MetaImage output must be a single ".mha" file');
  checkSimpleWriteOptions("MetaImage", options, ["none", "deflate", "gzip"]);
  const compressed = options.compression === "deflate" || options.compression === "gzip";
  const meta = source.meta;
  const [nz, ny, nx] = meta.levels[0]!.shape;
  const nc = meta.channels.length;
  const ndims: 2 | 3 = meta.ndim === 2 && nz === 1 && isPlanarSpace(meta.space) ? 2 : 3;
  const f = spaceToItkFrame(path, meta.space, ndims);
  const slabs = slabRegions(source);
  const size = bytesPerSample(meta.dtype);

  async function* pixels(): AsyncGenerator<Uint8Array> {
    let done = 0;
    for (const region of slabs) {
      throwIfAborted(`write ${path}`, options.signal);
      const planes = await source.read(region, 0, options.signal ? { signal: options.signal } : {});
      if (nc === 1) yield pixelBytes(planes[0]!);
      else {
        const n = planes[0]!.length;
        const out = allocatePixels(meta.dtype, n * nc);
        for (let c = 0; c < nc; c++) {
          const p = planes[c]!;
          for (let i = 0; i < n; i++) out[i * nc + c] = p[i]!;
        }
        yield pixelBytes(out);
      }
      options.progress?.({ stage: "write MetaImage", done: ++done, total: slabs.length, unit: "slabs" });
    }
  }

  const header = (compressedSize?: number) =>
    Buffer.from(
      formatMetaHeader({
        ndims,
        dimSize: ndims === 2 ? [nx, ny] : [nx, ny, nz],
        spacing: f.spacing,
        origin: f.origin,
        transform: f.columns.flat(),
        dtype: meta.dtype,
        channels: nc,
        bigEndian: endianness() === "BE" && size > 1,
        compressed,
        ...(compressedSize !== undefined ? { compressedSize } : {}),
      }),
      "latin1",
    );

  await writeAtomically(path, async (tmp) => {
    if (!compressed) {
      await pipeline(async function* () {
        yield header();
        yield* pixels();
      }, createWriteStream(tmp));
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    await pipeline(pixels, createDeflate(), new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        length += chunk.length;
        cb();
      },
    }));
    await pipeline(async function* () {
      yield header(length);
      yield* chunks;
    }, createWriteStream(tmp));
  });
}
