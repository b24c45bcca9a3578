// openTiff: a lazy Source over a TIFF, BigTIFF or OME-TIFF file (tiled or stripped, pyramids via SubIFDs or the chain).
// Parsing lives in read-ifd.ts / tiff-image.ts / tiff-layout.ts, pixel reads in read-blocks.ts.

import { checkRead } from "../../core/check-read.js";
import { allocatePixels, type PixelArray } from "../../core/dtype.js";
import type { ReadOptions, Source } from "../../core/source.js";
import { voxelCount, type ImageMeta, type Region } from "../../core/space.js";
import { BlockCache, DEFAULT_CACHE_BYTES } from "./block-cache.js";
import { ByteFile, type ReadStats } from "./byte-file.js";
import { readHeader, readIfdChain } from "./read-ifd.js";
import { readWindow } from "./read-blocks.js";
import { toTiffImage, type TiffImage } from "./tiff-image.js";
import { buildLayout } from "./tiff-layout.js";

/** A TIFF Source, with I/O counters for tests and benchmarks. */
export interface TiffSource extends Source {
  /** Pixel-data reads, bytes and decoded blocks so far (metadata reads are not counted). */
  readonly stats: ReadStats;
}

export interface OpenTiffOptions {
  /** Budget of the decoded tile cache. @default 64 MiB */
  cacheBytes?: number;
}

/**
 * Opens a TIFF/BigTIFF/OME-TIFF file: reads the header and IFDs (never the pixel data) and returns a lazy Source.
 *
 * - OME-TIFF: the first Image of the OME-XML; SizeZ > 1 gives a volume [Z, Y, X], channels from SizeC (and
 *   SamplesPerPixel); only T = 0 is read when SizeT > 1; physical sizes and units from PhysicalSize* (µm default).
 * - Plain TIFF: same-size full-resolution pages are z-slices (ImageJ hyperstacks: channels and slices from the
 *   description); spacing from XResolution/YResolution when ResolutionUnit is inch or cm (→ micrometer), else pixels.
 * - Levels: SubIFDs, else reduced-resolution pages (NewSubfileType bit 0) following each page in the chain. A level's
 *   scale is level0 / levelN per axis, snapped to the power of two it rounds from (see levelScale), else exact.
 * - Photometric WhiteIsZero and Palette images are read as stored (no inversion, no colour map).
 * - Origin is 0 and direction the identity (TIFF stores neither). JPEG blocks come back as RGB (YCbCr converted).
 * - Decoded tiles partly covered by a read are kept in an LRU cache (`cacheBytes`), so neighbouring reads reuse them.
 *
 * @throws InputError ("<path>: <problem>") for anything that is not a TIFF this reader can decode.
 */
export async function openTiff(path: string, options: OpenTiffOptions = {}): Promise<TiffSource> {
  const file = await ByteFile.open(path);
  try {
    const header = await readHeader(file);
    const ifds = await readIfdChain({ file, header, seen: new Set() });
    const pages = ifds.map((ifd, i) => toTiffImage(path, ifd, `IFD ${i}`, header.littleEndian, file.size));
    const layout = buildLayout(path, pages);
    const meta: ImageMeta = {
      path, format: layout.format, ndim: layout.ndim, dtype: layout.dtype, channels: layout.channels,
      levels: layout.levels, space: layout.space,
    };
    const src = { file, cache: new BlockCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES) };
    let closed = false;
    return {
      meta,
      stats: file.stats,
      async read(region: Region, level: number, opts?: ReadOptions): Promise<PixelArray[]> {
        const channels = checkRead(meta, region, level, opts?.channels);
        const [z0, y0, x0] = region.start, [dz, dy, dx] = region.size;
        const outs = channels.map(() => allocatePixels(meta.dtype, voxelCount(region.size)));
        for (let z = 0; z < dz; z++) {
          // Channels stored in the same image (interleaved RGB) are read together, so each block decodes once.
          const byImage = new Map<TiffImage, { samples: number[]; outs: PixelArray[] }>();
          channels.forEach((c, k) => {
            const ref = layout.planes[level]![z0 + z]![c]!;
            const entry = byImage.get(ref.image) ?? { samples: [], outs: [] };
            entry.samples.push(ref.sample);
            entry.outs.push(outs[k]!);
            byImage.set(ref.image, entry);
          });
          for (const [image, e] of byImage) {
            await readWindow(src, image, { y0, x0, height: dy, width: dx, samples: e.samples, outs: e.outs, outOffset: z * dy * dx, signal: opts?.signal });
          }
        }
        return outs;
      },
      async close() {
        if (closed) return;
        closed = true;
        src.cache.clear();
        await file.close();
      },
    };
  } catch (e) {
    await file.close();
    throw e;
  }
}
