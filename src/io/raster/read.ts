// Reads PNG, JPEG and WebP images through sharp (libvips) into a lazily decoded, single-level 2D Source.
// Gray palettes are detected from the PNG's own PLTE chunk (png-palette.ts); large rasters are refused up front.

import sharp from "sharp";
import type { Metadata, OutputInfo } from "sharp";
import { bytesPerSample, type DType, type PixelArray } from "../../core/dtype.js";
import { InputError } from "../../core/errors.js";
import type { Source } from "../../core/source.js";
import { defaultSpace, type ImageMeta } from "../../core/space.js";
import { lazyPlanesSource, readHead, statRegularFile } from "../volume-data.js";
import { pngColourInfo } from "./png-palette.js";

/** Largest raster decoded whole: 2^28 pixels (16384²). Larger images belong in tiled TIFF. */
export const MAX_RASTER_PIXELS = 2 ** 28;

/** Bytes read from the start of a PNG to find its PLTE / tRNS chunks. */
const PNG_HEAD_BYTES = 1 << 20;

/** How the decoded bands become channels. */
interface Decode {
  dtype: DType;
  channels: string[];
  /** The libvips colourspace to decode into, and which of its bands to keep, in order. */
  colourspace: "b-w" | "srgb" | "grey16" | "rgb16";
  bands: number[];
  /** Bands libvips returns in that colourspace. */
  decodedBands: number;
}

/** Chooses the decoding from the header: gray (1 band, + alpha), RGB (3, + alpha); 8 or 16 bits. */
function chooseDecode(path: string, m: Metadata, png: ReturnType<typeof pngColourInfo>): Decode {
  const sixteen = m.depth === "ushort";
  if (m.depth !== "uchar" && !sixteen) {
    throw new InputError(path, `${m.format} samples of type ${m.depth} are not supported; only 8- and 16-bit integers are`);
  }
  let gray = m.space === "b-w" || m.space === "grey16";
  let alpha = m.hasAlpha;
  if (png?.colourType === 3) {
    // a palette of grays is a gray image: keep the palette's value (band 0 of the expanded RGB)
    gray = png.grayPalette === true;
    alpha = png.paletteAlpha === true;
  }
  if (gray) {
    const channels = alpha ? ["gray", "A"] : ["gray"];
    if (sixteen) return { dtype: "uint16", channels, colourspace: "grey16", bands: alpha ? [0, 1] : [0], decodedBands: alpha ? 2 : 1 };
    // libvips drops the alpha of an 8-bit gray image converted to b-w, so decode to sRGB(A) and keep band 0 (+ 3)
    if (alpha) return { dtype: "uint8", channels, colourspace: "srgb", bands: [0, 3], decodedBands: 4 };
    if (png?.colourType === 3) return { dtype: "uint8", channels, colourspace: "srgb", bands: [0], decodedBands: 3 };
    return { dtype: "uint8", channels, colourspace: "b-w", bands: [0], decodedBands: 1 };
  }
  const channels = alpha ? ["R", "G", "B", "A"] : ["R", "G", "B"];
  const bands = alpha ? [0, 1, 2, 3] : [0, 1, 2];
  return { dtype: sixteen ? "uint16" : "uint8", channels, colourspace: sixteen ? "rgb16" : "srgb", bands, decodedBands: bands.length };
}

/**
 * Opens a PNG, JPEG or WebP file as a single-level 2D Source (shape [1, H, W], spacing 1, units "pixel").
 *
 * - Gray → 1 channel "gray" (+ "A" with alpha); palette PNGs whose palette is all grays are gray, with exactly the
 *   palette's values; other palettes and colour images → "R", "G", "B" (+ "A"). CMYK JPEGs are converted to sRGB.
 * - 8-bit → uint8, 16-bit PNG → uint16. 1/2/4-bit gray PNGs are expanded by libpng to 0..255.
 * - EXIF orientation is ignored: pixels are returned as stored (landmarks refer to the stored pixels).
 * - The pixels are decoded on the first read and kept until close().
 * @throws InputError for an empty, unreadable or non-image file, or one larger than {@link MAX_RASTER_PIXELS}
 */
export async function openRaster(path: string): Promise<Source> {
  const st = await statRegularFile(path);
  if (st.size === 0) throw new InputError(path, "empty file: not a PNG, JPEG or WebP image");
  let m: Metadata;
  try {
    m = await sharp(path, { limitInputPixels: false }).metadata(); // header only; the size is checked below
  } catch (e) {
    throw new InputError(path, `not a PNG, JPEG or WebP image that libvips can read (${(e as Error).message})`, { cause: e });
  }
  if (m.format !== "png" && m.format !== "jpeg" && m.format !== "webp") {
    throw new InputError(path, `is a ${m.format} image; openRaster reads PNG, JPEG and WebP only`);
  }
  const { width, height } = m;
  if (!(width > 0 && height > 0)) throw new InputError(path, `image size ${width}×${height} is not positive`);
  if (width * height > MAX_RASTER_PIXELS) {
    throw new InputError(
      path,
      `${width}×${height} = ${width * height} pixels is too large to decode whole (limit 2^28); convert it to a tiled ` +
        `pyramidal TIFF first, e.g. "vips tiffsave in.png out.tif --tile --pyramid --compression deflate"`,
    );
  }
  const png = m.format === "png" ? pngColourInfo(await readHead(path, Math.min(st.size, PNG_HEAD_BYTES))) : undefined;
  const d = chooseDecode(path, m, png);
  const meta: ImageMeta = {
    path,
    format: m.format,
    ndim: 2,
    dtype: d.dtype,
    channels: d.channels,
    levels: [{ shape: [1, height, width], scale: [1, 1, 1] }],
    space: defaultSpace(),
  };
  const resident = width * height * d.channels.length * bytesPerSample(d.dtype);
  return lazyPlanesSource({ ...meta, residentBytes: resident }, async () => {
    let out: { data: Buffer; info: OutputInfo };
    try {
      out = await sharp(path, { limitInputPixels: MAX_RASTER_PIXELS })
        .toColourspace(d.colourspace)
        .raw(d.dtype === "uint16" ? { depth: "ushort" } : {})
        .toBuffer({ resolveWithObject: true });
    } catch (e) {
      throw new InputError(path, `cannot decode the image (${(e as Error).message})`, { cause: e });
    }
    if (out.info.channels !== d.decodedBands || out.info.width !== width || out.info.height !== height) {
      throw new InputError(path, `libvips decoded ${out.info.width}×${out.info.height}×${out.info.channels}, expected ${width}×${height}×${d.decodedBands}`);
    }
    const n = width * height;
    const data = out.data.byteOffset % 2 ? Buffer.from(out.data) : out.data; // Uint16Array views need alignment
    const src: PixelArray =
      d.dtype === "uint16" ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2) : new Uint8Array(data.buffer, data.byteOffset, data.length);
    return d.bands.map((b) => {
      const p = d.dtype === "uint16" ? new Uint16Array(n) : new Uint8Array(n);
      for (let i = 0, j = b; i < n; i++, j += d.decodedBands) p[i] = src[j]!;
      return p;
    });
  });
}
