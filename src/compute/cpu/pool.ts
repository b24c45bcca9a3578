// A worker_threads pool that runs band kernels over SharedArrayBuffers, each worker writing its own band of rows.
// Every output value is computed by the same code from the same inputs whatever the split, so results are byte-identical.

import { Worker } from "node:worker_threads";
import { allocatePixels, bytesPerSample, type DType, type PixelArray } from "../../core/dtype.js";
import { OptionError } from "../../core/errors.js";
import { heapAllocator, type Allocator } from "../../kernels/resample-common.js";
import { bandKernel, runBand, type KernelArgs, type KernelName } from "./kernel-table.js";
import { noteSharedBytes } from "./reclaim-shared.js";

/** Main → worker: run units [start, end) of kernel `name`. */
export interface BandRequest {
  id: number;
  name: string;
  args: unknown;
  start: number;
  end: number;
}

/** Worker → main: done, or the error's stack. */
export interface BandReply {
  id: number;
  error?: string;
}

export interface Pool {
  /** Workers (1 = run inline on the calling thread, no workers). */
  readonly threads: number;
  /**
   * Runs kernel `name` over units [0, splitLength) (output rows for most kernels), split into `threads` contiguous
   * bands, one per worker. With threads > 1 every typed array in `args` must live on a SharedArrayBuffer (outputs
   * would otherwise be written into a copy); use `allocate` and `share`.
   */
  run<K extends KernelName>(name: K, args: KernelArgs<K>, splitLength: number): Promise<void>;
  /** Allocates output arrays the workers can write: on a SharedArrayBuffer when threads > 1. */
  readonly allocate: Allocator & { float64(length: number): Float64Array };
  /** A plane of `length` samples of `dtype` the workers can write: on a SharedArrayBuffer when threads > 1. */
  pixels(dtype: DType, length: number): PixelArray;
  /** `a` itself when shareable (or threads = 1), else a copy on a SharedArrayBuffer. */
  share<T extends PixelArray>(a: T): T;
  /** Terminates the workers; runs after close() reject. */
  close(): Promise<void>;
}

/** Band b of n units split `parts` ways: [⌊b·n/parts⌋, ⌊(b+1)·n/parts⌋). */
export function bandOf(b: number, n: number, parts: number): [number, number] {
  return [Math.floor((b * n) / parts), Math.floor(((b + 1) * n) / parts)];
}

/** A SharedArrayBuffer of `bytes`, counted towards the next forced collection (reclaim-shared.ts). */
function sharedBuffer(bytes: number): SharedArrayBuffer {
  noteSharedBytes(bytes);
  return new SharedArrayBuffer(bytes);
}

const shared = {
  float32: (n: number) => new Float32Array(sharedBuffer(4 * n)),
  float64: (n: number) => new Float64Array(sharedBuffer(8 * n)),
  uint8: (n: number) => new Uint8Array(sharedBuffer(n)),
};

function isShared(a: ArrayBufferView): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

/** A typed array like `a` (same type and length) on a new SharedArrayBuffer, holding a's values. */
function copyShared<T extends PixelArray>(a: T): T {
  const out = new (a.constructor as new (b: SharedArrayBuffer) => T)(sharedBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

function sharedPixels(dtype: DType, length: number): PixelArray {
  const Ctor = allocatePixels(dtype, 0).constructor as new (b: SharedArrayBuffer) => PixelArray;
  return new Ctor(sharedBuffer(length * bytesPerSample(dtype)));
}

/** One worker and the jobs it owes us. */
interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: () => void; reject: (e: Error) => void }>;
}

/**
 * A pool of `threads` workers started from the compiled dist/src/compute/cpu/worker.js. threads = 1 runs every
 * kernel inline on the calling thread. Idle workers do not keep the process alive; call close() when done.
 */
export function createPool(threads: number): Pool {
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new OptionError("createPool: threads", threads, "an integer 1 … 256");
  }
  if (threads === 1) {
    let closed = false;
    return {
      threads,
      allocate: heapAllocator,
      pixels: allocatePixels,
      share: (a) => a,
      async run(name, args, splitLength) {
        if (closed) throw new RangeError("pool is closed");
        runBand(name, args, 0, splitLength);
      },
      async close() {
        closed = true;
      },
    };
  }
  const url = new URL("./worker.js", import.meta.url);
  const slots: Slot[] = [];
  let nextId = 0, closed = false;
  for (let t = 0; t < threads; t++) {
    const slot: Slot = { worker: new Worker(url), pending: new Map() };
    slot.worker.unref();
    slot.worker.on("message", (m: BandReply) => {
      const job = slot.pending.get(m.id);
      if (!job) return;
      slot.pending.delete(m.id);
      if (slot.pending.size === 0) slot.worker.unref();
      if (m.error) job.reject(new Error(`worker ${t}: ${m.error}`));
      else job.resolve();
    });
    const fail = (e: Error): void => {
      for (const job of slot.pending.values()) job.reject(e);
      slot.pending.clear();
    };
    slot.worker.on("error", (e) => fail(e instanceof Error ? e : new Error(String(e))));
    slot.worker.on("exit", (code) => fail(new Error(`worker ${t} exited (code ${code})${closed ? " because the pool was closed" : ""}`)));
    slots.push(slot);
  }
  const send = (slot: Slot, req: Omit<BandRequest, "id">): Promise<void> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, ...req } satisfies BandRequest);
    });
  return {
    threads,
    allocate: shared,
    pixels: sharedPixels,
    share: (a) => (isShared(a) ? a : copyShared(a)),
    async run(name, args, splitLength) {
      if (closed) throw new RangeError("pool is closed");
      bandKernel(name);
      for (const [key, value] of Object.entries(args as object)) {
        if (ArrayBuffer.isView(value) && !isShared(value)) {
          throw new OptionError(`pool.run(${name}): args.${key}`, "an array on an ordinary ArrayBuffer", "an array on a SharedArrayBuffer (pool.allocate / pool.share)");
        }
      }
      const jobs: Promise<void>[] = [];
      for (let b = 0; b < threads; b++) {
        const [start, end] = bandOf(b, splitLength, threads);
        if (end > start) jobs.push(send(slots[b]!, { name, args, start, end }));
      }
      await Promise.all(jobs);
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
