import assert from "node:assert/strict";
import { test } from "node:test";
import type { Vec3 } from "../../src/core/space.js";
import { resampleAffine } from "../../src/kernels/resample-affine.js";
import { resampleAt, type Coordinates } from "../../src/kernels/resample-at.js";
import { resampleField } from "../../src/kernels/resample-field.js";
import { createField, type Interpolation } from "../../src/kernels/types.js";
import { seeded } from "../helpers/rng.js";
import { bytes, constantField, functionImage, maxDiff, randomImage } from "./fixtures.js";

const SHAPES: Vec3[] = [[1, 23, 31], [7, 11, 13]];
const identity = (ndim: number): number[] =>
  ndim === 3 ? [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] : [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** Positions as a Coordinates array from a list of points ([z, y, x] or [y, x] each). */
function points(list: number[][], ndim: 2 | 3): Coordinates {
  const n = list.length, data = new Float64Array(ndim * n);
  list.forEach((p, i) => p.forEach((v, c) => (data[c * n + i] = v)));
  return { data, shape: [1, 1, n], ndim };
}

test("an identity field, affine or coordinate grid reproduces the image (nearest and linear bit for bit, cubic to float32)", () => {
  for (const shape of SHAPES) {
    const img = randomImage(1, shape), ndim = shape[0] === 1 ? 2 : 3;
    const grid = createField(shape);
    const n = img.data.length;
    for (let i = 0; i < n; i++) {
      const x = i % shape[2], y = Math.floor(i / shape[2]) % shape[1], z = Math.floor(i / (shape[1] * shape[2]));
      const idx = ndim === 3 ? [z, y, x] : [y, x];
      idx.forEach((v, c) => (grid.data[c * n + i] = v));
    }
    for (const interpolation of ["nearest", "linear", "cubic"] as Interpolation[]) {
      const results = [
        resampleField(img, createField(shape), { interpolation }).image.data,
        resampleAffine(img, shape, identity(ndim), { interpolation }).image.data,
        resampleAt(img, grid, { interpolation }).image.data,
      ];
      for (const out of results) {
        if (interpolation === "cubic") assert.ok(maxDiff(out, img.data) < 2e-6, `cubic ${shape}: ${maxDiff(out, img.data)}`);
        else assert.deepEqual(bytes(out), bytes(img.data), `${interpolation} ${shape}`);
      }
    }
  }
});

test("an integer translation is exact inside and fills outside, through a field, an offset and an affine", () => {
  for (const shape of SHAPES) {
    const img = randomImage(2, shape), ndim = shape[0] === 1 ? 2 : 3;
    const t = ndim === 3 ? [1, -2, 3] : [2, -3];
    const t3: Vec3 = ndim === 3 ? [t[0]!, t[1]!, t[2]!] : [0, t[0]!, t[1]!];
    const matrix = identity(ndim);
    t.forEach((v, a) => (matrix[a * (ndim + 1) + ndim] = v));
    for (const interpolation of ["nearest", "linear", "cubic"] as Interpolation[]) {
      const viaField = resampleField(img, constantField(shape, t), { interpolation, mask: true, fill: -1 });
      const viaOffset = resampleField(img, createField(shape), { interpolation, offset: t3, fill: -1 });
      const viaAffine = resampleAffine(img, shape, matrix, { interpolation, fill: -1 });
      assert.deepEqual(bytes(viaOffset.image.data), bytes(viaField.image.data));
      assert.deepEqual(bytes(viaAffine.image.data), bytes(viaField.image.data));
      let i = 0;
      for (let z = 0; z < shape[0]; z++) for (let y = 0; y < shape[1]; y++) for (let x = 0; x < shape[2]; x++, i++) {
        const sz = z + t3[0], sy = y + t3[1], sx = x + t3[2];
        const inside = sz >= 0 && sz < shape[0] && sy >= 0 && sy < shape[1] && sx >= 0 && sx < shape[2];
        assert.equal(viaField.mask![i], inside ? 1 : 0);
        const got = viaField.image.data[i]!;
        if (!inside) assert.equal(got, -1);
        else {
          const want = img.data[(sz * shape[1] + sy) * shape[2] + sx]!;
          if (interpolation === "cubic") assert.ok(Math.abs(got - want) < 2e-6);
          else assert.equal(got, want);
        }
      }
    }
  }
});

test("linear interpolation reproduces a linear function, and its gradient is the slope", () => {
  const rng = seeded(3);
  for (const shape of SHAPES) {
    const ndim = shape[0] === 1 ? 2 : 3;
    const slope = ndim === 3 ? [0.25, -0.125, 0.0625] : [-0.125, 0.0625];
    const f = (p: number[]): number => 0.5 + p.reduce((s, v, a) => s + slope[a]! * v, 0);
    const img = functionImage(shape, (z, y, x) => f(ndim === 3 ? [z, y, x] : [y, x]));
    const dims = ndim === 3 ? shape : [shape[1], shape[2]];
    const list = Array.from({ length: 200 }, () => dims.map((n) => 0.01 + rng() * (n - 1.02)));
    const r = resampleAt(img, points(list, ndim), { interpolation: "linear", gradient: true });
    list.forEach((p, i) => {
      assert.ok(Math.abs(r.image.data[i]! - f(p)) < 1e-5);
      for (let a = 0; a < ndim; a++) assert.ok(Math.abs(r.gradient!.data[a * list.length + i]! - slope[a]!) < 1e-5);
    });
  }
});

test("cubic B-spline interpolation reproduces a cubic polynomial and its gradient away from the borders", () => {
  const rng = seeded(4);
  const cases: [Vec3, number, number][] = [[[1, 48, 48], 14, 34], [[28, 28, 28], 11, 17]];
  for (const [shape, lo, hi] of cases) {
    const ndim = shape[0] === 1 ? 2 : 3;
    const f = (z: number, y: number, x: number): number =>
      1e-3 * (x - 20) ** 3 - 2e-3 * (y - 25) ** 2 * (x - 24) + 0.1 * y + (ndim === 3 ? 1e-3 * (z - 14) ** 3 - 0.002 * z * y : 0);
    const grad = (z: number, y: number, x: number): number[] => {
      const gx = 3e-3 * (x - 20) ** 2 - 2e-3 * (y - 25) ** 2;
      const gy = -4e-3 * (y - 25) * (x - 24) + 0.1 + (ndim === 3 ? -0.002 * z : 0);
      return ndim === 3 ? [3e-3 * (z - 14) ** 2 - 0.002 * y, gy, gx] : [gy, gx];
    };
    const img = functionImage(shape, f);
    const list = Array.from({ length: 200 }, () => (ndim === 3 ? [0, 0, 0] : [0, 0]).map(() => lo + rng() * (hi - lo)));
    const r = resampleAt(img, points(list, ndim), { interpolation: "cubic", gradient: true });
    list.forEach((p, i) => {
      const [z, y, x] = ndim === 3 ? p : [0, ...p];
      assert.ok(Math.abs(r.image.data[i]! - f(z!, y!, x!)) < 1e-5, `value at ${p}: ${r.image.data[i]} vs ${f(z!, y!, x!)}`);
      grad(z!, y!, x!).forEach((g, a) => assert.ok(Math.abs(r.gradient!.data[a * list.length + i]! - g) < 2e-4, `∂${a} at ${p}`));
    });
  }
});

test("cubic interpolation is exact at every grid point, borders included", () => {
  for (const shape of [[1, 5, 2], [3, 4, 29], [2, 40, 3]] as Vec3[]) {
    const img = randomImage(5, shape);
    const out = resampleField(img, createField(shape), { interpolation: "cubic" }).image.data;
    assert.ok(maxDiff(out, img.data) < 2e-6, `${shape}: ${maxDiff(out, img.data)}`);
  }
});

test("asking for the gradient or the mask does not change a single sample", () => {
  for (const shape of SHAPES) {
    const img = randomImage(6, shape), ndim = shape[0] === 1 ? 2 : 3;
    const rng = seeded(7);
    const field = createField(shape);
    field.data.forEach((_, i) => (field.data[i] = (rng() - 0.5) * 6));
    for (const interpolation of ["linear", "cubic"] as Interpolation[]) {
      const plain = resampleField(img, field, { interpolation }).image.data;
      const rich = resampleField(img, field, { interpolation, gradient: true, mask: true });
      assert.deepEqual(bytes(rich.image.data), bytes(plain));
      assert.equal(rich.gradient!.ndim, ndim);
    }
  }
});

test("bounds: the image covers half a voxel past its border centres; outside gets the fill, or the border with clamp", () => {
  const img = functionImage([1, 4, 5], (_, y, x) => 10 * y + x);
  const list = [[0, -0.5], [0, -0.51], [3.5, 4.5], [3.5, 4.51], [NaN, 2], [-7, 2], [1, 9]];
  for (const interpolation of ["nearest", "linear", "cubic"] as Interpolation[]) {
    const r = resampleAt(img, points(list, 2), { interpolation, fill: -1, mask: true });
    assert.deepEqual([...r.mask!], [1, 0, 1, 0, 0, 0, 0], interpolation);
    assert.equal(r.image.data[1], -1);
    if (interpolation !== "cubic") {
      assert.equal(r.image.data[0], 0);
      assert.equal(r.image.data[2], 34);
    }
    const c = resampleAt(img, points(list, 2), { interpolation, boundary: "clamp", mask: true });
    assert.deepEqual([...c.mask!], [1, 1, 1, 1, 0, 1, 1]);
    assert.ok(Math.abs(c.image.data[5]! - 2) < 1e-5 && Math.abs(c.image.data[6]! - 14) < 1e-5, `${interpolation} clamp`);
  }
  const g = resampleAt(img, points([[-0.25, 2.5], [1.5, 4.25]], 2), { interpolation: "linear", gradient: true });
  assert.deepEqual([...g.gradient!.data], [0, 10, 1, 0], "flat across the outer half voxel");
});

test("bad arguments are rejected with messages that name them", () => {
  const img = randomImage(8, [1, 6, 7]);
  assert.throws(() => resampleField(img, createField([1, 6, 7]), { interpolation: "nearest", gradient: true }),
    { message: 'resampleField: gradient: got true; expected interpolation "linear" or "cubic" (nearest-neighbour sampling has no gradient)' });
  assert.throws(() => resampleField(img, createField([1, 6, 7], 3)),
    { message: "resampleField: field.ndim: got 3; expected 2, the dimension of the image (shape [1,6,7])" });
  assert.throws(() => resampleAffine(img, [1, 6, 7], [1, 0, 0, 0, 1, 0, 0, 1, 1]),
    /resampleAffine: matrix: got \[1,0,0,0,1,0,0,1,1\]; expected 3×3 = 9 finite numbers, row-major over \[y, x, 1\], last row \[0,0,1\]/);
  assert.throws(() => resampleAt(img, points([[1, 2]], 2), { interpolation: "bicubic" as Interpolation }),
    { message: 'resampleAt: interpolation: got "bicubic"; expected one of nearest, linear, cubic' });
  assert.throws(() => resampleField(img, createField([1, 6, 7]), { prefiltered: true }),
    { message: 'resampleField: prefiltered: got true; expected interpolation "cubic" (only B-spline sampling uses coefficients)' });
});
