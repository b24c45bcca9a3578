// The TIFF/BigTIFF container: header, IFD entries and their values, the main IFD chain and SubIFD trees.
// Interpreting the tags of an IFD as an image lives in tiff-image.ts; this module only decodes the structure.

import { InputError } from "../../core/errors.js";
import type { ByteFile } from "./byte-file.js";
import { fieldTypeSize, LOADED_TAGS, Tag, tagName } from "./tiff-tags.js";

/** What the 8- or 16-byte file header says. */
export interface TiffHeader {
  littleEndian: boolean;
  bigTiff: boolean;
  /** File offset of the first IFD. */
  firstIfd: number;
}

/** A loaded tag value: numbers (RATIONALs divided out), text (ASCII, UTF-8 decoded), or raw bytes (UNDEFINED). */
export type TagValue = Float64Array | string | Uint8Array;

/** One IFD as stored: its loaded tag values and where the chain goes next (0 at the end). */
export interface RawIfd {
  offset: number;
  tags: Map<number, TagValue>;
  next: number;
  /** IFDs listed in its SubIFDs tag (and their chains), parsed. */
  subIfds: RawIfd[];
}

/** Context shared while walking one file: where we read, its byte order, and which IFDs were seen (loop guard). */
export interface IfdContext {
  file: ByteFile;
  header: TiffHeader;
  seen: Set<number>;
}

const MAX_ENTRIES = 4096;
const TWO32 = 4294967296;

/** Reads and validates the header. */
export async function readHeader(file: ByteFile): Promise<TiffHeader> {
  if (file.size < 8) throw new InputError(file.path, `not a TIFF file: only ${file.size} bytes, shorter than a TIFF header (truncated header)`);
  const head = await file.readMeta(0, Math.min(16, file.size), "header");
  const order = head.toString("latin1", 0, 2);
  if (order !== "II" && order !== "MM") {
    throw new InputError(file.path, `not a TIFF file (bad magic: starts with bytes ${[...head.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ")})`);
  }
  const le = order === "II";
  const version = le ? head.readUInt16LE(2) : head.readUInt16BE(2);
  if (version === 42) {
    return { littleEndian: le, bigTiff: false, firstIfd: le ? head.readUInt32LE(4) : head.readUInt32BE(4) };
  }
  if (version !== 43) throw new InputError(file.path, `not a TIFF file (bad magic: version ${version}, expected 42 or 43)`);
  if (head.length < 16) throw new InputError(file.path, "BigTIFF header is truncated (truncated header)");
  const offsetSize = le ? head.readUInt16LE(4) : head.readUInt16BE(4);
  if (offsetSize !== 8) throw new InputError(file.path, `BigTIFF header gives offset size ${offsetSize}; only 8 is defined`);
  return { littleEndian: le, bigTiff: true, firstIfd: readU64(file, head, 8, le, "first IFD offset") };
}

function readU64(file: ByteFile, b: Buffer, at: number, le: boolean, what: string): number {
  const lo = le ? b.readUInt32LE(at) : b.readUInt32BE(at + 4);
  const hi = le ? b.readUInt32LE(at + 4) : b.readUInt32BE(at);
  if (hi >= 0x200000) throw new InputError(file.path, `${what} is larger than 2^53`);
  return hi * TWO32 + lo;
}

/** Decodes `count` values of `type` from `b`. */
function decodeValues(ctx: IfdContext, b: Buffer, type: number, count: number): TagValue {
  const le = ctx.header.littleEndian;
  if (type === 2) {
    let end = b.length;
    while (end > 0 && b[end - 1] === 0) end--;
    return new TextDecoder("utf-8").decode(b.subarray(0, end));
  }
  if (type === 7) return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (type) {
      case 1: out[i] = b[i]!; break;
      case 6: out[i] = b.readInt8(i); break;
      case 3: out[i] = le ? b.readUInt16LE(2 * i) : b.readUInt16BE(2 * i); break;
      case 8: out[i] = le ? b.readInt16LE(2 * i) : b.readInt16BE(2 * i); break;
      case 4: case 13: out[i] = le ? b.readUInt32LE(4 * i) : b.readUInt32BE(4 * i); break;
      case 9: out[i] = le ? b.readInt32LE(4 * i) : b.readInt32BE(4 * i); break;
      case 5: {
        const n = le ? b.readUInt32LE(8 * i) : b.readUInt32BE(8 * i), d = le ? b.readUInt32LE(8 * i + 4) : b.readUInt32BE(8 * i + 4);
        out[i] = d === 0 ? NaN : n / d;
        break;
      }
      case 10: {
        const n = le ? b.readInt32LE(8 * i) : b.readInt32BE(8 * i), d = le ? b.readInt32LE(8 * i + 4) : b.readInt32BE(8 * i + 4);
        out[i] = d === 0 ? NaN : n / d;
        break;
      }
      case 11: out[i] = le ? b.readFloatLE(4 * i) : b.readFloatBE(4 * i); break;
      case 12: out[i] = le ? b.readDoubleLE(8 * i) : b.readDoubleBE(8 * i); break;
      case 16: case 18: out[i] = readU64(ctx.file, b, 8 * i, le, "a 64-bit tag value"); break;
      case 17: out[i] = Number(le ? b.readBigInt64LE(8 * i) : b.readBigInt64BE(8 * i)); break;
    }
  }
  return out;
}

