import assert from "node:assert/strict";
import { test } from "node:test";
import sharp from "sharp";
import { OptionError } from "../../src/core/errors.js";
import { encodePng } from "../../src/qc/encode-png.js";
import { createRgb, setPixel } from "../../src/qc/rgb.js";

test("encodePng round-trips the exact RGB bytes", async () => {
  const img = createRgb(5, 3, [10, 20, 30]);
  setPixel(img, 4, 2, [255, 0, 128]);
  const png = await encodePng(img);
  assert.equal(png.subarray(1, 4).toString("latin1"), "PNG");
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [5, 3, 3]);
  assert.deepEqual(new Uint8Array(data), img.data);
});

test("encodePng rejects a raster whose data does not match its size", async () => {
  await assert.rejects(encodePng({ data: new Uint8Array(10), width: 2, height: 2 }),
    (e: unknown) => e instanceof OptionError && /encodePng: rgb: got "2×2 with 10 bytes"/.test(e.message));
});
