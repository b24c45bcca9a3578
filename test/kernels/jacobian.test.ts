import assert from "node:assert/strict";
import { test } from "node:test";
import { jacobianDeterminant } from "../../src/kernels/jacobian-determinant.js";
import { jacobianStats } from "../../src/kernels/jacobian-stats.js";
import { maskedQuantiles, quantile } from "../../src/kernels/quantile.js";
import { seeded } from "../helpers/rng.js";
import { functionField } from "./fixtures.js";

test("a pure scaling field has det = scale^ndim everywhere, with or without spacing", () => {
  const s = 1.3;
  const f3 = functionField([5, 6, 7], (c, z, y, x) => (s - 1) * [z, y, x][c]!);
  for (const d of jacobianDeterminant(f3).data) assert.ok(Math.abs(d - s ** 3) < 1e-5);
  const phys = functionField([5, 6, 7], (c, z, y, x) => (s - 1) * [2 * z, 0.5 * y, 3 * x][c]!);
  for (const d of jacobianDeterminant(phys, [2, 0.5, 3]).data) assert.ok(Math.abs(d - s ** 3) < 1e-5);
  const f2 = functionField([1, 6, 7], (c, _, y, x) => (s - 1) * [y, x][c]!);
  for (const d of jacobianDeterminant(f2).data) assert.ok(Math.abs(d - s ** 2) < 1e-5);
  // A 2D rotation by 30° preserves area.
  const a = Math.PI / 6;
  const rot = functionField([1, 9, 9], (c, _, y, x) => (c === 0 ? Math.cos(a) * y - Math.sin(a) * x - y : Math.sin(a) * y + Math.cos(a) * x - x));
  for (const d of jacobianDeterminant(rot).data) assert.ok(Math.abs(d - 1) < 1e-5);
});

test("folding is detected: a field that flips x over the middle has det < 0 there", () => {
  // x ↦ x + u(x) with u = −2(x − 8) for 6 ≤ x ≤ 10 reverses the order of those columns.
  const f = functionField([3, 4, 17], (c, _, __, x) => (c === 2 ? (x >= 6 && x <= 10 ? -2 * (x - 8) : x < 6 ? 4 : -4) : 0));
  const det = jacobianDeterminant(f);
  const stats = jacobianStats(det);
  assert.ok(stats.foldingFraction > 0.2 && stats.min < 0, JSON.stringify(stats));
  for (let x = 6; x <= 10; x++) assert.ok(det.data[x]! <= 0, `x = ${x}: ${det.data[x]}`);
  for (let x = 7; x <= 9; x++) assert.equal(det.data[x], -1);
});

test("stats of a known array: min, 1st percentile, median, folding fraction, SD of log J, mask", () => {
  const values = Float32Array.from({ length: 101 }, (_, i) => i / 50); // 0, 0.02, ..., 2
  const s = jacobianStats({ data: values, shape: [1, 1, 101] });
  assert.equal(s.count, 101);
  assert.equal(s.min, 0);
  assert.ok(Math.abs(s.p01 - 0.02) < 1e-7 && Math.abs(s.median - 1) < 1e-7);
  assert.equal(s.foldingFraction, 1 / 101);
  const logs = [...values].map((v) => Math.log(Math.max(v, 1e-9)));
  const mean = logs.reduce((a, b) => a + b) / 101;
  assert.ok(Math.abs(s.sdLogJacobian - Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / 101)) < 1e-12);
  const mask = Uint8Array.from({ length: 101 }, (_, i) => (i >= 50 ? 1 : 0));
  const m = jacobianStats({ data: values, shape: [1, 1, 101] }, { mask });
  assert.equal(m.count, 51);
  assert.equal(m.foldingFraction, 0);
  assert.ok(Math.abs(m.median - 1.5) < 1e-7);
  assert.ok(Number.isNaN(jacobianStats({ data: values, shape: [1, 1, 101] }, { mask: new Uint8Array(101) }).median));
});

test("quantile by selection agrees with sorting", () => {
  const rng = seeded(61);
  for (const n of [1, 2, 3, 10, 1000]) {
    const a = Float64Array.from({ length: n }, () => Math.floor(rng() * 20));
    const sorted = Float64Array.from(a).sort();
    for (const q of [0, 0.01, 0.37, 0.5, 1]) {
      const pos = q * (n - 1), k = Math.floor(pos);
      const want = k + 1 < n ? sorted[k]! + (pos - k) * (sorted[k + 1]! - sorted[k]!) : sorted[k]!;
      assert.ok(Math.abs(quantile(Float64Array.from(a), q) - want) < 1e-12, `n ${n} q ${q}`);
    }
  }
});

test("maskedQuantiles equals quantile on a copy of the counted values (ties, NaN, masks, skewed and constant data)", () => {
  const rng = seeded(67);
  const cases: { name: string; make: (n: number) => number }[] = [
    { name: "uniform", make: () => rng() },
    { name: "ties", make: () => Math.floor(rng() * 5) },
    { name: "skewed (one far outlier per 1000)", make: (i) => (i % 1000 === 7 ? 1e6 : 1 + 1e-6 * rng()) },
    { name: "NaN holes", make: () => (rng() < 0.2 ? NaN : rng() * 3 - 1) },
    { name: "constant", make: () => 0.75 },
    { name: "infinities", make: (i) => (i % 13 === 5 ? Infinity : i % 17 === 3 ? -Infinity : rng()) },
  ];
  for (const { name, make } of cases)
    for (const n of [1, 2, 3, 101, 70000]) {
      const data = Float32Array.from({ length: n }, (_, i) => make(i));
      for (const mask of [undefined, Uint8Array.from({ length: n }, () => (rng() < 0.6 ? 1 : 0))]) {
        const counted = Float64Array.from([...data].filter((v, i) => !Number.isNaN(v) && (!mask || mask[i])));
        const qs = [0, 0.01, 0.37, 0.5, 0.99, 1];
        const got = maskedQuantiles(data, qs, mask);
        qs.forEach((q, j) => {
          const want = counted.length ? quantile(Float64Array.from(counted), q) : NaN;
          assert.ok(Object.is(got[j], want) || got[j] === want, `${name}, n ${n}, mask ${!!mask}, q ${q}: ${got[j]} vs ${want}`);
        });
      }
    }
});
