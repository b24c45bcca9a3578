import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../../src/core/errors.js";
import { checkerboard, checkerSquareSize } from "../../src/qc/checkerboard.js";
import { PANEL_GAP } from "../../src/qc/orthogonal-slices.js";
import { imageFrom } from "./fixtures.js";

test("checkerboard squares alternate between the two sources exactly", () => {
  // fixed ramps up along x, warped down: both windows are exactly [0, 15], so bytes are 17·x and 17·(15 − x),
  // which differ at every column and tell the source of each pixel.
  const fixed = imageFrom([1, 16, 16], (_z, _y, x) => x), warped = imageFrom([1, 16, 16], (_z, _y, x) => 15 - x);
  const out = checkerboard(fixed, warped, 4);
  const s = checkerSquareSize(fixed.shape, 4);
  assert.equal(s, 4);
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 16; x++) {
      const g: number = (Math.floor(y / s) + Math.floor(x / s)) % 2 === 0 ? 17 * x : 17 * (15 - x), o = 3 * (y * 16 + x);
      assert.deepEqual([...out.data.subarray(o, o + 3)], [g, g, g], `pixel (${x}, ${y})`);
    }
  }
});

test("checkerboard squares cover the longest side and keep their size across a volume's panels", () => {
  assert.equal(checkerSquareSize([1, 30, 100], 8), 13);
  const vol = imageFrom([8, 12, 16], (z) => z);
  const out = checkerboard(vol, vol, 4);
  assert.deepEqual([out.width, out.height], [16 + 16 + 12 + 2 * PANEL_GAP, 12]);
});

test("checkerboard rejects a non-positive square count", () => {
  const img = imageFrom([1, 4, 4], () => 0);
  assert.throws(() => checkerboard(img, img, 0), (e: unknown) => e instanceof OptionError && /checkerboard: squares: got 0/.test(e.message));
});
