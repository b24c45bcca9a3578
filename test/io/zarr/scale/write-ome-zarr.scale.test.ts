// Scale check (npm run test:scale): a 20000 × 20000 uint8 image converted to OME-Zarr with peak RSS < 400 MB.
// The source is procedural, so only the writer's own memory is measured. Kept in scale/ so the quick glob skips it.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { patternSource } from "../../../../src/io/pattern-source.js";
import { openZarr } from "../../../../src/io/zarr/open-zarr.js";
import { writeOmeZarr } from "../../../../src/io/zarr/write-ome-zarr.js";
import { cleanup, tempDir } from "../helpers.js";

after(cleanup);

test("20000 × 20000 uint8 → OME-Zarr v3 with peak RSS < 400 MB", async () => {
  const out = join(tempDir("scale"), "big.ome.zarr");
  const src = patternSource({ shape: [1, 20000, 20000], dtype: "uint8" });
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  const t0 = performance.now();
  await writeOmeZarr(src, out, { progress: () => { peak = Math.max(peak, process.memoryUsage().rss); } });
  clearInterval(timer);
  const seconds = (performance.now() - t0) / 1000;
  const z = await openZarr(out);
  assert.equal(z.meta.levels.length, 7);
  const region = { start: [0, 12345, 17000] as [number, number, number], size: [1, 100, 100] as [number, number, number] };
  assert.deepEqual((await z.read(region, 0))[0], (await src.read(region, 0))[0]);
  console.log(`20000² uint8 → OME-Zarr: ${seconds.toFixed(1)} s, peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`);
  assert.ok(peak < 400 * 2 ** 20, `peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`);
});
