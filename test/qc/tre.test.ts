import assert from "node:assert/strict";
import { test } from "node:test";
import { percentile, pointDistances, treStats } from "../../src/qc/tre.js";

test("TRE statistics", () => {
  const d = pointDistances([[0, 0], [3, 4], [1, 1]], [[0, 0], [0, 0], [1, 2]]);
  assert.deepEqual([...d], [0, 5, 1]);
  const s = treStats(d, 10);
  assert.equal(s.median, 1);
  assert.equal(s.max, 5);
  assert.equal(s.mean, 2);
  assert.equal(s.medianRtre, 0.1);
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
});
