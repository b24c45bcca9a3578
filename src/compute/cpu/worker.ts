// A pool worker: runs one band of a named kernel per message, over arrays shared with the main thread.
// Scheduling, splitting and error reporting to callers live in pool.ts.

import { parentPort } from "node:worker_threads";
import { runBand } from "./kernel-table.js";
import type { BandReply, BandRequest } from "./pool.js";

const port = parentPort;
if (!port) throw new Error("compute/cpu/worker.js must be started as a worker thread by createPool()");

port.on("message", (m: BandRequest) => {
  let reply: BandReply;
  try {
    runBand(m.name, m.args, m.start, m.end);
    reply = { id: m.id };
  } catch (e) {
    reply = { id: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
