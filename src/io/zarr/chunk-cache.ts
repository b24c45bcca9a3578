// A bounded least-recently-used cache of decoded chunks, shared by the levels of one opened Zarr.
// Pyramid building reads overlapping windows (2·tile + 2 per halved axis), so edge chunks are asked for twice.

/** A decoded chunk: its samples and the stride of each array dimension in samples. */
export interface DecodedChunk {
  data: ArrayLike<number> & { subarray(begin: number, end: number): ArrayLike<number> };
  stride: number[];
}

/** LRU by bytes; a chunk larger than the whole budget is simply not kept. */
export class ChunkCache {
  readonly maxBytes: number;
  #bytes = 0;
  readonly #map = new Map<string, { chunk: DecodedChunk; bytes: number }>();

  /** @param maxBytes cache budget in bytes. @default 64 MiB */
  constructor(maxBytes = 64 * 1024 * 1024) {
    this.maxBytes = maxBytes;
  }

  get(key: string): DecodedChunk | undefined {
    const e = this.#map.get(key);
    if (!e) return undefined;
    this.#map.delete(key);
    this.#map.set(key, e);
    return e.chunk;
  }

  set(key: string, chunk: DecodedChunk, bytes: number): void {
    if (bytes > this.maxBytes) return;
    const old = this.#map.get(key);
    if (old) {
      this.#bytes -= old.bytes;
      this.#map.delete(key);
    }
    this.#map.set(key, { chunk, bytes });
    this.#bytes += bytes;
    for (const [k, e] of this.#map) {
      if (this.#bytes <= this.maxBytes) break;
      this.#map.delete(k);
      this.#bytes -= e.bytes;
    }
  }

  clear(): void {
    this.#map.clear();
    this.#bytes = 0;
  }
}
