// The band cascade against whole-image reduction: every level equals reduceBlock applied to the whole finer level,
// for odd sizes, kept (thick) axes, several channels, and bands fed one tile row at a time.

import assert from "node:assert/strict";
import { test } from "node:test";
import { allocatePixels, type DType, type PixelArray } from "../../src/core/dtype.js";
import type { Vec3 } from "../../src/core/space.js";
import { bandCascade } from "../../src/pyramid/band-cascade.js";
import { pyramidLevels } from "../../src/pyramid/levels.js";
import { reduceBlock } from "../../src/pyramid/reduce.js";
import { seeded } from "../helpers/rng.js";

const cases: { shape: Vec3; spacing: Vec3; tile: number; dtype: DType; channels: number }[] = [
  { shape: [1, 300, 1100], spacing: [1, 1, 1], tile: 64, dtype: "uint8", channels: 3 },
  { shape: [1, 257, 129], spacing: [1, 1, 1], tile: 32, dtype: "uint16", channels: 1 },
  // y spacing 3× x: y is kept until x catches up, so some levels halve x only.
  { shape: [1, 90, 700], spacing: [1, 3, 1], tile: 16, dtype: "float32", channels: 2 },
];

for (const { shape, spacing, tile, dtype, channels } of cases) {
  test(`bandCascade: every level equals reduceBlock of the whole finer level (${shape[1]}×${shape[2]}, tile ${tile}, ${dtype}, ${channels} channel(s))`, async () => {
    const rng = seeded(shape[2]);
    const levels = pyramidLevels(shape, spacing, tile, "auto");
    assert.ok(levels.length >= 3);
    const [, Y, X] = shape;
    const image = Array.from({ length: channels }, () => {
      const p = allocatePixels(dtype, Y * X);
      for (let i = 0; i < p.length; i++) p[i] = dtype === "float32" ? rng() * 1000 - 500 : Math.floor(rng() * (dtype === "uint8" ? 256 : 65536));
      return p;
    });
    const got = levels.map((lv) => Array.from({ length: channels }, () => allocatePixels(dtype, lv.shape[1] * lv.shape[2])));
    const seen = levels.map(() => [] as number[]);
    const cascade = bandCascade(levels, tile, dtype, async (l, band, planes) => {
      seen[l]!.push(band);
      planes.forEach((p, c) => got[l]![c]!.set(p, band * tile * levels[l]!.shape[2]));
    });
    for (let y = 0; y < Y; y += tile) await cascade.push(image.map((p) => p.slice(y * X, Math.min(Y, y + tile) * X)));
    let finer: PixelArray[] = image;
    for (let l = 1; l < levels.length; l++) {
      const inShape = levels[l - 1]!.shape, outShape = levels[l]!.shape;
      assert.deepEqual(seen[l], Array.from({ length: Math.ceil(outShape[1] / tile) }, (_, i) => i), `level ${l}: every band once, in order`);
      const want = finer.map((p) => reduceBlock(p, { start: [0, 0, 0], size: inShape }, inShape, { start: [0, 0, 0], size: outShape }, levels[l]!.factors, dtype));
      want.forEach((w, c) => assert.ok(Buffer.from(w.buffer).equals(Buffer.from(got[l]![c]!.buffer)), `level ${l} channel ${c}`));
      finer = want;
    }
  });
}
