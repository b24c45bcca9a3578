// PackBits run-length decoding (TIFF 6.0 §9, Apple's Macintosh scheme).
// Which blocks use it and what their decoded bytes mean is decided in decode-block.ts.

/**
 * Decodes one PackBits-compressed strip or tile.
 * @param expected the decoded size in bytes; decoding stops there, so a corrupt stream cannot grow memory
 * @returns up to `expected` bytes (fewer if the input ends early)
 */
export function decodePackBits(input: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let ip = 0, op = 0;
  while (ip < input.length && op < expected) {
    const h = (input[ip++]! << 24) >> 24;
    if (h >= 0) {
      const n = Math.min(h + 1, expected - op, input.length - ip);
      out.set(input.subarray(ip, ip + n), op);
      ip += h + 1;
      op += n;
    } else if (h !== -128) {
      if (ip >= input.length) break;
      const n = Math.min(1 - h, expected - op);
      out.fill(input[ip++]!, op, op + n);
      op += n;
    }
  }
  return out.subarray(0, op);
}
