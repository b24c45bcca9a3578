import assert from "node:assert/strict";
import { test } from "node:test";
import { memoisedRanges, normalise, normaliseToByte, robustRange } from "../../src/qc/robust-range.js";

const img = (values: number[]) => ({ data: Float32Array.from(values), shape: [1, 1, values.length] as [number, number, number] });

test("robustRange takes the 1st and 99th percentiles of the finite samples", () => {
  const values = Array.from({ length: 101 }, (_, i) => i);
  assert.deepEqual(robustRange(img(values)), { lo: 1, hi: 99 });
  assert.deepEqual(robustRange(img([NaN, Infinity, 5, -Infinity, 5])), { lo: 5, hi: 5 });
  assert.deepEqual(robustRange(img([NaN])), { lo: 0, hi: 0 });
  assert.deepEqual(robustRange(img(values), 0, 100), { lo: 0, hi: 100 });
});

test("robustRange ignores a few outliers", () => {
  const values = Array.from({ length: 1000 }, (_, i) => i % 10);
  values[0] = 1e9;
  values[1] = -1e9;
  assert.deepEqual(robustRange(img(values)), { lo: 0, hi: 9 });
});

test("normalise clamps to [0, 1] and thresholds a degenerate window", () => {
  const r = { lo: 10, hi: 20 };
  assert.equal(normalise(5, r), 0);
  assert.equal(normalise(15, r), 0.5);
  assert.equal(normalise(25, r), 1);
  assert.equal(normalise(NaN, r), 0);
  assert.equal(normaliseToByte(15, r), 128);
  assert.equal(normalise(3, { lo: 3, hi: 3 }), 0);
  assert.equal(normalise(4, { lo: 3, hi: 3 }), 1);
});

test("memoisedRanges: robustRange's window, ranked once per image object", () => {
  const a = img(Array.from({ length: 101 }, (_, i) => i)), b = img(Array.from({ length: 101 }, (_, i) => 2 * i));
  const rangeOf = memoisedRanges();
  const ra = rangeOf(a);
  assert.deepEqual(ra, robustRange(a));
  assert.deepEqual(rangeOf(b), robustRange(b));
  assert.equal(rangeOf(a), ra, "the same image gives back the same window object, not a new ranking");
  assert.notEqual(memoisedRanges()(a), ra, "each memo is its own");
});
