// Reads a PNG's colour type and palette (IHDR, PLTE, tRNS chunks) without decoding pixels, so that a palette of
// grays can be read as one gray channel. Pixel decoding is libvips' job (raster/read.ts).

/** What a PNG header says about its colours. */
export interface PngColourInfo {
  bitDepth: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA. */
  colourType: number;
  /** For palette images: true when every entry has R = G = B. */
  grayPalette?: boolean;
  /** For palette images: true when a tRNS chunk gives some entry transparency. */
  paletteAlpha?: boolean;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Walks the chunks before the first IDAT. Returns undefined when `bytes` is not a PNG or a chunk is cut off
 * (sharp then reports the real problem).
 */
export function pngColourInfo(bytes: Uint8Array): PngColourInfo | undefined {
  if (bytes.length < 33 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let info: PngColourInfo | undefined;
  let at = 8;
  while (at + 8 <= bytes.length) {
    const len = v.getUint32(at);
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    const data = at + 8;
    if (data + len > bytes.length) return info;
    if (type === "IHDR") info = { bitDepth: bytes[data + 8]!, colourType: bytes[data + 9]! };
    else if (type === "PLTE" && info) {
      let gray = true;
      for (let i = data; i + 2 < data + len; i += 3) if (bytes[i] !== bytes[i + 1] || bytes[i] !== bytes[i + 2]) gray = false;
      info.grayPalette = gray;
    } else if (type === "tRNS" && info?.colourType === 3) {
      for (let i = data; i < data + len; i++) if (bytes[i] !== 255) info.paletteAlpha = true;
    } else if (type === "IDAT" || type === "IEND") break;
    at = data + len + 4;
  }
  return info;
}
