import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../../src/core/errors.js";
import { MAGMA, sampleColormap } from "../../src/qc/colormap.js";
import { differenceMap, differencePair } from "../../src/qc/difference-map.js";
import { getPixel } from "../../src/qc/rgb.js";
import { blobs, imageFrom } from "./fixtures.js";

test("differenceMap of identical images is the bottom of the ramp everywhere", () => {
  const img = blobs(12, 16);
  const out = differenceMap(img, img);
  const black = sampleColormap(MAGMA, 0);
  for (let y = 0; y < 12; y++) for (let x = 0; x < 16; x++) assert.deepEqual(getPixel(out, x, y), black);
});

test("differenceMap maps |F̂ − Ŵ| through MAGMA, saturating at max", () => {
  // windows [0, 10] for both; fixed 0…10 along x, warped 0: difference = x / 10
  const fixed = imageFrom([1, 2, 11], (_z, _y, x) => x), warped = imageFrom([1, 2, 11], (_z, _y, x) => (x === 10 ? 10 : 0));
  const out = differenceMap(fixed, warped);
  assert.deepEqual(getPixel(out, 0, 0), sampleColormap(MAGMA, 0));
  assert.deepEqual(getPixel(out, 9, 1), sampleColormap(MAGMA, Math.round(255 * 0.9) / 255));
  const half = differenceMap(fixed, warped, { max: 0.5 });
  assert.deepEqual(getPixel(half, 5, 0), sampleColormap(MAGMA, 1));
  assert.deepEqual(getPixel(half, 9, 0), sampleColormap(MAGMA, 1));
  assert.throws(() => differenceMap(fixed, warped, { max: 0 }), (e: unknown) => e instanceof OptionError && /differenceMap: max: got 0/.test(e.message));
});

test("differencePair scales both maps by the 99th percentile of the before difference", () => {
  const fixed = imageFrom([1, 10, 10], (_z, y, x) => x + y), before = imageFrom([1, 10, 10], (_z, y, x) => (x + y + 5) % 19);
  const pair = differencePair(fixed, before, fixed);
  assert.ok(pair.max > 0 && pair.max <= 1);
  assert.deepEqual(pair.before.data, differenceMap(fixed, before, { max: pair.max }).data);
  const black = sampleColormap(MAGMA, 0);
  for (let i = 0; i < 100; i++) assert.deepEqual([...pair.after.data.subarray(3 * i, 3 * i + 3)], black);
  assert.equal(differencePair(fixed, fixed, fixed).max, 1);
});
