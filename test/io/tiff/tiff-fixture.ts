// Test helper: writes small TIFF files in layouts the OME-TIFF writer never produces (classic, big-endian, strips,
// interleaved RGB, LZW, PackBits, predictors, SubIFD and chain pyramids) and deliberately broken ones.
// Independent of src/io/tiff on purpose: it has its own IFD serialiser and encoders, so the reader is checked against it.

import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { seeded } from "../../helpers/rng.js";

/** One IFD to write. `samples` is chunky: [y][x][s], native typed array of the page's dtype. */
export interface FixturePage {
  width: number;
  height: number;
  spp?: number;
  bits: 8 | 16 | 32 | 64;
  /** 1 uint, 2 int, 3 float. */
  format: 1 | 2 | 3;
  samples: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number; BYTES_PER_ELEMENT: number };
  /** [width, height] of tiles; strips when absent. */
  tile?: [number, number];
  rowsPerStrip?: number;
  planar?: 1 | 2;
  compression?: number;
  predictor?: 1 | 2 | 3;
  photometric?: number;
  description?: string;
  subfileType?: number;
  resolution?: { x: number; y: number; unit: number };
  subIfds?: FixturePage[];
  /** Extra or replacing entries, applied after the standard ones. */
  tags?: { tag: number; type: number; values: number[] | string | Uint8Array }[];
  /** Stored bytes of every block, already encoded (e.g. JPEG tiles); replaces encoding `samples`. */
  blocks?: Uint8Array[];
  /** Replace the stored bytes of block i before writing (for corrupt-data tests). */
  corruptBlock?: { index: number; bytes: Uint8Array };
}

export interface FixtureOptions {
  bigTiff?: boolean;
  bigEndian?: boolean;
  /** Make the last main-chain IFD point back to the first (an IFD loop). */
  loop?: boolean;
}

/** TIFF LZW encoder as libtiff writes it: MSB-first, Clear first, width grows after code 2^n − 1, Clear at 4094. */
export function encodeLzw(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let acc = 0, nacc = 0, width = 9, next = 258;
  const put = (code: number): void => {
    acc = (acc << width) | code;
    nacc += width;
    while (nacc >= 8) {
      out.push((acc >>> (nacc - 8)) & 0xff);
      nacc -= 8;
    }
    acc &= (1 << nacc) - 1;
  };
  const dict = new Map<number, number>();
  put(256);
  if (data.length === 0) {
    put(257);
  } else {
    let w = data[0]!;
    const bump = (): void => {
      next++;
      if (next === 4094) {
        put(256);
        dict.clear();
        next = 258;
        width = 9;
      } else if (next > (1 << width) - 1) {
        width++;
      }
    };
    for (let i = 1; i < data.length; i++) {
      const k = data[i]!, key = w * 256 + k;
      const code = dict.get(key);
      if (code !== undefined) {
        w = code;
        continue;
      }
      put(w);
      dict.set(key, next);
      bump();
      w = k;
    }
    put(w);
    bump();
    put(257);
  }
  if (nacc > 0) out.push((acc << (8 - nacc)) & 0xff);
  return Uint8Array.from(out);
}

/** PackBits encoder: runs of 3+ equal bytes as repeats, the rest as literals of at most 128. */
export function encodePackBits(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < data.length) {
    let run = 1;
    while (i + run < data.length && run < 128 && data[i + run] === data[i]) run++;
    if (run >= 3) {
      out.push((1 - run) & 0xff, data[i]!);
      i += run;
      continue;
    }
    const start = i;
    while (i < data.length && i - start < 128) {
      if (i + 2 < data.length && data[i] === data[i + 1] && data[i] === data[i + 2]) break;
      i++;
    }
    out.push(i - start - 1, ...data.subarray(start, i));
  }
  return Uint8Array.from(out);
}

function swapInPlace(b: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < b.length; i += size) b.subarray(i, i + size).reverse();
}

