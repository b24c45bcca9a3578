// A least-recently-used cache of decoded tiles and strips, bounded in bytes.
// Keys and what is cached are chosen by read-blocks.ts; this module only keeps and evicts.

import type { PixelArray } from "../../core/dtype.js";

/** Default budget of a reader's decoded-block cache. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/** LRU map from block key to decoded samples; entries larger than a quarter of the budget are not kept. */
export class BlockCache {
  private readonly map = new Map<string, PixelArray>();
  private bytes = 0;

  constructor(readonly maxBytes: number = DEFAULT_CACHE_BYTES) {}

  /** The cached block, marked as most recently used. */
  get(key: string): PixelArray | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  /** Stores a block, evicting least recently used ones beyond the budget. */
  set(key: string, value: PixelArray): void {
    if (value.byteLength > this.maxBytes / 4) return;
    const old = this.map.get(key);
    if (old) {
      this.bytes -= old.byteLength;
      this.map.delete(key);
    }
    this.map.set(key, value);
    this.bytes += value.byteLength;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= v.byteLength;
    }
  }

  /** Bytes currently held. */
  get size(): number {
    return this.bytes;
  }

  /** Drops every block. */
  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}
