// One IFD interpreted as an image: size, block (tile or strip) grid, sample layout, dtype, compression, byte ranges.
// Which IFDs form planes, channels and levels is decided in tiff-layout.ts; decoding a block lives in decode-block.ts.

import type { DType } from "../../core/dtype.js";
import { InputError } from "../../core/errors.js";
import type { RawIfd, TagValue } from "./read-ifd.js";
import { COMPRESSION_NAMES, Tag, tagName } from "./tiff-tags.js";

/** An IFD as an image: everything needed to find, decode and place its tiles or strips. */
export interface TiffImage {
  /** File offset of the IFD: unique per image, used as a cache key. */
  id: number;
  /** "IFD 3" or "IFD 0 SubIFD 1", for messages. */
  name: string;
  width: number;
  height: number;
  samplesPerPixel: number;
  dtype: DType;
  bytesPerSample: number;
  /** TIFF Compression code. */
  compression: number;
  /** 1 none, 2 horizontal differencing, 3 floating point. */
  predictor: number;
  /** 1 interleaved samples (chunky), 2 one block set per sample (planar). */
  planar: 1 | 2;
  photometric: number;
  /** NewSubfileType bits (bit 0: reduced-resolution version of another image). */
  subfileType: number;
  tiled: boolean;
  /** Block size: the tile size, or for strips the image width × RowsPerStrip. */
  blockWidth: number;
  blockHeight: number;
  blocksAcross: number;
  blocksDown: number;
  offsets: Float64Array;
  byteCounts: Float64Array;
  jpegTables?: Uint8Array;
  littleEndian: boolean;
  description?: string;
  /** Pixels per unit in x and y, and the TIFF ResolutionUnit (1 none, 2 inch, 3 cm). */
  resolution?: { x: number; y: number; unit: number };
  /** ExtraSamples values (0 unspecified, 1 associated alpha, 2 unassociated alpha). */
  extraSamples: number[];
  subImages: TiffImage[];
}

/** Width × height × samples beyond this is taken as a corrupt header, not an image (2^40 samples = 1 TB of uint8). */
export const MAX_SAMPLES = 2 ** 40;

function num(path: string, name: string, tags: Map<number, TagValue>, tag: number): number | undefined {
  const v = tags.get(tag);
  if (v === undefined) return undefined;
  if (!(v instanceof Float64Array) || v.length === 0) throw new InputError(path, `${name}: ${tagName(tag)} has no numeric value`);
  return v[0]!;
}

function dtypeOf(bits: number, format: number): DType | undefined {
  const table: Record<string, DType> = {
    "8:1": "uint8", "8:2": "int8", "16:1": "uint16", "16:2": "int16", "32:1": "uint32", "32:2": "int32", "32:3": "float32", "64:3": "float64",
  };
  return table[`${bits}:${format === 4 ? 1 : format}`];
}