/** Stored bytes of one block: gather samples, apply predictor and byte order, compress. */
function encodeBlock(p: FixturePage, x0: number, y0: number, bw: number, rows: number, sample: number | undefined, be: boolean): Uint8Array {
  const spp = p.spp ?? 1, bps = p.bits / 8;
  const spb = sample === undefined ? spp : 1;
  const src = new Uint8Array(p.samples.buffer, p.samples.byteOffset, p.samples.byteLength);
  const raw = new Uint8Array(bw * rows * spb * bps);
  for (let r = 0; r < rows; r++) {
    for (let x = 0; x < bw; x++) {
      const gy = y0 + r, gx = x0 + x;
      if (gy >= p.height || gx >= p.width) continue;
      for (let s = 0; s < spb; s++) {
        const from = ((gy * p.width + gx) * spp + (sample ?? s)) * bps;
        raw.set(src.subarray(from, from + bps), ((r * bw + x) * spb + s) * bps);
      }
    }
  }
  const pred = p.predictor ?? 1;
  if (pred === 2) {
    const Ctor = p.samples.constructor as new (b: ArrayBuffer) => ArrayLike<number> & { [i: number]: number };
    const v = new Ctor(raw.buffer);
    const rowLen = bw * spb;
    for (let r = 0; r < rows; r++) for (let i = rowLen - 1; i >= spb; i--) v[r * rowLen + i] = v[r * rowLen + i]! - v[r * rowLen + i - spb]!;
  }
  if (pred === 3) {
    const wc = bw * spb, rowBytes = wc * bps, tmp = new Uint8Array(rowBytes);
    for (let r = 0; r < rows; r++) {
      const row = raw.subarray(r * rowBytes, (r + 1) * rowBytes);
      for (let c = 0; c < wc; c++) for (let b = 0; b < bps; b++) tmp[b * wc + c] = row[c * bps + (bps - 1 - b)]!; // MSB plane first
      for (let i = rowBytes - 1; i >= spb; i--) tmp[i] = (tmp[i]! - tmp[i - spb]!) & 0xff;
      row.set(tmp);
    }
  } else if (be) {
    swapInPlace(raw, bps);
  }
  switch (p.compression ?? 1) {
    case 1: return raw;
    case 5: return encodeLzw(raw);
    case 8: case 32946: return deflateSync(raw);
    case 32773: return encodePackBits(raw);
    default: return raw; // unknown codes: store raw bytes, the reader must refuse the code itself
  }
}

interface Entry {
  tag: number;
  type: number;
  values: number[] | string | Uint8Array;
}

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 16: 8, 13: 4, 18: 8 };

class Out {
  parts: Buffer[] = [];
  size = 0;
  constructor(readonly big: boolean, readonly be: boolean) {}
  add(b: Uint8Array): number {
    const at = this.size;
    this.parts.push(Buffer.from(b));
    this.size += b.length;
    if (this.size % 2) this.add(new Uint8Array(1));
    return at;
  }
  num(n: number, bytes: number): Buffer {
    const b = Buffer.alloc(bytes);
    if (bytes === 1) b[0] = n;
    else if (bytes === 2) this.be ? b.writeUInt16BE(n) : b.writeUInt16LE(n);
    else if (bytes === 4) this.be ? b.writeUInt32BE(n >>> 0) : b.writeUInt32LE(n >>> 0);
    else this.be ? b.writeBigUInt64BE(BigInt(n)) : b.writeBigUInt64LE(BigInt(n));
    return b;
  }
  value(e: Entry): Buffer {
    if (typeof e.values === "string") return Buffer.concat([Buffer.from(e.values, "utf8"), Buffer.alloc(1)]);
    if (e.values instanceof Uint8Array) return Buffer.from(e.values);
    if (e.type === 5) {
      return Buffer.concat(e.values.map((v) => Buffer.concat([this.num(Math.round(v * 1000), 4), this.num(1000, 4)])));
    }
    return Buffer.concat(e.values.map((v) => this.num(v, TYPE_SIZE[e.type]!)));
  }
  /** Writes an IFD, returning its offset; `patchNext` fills its next pointer later. */
  ifd(entries: Entry[]): { at: number; nextAt: number } {
    const sorted = [...entries].sort((a, b) => a.tag - b.tag);
    // Large values first, then the IFD.
    const valueAt = new Map<Entry, number>();
    const inline = this.big ? 8 : 4;
    for (const e of sorted) {
      const v = this.value(e);
      if (v.length > inline) valueAt.set(e, this.add(v));
    }
    const head: Buffer[] = [this.num(sorted.length, this.big ? 8 : 2)];
    for (const e of sorted) {
      const v = this.value(e);
      const count = typeof e.values === "string" ? v.length : e.type === 5 ? e.values.length : v.length / TYPE_SIZE[e.type]!;
      const field = Buffer.alloc(inline);
      if (valueAt.has(e)) this.num(valueAt.get(e)!, inline).copy(field);
      else v.copy(field);
      head.push(this.num(e.tag, 2), this.num(e.type, 2), this.num(count, this.big ? 8 : 4), field);
    }
    head.push(Buffer.alloc(inline));
    const body = Buffer.concat(head);
    const at = this.add(body);
    return { at, nextAt: at + body.length - inline };
  }
}

