import assert from "node:assert/strict";
import { test } from "node:test";
import type { Vec3 } from "../../src/core/space.js";
import { gaussianHalfKernel, gaussianSmooth, gaussianSmoothField } from "../../src/kernels/gaussian-smooth.js";
import { bytes, functionImage, maxDiff, randomImage, smoothField } from "./fixtures.js";

test("the half kernel is a normalised, truncated Gaussian", () => {
  const w = gaussianHalfKernel(1.5, 4);
  assert.equal(w.length, 7);
  assert.ok(Math.abs(w.reduce((s, v, k) => s + (k ? 2 * v : v), 0) - 1) < 1e-15);
  assert.ok(Math.abs(w[1]! / w[0]! - Math.exp(-1 / 4.5)) < 1e-15);
  assert.equal(gaussianHalfKernel(0, 4).length, 0);
  assert.equal(gaussianHalfKernel(2, 3).length, 7);
});

test("sigma 0 is the identity and a constant stays constant", () => {
  for (const shape of [[1, 17, 19], [9, 8, 11]] as Vec3[]) {
    const img = randomImage(31, shape);
    assert.deepEqual(bytes(gaussianSmooth(img, 0).data), bytes(img.data));
    const flat = functionImage(shape, () => 3.25);
    assert.ok(maxDiff(gaussianSmooth(flat, [1.2, 2, 0.7]).data, flat.data) < 1e-6);
  }
});

test("the sum is preserved when the content stays away from the borders", () => {
  for (const shape of [[1, 40, 44], [30, 30, 30]] as Vec3[]) {
    const c = shape.map((n) => (n - 1) / 2);
    const img = functionImage(shape, (z, y, x) => ((shape[0] === 1 || Math.abs(z - c[0]!) < 3) && Math.abs(y - c[1]!) < 4 && Math.abs(x - c[2]!) < 5 ? 1 + ((x * 7 + y * 3 + z) % 5) : 0));
    const sum = (a: Float32Array): number => a.reduce((s, v) => s + v, 0);
    const out = gaussianSmooth(img, [1.5, 2, 1]);
    assert.ok(Math.abs(sum(out.data) - sum(img.data)) < 1e-4 * sum(img.data));
  }
});

test("matches a directly computed 2D convolution with replicated borders", () => {
  const img = randomImage(32, [1, 7, 9]);
  const [sy, sx] = [0.8, 1.3];
  const out = gaussianSmooth(img, [5, sy, sx], { truncate: 3 });
  const wy = gaussianHalfKernel(sy, 3), wx = gaussianHalfKernel(sx, 3);
  const clamp = (i: number, n: number): number => Math.min(n - 1, Math.max(0, i));
  for (let y = 0; y < 7; y++) for (let x = 0; x < 9; x++) {
    let v = 0;
    for (let dy = -(wy.length - 1); dy < wy.length; dy++) for (let dx = -(wx.length - 1); dx < wx.length; dx++) {
      v += wy[Math.abs(dy)]! * wx[Math.abs(dx)]! * img.data[clamp(y + dy, 7) * 9 + clamp(x + dx, 9)]!;
    }
    assert.ok(Math.abs(out.data[y * 9 + x]! - v) < 1e-6, `(${y}, ${x})`);
  }
});

test("a vector field is smoothed component by component", () => {
  const f = smoothField(33, [5, 6, 7], 2);
  const out = gaussianSmoothField(f, 1);
  const n = 5 * 6 * 7;
  for (let c = 0; c < 3; c++) {
    const alone = gaussianSmooth({ data: f.data.slice(c * n, (c + 1) * n), shape: f.shape }, 1);
    assert.deepEqual(bytes(out.data.subarray(c * n, (c + 1) * n)), bytes(alone.data));
  }
  assert.throws(() => gaussianSmooth(randomImage(1, [1, 3, 3]), -1), { message: "gaussianSmooth: sigma: got -1; expected a finite number ≥ 0 (voxels) or three of them [z, y, x]" });
});
