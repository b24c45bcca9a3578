import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../../src/core/errors.js";
import { blit, createRgb, getPixel, setPixel, stackVertically } from "../../src/qc/rgb.js";

test("createRgb fills, setPixel/getPixel address (x, y) and ignore the outside", () => {
  const img = createRgb(3, 2, [1, 2, 3]);
  assert.equal(img.data.length, 18);
  assert.deepEqual(getPixel(img, 2, 1), [1, 2, 3]);
  setPixel(img, 2, 1, [9, 8, 7]);
  assert.deepEqual([...img.data.subarray(15, 18)], [9, 8, 7]);
  setPixel(img, 3, 0, [5, 5, 5]);
  setPixel(img, -1, 0, [5, 5, 5]);
  assert.equal(getPixel(img, 3, 0), undefined);
  assert.ok(!img.data.includes(5));
});

test("createRgb rejects empty and huge sizes, naming the size", () => {
  assert.throws(() => createRgb(0, 5), (e: unknown) => e instanceof OptionError && /createRgb: size: got "0×5"/.test(e.message));
  assert.throws(() => createRgb(2 ** 14, 2 ** 13), OptionError);
});

test("blit clips and stackVertically lays out with a gap", () => {
  const dst = createRgb(4, 4), src = createRgb(3, 3, [200, 0, 0]);
  blit(dst, src, 2, -1);
  assert.deepEqual(getPixel(dst, 3, 1), [200, 0, 0]);
  assert.deepEqual(getPixel(dst, 1, 1), [0, 0, 0]);
  assert.deepEqual(getPixel(dst, 2, 2), [0, 0, 0]);
  const s = stackVertically([createRgb(2, 1, [1, 1, 1]), createRgb(3, 2, [2, 2, 2])], 1, [7, 7, 7]);
  assert.deepEqual([s.width, s.height], [3, 4]);
  assert.deepEqual(getPixel(s, 2, 0), [7, 7, 7]);
  assert.deepEqual(getPixel(s, 0, 1), [7, 7, 7]);
  assert.deepEqual(getPixel(s, 2, 3), [2, 2, 2]);
});
