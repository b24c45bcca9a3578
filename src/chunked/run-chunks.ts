// Runs the chunk jobs still to do: inline when one worker is planned, else over a worker_threads pool that hands each
// idle worker the next chunk. Each finished chunk is on disk before `onDone` sees it (the caller records it).

import { Worker } from "node:worker_threads";
import { AbortedError, TeraregError } from "../core/errors.js";
import { runChunk, type ChunkRecord } from "./chunk-job.js";
import { loadChunkContext, writeChunkResidual } from "./run-files.js";
import type { ChunkWorkerData } from "./chunk-worker.js";

export interface RunChunksOptions {
  runDir: string;
  /** Chunk ids to run, in order. */
  ids: number[];
  workers: number;
  /** Called once per finished chunk, in completion order; awaited before the next result is handled. */
  onDone: (record: ChunkRecord) => Promise<void>;
  signal?: AbortSignal;
}

/** A chunk job that failed in a worker, re-raised in the main thread with the chunk named. */
export class ChunkError extends TeraregError {
  readonly chunk: number;
  constructor(chunk: number, message: string) {
    super("E_CHUNK", `chunk ${chunk}: ${message}`);
    this.chunk = chunk;
  }
}

export async function runChunks(options: RunChunksOptions): Promise<void> {
  const { runDir, ids, onDone, signal } = options;
  if (ids.length === 0) return;
  if (options.workers <= 1) {
    const ctx = await loadChunkContext(runDir);
    try {
      for (const id of ids) {
        if (signal?.aborted) throw new AbortedError("chunk jobs");
        const { record, residual } = await runChunk(ctx, ctx.plan.chunks[id]!);
        await writeChunkResidual(runDir, id, residual);
        await onDone(record);
      }
    } finally {
      await ctx.close();
    }
    return;
  }
  const url = new URL("./chunk-worker.js", import.meta.url);
  const queue = [...ids];
  const workers: Worker[] = [];
  let chain: Promise<void> = Promise.resolve();
  try {
    await new Promise<void>((resolve, reject) => {
      let running = 0, failed = false;
      const fail = (e: Error) => {
        if (failed) return;
        failed = true;
        reject(e);
      };
      const feed = (w: Worker) => {
        if (failed) return;
        if (signal?.aborted) return fail(new AbortedError("chunk jobs"));
        const id = queue.shift();
        if (id === undefined) {
          if (running === 0) chain.then(resolve, fail);
          return;
        }
        running++;
        w.postMessage(id);
      };
      for (let t = 0; t < Math.min(options.workers, ids.length); t++) {
        const w = new Worker(url, { workerData: { runDir } satisfies ChunkWorkerData });
        workers.push(w);
        w.on("message", (m: { id: number; record?: ChunkRecord; error?: string }) => {
          running--;
          if (m.error || !m.record) return fail(new ChunkError(m.id, m.error ?? "no result"));
          const record = m.record;
          chain = chain.then(() => onDone(record));
          chain.catch(fail);
          feed(w);
        });
        w.on("error", (e) => fail(e instanceof Error ? e : new Error(String(e))));
        w.on("exit", (code) => {
          if (code !== 0) fail(new Error(`chunk worker exited with code ${code}`));
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
