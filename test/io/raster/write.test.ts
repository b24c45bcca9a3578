// writePng → openRaster round trips (uint8/uint16 × 1–4 channels, bit-exact) and the refusals: volumes,
// float data, too many channels, wrong names, options with no effect.

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { DType, PixelArray } from "../../../src/core/dtype.js";
import { OptionError, OutputError } from "../../../src/core/errors.js";
import { defaultSpace, voxelCount, type Vec3 } from "../../../src/core/space.js";
import { arraySource } from "../../../src/io/array-source.js";
import { openRaster } from "../../../src/io/raster/read.js";
import { writePng } from "../../../src/io/raster/write.js";
import { assertSameBytes, randomPlane, readAll, seeded, withTmp } from "../../helpers/image-fixtures.js";

function source(shape: Vec3, dtype: DType, channels: number, seed = 1) {
  const rng = seeded(seed);
  const planes: PixelArray[] = Array.from({ length: channels }, () => randomPlane(dtype, voxelCount(shape), rng));
  return arraySource({ shape, dtype, planes, space: defaultSpace() });
}

describe("writePng → openRaster is bit-exact", () => {
  const names: Record<number, string[]> = { 1: ["gray"], 2: ["gray", "A"], 3: ["R", "G", "B"], 4: ["R", "G", "B", "A"] };
  for (const dtype of ["uint8", "uint16"] as const) {
    for (const channels of [1, 2, 3, 4]) {
      test(`${dtype} × ${channels} channel(s)`, async () => {
        await withTmp(async (dir) => {
          const src = source([1, 13, 17], dtype, channels);
          const p = join(dir, "a.png");
          await writePng(src, p);
          const back = await openRaster(p);
          assert.equal(back.meta.dtype, dtype);
          assert.deepEqual(back.meta.levels[0]!.shape, [1, 13, 17]);
          assert.deepEqual(back.meta.channels, names[channels]);
          const [a, b] = [await readAll(back), await readAll(src)];
          for (let c = 0; c < channels; c++) assertSameBytes(a[c]!, b[c]!, `channel ${c}`);
        });
      });
    }
  }
  test('compression "none" writes a valid, larger PNG', async () => {
    await withTmp(async (dir) => {
      const src = source([1, 32, 32], "uint8", 1);
      await writePng(src, join(dir, "n.png"), { compression: "none" });
      assertSameBytes((await readAll(await openRaster(join(dir, "n.png"))))[0]!, (await readAll(src))[0]!, "data");
    });
  });
});

describe("writePng refuses what PNG cannot hold", () => {
  const isOutput = (phrase: string) => (e: unknown) => e instanceof OutputError && e.message.includes(phrase);
  test("a volume", async () => {
    await assert.rejects(writePng(source([2, 4, 4], "uint8", 1), "/tmp/v.png"), isOutput("has 2 z-slices"));
  });
  test("float data", async () => {
    await assert.rejects(writePng(source([1, 4, 4], "float32", 1), "/tmp/f.png"), isOutput("not float32"));
  });
  test("5 channels", async () => {
    await assert.rejects(writePng(source([1, 4, 4], "uint8", 5), "/tmp/c.png"), isOutput("not 5"));
  });
  test("a name that is not .png", async () => {
    await assert.rejects(writePng(source([1, 4, 4], "uint8", 1), "/tmp/c.jpg"), isOutput('".png"'));
  });
  test("options with no effect", async () => {
    await assert.rejects(writePng(source([1, 4, 4], "uint8", 1), "/tmp/o.png", { tileSize: 64 }), (e) => e instanceof OptionError && e.option === "tileSize");
    await assert.rejects(writePng(source([1, 4, 4], "uint8", 1), "/tmp/o.png", { compression: "lzw" }), (e) => e instanceof OptionError && e.option === "compression");
  });
});
