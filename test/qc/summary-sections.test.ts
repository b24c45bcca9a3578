import assert from "node:assert/strict";
import { test } from "node:test";
import { jacobianSection, metricSection, stagesSection, treSection } from "../../src/qc/summary-sections.js";
import { treStats } from "../../src/qc/tre.js";

test("treSection pairs before and after, leaving a missing side empty", () => {
  const after = treStats(Float64Array.from([1, 2, 3]), 100);
  const s = treSection(undefined, after)!;
  assert.deepEqual(s.columns, ["before", "after"]);
  assert.deepEqual(s.rows.find((r) => r.label === "median TRE (px)")!.value, [undefined, 2]);
  assert.deepEqual(s.rows.find((r) => r.label === "median rTRE")!.value, [undefined, 0.02]);
  assert.equal(treSection(undefined, undefined), undefined);
  assert.ok(treSection(after, after, "µm")!.rows.some((r) => r.label === "mean TRE (µm)"));
});

test("metric, Jacobian and stage sections carry their numbers", () => {
  assert.deepEqual(metricSection("MSE", 4, 1).rows[0]!.value, [4, 1, -0.75]);
  const j = jacobianSection({ count: 10, min: -0.1, p01: 0.2, median: 1, foldingFraction: 0.1, sdLogJacobian: 0.3 });
  assert.deepEqual(j.rows.map((r) => r.value), [10, -0.1, 0.2, 1, 0.1, 0.3]);
  const st = stagesSection([{ name: "affine", seconds: 2, peakBytes: 1536 }, { name: "warp", seconds: 3 }]);
  assert.deepEqual(st.rows.map((r) => r.value), [[2, "1.5 KiB"], [3, undefined]]);
});
