// Round trips through writeOmeTiff → openTiff: every dtype × 1 and 3 channels × 2D and 3D, bit-exact at level 0 on
// random regions, metadata preserved; reduced levels equal reduceBlock on level 0; options, progress, abort, determinism.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { DType, PixelArray } from "../../../src/core/dtype.js";
import { AbortedError, OptionError } from "../../../src/core/errors.js";
import type { Region, Space, Vec3 } from "../../../src/core/space.js";
import { arraySource, cropPlane } from "../../../src/io/array-source.js";
import { pyramidLevels } from "../../../src/pyramid/levels.js";
import { reduceBlock, type Factors } from "../../../src/pyramid/reduce.js";
import { openTiff } from "../../../src/io/tiff/open-tiff.js";
import { writeOmeTiff } from "../../../src/io/tiff/write-ome-tiff.js";
import { randomPixels, sameBytes, seeded } from "./tiff-fixture.js";

const dir = mkdtempSync(join(tmpdir(), "terareg-tiff-rt-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const umSpace = (z: number, y: number, x: number): Space => ({
  spacing: [z, y, x], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], units: ["micrometer", "micrometer", "micrometer"],
});

function randomRegion(shape: Vec3, rng: () => number): Region {
  const start: Vec3 = [0, 0, 0], size: Vec3 = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    start[a] = Math.floor(rng() * shape[a]);
    size[a] = 1 + Math.floor(rng() * (shape[a] - start[a]));
  }
  return { start, size };
}

/** Reduces a whole plane level after level in memory, as the reference for the out-of-core pyramid. */
function reduceInMemory(plane: PixelArray, shape: Vec3, factors: Factors[], dtype: DType): PixelArray[] {
  const out = [plane];
  let cur = plane, s: Vec3 = shape;
  for (const f of factors.slice(1)) {
    const next: Vec3 = [s[0], Math.ceil(s[1] / f[1]), Math.ceil(s[2] / f[2])];
    cur = reduceBlock(cur, { start: [0, 0, 0], size: s }, s, { start: [0, 0, 0], size: next }, f, dtype);
    out.push(cur);
    s = next;
  }
  return out;
}

const cases: { dtype: DType; channels: number; shape: Vec3 }[] = [];
for (const dtype of ["uint8", "uint16", "float32", "int16"] as DType[]) {
  for (const channels of [1, 3]) {
    for (const shape of [[1, 300, 517], [3, 97, 141]] as Vec3[]) cases.push({ dtype, channels, shape });
  }
}

for (const { dtype, channels, shape } of cases) {
  test(`round trip ${dtype} × ${channels} channel(s) × [${shape.join(", ")}] is bit-exact with levels preserved`, async () => {
    const rng = seeded(shape[2] * 31 + channels * 7 + dtype.length);
    const n = shape[0] * shape[1] * shape[2];
    const planes = Array.from({ length: channels }, () => randomPixels(dtype, n, rng));
    const space = umSpace(2.5, 0.5, 0.25);
    const src = arraySource({ shape, dtype, planes, space, channels: planes.map((_, c) => `ch${c}`) });
    const path = join(dir, `rt-${dtype}-${channels}-${shape[0]}.ome.tif`);
    const names = channels === 3 ? ["DAPI", "CD3 & <x>", "µ-GFP"] : undefined;
    await writeOmeTiff(src, path, { tileSize: 64, ...(names ? { channelNames: names } : {}) });
    const t = await openTiff(path);
    try {
      assert.equal(t.meta.format, "ome-tiff");
      assert.equal(t.meta.ndim, shape[0] > 1 ? 3 : 2);
      assert.equal(t.meta.dtype, dtype);
      assert.deepEqual(t.meta.channels, names ?? ["ch0"]);
      assert.deepEqual(t.meta.space.units, ["micrometer", "micrometer", "micrometer"]);
      assert.deepEqual(t.meta.space.spacing, shape[0] > 1 ? [2.5, 0.5, 0.25] : [1, 0.5, 0.25]);
      const expected = pyramidLevels([1, shape[1], shape[2]], space.spacing, 64, "auto");
      assert.deepEqual(t.meta.levels.map((l) => l.shape), expected.map((l) => [shape[0], l.shape[1], l.shape[2]]));
      assert.deepEqual(t.meta.levels.map((l) => l.scale), expected.map((l) => [1, l.scale[1], l.scale[2]]));
      for (let k = 0; k < 6; k++) {
        const r = k === 0 ? { start: [0, 0, 0] as Vec3, size: shape } : randomRegion(shape, rng);
        const got = await t.read(r, 0);
        const want = await src.read(r, 0);
        for (let c = 0; c < channels; c++) assert.ok(sameBytes(got[c]!, want[c]!), `region ${JSON.stringify(r)} channel ${c}`);
      }
      // Reduced levels equal reducing level 0 in memory (per z-plane, y and x only).
      const reference = planes.map((p) => Array.from({ length: shape[0] }, (_, z) =>
        reduceInMemory(cropPlane(p, shape, { start: [z, 0, 0], size: [1, shape[1], shape[2]] }, dtype), [1, shape[1], shape[2]], expected.map((l) => l.factors), dtype)));
      for (let l = 1; l < expected.length; l++) {
        const ls = t.meta.levels[l]!.shape;
        const got = await t.read({ start: [0, 0, 0], size: ls }, l);
        for (let c = 0; c < channels; c++) {
          for (let z = 0; z < shape[0]; z++) {
            const plane = got[c]!.subarray(z * ls[1] * ls[2], (z + 1) * ls[1] * ls[2]);
            assert.ok(sameBytes(plane, reference[c]![z]![l]!), `level ${l} channel ${c} z ${z}`);
          }
        }
      }
      // Channel subsets and order.
      if (channels === 3) {
        const r: Region = { start: [0, 5, 7], size: [1, 40, 50] };
        const [b, a] = await t.read(r, 0, { channels: [2, 0] });
        const want = await src.read(r, 0, { channels: [2, 0] });
        assert.ok(sameBytes(b!, want[0]!) && sameBytes(a!, want[1]!));
      }
    } finally {
      await t.close();
    }
  });
}

