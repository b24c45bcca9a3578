import assert from "node:assert/strict";
import { test } from "node:test";
import { dice, diceByLabel } from "../../src/metrics/dice.js";

test("dice of one label, of the foreground (labels must agree) and of empty sets", () => {
  const f = new Uint8Array([0, 1, 1, 2, 2, 2, 0, 0]);
  const w = new Uint8Array([0, 1, 2, 2, 2, 0, 0, 1]);
  assert.equal(dice(f, w, 1), (2 * 1) / (2 + 2));
  assert.equal(dice(f, w, 2), (2 * 2) / (3 + 3));
  assert.equal(dice(f, w), (2 * 3) / (5 + 5)); // voxel 2 is foreground in both but labels differ: not an overlap
  assert.equal(dice(f, w, 7), 1);
  assert.equal(dice(f, f), 1);
  assert.equal(dice(new Uint8Array(4), new Uint8Array(4)), 1);
  assert.equal(dice(new Float32Array([1, 0]), new Float32Array([0, 1])), 0);
});

test("diceByLabel gives every non-zero label of either map, in ascending order", () => {
  const f = new Int32Array([0, 3, 3, 1, 1, 0]);
  const w = new Int32Array([5, 3, 1, 1, 1, 0]);
  assert.deepEqual([...diceByLabel(f, w)], [[1, (2 * 2) / (2 + 3)], [3, (2 * 1) / (2 + 1)], [5, 0]]);
});

test("dice names the label map whose length differs", () => {
  assert.throws(() => dice(new Uint8Array(4), new Uint8Array(3)), {
    code: "E_OPTION", message: 'warpedLabels: got "3 values"; expected 4 values, as many as fixedLabels',
  });
});
