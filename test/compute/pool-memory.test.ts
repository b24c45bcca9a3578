// Shared arrays used by the pool are released: repeated kernel calls keep RSS bounded (reclaim-shared.ts; without it
// this loop grew RSS by 6.4 GB, and a 128³ registration peaked at 4.7 GB with 2 threads).
import assert from "node:assert/strict";
import { test } from "node:test";
import { createPool } from "../../src/compute/cpu/pool.js";
import { cpuKernels } from "../../src/compute/cpu/cpu-kernels.js";
import { createField } from "../../src/kernels/types.js";

test("100 pool calls on 16 MB arrays keep RSS growth under 400 MB with 2 threads", async () => {
  const pool = createPool(2), k = cpuKernels(pool);
  try {
    const shape: [number, number, number] = [1, 2048, 2048];
    const image = { data: new Float32Array(shape[1] * shape[2]).fill(1), shape };
    const u = createField(shape, 2);
    const before = process.memoryUsage().rss;
    let peak = before;
    for (let i = 0; i < 100; i++) {
      // Each call copies the inputs to new shared arrays (48 MB) and allocates a 16 MB shared output.
      await k.resampleField(image, u);
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    const grew = (peak - before) / 2 ** 20;
    assert.ok(grew < 400, `RSS grew by ${grew.toFixed(0)} MB over 100 calls (about 6 GB passed through the workers)`);
  } finally {
    await pool.close();
  }
});
