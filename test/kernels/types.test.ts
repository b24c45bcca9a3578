import assert from "node:assert/strict";
import { test } from "node:test";
import { checkField, checkImage, createField, fieldComponent, imageNdim, rowCount } from "../../src/kernels/types.js";
import { jacobianStats } from "../../src/kernels/jacobian-stats.js";

test("fields are vector-first: component c is the c-th plane", () => {
  const f = createField([1, 2, 3]);
  assert.equal(f.ndim, 2);
  assert.equal(f.data.length, 12);
  fieldComponent(f, 1).fill(7);
  assert.deepEqual([...f.data], [0, 0, 0, 0, 0, 0, 7, 7, 7, 7, 7, 7]);
  assert.equal(createField([4, 2, 3]).ndim, 3);
  assert.equal(createField([1, 2, 3], 3).data.length, 18);
  assert.equal(imageNdim([1, 5, 5]), 2);
  assert.equal(rowCount([4, 5, 6]), 20);
});

test("malformed images and fields are rejected with messages that say what was expected", () => {
  assert.throws(() => checkImage("k: image", { data: new Float32Array(5), shape: [1, 2, 3] }),
    { message: 'k: image.data: got "length 5"; expected a Float32Array of 6 samples for shape [1,2,3]' });
  assert.throws(() => checkImage("k: image", { data: new Float32Array(0), shape: [1, 0, 3] }),
    { message: "k: image.shape: got [1,0,3]; expected three positive integers [z, y, x]" });
  assert.throws(() => checkField("k: u", { data: new Float32Array(16), shape: [2, 2, 2], ndim: 2 }),
    { message: "k: u.ndim: got 2; expected 3 for a field of shape [2,2,2] (2D fields have shape[0] = 1)" });
  assert.throws(() => checkField("k: u", { data: new Float32Array(5), shape: [1, 2, 2], ndim: 2 }),
    { message: 'k: u.data: got "length 5"; expected a Float32Array of 2·4 = 8 values' });
  assert.throws(() => jacobianStats({ data: new Float32Array(4), shape: [1, 2, 2] }, { mask: new Uint8Array(3) }),
    { message: 'jacobianStats: mask: got "length 3"; expected one byte per voxel (4)' });
});