/** Interprets one parsed IFD (and its SubIFDs) as images; throws InputError for missing or contradictory tags. */
export function toTiffImage(path: string, ifd: RawIfd, name: string, littleEndian: boolean, fileSize: number): TiffImage {
  const t = ifd.tags;
  const fail = (problem: string): never => { throw new InputError(path, `${name}: ${problem}`); };
  const need = (tag: number): number => num(path, name, t, tag) ?? fail(`missing required tag ${tagName(tag)}`);
  const numArray = (tag: number): Float64Array | undefined => {
    const v = t.get(tag);
    if (v === undefined) return undefined;
    if (v instanceof Float64Array) return v;
    return fail(`${tagName(tag)} is not numeric`);
  };
  const width = need(Tag.ImageWidth), height = need(Tag.ImageLength);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) fail(`image size ${width}×${height} is not positive`);
  const spp = num(path, name, t, Tag.SamplesPerPixel) ?? 1;
  if (!Number.isInteger(spp) || spp < 1 || spp > 256) fail(`SamplesPerPixel ${spp} is outside 1..256`);
  if (width * height * spp > MAX_SAMPLES) {
    fail(`absurd dimensions ${width}×${height}×${spp} samples (more than 2^40); the header is corrupt`);
  }
  const bitsAll = numArray(Tag.BitsPerSample) ?? new Float64Array([1]);
  const bits = bitsAll[0]!;
  if (bitsAll.some((b) => b !== bits)) fail(`BitsPerSample differs between samples (${[...bitsAll].join(", ")}); unsupported bit depth`);
  const formatAll = numArray(Tag.SampleFormat) ?? new Float64Array([1]);
  const format = formatAll[0]!;
  const dtype = dtypeOf(bits, format);
  if (!dtype) fail(`unsupported bit depth: ${bits} bits per sample with SampleFormat ${format} (supported: 8/16/32-bit integers, 32/64-bit floats)`);
  const compression = num(path, name, t, Tag.Compression) ?? 1;
  if (!(compression in COMPRESSION_NAMES)) {
    fail(`unknown compression ${compression} (supported: ${Object.entries(COMPRESSION_NAMES).map(([k, v]) => `${k} ${v}`).join(", ")})`);
  }
  const predictor = num(path, name, t, Tag.Predictor) ?? 1;
  if (![1, 2, 3].includes(predictor)) fail(`unsupported Predictor ${predictor}`);
  if (predictor === 2 && (dtype === "float32" || dtype === "float64")) fail("Predictor 2 (horizontal differencing) on float samples is unsupported");
  if (predictor === 3 && dtype !== "float32" && dtype !== "float64") fail("Predictor 3 (floating point) on integer samples is invalid");
  const planarTag = num(path, name, t, Tag.PlanarConfiguration) ?? 1;
  if (planarTag !== 1 && planarTag !== 2) fail(`PlanarConfiguration ${planarTag} is not 1 or 2`);
  const planar = spp === 1 ? 1 : (planarTag as 1 | 2);
  const photometric = num(path, name, t, Tag.Photometric) ?? (spp >= 3 ? 2 : 1);
  if (compression === 7 && dtype !== "uint8") fail(`JPEG compression with ${dtype} samples is unsupported (only 8-bit JPEG)`);
  if (photometric === 6 && compression !== 7) fail("YCbCr photometric without JPEG compression (subsampled YCbCr) is unsupported");
  const depth = num(path, name, t, Tag.ImageDepth) ?? 1;
  if (depth !== 1) fail(`ImageDepth ${depth} (SGI volumetric tiles) is unsupported`);

  const tiled = t.has(Tag.TileWidth) || t.has(Tag.TileOffsets);
  let blockWidth: number, blockHeight: number, offsets: Float64Array | undefined, byteCounts: Float64Array | undefined;
  if (tiled) {
    blockWidth = need(Tag.TileWidth);
    blockHeight = need(Tag.TileLength);
    if (!Number.isInteger(blockWidth) || !Number.isInteger(blockHeight) || blockWidth < 1 || blockHeight < 1 || blockWidth * blockHeight > 2 ** 28) {
      fail(`tile size ${blockWidth}×${blockHeight} is invalid`);
    }
    offsets = numArray(Tag.TileOffsets) ?? fail(`missing required tag ${tagName(Tag.TileOffsets)}`);
    byteCounts = numArray(Tag.TileByteCounts) ?? fail(`missing required tag ${tagName(Tag.TileByteCounts)}`);
  } else {
    blockWidth = width;
    const rps = num(path, name, t, Tag.RowsPerStrip) ?? height;
    blockHeight = Math.max(1, Math.min(height, rps));
    offsets = numArray(Tag.StripOffsets) ?? fail(`missing required tag ${tagName(Tag.StripOffsets)}`);
    byteCounts = numArray(Tag.StripByteCounts) ?? fail(`missing required tag ${tagName(Tag.StripByteCounts)}`);
  }
  const blocksAcross = Math.ceil(width / blockWidth), blocksDown = Math.ceil(height / blockHeight);
  const expected = blocksAcross * blocksDown * (planar === 2 ? spp : 1);
  const kind = tiled ? "tile" : "strip";
  if (offsets.length !== expected) {
    fail(`${tiled ? "TileOffsets" : "StripOffsets"} has ${offsets.length} entries, but a ${width}×${height} image in ${blockWidth}×${blockHeight} ${kind}s needs ${expected} (${kind} count mismatch)`);
  }
  if (byteCounts.length !== expected) fail(`${tiled ? "TileByteCounts" : "StripByteCounts"} has ${byteCounts.length} entries; expected ${expected} (${kind} count mismatch)`);
  for (let i = 0; i < expected; i++) {
    const at = offsets[i]!, n = byteCounts[i]!;
    if (!(at >= 0 && n >= 0 && at + n <= fileSize)) {
      fail(`${kind} ${i} at byte ${at} (+${n} bytes) lies past the end of the file (${fileSize} bytes); the file is truncated or corrupt`);
    }
  }
  const bytesPerSample = bits / 8;
  const maxBlockBytes = blockWidth * blockHeight * (planar === 2 ? 1 : spp) * bytesPerSample;
  const splittable = !tiled && compression === 1 && predictor === 1;
  if (maxBlockBytes > 2 ** 30 && !splittable) fail(`one ${kind} would decode to ${maxBlockBytes} bytes (over 1 GiB); unsupported`);

  const tables = t.get(Tag.JPEGTables);
  const desc = t.get(Tag.ImageDescription);
  const xr = num(path, name, t, Tag.XResolution), yr = num(path, name, t, Tag.YResolution);
  const image: TiffImage = {
    id: ifd.offset, name, width, height, samplesPerPixel: spp, dtype: dtype!, bytesPerSample, compression, predictor,
    planar, photometric, subfileType: num(path, name, t, Tag.NewSubfileType) ?? 0, tiled, blockWidth, blockHeight,
    blocksAcross, blocksDown, offsets, byteCounts, littleEndian,
    extraSamples: [...(numArray(Tag.ExtraSamples) ?? [])],
    subImages: ifd.subIfds.map((s, k) => toTiffImage(path, s, `${name} SubIFD ${k}`, littleEndian, fileSize)),
  };
  if (splittable) splitUncompressedStrips(image);
  if (tables !== undefined) image.jpegTables = tables instanceof Float64Array ? Uint8Array.from(tables) : typeof tables === "string" ? undefined : tables;
  if (typeof desc === "string") image.description = desc;
  if (xr !== undefined && yr !== undefined && xr > 0 && yr > 0) image.resolution = { x: xr, y: yr, unit: num(path, name, t, Tag.ResolutionUnit) ?? 2 };
  return image;
}

