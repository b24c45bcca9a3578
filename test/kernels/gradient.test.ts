import assert from "node:assert/strict";
import { test } from "node:test";
import { gradient } from "../../src/kernels/gradient.js";
import { functionImage, randomImage } from "./fixtures.js";

test("the gradient of a linear ramp is exact everywhere, borders included, per voxel and per physical length", () => {
  const img3 = functionImage([4, 5, 6], (z, y, x) => 2 * z - 0.5 * y + 0.25 * x + 1);
  const g3 = gradient(img3);
  assert.equal(g3.ndim, 3);
  const n = 120;
  for (let i = 0; i < n; i++) assert.deepEqual([g3.data[i], g3.data[n + i], g3.data[2 * n + i]], [2, -0.5, 0.25]);
  const gs = gradient(img3, [2, 0.5, 0.25]);
  for (let i = 0; i < n; i++) assert.deepEqual([gs.data[i], gs.data[n + i], gs.data[2 * n + i]], [1, -1, 1]);
  const img2 = functionImage([1, 5, 6], (_, y, x) => 3 * y - x);
  const g2 = gradient(img2, [9, 1.5, 2]);
  assert.equal(g2.ndim, 2);
  assert.equal(g2.data.length, 60);
  for (let i = 0; i < 30; i++) assert.deepEqual([g2.data[i], g2.data[30 + i]], [2, -0.5]);
});

test("central differences inside, one-sided at the borders", () => {
  const img = functionImage([1, 1, 5], (_, __, x) => x * x);
  assert.deepEqual([...gradient(img).data.subarray(5)], [1, 2, 4, 6, 7]);
  assert.deepEqual([...gradient(img).data.subarray(0, 5)], [0, 0, 0, 0, 0], "a length-1 axis has no derivative");
  assert.throws(() => gradient(randomImage(1, [1, 2, 2]), [1, 0, 1]), /gradient: spacing: got \[1,0,1\]/);
});
