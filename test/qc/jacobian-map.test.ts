import assert from "node:assert/strict";
import { test } from "node:test";
import { BLUE_WHITE_RED, sampleColormap } from "../../src/qc/colormap.js";
import { FOLD_COLOUR, jacobianColour, jacobianLegend, jacobianMap, MIN_LEGEND_WIDTH, NAN_COLOUR, shrinkKeepingFolds } from "../../src/qc/jacobian-map.js";
import { PANEL_BACKGROUND, PANEL_GAP } from "../../src/qc/orthogonal-slices.js";
import { getPixel } from "../../src/qc/rgb.js";
import { imageFrom } from "./fixtures.js";

test("det = 1 is white, det ≤ 0 the fold colour, 0.5× and 2× the ends of the ramp, NaN grey", () => {
  const values = [1, 0, -2, 0.5, 0.25, 2, 8, NaN, Math.SQRT2];
  const det = imageFrom([1, 1, values.length], (_z, _y, x) => values[x]!);
  const out = jacobianMap(det, { legend: false });
  assert.deepEqual([out.width, out.height], [values.length, 1]);
  assert.deepEqual(getPixel(out, 0, 0), [255, 255, 255]);
  assert.deepEqual(getPixel(out, 1, 0), [...FOLD_COLOUR]);
  assert.deepEqual(getPixel(out, 2, 0), [...FOLD_COLOUR]);
  assert.deepEqual(getPixel(out, 3, 0), sampleColormap(BLUE_WHITE_RED, 0));
  assert.deepEqual(getPixel(out, 4, 0), sampleColormap(BLUE_WHITE_RED, 0));
  assert.deepEqual(getPixel(out, 5, 0), sampleColormap(BLUE_WHITE_RED, 1));
  assert.deepEqual(getPixel(out, 6, 0), sampleColormap(BLUE_WHITE_RED, 1));
  assert.deepEqual(getPixel(out, 7, 0), [...NAN_COLOUR]);
  assert.deepEqual(getPixel(out, 8, 0), sampleColormap(BLUE_WHITE_RED, 0.75));
  const [r, g, b] = getPixel(out, 3, 0)!;
  assert.ok(b > r && b > g, "contraction is blue");
  const [r2, g2, b2] = getPixel(out, 5, 0)!;
  assert.ok(r2 > g2 && r2 > b2, "expansion is red");
  assert.deepEqual(jacobianColour(4, 2), sampleColormap(BLUE_WHITE_RED, 1));
});

test("a legend strip is appended under maps wide enough, and not under narrow ones", () => {
  const det = imageFrom([1, 10, 48], () => 1);
  const out = jacobianMap(det);
  const legendHeight = jacobianLegend(48).height;
  assert.equal(legendHeight, 8);
  assert.deepEqual([out.width, out.height], [48, 10 + 4 + legendHeight]);
  assert.deepEqual(getPixel(out, 0, 11), [...PANEL_BACKGROUND]);
  assert.deepEqual(getPixel(out, 0, 14), [...FOLD_COLOUR]); // fold swatch
  assert.deepEqual(getPixel(out, 47, 14), sampleColormap(BLUE_WHITE_RED, 1)); // 2× end
  assert.deepEqual(getPixel(out, 8 + 4, 20), sampleColormap(BLUE_WHITE_RED, 0)); // 0.5× end
  const narrow = jacobianMap(imageFrom([1, 10, MIN_LEGEND_WIDTH - 1], () => 1));
  assert.equal(narrow.height, 10);
});

test("a 3D determinant is shown as three mid-slices, then the legend", () => {
  const det = imageFrom([6, 10, 12], (z) => 2 ** (z - 3));
  const out = jacobianMap(det);
  const width = 12 + 12 + 10 + 2 * PANEL_GAP;
  assert.equal(out.width, width);
  assert.equal(out.height, 10 + 4 + jacobianLegend(width).height);
  assert.deepEqual(getPixel(out, 0, 0), [255, 255, 255]); // mid z = 3: det = 1
  assert.deepEqual(getPixel(out, 12 + PANEL_GAP, 0), sampleColormap(BLUE_WHITE_RED, 0)); // y panel row 0: z = 0, det = 1/8
});

test("shrinkKeepingFolds keeps the smallest determinant of each block, so a single folded voxel survives", () => {
  const data = new Float32Array(64 * 48).fill(1.2);
  data[37 * 48 + 21] = -0.5;
  data.fill(NaN, 0, 4); // part of the first block is NaN: its other values count
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) data[(60 + y) * 48 + 44 + x] = NaN; // one block NaN at every scale
  const small = shrinkKeepingFolds({ data, shape: [1, 64, 48] }, 16);
  assert.deepEqual(small.shape, [1, 16, 12]);
  assert.equal(small.data[Math.floor(37 / 4) * 12 + Math.floor(21 / 4)], -0.5);
  assert.equal(small.data[0], Math.fround(1.2));
  assert.ok(Number.isNaN(small.data[15 * 12 + 11]!));
  assert.equal(small.data.filter((v) => v < 0).length, 1);
  const volume = { data: new Float32Array(8), shape: [2, 2, 2] as [number, number, number] };
  assert.equal(shrinkKeepingFolds(volume, 1), volume, "volumes are left alone");
});
