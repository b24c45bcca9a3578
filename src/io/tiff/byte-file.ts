// Positional, bounds-checked reads from one file, with a small block cache for metadata (headers, IFDs).
// What the bytes mean is parsed elsewhere; this module only guarantees no read past the end and counts reads.

import { open, type FileHandle } from "node:fs/promises";
import { InputError } from "../../core/errors.js";

/** Counters of the I/O a reader did; tests use them to check that a read touched only the tiles it needs. */
export interface ReadStats {
  /** Positional read calls for pixel data. */
  dataReads: number;
  /** Bytes of pixel data read. */
  dataBytes: number;
  /** Tiles or strips decoded (cache misses). */
  blocksDecoded: number;
}

const META_BLOCK = 64 * 1024;
const META_BLOCKS_KEPT = 8;

/** A read-only view of a file of known size; every read is checked against that size first. */
export class ByteFile {
  readonly stats: ReadStats = { dataReads: 0, dataBytes: 0, blocksDecoded: 0 };
  private readonly metaBlocks = new Map<number, Buffer>();

  private constructor(readonly path: string, private readonly handle: FileHandle, public size: number, private readonly owned: boolean) {}

  /** Opens `path` for reading; a missing or unreadable file becomes an InputError. */
  static async open(path: string): Promise<ByteFile> {
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (e) {
      throw new InputError(path, `cannot open: ${(e as Error).message}`, { cause: e });
    }
    const st = await handle.stat();
    if (!st.isFile()) {
      await handle.close();
      throw new InputError(path, "not a regular file");
    }
    return new ByteFile(path, handle, st.size, true);
  }

  /** Wraps a handle someone else owns (the writer reading back its own tiles); close() leaves it open. */
  static wrap(path: string, handle: FileHandle, size: number): ByteFile {
    return new ByteFile(path, handle, size, false);
  }

  /** Throws an InputError unless [offset, offset + length) lies inside the file. */
  check(offset: number, length: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new InputError(this.path, `${what} at byte ${offset} (+${length}) lies past the end of the file (${this.size} bytes); the file is truncated or corrupt`);
    }
  }

  /** Reads exactly `length` bytes of pixel data at `offset` (counted in stats). */
  async read(offset: number, length: number, what: string): Promise<Buffer> {
    const buf = await this.readExactly(offset, length, what);
    this.stats.dataReads++;
    this.stats.dataBytes += length;
    return buf;
  }

  private async readExactly(offset: number, length: number, what: string): Promise<Buffer> {
    this.check(offset, length, what);
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.handle.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) throw new InputError(this.path, `${what}: the file ended early (it shrank while being read?)`);
      got += bytesRead;
    }
    return buf;
  }

  /**
   * Reads metadata bytes (not counted in stats) through a small cache of 64 KiB blocks, so IFDs written back to back
   * cost few reads; spans over two blocks bypass the cache.
   */
  async readMeta(offset: number, length: number, what: string): Promise<Buffer> {
    this.check(offset, length, what);
    const first = Math.floor(offset / META_BLOCK), last = Math.floor((offset + Math.max(length, 1) - 1) / META_BLOCK);
    if (last - first > 1) return this.readExactly(offset, length, what);
    const parts: Buffer[] = [];
    for (let b = first; b <= last; b++) parts.push(await this.metaBlock(b, what));
    const joined = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const at = offset - first * META_BLOCK;
    return joined.subarray(at, at + length);
  }

  private async metaBlock(index: number, what: string): Promise<Buffer> {
    const hit = this.metaBlocks.get(index);
    if (hit) return hit;
    const start = index * META_BLOCK;
    const block = await this.readExactly(start, Math.min(META_BLOCK, this.size - start), what);
    if (this.metaBlocks.size >= META_BLOCKS_KEPT) this.metaBlocks.delete(this.metaBlocks.keys().next().value!);
    this.metaBlocks.set(index, block);
    return block;
  }

  /** Closes the handle if this object opened it. Safe to call twice. */
  async close(): Promise<void> {
    if (this.owned) await this.handle.close().catch(() => undefined);
  }
}
