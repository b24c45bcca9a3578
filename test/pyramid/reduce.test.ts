import assert from "node:assert/strict";
import { test } from "node:test";
import { reduceBlock, reducedShape, sourceRegionFor, type Factors } from "../../src/pyramid/reduce.js";
import { pyramidLevels, nextFactors } from "../../src/pyramid/levels.js";
import { reducedReader } from "../../src/pyramid/reduced-reader.js";
import { arraySource, cropPlane } from "../../src/io/array-source.js";
import type { Region, Vec3 } from "../../src/core/space.js";
import { seeded } from "../helpers/rng.js";

test("reduction keeps a constant image constant and a linear ramp linear (pixel-centre alignment)", () => {
  const shape: Vec3 = [1, 1, 16];
  const ramp = new Float32Array(16).map((_, i) => i);
  const full: Region = { start: [0, 0, 0], size: shape };
  const out = reduceBlock(ramp, full, shape, { start: [0, 0, 0], size: [1, 1, 8] }, [1, 1, 2], "float32");
  // Output j sits at input position 2j + 0.5; away from the replicated edges the ramp is reproduced exactly.
  for (let j = 1; j < 7; j++) assert.equal(out[j], 2 * j + 0.5);
  const flat = new Uint16Array(16).fill(1234);
  const o2 = reduceBlock(flat, full, shape, { start: [0, 0, 0], size: [1, 1, 8] }, [1, 1, 2], "uint16");
  assert.deepEqual([...o2], new Array(8).fill(1234));
});

test("a tile reduced from just its source region equals the same tile of the whole reduced image", async () => {
  const rng = seeded(11);
  const shape: Vec3 = [9, 37, 51];
  const plane = new Uint16Array(shape[0] * shape[1] * shape[2]).map(() => Math.floor(rng() * 65536));
  const factors: Factors = [2, 2, 2];
  const outShape = reducedShape(shape, factors);
  assert.deepEqual(outShape, [5, 19, 26]);
  const whole = reduceBlock(plane, { start: [0, 0, 0], size: shape }, shape, { start: [0, 0, 0], size: outShape }, factors, "uint16");
  const src = arraySource({ shape, dtype: "uint16", planes: [plane] });
  const read = reducedReader((r) => src.read(r, 0), shape, factors, "uint16");
  for (const tile of [
    { start: [0, 0, 0], size: [2, 7, 5] },
    { start: [3, 12, 21], size: [2, 7, 5] },
    { start: [4, 18, 25], size: [1, 1, 1] },
  ] as Region[]) {
    const [got] = await read(tile);
    assert.deepEqual(got, cropPlane(whole, outShape, tile, "uint16"));
    const need = sourceRegionFor(tile, factors, shape);
    for (let a = 0; a < 3; a++) assert.ok(need.size[a]! <= 2 * tile.size[a]! + 2);
  }
});

test("pyramid levels: 2D stops at one tile; thick slices are not halved", () => {
  const lv = pyramidLevels([1, 5000, 3000], [1, 1, 1], 512, "auto");
  assert.deepEqual(lv.map((l) => l.shape), [[1, 5000, 3000], [1, 2500, 1500], [1, 1250, 750], [1, 625, 375], [1, 313, 188]]);
  assert.deepEqual(lv[4]!.scale, [1, 16, 16]);
  assert.deepEqual(nextFactors([5, 40, 40], [17, 0.84, 0.84]), [1, 2, 2]);
  assert.deepEqual(nextFactors([64, 64, 64], [1, 1, 1]), [2, 2, 2]);
  assert.deepEqual(pyramidLevels([1, 100, 100], [1, 1, 1], 512, 3).length, 3);
  assert.throws(() => pyramidLevels([1, 100, 100], [1, 1, 1], 512, 0), /--levels: got 0/);
});