/** Uncompressed strips larger than this are re-cut into blocks of fewer rows, read independently. */
const VIRTUAL_STRIP_BYTES = 1024 * 1024;

/**
 * Re-cuts large uncompressed strips (ImageJ writes a whole page as one strip) into blocks of a few rows each, so a
 * window reads only its rows instead of decoding a strip the size of the image. The new block height divides the old.
 */
function splitUncompressedStrips(img: TiffImage): void {
  const rowBytes = img.width * samplesPerBlock(img) * img.bytesPerSample;
  const rps = img.blockHeight;
  if (rps * rowBytes <= VIRTUAL_STRIP_BYTES) return;
  let rows = Math.max(1, Math.floor(VIRTUAL_STRIP_BYTES / rowBytes));
  while (rps % rows !== 0) rows--;
  const down = Math.ceil(img.height / rows), planes = img.planar === 2 ? img.samplesPerPixel : 1;
  const offsets = new Float64Array(down * planes), byteCounts = new Float64Array(down * planes);
  for (let p = 0; p < planes; p++) {
    for (let b = 0; b < down; b++) {
      const strip = Math.floor((b * rows) / rps), within = b * rows - strip * rps;
      const orig = p * img.blocksDown + strip;
      const start = within * rowBytes;
      offsets[p * down + b] = img.offsets[orig]! + start;
      // Never past the original strip's bytes: a short strip stays short, and decoding reports it.
      byteCounts[p * down + b] = Math.max(0, Math.min(Math.min(rows, img.height - b * rows) * rowBytes, img.byteCounts[orig]! - start));
    }
  }
  Object.assign(img, { blockHeight: rows, blocksDown: down, offsets, byteCounts });
}

/** Rows stored in block `index` (the last strip of an image may be short; tiles are always full). */
export function blockRows(img: TiffImage, index: number): number {
  if (img.tiled) return img.blockHeight;
  const row = index % img.blocksDown;
  return Math.min(img.blockHeight, img.height - row * img.blockHeight);
}

/** Samples per pixel stored in one block: all of them when interleaved, one when planar. */
export function samplesPerBlock(img: TiffImage): number {
  return img.planar === 2 ? 1 : img.samplesPerPixel;
}
