import assert from "node:assert/strict";
import { test } from "node:test";
import { BLUE_WHITE_RED, colormapTable, MAGMA, sampleColormap } from "../../src/qc/colormap.js";

test("sampleColormap hits control points exactly, interpolates between and clamps outside", () => {
  assert.deepEqual(sampleColormap(MAGMA, 0), [0, 0, 4]);
  assert.deepEqual(sampleColormap(MAGMA, 1), [252, 253, 191]);
  assert.deepEqual(sampleColormap(MAGMA, 2), [252, 253, 191]);
  assert.deepEqual(sampleColormap(MAGMA, -1), [0, 0, 4]);
  assert.deepEqual(sampleColormap(MAGMA, NaN), [0, 0, 4]);
  assert.deepEqual(sampleColormap(BLUE_WHITE_RED, 0.5), [255, 255, 255]);
  assert.deepEqual(sampleColormap([[0, 0, 0], [100, 200, 50]], 0.5), [50, 100, 25]);
});

test("MAGMA gets brighter monotonically (luminance, within rounding)", () => {
  const t = colormapTable(MAGMA);
  let last = -1;
  for (let i = 0; i < 256; i++) {
    const l = 0.2126 * t[3 * i]! + 0.7152 * t[3 * i + 1]! + 0.0722 * t[3 * i + 2]!;
    assert.ok(l >= last - 1, `entry ${i}: luminance ${l} < ${last}`); // within channel rounding
    last = Math.max(last, l);
  }
});
