// Serialising little-endian BigTIFF: the 16-byte header and IFDs (entries sorted by tag, large values after the entries).
// Which tags an OME-TIFF IFD carries is write-ome-tiff.ts's decision; this module only lays out bytes.

import { FieldType } from "./tiff-tags.js";

/** One IFD entry to write: numbers (SHORT, LONG, LONG8, IFD8) or text (ASCII, UTF-8, NUL added here). */
export interface IfdEntry {
  tag: number;
  type: typeof FieldType.SHORT | typeof FieldType.LONG | typeof FieldType.LONG8 | typeof FieldType.IFD8 | typeof FieldType.ASCII;
  values: ArrayLike<number> | string;
}

const SIZES: Record<number, number> = { [FieldType.SHORT]: 2, [FieldType.LONG]: 4, [FieldType.LONG8]: 8, [FieldType.IFD8]: 8, [FieldType.ASCII]: 1 };
const TWO32 = 4294967296;

/** The BigTIFF header: "II", 43, offset size 8, and the first IFD's offset. */
export function bigTiffHeader(firstIfd: number): Buffer {
  const b = Buffer.alloc(16);
  b.write("II", 0, "latin1");
  b.writeUInt16LE(43, 2);
  b.writeUInt16LE(8, 4);
  writeU64(b, 8, firstIfd);
  return b;
}

function writeU64(b: Buffer, at: number, v: number): void {
  b.writeUInt32LE(v % TWO32, at);
  b.writeUInt32LE(Math.floor(v / TWO32), at + 4);
}

function payload(e: IfdEntry): { count: number; bytes: number; text?: Buffer } {
  if (typeof e.values === "string") {
    const text = Buffer.concat([Buffer.from(e.values, "utf8"), Buffer.alloc(1)]);
    return { count: text.length, bytes: text.length, text };
  }
  return { count: e.values.length, bytes: e.values.length * SIZES[e.type]! };
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Bytes an IFD with these entries occupies: count, entries, next offset, then each large value (8-byte aligned). */
export function ifdByteSize(entries: readonly IfdEntry[]): number {
  let n = 8 + entries.length * 20 + 8;
  for (const e of entries) {
    const p = payload(e);
    if (p.bytes > 8) n += align8(p.bytes);
  }
  return n;
}

/**
 * Serialises one IFD to be placed at file offset `at`, chaining to `next` (0 for none).
 * @returns exactly ifdByteSize(entries) bytes
 */
export function serializeIfd(entries: readonly IfdEntry[], at: number, next: number): Buffer {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const b = Buffer.alloc(ifdByteSize(sorted));
  writeU64(b, 0, sorted.length);
  let extra = 8 + sorted.length * 20 + 8;
  sorted.forEach((e, k) => {
    const p = payload(e);
    const base = 8 + k * 20;
    b.writeUInt16LE(e.tag, base);
    b.writeUInt16LE(e.type, base + 2);
    writeU64(b, base + 4, p.count);
    let where = base + 12;
    if (p.bytes > 8) {
      writeU64(b, base + 12, at + extra);
      where = extra;
      extra += align8(p.bytes);
    }
    if (p.text) {
      p.text.copy(b, where);
      return;
    }
    const v = e.values as ArrayLike<number>;
    for (let i = 0; i < v.length; i++) {
      switch (e.type) {
        case FieldType.SHORT: b.writeUInt16LE(v[i]!, where + 2 * i); break;
        case FieldType.LONG: b.writeUInt32LE(v[i]!, where + 4 * i); break;
        default: writeU64(b, where + 8 * i, v[i]!);
      }
    }
  });
  writeU64(b, 8 + sorted.length * 20, next);
  return b;
}
