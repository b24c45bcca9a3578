// TIFF LZW decoding (TIFF 6.0 §13): MSB-first codes of 9 to 12 bits, Clear 256, EOI 257, "early change" widths.
// Which blocks are LZW and what their decoded bytes mean (predictor, byte order) is decided in decode-block.ts.

const CLEAR = 256;
const EOI = 257;
const MAX_CODES = 4096;

/**
 * Decodes one LZW-compressed TIFF strip or tile.
 * @param input the compressed bytes
 * @param expected the decoded size in bytes; output beyond it is dropped, so a corrupt stream cannot grow memory
 * @returns up to `expected` decoded bytes (fewer if the stream ends early)
 * @throws RangeError on a code that is neither in the table nor the next free one
 */
export function decodeLzw(input: Uint8Array, expected: number): Uint8Array {
  const prefix = new Uint16Array(MAX_CODES), suffix = new Uint8Array(MAX_CODES), first = new Uint8Array(MAX_CODES);
  const length = new Uint16Array(MAX_CODES);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  // Room for one more string past `expected`, so writing a whole string never needs a bounds check.
  const out = new Uint8Array(expected + MAX_CODES);
  const src = new Uint8Array(input.length + 4);
  src.set(input);
  const totalBits = input.length * 8;
  let bitPos = 0, width = 9, next = 258, old = -1, op = 0;
  while (op < expected && bitPos + width <= totalBits) {
    const byte = bitPos >>> 3;
    const word = (src[byte]! << 16) | (src[byte + 1]! << 8) | src[byte + 2]!;
    const code = (word >>> (24 - (bitPos & 7) - width)) & ((1 << width) - 1);
    bitPos += width;
    if (code === EOI) break;
    if (code === CLEAR) {
      width = 9;
      next = 258;
      old = -1;
      continue;
    }
    if (old === -1) {
      if (code > 255) throw new RangeError(`LZW code ${code} follows a Clear code`);
      out[op++] = code;
      old = code;
      continue;
    }
    let emit: number;
    if (code < next) {
      emit = code;
      if (next < MAX_CODES) {
        prefix[next] = old;
        suffix[next] = first[code]!;
        first[next] = first[old]!;
        length[next] = length[old]! + 1;
      }
    } else if (code === next && next < MAX_CODES) {
      prefix[next] = old;
      suffix[next] = first[old]!;
      first[next] = first[old]!;
      length[next] = length[old]! + 1;
      emit = next;
    } else {
      throw new RangeError(`LZW code ${code} is past the table (next free code ${next})`);
    }
    // Write the string for `emit` back to front along its prefix chain.
    const n = length[emit]!;
    let p = op + n - 1, k = emit;
    while (k > 255) {
      out[p--] = suffix[k]!;
      k = prefix[k]!;
    }
    out[p] = k;
    op += n;
    if (next < MAX_CODES) next++;
    old = code;
    if (next >= (1 << width) - 1 && width < 12) width++;
  }
  return out.subarray(0, Math.min(op, expected));
}
