// A read-only zarrita store over a directory, with one addition: a missing chunk can be an error.
// Zarr v2 arrays with `fill_value: null` have no defined value for a missing chunk, so reading one must fail.

import { open, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { AbsolutePath, AsyncReadable, GetOptions, RangeQuery } from "@zarrita/storage";

/** Keys that are metadata, never chunks: their absence is always "not found", never an error. */
const METADATA_NAMES = new Set([".zarray", ".zattrs", ".zgroup", ".zmetadata", "zarr.json"]);

/** Thrown by a strict {@link FsStore} when a chunk (or shard) file does not exist. */
export class MissingChunkError extends Error {
  readonly key: string;
  constructor(key: string) {
    super(`missing chunk ${key}`);
    this.key = key;
  }
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

export interface FsStoreOptions {
  /** Throw {@link MissingChunkError} for a missing non-metadata key instead of returning undefined. @default false */
  missingChunkIsError?: boolean;
}

/** A zarrita `AsyncReadable` over the files under `root`; keys are "/"-separated paths below it. */
export class FsStore implements AsyncReadable {
  readonly root: string;
  readonly #strict: boolean;

  constructor(root: string, options: FsStoreOptions = {}) {
    this.root = root;
    this.#strict = options.missingChunkIsError ?? false;
  }

  #file(key: AbsolutePath): string {
    return join(this.root, ...key.split("/").filter((s) => s !== ""));
  }

  #absent(key: AbsolutePath): undefined {
    if (this.#strict && !METADATA_NAMES.has(basename(key))) throw new MissingChunkError(key);
    return undefined;
  }

  async get(key: AbsolutePath, opts: GetOptions = {}): Promise<Uint8Array | undefined> {
    opts.signal?.throwIfAborted();
    try {
      const buf = await readFile(this.#file(key), opts.signal ? { signal: opts.signal } : {});
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      if (isMissing(e)) return this.#absent(key);
      throw e;
    }
  }

  async getRange(key: AbsolutePath, range: RangeQuery, opts: GetOptions = {}): Promise<Uint8Array | undefined> {
    opts.signal?.throwIfAborted();
    let fh;
    try {
      fh = await open(this.#file(key), "r");
    } catch (e) {
      if (isMissing(e)) return this.#absent(key);
      throw e;
    }
    try {
      const size = (await fh.stat()).size;
      const [offset, length] = "suffixLength" in range
        ? [Math.max(0, size - range.suffixLength), Math.min(size, range.suffixLength)]
        : [range.offset, Math.max(0, Math.min(range.length, size - range.offset))];
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(out, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? out : out.subarray(0, done);
    } finally {
      await fh.close();
    }
  }
}
