// withPyramid: builds missing levels out of core into a cache OME-Zarr, reuses it, invalidates it when the source
// changes, equals reduceBlock() in memory, and keeps memory bounded on an 8192 × 8192 image.

import assert from "node:assert/strict";
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { PixelArray } from "../../src/core/dtype.js";
import type { ProgressEvent } from "../../src/core/progress.js";
import { fullRegion, type Vec3 } from "../../src/core/space.js";
import { patternSource } from "../../src/io/pattern-source.js";
import { openZarr } from "../../src/io/zarr/open-zarr.js";
import { writeOmeZarr } from "../../src/io/zarr/write-ome-zarr.js";
import { pyramidLevels } from "../../src/pyramid/levels.js";
import { reduceBlock, sourceRegionFor } from "../../src/pyramid/reduce.js";
import { withPyramid } from "../../src/pyramid/with-pyramid.js";
import { cleanup, sameBytes, tempDir } from "../io/zarr/helpers.js";

after(cleanup);

test("builds the missing levels of a 1-level 2D source, then reuses the cache", async () => {
  const cacheDir = tempDir("wp2d");
  const src = patternSource({ shape: [1, 2000, 3000], dtype: "uint8", channelCount: 2 });
  const events: ProgressEvent[] = [];
  const p = await withPyramid(src, cacheDir, { progress: (e) => events.push(e) });
  const plan = pyramidLevels([1, 2000, 3000], [1, 1, 1], 512, "auto");
  assert.deepEqual(p.meta.levels.map((l) => l.shape), plan.map((l) => l.shape));
  assert.deepEqual(p.meta.levels.map((l) => l.scale), plan.map((l) => l.scale));
  assert.deepEqual([...new Set(events.map((e) => e.stage))], ["pyramid level 1", "pyramid level 2", "pyramid level 3"]);
  assert.equal(p.meta.path, src.meta.path);
  // Level 0 is the source's; level 1 equals reduceBlock over the source; level 2 over level 1 (read back).
  const r0 = { start: [0, 100, 200] as Vec3, size: [1, 50, 60] as Vec3 };
  assert.deepEqual(await p.read(r0, 0), await src.read(r0, 0));
  for (const l of [1, 2]) {
    const region = { start: [0, 123, 77] as Vec3, size: [1, 200, 300] as Vec3 };
    const inRegion = sourceRegionFor(region, plan[l]!.factors, plan[l - 1]!.shape);
    const finer = l === 1 ? await src.read(inRegion, 0) : await p.read(inRegion, l - 1);
    const want = finer.map((f) => reduceBlock(f, inRegion, plan[l - 1]!.shape, region, plan[l]!.factors, "uint8"));
    const got = await p.read(region, l, { channels: [0, 1] });
    got.forEach((g, c) => assert.ok(sameBytes(g, want[c]!), `level ${l} channel ${c}`));
  }
  const dirs = readdirSync(cacheDir);
  assert.equal(dirs.length, 1);
  assert.match(dirs[0]!, /\.ome\.zarr$/);
  const mtime = statSync(join(cacheDir, dirs[0]!, "zarr.json")).mtimeMs;
  // Second call: no progress (nothing rebuilt), same directory, same pixels.
  const again: ProgressEvent[] = [];
  const q = await withPyramid(patternSource({ shape: [1, 2000, 3000], dtype: "uint8", channelCount: 2 }), cacheDir, { progress: (e) => again.push(e) });
  assert.deepEqual(again, []);
  assert.deepEqual(readdirSync(cacheDir), dirs);
  assert.equal(statSync(join(cacheDir, dirs[0]!, "zarr.json")).mtimeMs, mtime);
  assert.deepEqual(await q.read(fullRegion(plan[3]!.shape), 3), await p.read(fullRegion(plan[3]!.shape), 3));
  // A different source (other pixels, same shape and path) gets its own cache.
  await withPyramid(patternSource({ shape: [1, 2000, 3000], dtype: "uint8", channelCount: 2, seed: 2 }), cacheDir);
  assert.equal(readdirSync(cacheDir).length, 2);
  await p.close();
});

test("a source that already has its levels is returned unchanged; a changed file invalidates the cache", async () => {
  const dir = tempDir("wpfile");
  const cacheDir = join(dir, "cache");
  const file = join(dir, "img.zarr");
  await writeOmeZarr(patternSource({ shape: [1, 300, 300], dtype: "uint16" }), file, { tileSize: 64 });
  const full = await openZarr(file);
  assert.equal(await withPyramid(full, cacheDir, { tileSize: 64 }), full);
  assert.equal(await withPyramid(full, cacheDir, { tileSize: 64, levels: 2 }), full);
  // One level only: needs a cache. Rewriting the file changes its identity (mtime), hence the cache name.
  await writeOmeZarr(patternSource({ shape: [1, 300, 300], dtype: "uint16" }), join(dir, "one.zarr"), { levels: 1 });
  const one = await openZarr(join(dir, "one.zarr"));
  const a = await withPyramid(one, cacheDir, { tileSize: 64 });
  assert.equal(a.meta.levels.length, 4);
  await new Promise((r) => setTimeout(r, 20));
  rmSync(join(dir, "one.zarr"), { recursive: true });
  await writeOmeZarr(patternSource({ shape: [1, 300, 300], dtype: "uint16", seed: 3 }), join(dir, "one.zarr"), { levels: 1 });
  await withPyramid(await openZarr(join(dir, "one.zarr")), cacheDir, { tileSize: 64 });
  assert.equal(readdirSync(cacheDir).length, 2);
});

test("builds the levels of a 3D source (z reduced too) equal to reduceBlock in memory", async () => {
  const cacheDir = tempDir("wp3d");
  const shape: Vec3 = [40, 60, 70];
  const src = patternSource({ shape, dtype: "uint16" });
  const p = await withPyramid(src, cacheDir, { tileSize: 16 });
  const plan = pyramidLevels(shape, [1, 1, 1], 16, "auto");
  assert.ok(plan.length >= 3 && plan[1]!.factors[0] === 2, "z is halved");
  assert.deepEqual(p.meta.levels.map((l) => l.shape), plan.map((l) => l.shape));
  let prev: PixelArray = (await src.read(fullRegion(shape), 0))[0]!;
  for (let l = 1; l < plan.length; l++) {
    const want = reduceBlock(prev, fullRegion(plan[l - 1]!.shape), plan[l - 1]!.shape, fullRegion(plan[l]!.shape), plan[l]!.factors, "uint16");
    const [got] = await p.read(fullRegion(plan[l]!.shape), l);
    assert.ok(sameBytes(got!, want), `level ${l}`);
    prev = want;
  }
});

test("building the levels of an 8192 × 8192 image keeps heap + array buffers growth under 150 MB", async () => {
  const cacheDir = tempDir("wpmem");
  const src = patternSource({ shape: [1, 8192, 8192], dtype: "uint8" });
  const usage = (): number => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
  const base = usage();
  let peak = base;
  const timer = setInterval(() => { peak = Math.max(peak, usage()); }, 10);
  const p = await withPyramid(src, cacheDir, { progress: () => { peak = Math.max(peak, usage()); } });
  clearInterval(timer);
  assert.equal(p.meta.levels.length, 5);
  const growthMB = (peak - base) / 2 ** 20;
  assert.ok(growthMB < 150, `grew by ${growthMB.toFixed(0)} MB`);
});
