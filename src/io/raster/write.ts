// Writes a one-plane uint8/uint16 Source as PNG through sharp (libvips): previews, QC images and small 2D outputs.
// Reading the source happens in bounded row bands; anything larger than a raster belongs in TIFF or Zarr.

import { writeFile } from "node:fs/promises";
import sharp from "sharp";
import { writeAtomically } from "../../core/atomic.js";
import { bytesPerSample } from "../../core/dtype.js";
import { OutputError } from "../../core/errors.js";
import type { Source } from "../../core/source.js";
import type { WriteOptions } from "../write-options.js";
import { SLAB_BYTES, checkSimpleWriteOptions, throwIfAborted } from "../simple-writer.js";
import { MAX_RASTER_PIXELS } from "./read.js";

/**
 * Writes level 0 of `source` to `path` as PNG: 1 channel → gray, 2 → gray + alpha, 3 → RGB, 4 → RGBA;
 * uint8 → 8-bit, uint16 → 16-bit. Geometry (spacing, origin, direction) is not stored.
 *
 * - The image must be one plane (shape z = 1) and at most 2^28 pixels; other dtypes must be rescaled first.
 * - Options: `compression` "deflate" (default, zlib level 6) or "none" (level 0); `progress` and `signal` honoured;
 *   tiling, levels > 1 and channelNames are rejected (OptionError).
 * The file appears under its name only when complete.
 * @throws OutputError for a volume, an unsupported dtype or channel count, or a name not ending in .png
 */
export async function writePng(source: Source, path: string, options: WriteOptions = {}): Promise<void> {
  if (!/\.png$/i.test(path)) throw new OutputError(path, 'a PNG file name must end in ".png"');
  checkSimpleWriteOptions("PNG", options, ["deflate", "none"]);
  const meta = source.meta;
  const [nz, ny, nx] = meta.levels[0]!.shape;
  const nc = meta.channels.length;
  if (nz !== 1) {
    throw new OutputError(path, `PNG holds one plane but the image has ${nz} z-slices; write a volume format (NIfTI, MetaImage, OME-Zarr) or extract a slice`);
  }
  if (meta.dtype !== "uint8" && meta.dtype !== "uint16") {
    throw new OutputError(path, `PNG holds uint8 or uint16 samples, not ${meta.dtype}; rescale the image first`);
  }
  if (nc < 1 || nc > 4) throw new OutputError(path, `PNG holds 1 to 4 channels (gray, gray+alpha, RGB, RGBA), not ${nc}`);
  if (nx * ny > MAX_RASTER_PIXELS) {
    throw new OutputError(path, `${nx}×${ny} pixels is too large for a PNG preview (limit 2^28); write tiled OME-TIFF instead`);
  }
  const sixteen = meta.dtype === "uint16";
  const pixels = sixteen ? new Uint16Array(nx * ny * nc) : new Uint8Array(nx * ny * nc);
  const rowsPerBand = Math.max(1, Math.floor(SLAB_BYTES / (nx * nc * bytesPerSample(meta.dtype))));
  const bands = Math.ceil(ny / rowsPerBand);
  for (let band = 0; band < bands; band++) {
    throwIfAborted(`write ${path}`, options.signal);
    const y0 = band * rowsPerBand, dy = Math.min(rowsPerBand, ny - y0);
    const planes = await source.read({ start: [0, y0, 0], size: [1, dy, nx] }, 0, options.signal ? { signal: options.signal } : {});
    const base = y0 * nx * nc;
    planes.forEach((p, c) => {
      for (let i = 0; i < p.length; i++) pixels[base + i * nc + c] = p[i]!;
    });
    options.progress?.({ stage: "write PNG", done: band + 1, total: bands, unit: "bands" });
  }
  const colourspace = nc <= 2 ? (sixteen ? "grey16" : "b-w") : sixteen ? "rgb16" : "srgb";
  let png: Buffer;
  try {
    png = await sharp(pixels, { raw: { width: nx, height: ny, channels: nc as 1 | 2 | 3 | 4 }, limitInputPixels: MAX_RASTER_PIXELS })
      .toColourspace(colourspace)
      .png({ compressionLevel: options.compression === "none" ? 0 : 6 })
      .toBuffer();
  } catch (e) {
    throw new OutputError(path, `PNG encoding failed (${(e as Error).message})`, { cause: e });
  }
  await writeAtomically(path, (tmp) => writeFile(tmp, png));
}
