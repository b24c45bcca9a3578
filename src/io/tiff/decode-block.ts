// Turns the stored bytes of one tile or strip into native samples: decompress, fix byte order, undo the predictor.
// Finding which blocks a region needs and placing their samples is read-blocks.ts's job.

import { promisify } from "node:util";
import { inflate } from "node:zlib";
import { swapBytesInPlace, viewPixels, type PixelArray } from "../../core/dtype.js";
import { InputError } from "../../core/errors.js";
import { decodeJpeg } from "./jpeg.js";
import { decodeLzw } from "./lzw.js";
import { decodePackBits } from "./packbits.js";
import { undoFloatPredictor, undoHorizontalPredictor } from "./predictor.js";
import { blockRows, samplesPerBlock, type TiffImage } from "./tiff-image.js";
import { COMPRESSION_NAMES } from "./tiff-tags.js";

const inflateAsync = promisify(inflate);

/** "tile 17 of IFD 0" / "strip 3 of IFD 2 SubIFD 0". */
export function blockName(img: TiffImage, index: number): string {
  return `${img.tiled ? "tile" : "strip"} ${index} of ${img.name}`;
}

/** Decoded size in bytes of block `index`. */
export function blockBytes(img: TiffImage, index: number): number {
  return img.blockWidth * blockRows(img, index) * samplesPerBlock(img) * img.bytesPerSample;
}

async function decompress(img: TiffImage, index: number, raw: Uint8Array, expected: number): Promise<Uint8Array> {
  switch (img.compression) {
    case 1:
      // A copy: `raw` may be a slice of a larger coalesced read that a cached block must not keep alive.
      return raw.slice(0, expected);
    case 8:
    case 32946: {
      // The cap turns a decompression bomb into an error instead of an allocation. One output chunk of the expected
      // size (plus slack) lets the whole block inflate on the thread pool without a round trip through the main thread
      // every 16 KiB, which a busy main thread would otherwise delay.
      const out = await inflateAsync(raw, { maxOutputLength: expected + 65536, chunkSize: Math.max(64, expected + 1024) });
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    }
    case 5:
      return decodeLzw(raw, expected);
    case 32773:
      return decodePackBits(raw, expected);
    case 7: {
      const j = await decodeJpeg(img.jpegTables, raw);
      const rows = blockRows(img, index), spb = samplesPerBlock(img);
      if (j.width !== img.blockWidth || j.height < rows || j.channels !== spb) {
        throw new RangeError(`JPEG stream is ${j.width}×${j.height}×${j.channels}; expected ${img.blockWidth}×${rows}×${spb}`);
      }
      return j.data;
    }
    default:
      throw new RangeError(`compression ${img.compression} is not supported`);
  }
}

/**
 * Decodes block `index` of `img` from its stored bytes.
 * @returns native-endian samples, `blockRows` rows × blockWidth pixels × samplesPerBlock, interleaved
 * @throws InputError naming the block when the data does not decode to the expected size
 */
export async function decodeBlock(path: string, img: TiffImage, index: number, raw: Uint8Array): Promise<PixelArray> {
  const expected = blockBytes(img, index);
  let bytes: Uint8Array;
  try {
    bytes = await decompress(img, index, raw, expected);
  } catch (e) {
    const codec = COMPRESSION_NAMES[img.compression] ?? String(img.compression);
    throw new InputError(path, `${blockName(img, index)} fails to decompress (${codec}): ${(e as Error).message}`, { cause: e });
  }
  if (bytes.length < expected) {
    throw new InputError(path, `${blockName(img, index)} fails to decompress: it decodes to ${bytes.length} bytes; expected ${expected}`);
  }
  if (bytes.length > expected) bytes = bytes.subarray(0, expected);
  const rows = blockRows(img, index), spb = samplesPerBlock(img);
  if (img.predictor === 3) {
    undoFloatPredictor(bytes, img.blockWidth, rows, spb, img.bytesPerSample);
  } else if (!img.littleEndian) {
    swapBytesInPlace(bytes, img.bytesPerSample);
  }
  const samples = viewPixels(img.dtype, bytes);
  if (img.predictor === 2) undoHorizontalPredictor(samples, img.blockWidth, rows, spb);
  return samples;
}
