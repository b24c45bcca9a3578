import assert from "node:assert/strict";
import { test } from "node:test";
import { dtypeRange } from "../../src/core/dtype.js";
import { castSamples } from "../../src/warp/cast-samples.js";

test("castSamples rounds halves up and saturates for every integer dtype; NaN becomes 0", () => {
  const v = Float32Array.from([-1e10, -129.5, -128.6, -2.5, -0.5, -0.3, 0, 0.49, 0.5, 2.5, 254.5, 255.4, 65535.4, 65535.5, 3e9, 5e9, NaN]);
  const round = (x: number, lo: number, hi: number) => (Number.isNaN(x) ? 0 : Math.min(hi, Math.max(lo, Math.round(x))));
  for (const dtype of ["uint8", "int8", "uint16", "int16", "uint32", "int32"] as const) {
    const [lo, hi] = dtypeRange(dtype);
    assert.deepEqual([...castSamples(v, dtype)], [...v].map((x) => round(x, lo, hi) + 0), dtype);
  }
  assert.equal(castSamples(v, "float32"), v);
  assert.deepEqual([...castSamples(v, "float64")], [...v]);
});
