import assert from "node:assert/strict";
import { test } from "node:test";
import { overlay } from "../../src/qc/overlay.js";
import { PANEL_GAP } from "../../src/qc/orthogonal-slices.js";
import { getPixel } from "../../src/qc/rgb.js";
import { blobs, imageFrom } from "./fixtures.js";

test("overlay of an image with itself is grey everywhere (R = G = B)", () => {
  const img = blobs(20, 30);
  const out = overlay(img, img);
  assert.deepEqual([out.width, out.height], [30, 20]);
  for (let i = 0; i < out.data.length; i += 3) {
    assert.equal(out.data[i], out.data[i + 1]);
    assert.equal(out.data[i + 2], out.data[i + 1]);
  }
  assert.ok(out.data.includes(255) && out.data.includes(0), "the robust window spans the full byte range");
});

test("overlay puts fixed in green and warped in magenta, each robustly scaled", () => {
  // fixed bright on the left half, warped bright on the right half; the scales differ by 1000×.
  const fixed = imageFrom([1, 4, 10], (_z, _y, x) => (x < 5 ? 7 : 0));
  const warped = imageFrom([1, 4, 10], (_z, _y, x) => (x >= 5 ? 7000 : 0));
  const out = overlay(fixed, warped);
  assert.deepEqual(getPixel(out, 1, 1), [0, 255, 0]);
  assert.deepEqual(getPixel(out, 8, 2), [255, 0, 255]);
});

test("overlay of identical volumes is grey in all three panels", () => {
  const vol = imageFrom([6, 8, 10], (z, y, x) => Math.sin(z + 2 * y) + Math.cos(x));
  const out = overlay(vol, vol);
  assert.deepEqual([out.width, out.height], [10 + 10 + 8 + 2 * PANEL_GAP, 8]);
  for (let i = 0; i < out.data.length; i += 3) assert.ok(out.data[i] === out.data[i + 1] && out.data[i] === out.data[i + 2]);
});
