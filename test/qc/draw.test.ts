import assert from "node:assert/strict";
import { test } from "node:test";
import { clipSegment, drawDisc, drawLine, drawRing } from "../../src/qc/draw.js";
import { createRgb, getPixel, type Rgb } from "../../src/qc/rgb.js";

const lit = (img: Rgb): string[] => {
  const out: string[] = [];
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (getPixel(img, x, y)![0] > 0) out.push(`${x},${y}`);
  return out;
};

test("drawLine draws Bresenham's pixels, both ends included, in either direction", () => {
  const a = createRgb(8, 5), b = createRgb(8, 5);
  drawLine(a, 0, 0, 6, 2, [255, 0, 0]);
  drawLine(b, 6, 2, 0, 0, [255, 0, 0]);
  assert.deepEqual(lit(a), ["0,0", "1,0", "2,1", "3,1", "4,1", "5,2", "6,2"]);
  assert.equal(lit(b).length, 7);
  const c = createRgb(5, 5);
  drawLine(c, 2, 4, 2, 0, [255, 0, 0]);
  assert.deepEqual(lit(c), ["2,0", "2,1", "2,2", "2,3", "2,4"]);
});

test("drawLine clips far ends instead of walking to them, and ignores non-finite ends", () => {
  const img = createRgb(10, 10);
  drawLine(img, 5, 5, 5, 1e12, [255, 0, 0]);
  assert.deepEqual(lit(img), ["5,5", "5,6", "5,7", "5,8", "5,9"]);
  drawLine(img, 0, 0, NaN, 3, [255, 0, 0]);
  assert.equal(lit(img).length, 5);
  assert.equal(clipSegment(-5, -5, -1, -1, 0, 9, 9), undefined);
  assert.deepEqual(clipSegment(-10, 5, 20, 5, 0, 9, 9), [0, 5, 9, 5]);
});

test("drawDisc and drawRing cover the expected pixels", () => {
  const d = createRgb(7, 7);
  drawDisc(d, 3, 3, 1, [255, 0, 0]);
  assert.deepEqual(lit(d), ["2,2", "3,2", "4,2", "2,3", "3,3", "4,3", "2,4", "3,4", "4,4"]); // centres within 1.5
  const d2 = createRgb(7, 7);
  drawDisc(d2, 3, 3, 2, [255, 0, 0]);
  assert.equal(lit(d2).length, 21); // 5×5 less the four corners
  const r = createRgb(7, 7);
  drawRing(r, 3, 3, 2, [255, 0, 0]);
  assert.ok(!lit(r).includes("3,3") && lit(r).includes("3,1") && lit(r).includes("5,3"));
  drawDisc(r, 0, 0, 3, [255, 0, 0]); // clipped at the corner, no throw
});
