// A worker thread that runs chunk jobs: it loads the run's context once from disk, then for each chunk id it is sent
// runs the job, writes the residual atomically and replies with the record (the main thread appends the manifest).

import { parentPort, workerData } from "node:worker_threads";
import { runChunk } from "./chunk-job.js";
import { loadChunkContext, writeChunkResidual } from "./run-files.js";

export interface ChunkWorkerData {
  runDir: string;
}

const { runDir } = workerData as ChunkWorkerData;
const context = loadChunkContext(runDir);

parentPort!.on("message", (id: number) => {
  void (async () => {
    try {
      const ctx = await context;
      const chunk = ctx.plan.chunks[id]!;
      const { record, residual } = await runChunk(ctx, chunk);
      await writeChunkResidual(runDir, id, residual);
      parentPort!.postMessage({ id, record });
    } catch (e) {
      parentPort!.postMessage({ id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
  })();
});
