import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../../src/core/errors.js";
import { AFTER_COLOUR, BEFORE_COLOUR, FIXED_COLOUR, landmarkArrows, landmarkToQcIndex } from "../../src/qc/landmark-arrows.js";
import { PANEL_GAP } from "../../src/qc/orthogonal-slices.js";
import { getPixel } from "../../src/qc/rgb.js";
import { imageFrom } from "./fixtures.js";

const base = imageFrom([1, 40, 50], (_z, y, x) => (x + y) % 7);

test("arrows start at the fixed landmark and end on the before (red) and after (green) positions", () => {
  const out = landmarkArrows(base, [[10, 20]], [[30, 20]], [[10, 30]], 1, { dotRadius: 1 });
  assert.deepEqual([out.width, out.height], [50, 40]);
  assert.deepEqual(getPixel(out, 30, 20), [...BEFORE_COLOUR]); // end of the before arrow (x = 30, y = 20)
  assert.deepEqual(getPixel(out, 31, 20), [...BEFORE_COLOUR]); // its dot
  assert.deepEqual(getPixel(out, 20, 20), [...BEFORE_COLOUR]); // on the before line
  assert.deepEqual(getPixel(out, 10, 30), [...AFTER_COLOUR]); // end of the after arrow
  assert.deepEqual(getPixel(out, 10, 25), [...AFTER_COLOUR]); // on the after line
  assert.deepEqual(getPixel(out, 12, 20), [...FIXED_COLOUR]); // ring of radius 2 around (10, 20)
  const [r, g, b] = getPixel(out, 40, 5)!;
  assert.ok(r === g && g === b, "the base image is grey");
});

test("scale maps landmark pixels to QC pixels with pixel centres aligned", () => {
  assert.deepEqual(landmarkToQcIndex([40, 80], [0.25, 0.25]), [0, 80 * 0.25 - 0.375, 40 * 0.25 - 0.375]);
  assert.deepEqual(landmarkToQcIndex([3, 4, 5], [1, 1, 1]), [5, 4, 3]);
  // landmark (121.5, 81.5) at scale 1/4 is the centre of QC pixel (30, 20)
  const out = landmarkArrows(base, [[41.5, 81.5]], [], [[121.5, 81.5]], 0.25, { dotRadius: 0 });
  assert.deepEqual(getPixel(out, 30, 20), [...AFTER_COLOUR]);
  assert.deepEqual(getPixel(out, 20, 20), [...AFTER_COLOUR]);
});

test("3D landmarks are projected onto all three mid-slice panels", () => {
  const vol = imageFrom([10, 12, 14], () => 0);
  const out = landmarkArrows(vol, [[2, 3, 4]], [], [[8, 3, 4]], 1, { dotRadius: 0 });
  assert.deepEqual([out.width, out.height], [14 + 14 + 12 + 2 * PANEL_GAP, 12]);
  assert.deepEqual(getPixel(out, 8, 3), [...AFTER_COLOUR]); // z panel: (x, y)
  assert.deepEqual(getPixel(out, 14 + PANEL_GAP + 8, 4), [...AFTER_COLOUR]); // y panel: (x, z)
  assert.deepEqual(getPixel(out, 28 + 2 * PANEL_GAP + 3, 4), [...AFTER_COLOUR]); // x panel: (y, z), before and after coincide
});

test("mismatched point lists and dimensions are rejected with the counts", () => {
  assert.throws(() => landmarkArrows(base, [[1, 2], [3, 4]], [[1, 2]], [], 1),
    (e: unknown) => e instanceof OptionError && /mappedBefore: got "1 points"; expected one point per fixed landmark \(2\), or none/.test(e.message));
  assert.throws(() => landmarkArrows(base, [[1, 2, 3]], [], [], 1), (e: unknown) => e instanceof OptionError && /fixedPts\[0\]/.test(e.message));
  assert.throws(() => landmarkArrows(base, [[1, 2]], [], [], [1, 1, 1]), (e: unknown) => e instanceof OptionError && /scale/.test(e.message));
});
