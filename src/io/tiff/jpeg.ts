// JPEG-compressed TIFF blocks (Compression 7): splice the shared JPEGTables into each abbreviated stream, decode with sharp.
// sharp is loaded on first use, so files without JPEG tiles never load it; YCbCr comes back as RGB.

/** A decoded JPEG: interleaved 8-bit samples. */
export interface DecodedJpeg {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

type SharpFactory = (typeof import("sharp"))["default"];
let sharpPromise: Promise<SharpFactory> | undefined;

function loadSharp(): Promise<SharpFactory> {
  sharpPromise ??= import("sharp").then((m) => m.default);
  return sharpPromise;
}

/**
 * Builds a complete JPEG stream from the JPEGTables tag (SOI, tables, EOI) and a block's abbreviated stream
 * (SOI, frame, scan, EOI): tables without their EOI, then the block without its SOI.
 */
export function spliceJpegTables(tables: Uint8Array | undefined, block: Uint8Array): Uint8Array {
  if (!tables || tables.length < 4 || block.length < 2) return block;
  let end = tables.length;
  if (tables[end - 2] === 0xff && tables[end - 1] === 0xd9) end -= 2;
  const start = block[0] === 0xff && block[1] === 0xd8 ? 2 : 0;
  const out = new Uint8Array(end + block.length - start);
  out.set(tables.subarray(0, end), 0);
  out.set(block.subarray(start), end);
  return out;
}

/** Decodes one JPEG block to raw interleaved samples. */
export async function decodeJpeg(tables: Uint8Array | undefined, block: Uint8Array): Promise<DecodedJpeg> {
  const sharp = await loadSharp();
  const stream = spliceJpegTables(tables, block);
  const { data, info } = await sharp(stream, { failOn: "error", limitInputPixels: 2 ** 28 }).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: info.channels };
}