test("int8, uint32, int32 and float64 also round trip", async () => {
  const rng = seeded(5);
  for (const dtype of ["int8", "uint32", "int32", "float64"] as DType[]) {
    const shape: Vec3 = [1, 70, 90];
    const plane = randomPixels(dtype, 70 * 90, rng);
    const path = join(dir, `rt-${dtype}.ome.tif`);
    await writeOmeTiff(arraySource({ shape, dtype, planes: [plane] }), path, { tileSize: 32, compression: "none" });
    const t = await openTiff(path);
    assert.equal(t.meta.dtype, dtype);
    assert.deepEqual(t.meta.space.units, ["pixel", "pixel", "pixel"]);
    assert.ok(sameBytes((await t.read({ start: [0, 0, 0], size: shape }, 0))[0]!, plane));
    await t.close();
  }
});

test("same input and options give the same bytes; levels option is honoured", async () => {
  const rng = seeded(9);
  const shape: Vec3 = [2, 120, 130];
  const src = arraySource({ shape, dtype: "uint16", planes: [randomPixels("uint16", 2 * 120 * 130, rng), randomPixels("uint16", 2 * 120 * 130, rng)] });
  const a = join(dir, "det-a.ome.tif"), b = join(dir, "det-b.ome.tif");
  await writeOmeTiff(src, a, { tileSize: 32, levels: 2 });
  await writeOmeTiff(src, b, { tileSize: 32, levels: 2 });
  const hash = (p: string): string => createHash("sha256").update(readFileSync(p)).digest("hex");
  assert.equal(hash(a), hash(b));
  const t = await openTiff(a);
  assert.equal(t.meta.levels.length, 2);
  await t.close();
});

test("bad options are rejected with OptionError naming the option and the allowed values", async () => {
  const src = arraySource({ shape: [1, 10, 10], dtype: "uint8", planes: [new Uint8Array(100)] });
  const p = join(dir, "bad-options.ome.tif");
  await assert.rejects(writeOmeTiff(src, p, { tileSize: 100 }), (e: unknown) => e instanceof OptionError && /--tile-size: got 100; expected a multiple of 16/.test(e.message));
  await assert.rejects(writeOmeTiff(src, p, { compression: "zstd" }), (e: unknown) => e instanceof OptionError && /one of "deflate", "none"/.test(e.message));
  await assert.rejects(writeOmeTiff(src, p, { channelNames: ["a", "b"] }), (e: unknown) => e instanceof OptionError && /1 names, one per channel/.test(e.message));
  await assert.rejects(writeOmeTiff(src, p, { chunkDepth: 8 }), (e: unknown) => e instanceof OptionError && /chunk depth is for Zarr/.test(e.message));
  await assert.rejects(writeOmeTiff(src, p, { levels: 0 }), (e: unknown) => e instanceof OptionError && /--levels/.test(e.message));
});

test("progress reports every level's tiles and abort stops the write", async () => {
  const shape: Vec3 = [1, 200, 300];
  const src = arraySource({ shape, dtype: "uint8", planes: [randomPixels("uint8", 200 * 300, seeded(3)), randomPixels("uint8", 200 * 300, seeded(4))] });
  const last = new Map<string, [number, number]>();
  await writeOmeTiff(src, join(dir, "progress.ome.tif"), {
    tileSize: 64, progress: (e) => {
      assert.equal(e.unit, "tiles");
      assert.ok(e.done <= e.total);
      last.set(e.stage, [e.done, e.total]);
    },
  });
  assert.deepEqual([...last.keys()], ["write level 0", "write level 1", "write level 2", "write level 3"]);
  assert.deepEqual(last.get("write level 0"), [2 * 4 * 5, 2 * 4 * 5]);
  assert.deepEqual(last.get("write level 1"), [2 * 2 * 3, 2 * 2 * 3]);
  const ac = new AbortController();
  await assert.rejects(writeOmeTiff(src, join(dir, "aborted.ome.tif"), {
    tileSize: 64, signal: ac.signal, progress: (e) => { if (e.done > 3) ac.abort(); },
  }), (e: unknown) => e instanceof AbortedError && /aborted\.ome\.tif: aborted/.test(e.message));
});

test("the reduced levels' spool files beside the output are gone after a write, and after an aborted one", async () => {
  const { readdirSync, mkdirSync } = await import("node:fs");
  const sub = join(dir, "spools");
  mkdirSync(sub);
  const src = arraySource({ shape: [1, 200, 300], dtype: "uint8", planes: [randomPixels("uint8", 200 * 300, seeded(8))] });
  await writeOmeTiff(src, join(sub, "ok.ome.tif"), { tileSize: 32 });
  assert.deepEqual(readdirSync(sub), ["ok.ome.tif"]);
  const ac = new AbortController();
  await assert.rejects(writeOmeTiff(src, join(sub, "stopped.ome.tif"), {
    tileSize: 32, signal: ac.signal, progress: (e) => { if (e.stage === "write level 1" && e.done > 2) ac.abort(); },
  }), (e: unknown) => e instanceof AbortedError);
  assert.deepEqual(readdirSync(sub).sort(), ["ok.ome.tif", "stopped.ome.tif"], "only the (partial) output itself, which writeImage removes");
});