/** Reads the IFD at `offset` (not its SubIFDs); `what` names it in messages, e.g. "IFD 3". */
export async function readIfd(ctx: IfdContext, offset: number, what: string): Promise<RawIfd> {
  const { file, header } = ctx;
  if (ctx.seen.has(offset)) throw new InputError(file.path, `${what} at byte ${offset} was already read: the IFD chain has a cycle (IFD loop)`);
  ctx.seen.add(offset);
  const big = header.bigTiff, le = header.littleEndian;
  const countSize = big ? 8 : 2, entrySize = big ? 20 : 12, offSize = big ? 8 : 4;
  file.check(offset, countSize, `${what} offset`);
  const cb = await file.readMeta(offset, countSize, what);
  const count = big ? readU64(file, cb, 0, le, `${what} entry count`) : le ? cb.readUInt16LE(0) : cb.readUInt16BE(0);
  if (count === 0 || count > MAX_ENTRIES) throw new InputError(file.path, `${what} at byte ${offset} claims ${count} entries; a valid IFD has 1 to ${MAX_ENTRIES}`);
  const body = await file.readMeta(offset + countSize, count * entrySize + offSize, `${what} entries`);
  const tags = new Map<number, TagValue>();
  for (let e = 0; e < count; e++) {
    const at = e * entrySize;
    const tag = le ? body.readUInt16LE(at) : body.readUInt16BE(at);
    const type = le ? body.readUInt16LE(at + 2) : body.readUInt16BE(at + 2);
    const size = fieldTypeSize(type);
    if (!LOADED_TAGS.has(tag) || size === undefined) continue; // unknown tags and types are skipped, as TIFF 6.0 asks
    const n = big ? readU64(file, body, at + 4, le, `${tagName(tag)} count`) : le ? body.readUInt32LE(at + 4) : body.readUInt32BE(at + 4);
    const bytes = n * size;
    let raw: Buffer;
    if (bytes <= offSize) {
      raw = body.subarray(at + 4 + offSize, at + 4 + offSize + bytes);
    } else {
      const valueAt = big ? readU64(file, body, at + 12, le, `${tagName(tag)} offset`) : le ? body.readUInt32LE(at + 8) : body.readUInt32BE(at + 8);
      file.check(valueAt, bytes, `${what} ${tagName(tag)} value (${n} values)`);
      raw = await file.readMeta(valueAt, bytes, `${what} ${tagName(tag)}`);
    }
    tags.set(tag, decodeValues(ctx, raw, type, n));
  }
  const next = big ? readU64(file, body, count * entrySize, le, `${what} next-IFD offset`) : le ? body.readUInt32LE(count * entrySize) : body.readUInt32BE(count * entrySize);
  return { offset, tags, next, subIfds: [] };
}

/** Reads an IFD and, recursively, the SubIFDs it lists (a single listed SubIFD may chain to further ones). */
async function readIfdTree(ctx: IfdContext, offset: number, what: string, depth: number): Promise<RawIfd> {
  const ifd = await readIfd(ctx, offset, what);
  const list = ifd.tags.get(Tag.SubIFDs);
  if (list instanceof Float64Array && depth < 4) {
    const offsets = [...list];
    if (offsets.length === 1) {
      // A lone SubIFD may chain its siblings through next-IFD pointers (an older convention).
      let at = offsets[0]!;
      for (let k = 0; at !== 0; k++) {
        const sub = await readIfdTree(ctx, at, `${what} SubIFD ${k}`, depth + 1);
        ifd.subIfds.push(sub);
        at = sub.next;
      }
    } else {
      for (const [k, at] of offsets.entries()) ifd.subIfds.push(await readIfdTree(ctx, at, `${what} SubIFD ${k}`, depth + 1));
    }
  }
  return ifd;
}

/** Reads every IFD of the main chain, each with its SubIFD tree. */
export async function readIfdChain(ctx: IfdContext): Promise<RawIfd[]> {
  const out: RawIfd[] = [];
  let at = ctx.header.firstIfd;
  if (at === 0) throw new InputError(ctx.file.path, "the header points to no IFD: the file holds no image");
  while (at !== 0) {
    const ifd = await readIfdTree(ctx, at, `IFD ${out.length}`, 0);
    out.push(ifd);
    at = ifd.next;
  }
  return out;
}
