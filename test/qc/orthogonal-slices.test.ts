import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../../src/core/errors.js";
import { extractSlice, midViews, orthogonalSlices, PANEL_GAP } from "../../src/qc/orthogonal-slices.js";
import { createRgb, getPixel } from "../../src/qc/rgb.js";
import { imageFrom } from "./fixtures.js";

const code = (z: number, y: number, x: number) => 10000 * z + 100 * y + x;

test("extractSlice takes the mid z, y and x planes with rows and columns in axis order", () => {
  const vol = imageFrom([5, 6, 7], code);
  const [vz, vy, vx] = midViews(vol.shape);
  const sz = extractSlice(vol, vz!), sy = extractSlice(vol, vy!), sx = extractSlice(vol, vx!);
  assert.deepEqual(sz.shape, [1, 6, 7]);
  assert.deepEqual(sy.shape, [1, 5, 7]);
  assert.deepEqual(sx.shape, [1, 5, 6]);
  assert.equal(sz.data[4 * 7 + 5], code(2, 4, 5));
  assert.equal(sy.data[4 * 7 + 5], code(4, 3, 5));
  assert.equal(sx.data[4 * 6 + 5], code(4, 5, 3));
});

test("a 3D image gives three panels side by side: width nx + nx + ny + 2 gaps, height max(ny, nz)", () => {
  const vol = imageFrom([5, 6, 7], code);
  const seen: number[] = [];
  const out = orthogonalSlices(vol, (slice, view) => {
    seen.push(view.axis);
    return createRgb(slice.shape[2], slice.shape[1], [50 * (view.axis + 1), 0, 0]);
  });
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(out.width, 7 + 7 + 6 + 2 * PANEL_GAP);
  assert.equal(out.height, 6);
  assert.deepEqual(getPixel(out, 0, 5), [50, 0, 0]);
  assert.deepEqual(getPixel(out, 7, 0), [0, 0, 0]); // gap
  assert.deepEqual(getPixel(out, 7 + PANEL_GAP, 4), [100, 0, 0]);
  assert.deepEqual(getPixel(out, 7 + PANEL_GAP, 5), [0, 0, 0]); // below the shorter y panel
  assert.deepEqual(getPixel(out, out.width - 1, 0), [150, 0, 0]);
});

test("a 2D image passes through as one panel, and several inputs are sliced together", () => {
  const a = imageFrom([1, 3, 4], code), b = imageFrom([1, 3, 4], (_z, y, x) => -code(0, y, x));
  const out = orthogonalSlices([a, b], ([sa, sb], view) => {
    assert.equal(sa, a);
    assert.equal(sb, b);
    assert.deepEqual(view, { axis: 0, index: 0, rowAxis: 1, colAxis: 2 });
    return createRgb(4, 3);
  });
  assert.deepEqual([out.width, out.height], [4, 3]);
});

test("inputs on different grids are rejected with both shapes", () => {
  assert.throws(() => orthogonalSlices([imageFrom([1, 3, 4], code), imageFrom([1, 4, 3], code)], () => createRgb(1, 1)),
    (e: unknown) => e instanceof OptionError && /input\[1\]\.shape: got \[1,4,3\]; expected the shape of input\[0\], \[1,3,4\]/.test(e.message));
});
