// A pool worker: runs one band of a named kernel per message, over arrays shared with the main thread.
// Scheduling, splitting and error reporting to callers live in pool.ts.

import { parentPort } from "node:worker_threads";
import { runBand } from "./kernel-table.js";
import { noteSharedBytes } from "./reclaim-shared.js";
import type { BandReply, BandRequest } from "./pool.js";

const port = parentPort;
if (!port) throw new Error("compute/cpu/worker.js must be started as a worker thread by createPool()");

// A worker that only runs kernels allocates almost no JS, so without help it would never collect the wrappers of the
// shared arrays posted to it, and those keep the arrays alive (reclaim-shared.ts).
function sharedBytes(args: unknown): number {
  let n = 0;
  for (const v of Object.values(args as Record<string, unknown>)) if (ArrayBuffer.isView(v)) n += v.byteLength;
  return n;
}

port.on("message", (m: BandRequest) => {
  let reply: BandReply;
  try {
    runBand(m.name, m.args, m.start, m.end);
    reply = { id: m.id };
  } catch (e) {
    reply = { id: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
  noteSharedBytes(sharedBytes(m.args));
});
