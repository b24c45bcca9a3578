import assert from "node:assert/strict";
import { test } from "node:test";
import type { Vec3 } from "../../src/core/space.js";
import { composeFields } from "../../src/kernels/compose-fields.js";
import { addFields, maxNorm, scaleField } from "../../src/kernels/field-arithmetic.js";
import { createField } from "../../src/kernels/types.js";
import { constantField, functionField, maxDiff, smoothField } from "./fixtures.js";

const SHAPES: Vec3[] = [[1, 13, 17], [6, 7, 9]];

test("composing with zero on either side gives the field back", () => {
  for (const shape of SHAPES) {
    const u = smoothField(41, shape, 2), zero = createField(shape);
    // Equal values (0 + (−0) gives +0, so bytes may differ in the sign of zeros).
    assert.equal(maxDiff(composeFields(u, zero).data, u.data), 0);
    assert.equal(maxDiff(composeFields(zero, u).data, u.data), 0);
  }
});

test("two translations add, everywhere (borders replicate)", () => {
  const a = constantField([6, 7, 9], [0.5, -1.25, 2]), b = constantField([6, 7, 9], [-2, 0.75, 3.5]);
  const c = composeFields(a, b);
  for (let i = 0; i < c.data.length; i++) assert.equal(c.data[i], [-1.5, -0.5, 5.5][Math.floor(i / (6 * 7 * 9))]);
  const a2 = constantField([1, 5, 4], [1.5, -3]), b2 = constantField([1, 5, 4], [0.25, 0.5]);
  assert.deepEqual([...new Set(composeFields(a2, b2).data)], [1.75, -2.5]);
});

test("the convention is (u ∘ v)(x) = v(x) + u(x + v(x)): first v, then u", () => {
  // u is a ramp in x (u_x = 0.1·x), v a constant shift of 2 voxels in x: u(x + 2) = 0.1·(x + 2).
  const shape: Vec3 = [1, 3, 10];
  const u = functionField(shape, (c, _, __, x) => (c === 1 ? 0.1 * x : 0)), v = constantField(shape, [0, 2]);
  const c = composeFields(u, v);
  for (let x = 0; x < 7; x++) assert.ok(Math.abs(c.data[30 + x]! - (2 + 0.1 * (x + 2))) < 1e-6);
  const reverse = composeFields(v, u);
  for (let x = 0; x < 7; x++) assert.ok(Math.abs(reverse.data[30 + x]! - (0.1 * x + 2)) < 1e-6);
});

test("scale, add and the maximum norm", () => {
  const u = constantField([1, 2, 2], [3, 4]);
  assert.deepEqual([...scaleField(u, -0.5).data], [-1.5, -1.5, -1.5, -1.5, -2, -2, -2, -2]);
  assert.deepEqual([...addFields(u, u).data], [6, 6, 6, 6, 8, 8, 8, 8]);
  assert.equal(maxNorm(u), 5);
  assert.throws(() => addFields(u, createField([1, 2, 3])), /addFields: v: got "ndim 2, shape \[1,2,3\]"; expected the grid of addFields: u: ndim 2, shape \[1,2,2\]/);
});
