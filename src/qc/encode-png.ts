// Encodes a QC raster as PNG bytes through sharp (libvips); writing the bytes to disk is the caller's job.
// Every QC figure goes through here so the report and the qc/ folder hold identical files.

import sharp from "sharp";
import { OptionError, OutputError } from "../core/errors.js";
import type { Rgb } from "./rgb.js";

/**
 * PNG bytes of `rgb` (8-bit sRGB, zlib level 6, no metadata).
 * @throws OptionError when data length ≠ 3 · width · height; OutputError when libvips fails.
 */
export async function encodePng(rgb: Rgb): Promise<Buffer> {
  const { data, width, height } = rgb;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || data.length !== 3 * width * height) {
    throw new OptionError("encodePng: rgb", `${width}×${height} with ${data.length} bytes`, "3 · width · height bytes of interleaved RGB");
  }
  try {
    return await sharp(data, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 6 }).toBuffer();
  } catch (e) {
    throw new OutputError("<QC PNG>", `PNG encoding failed (${(e as Error).message})`, { cause: e });
  }
}