function pageEntries(out: Out, p: FixturePage): Entry[] {
  const spp = p.spp ?? 1, planar = p.planar ?? 1, be = out.be;
  const tiled = p.tile !== undefined;
  const bw = tiled ? p.tile![0] : p.width, bh = tiled ? p.tile![1] : Math.min(p.rowsPerStrip ?? p.height, p.height);
  const across = Math.ceil(p.width / bw), down = Math.ceil(p.height / bh);
  const offsets: number[] = [], counts: number[] = [];
  const planes = planar === 2 ? spp : 1;
  let index = 0;
  for (let s = 0; s < planes; s++) {
    for (let by = 0; by < down; by++) {
      for (let bx = 0; bx < across; bx++, index++) {
        const rows = tiled ? bh : Math.min(bh, p.height - by * bh);
        let bytes = p.blocks ? p.blocks[index]! : encodeBlock(p, bx * bw, by * bh, bw, rows, planar === 2 ? s : undefined, be);
        if (p.corruptBlock?.index === index) bytes = p.corruptBlock.bytes;
        offsets.push(out.add(bytes));
        counts.push(bytes.length);
      }
    }
  }
  const offType = out.big ? 16 : 4;
  const e: Entry[] = [
    { tag: 256, type: 4, values: [p.width] },
    { tag: 257, type: 4, values: [p.height] },
    { tag: 258, type: 3, values: Array(spp).fill(p.bits) },
    { tag: 259, type: 3, values: [p.compression ?? 1] },
    { tag: 262, type: 3, values: [p.photometric ?? (spp >= 3 ? 2 : 1)] },
    { tag: 277, type: 3, values: [spp] },
    { tag: 284, type: 3, values: [planar] },
    { tag: 339, type: 3, values: Array(spp).fill(p.format) },
  ];
  if (p.predictor && p.predictor > 1) e.push({ tag: 317, type: 3, values: [p.predictor] });
  if (p.subfileType !== undefined) e.push({ tag: 254, type: 4, values: [p.subfileType] });
  if (p.description !== undefined) e.push({ tag: 270, type: 2, values: p.description });
  if (p.resolution) {
    e.push({ tag: 282, type: 5, values: [p.resolution.x] }, { tag: 283, type: 5, values: [p.resolution.y] }, { tag: 296, type: 3, values: [p.resolution.unit] });
  }
  if (tiled) {
    e.push({ tag: 322, type: 3, values: [bw] }, { tag: 323, type: 3, values: [bh] }, { tag: 324, type: offType, values: offsets }, { tag: 325, type: offType, values: counts });
  } else {
    e.push({ tag: 278, type: 4, values: [bh] }, { tag: 273, type: offType, values: offsets }, { tag: 279, type: offType, values: counts });
  }
  for (const t of p.tags ?? []) {
    const k = e.findIndex((x) => x.tag === t.tag);
    if (k >= 0) e.splice(k, 1);
    if (!(Array.isArray(t.values) && t.values.length === 0)) e.push(t);
  }
  return e;
}

/** Serialises `pages` (each with its SubIFDs) as a TIFF file at `path`. */
export function writeTiffFixture(path: string, pages: FixturePage[], opts: FixtureOptions = {}): void {
  const big = opts.bigTiff ?? false, be = opts.bigEndian ?? false;
  const out = new Out(big, be);
  const header = Buffer.alloc(big ? 16 : 8);
  header.write(be ? "MM" : "II", 0, "latin1");
  out.add(header); // placeholder, patched below
  const mains: { at: number; nextAt: number }[] = [];
  for (const p of pages) {
    const subs = (p.subIfds ?? []).map((s) => out.ifd(pageEntries(out, s)).at);
    const entries = pageEntries(out, p);
    if (subs.length) entries.push({ tag: 330, type: big ? 18 : 4, values: subs });
    mains.push(out.ifd(entries));
  }
  const file = Buffer.concat(out.parts);
  const put = (at: number, v: number): void => {
    if (big) be ? file.writeBigUInt64BE(BigInt(v), at) : file.writeBigUInt64LE(BigInt(v), at);
    else be ? file.writeUInt32BE(v, at) : file.writeUInt32LE(v, at);
  };
  be ? file.writeUInt16BE(big ? 43 : 42, 2) : file.writeUInt16LE(big ? 43 : 42, 2);
  if (big) {
    be ? file.writeUInt16BE(8, 4) : file.writeUInt16LE(8, 4);
    put(8, mains[0]!.at);
  } else {
    put(4, mains[0]!.at);
  }
  mains.forEach((m, i) => put(m.nextAt, i + 1 < mains.length ? mains[i + 1]!.at : opts.loop ? mains[0]!.at : 0));
  writeFileSync(path, file);
}

export { seeded };

/** `n` random samples of `dtype` over its whole range (floats: a spread including negatives and a NaN or two). */
export function randomPixels(dtype: string, n: number, rng: () => number): Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array {
  switch (dtype) {
    case "uint8": return Uint8Array.from({ length: n }, () => Math.floor(rng() * 256));
    case "int8": return Int8Array.from({ length: n }, () => Math.floor(rng() * 256) - 128);
    case "uint16": return Uint16Array.from({ length: n }, () => Math.floor(rng() * 65536));
    case "int16": return Int16Array.from({ length: n }, () => Math.floor(rng() * 65536) - 32768);
    case "uint32": return Uint32Array.from({ length: n }, () => Math.floor(rng() * 4294967296));
    case "int32": return Int32Array.from({ length: n }, () => Math.floor(rng() * 4294967296) - 2147483648);
    case "float32": return Float32Array.from({ length: n }, (_, i) => (i === 7 ? NaN : (rng() - 0.3) * 1000));
    default: return Float64Array.from({ length: n }, (_, i) => (i === 7 ? NaN : (rng() - 0.3) * 1e6));
  }
}

/** True when two typed arrays hold the same bytes (NaN payloads included). */
export function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
