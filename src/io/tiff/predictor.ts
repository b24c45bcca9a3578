// Undoing TIFF predictors: 2 (horizontal differencing, TIFF 6.0 §14) and 3 (floating point, Adobe TIFF Tech Note 3).
// Applied per block after decompression by decode-block.ts; the writer stores without a predictor.

import type { PixelArray } from "../../core/dtype.js";

/**
 * Predictor 2: each sample holds the difference to the same sample of the previous pixel in its row.
 * Integer typed arrays wrap on assignment, which is the modular sum the predictor needs.
 * @param a native-endian samples of a block, `rows` rows of `width` pixels × `spp` interleaved samples
 */
export function undoHorizontalPredictor(a: PixelArray, width: number, rows: number, spp: number): void {
  const rowLen = width * spp;
  for (let r = 0; r < rows; r++) {
    const base = r * rowLen, end = base + rowLen;
    for (let i = base + spp; i < end; i++) a[i] = a[i]! + a[i - spp]!;
  }
}

/**
 * Predictor 3: each row stores its samples' bytes as planes (most significant byte first), byte-differenced with
 * stride `spp`. Undoes both steps in place; the result is little-endian whatever the file's byte order.
 * @param bytes a block of `rows` rows of `width` pixels × `spp` samples × `bps` bytes
 */
export function undoFloatPredictor(bytes: Uint8Array, width: number, rows: number, spp: number, bps: number): void {
  const wc = width * spp, rowBytes = wc * bps;
  const tmp = new Uint8Array(rowBytes);
  for (let r = 0; r < rows; r++) {
    const row = bytes.subarray(r * rowBytes, (r + 1) * rowBytes);
    for (let i = spp; i < rowBytes; i++) row[i] = row[i]! + row[i - spp]!;
    tmp.set(row);
    for (let b = 0; b < bps; b++) {
      const plane = (bps - 1 - b) * wc; // byte b (little-endian position) of every sample comes from plane bps-1-b
      for (let c = 0; c < wc; c++) row[c * bps + b] = tmp[plane + c]!;
    }
  }
}
