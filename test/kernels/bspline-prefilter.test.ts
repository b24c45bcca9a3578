import assert from "node:assert/strict";
import { test } from "node:test";
import { bsplineCoefficients, filterLines } from "../../src/kernels/bspline-prefilter.js";
import { mirrorIndex } from "../../src/kernels/interpolate-cubic.js";
import { seeded } from "../helpers/rng.js";
import { bytes, randomImage } from "./fixtures.js";

test("coefficients reproduce every sample of a line through (c[k−1] + 4c[k] + c[k+1]) / 6 with mirrored ends", () => {
  const rng = seeded(21);
  // Lengths around the initial-sum horizon (18 terms) exercise both the exact and the truncated start.
  for (const n of [1, 2, 3, 4, 5, 17, 18, 19, 20, 64]) {
    const s = Float64Array.from({ length: n }, () => rng() * 10 - 5);
    const c = Float64Array.from(s);
    filterLines(c, n, 1);
    for (let k = 0; k < n; k++) {
      const v = (c[mirrorIndex(k - 1, n)]! + 4 * c[k]! + c[mirrorIndex(k + 1, n)]!) / 6;
      assert.ok(Math.abs(v - s[k]!) < 1e-9, `n = ${n}, k = ${k}: ${v} vs ${s[k]}`);
    }
  }
});

test("interleaved lines are filtered exactly as one at a time", () => {
  const rng = seeded(22), n = 23, w = 5;
  const buf = Float64Array.from({ length: n * w }, () => rng());
  const lines = Array.from({ length: w }, (_, j) => Float64Array.from({ length: n }, (_, k) => buf[k * w + j]!));
  filterLines(buf, n, w);
  lines.forEach((line, j) => {
    filterLines(line, n, 1);
    for (let k = 0; k < n; k++) assert.equal(buf[k * w + j], line[k]);
  });
});

test("mirrorIndex folds whole-sample symmetric", () => {
  assert.deepEqual([-3, -2, -1, 0, 1, 2, 3, 4, 5, 6].map((i) => mirrorIndex(i, 4)), [3, 2, 1, 0, 1, 2, 3, 2, 1, 0]);
  assert.deepEqual([-2, 0, 3].map((i) => mirrorIndex(i, 1)), [0, 0, 0]);
});

test("bsplineCoefficients leaves its input alone and filters 2D images in y and x only", () => {
  const img = randomImage(23, [1, 9, 12]);
  const before = Float32Array.from(img.data);
  const c = bsplineCoefficients(img);
  assert.deepEqual(bytes(img.data), bytes(before));
  assert.deepEqual(c.shape, [1, 9, 12]);
  const stacked = bsplineCoefficients({ data: new Float32Array([...img.data, ...img.data]), shape: [2, 9, 12] });
  // Two equal planes: filtering along z (mirror, n = 2) leaves a constant line constant.
  for (let i = 0; i < 108; i++) assert.ok(Math.abs(stacked.data[i]! - c.data[i]!) < 1e-5);
});
