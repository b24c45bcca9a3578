// writeMetaImage → openMetaImage round trips: every dtype, 2D and 3D, channels, raw and zlib-compressed, awkward
// frames preserved exactly (numbers written with full double precision); the header is what ITK writes.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { DTYPES, type DType, type PixelArray } from "../../../src/core/dtype.js";
import { OptionError, OutputError } from "../../../src/core/errors.js";
import type { Source } from "../../../src/core/source.js";
import { voxelCount, type Space, type Vec3 } from "../../../src/core/space.js";
import { arraySource } from "../../../src/io/array-source.js";
import { openMetaImage } from "../../../src/io/metaimage/read.js";
import { writeMetaImage } from "../../../src/io/metaimage/write.js";
import { assertSameBytes, assertSpaceClose, awkwardSpace2d, awkwardSpace3d, randomPlane, readAll, seeded, withTmp } from "../../helpers/image-fixtures.js";

function source(shape: Vec3, dtype: DType, channels: number, space: Space, seed: number): Source {
  const rng = seeded(seed);
  const planes: PixelArray[] = Array.from({ length: channels }, () => randomPlane(dtype, voxelCount(shape), rng));
  return arraySource({ shape, dtype, planes, space });
}

describe("writeMetaImage → openMetaImage is bit-exact", () => {
  for (const compression of ["none", "deflate"] as const) {
    for (const dtype of DTYPES) {
      for (const [label, shape, space] of [["3D", [3, 5, 7], awkwardSpace3d(true)], ["2D", [1, 6, 9], awkwardSpace2d()]] as const) {
        test(`${dtype} ${label} ${compression}`, async () => {
          await withTmp(async (dir) => {
            const src = source([...shape], dtype, 1, space, 1);
            const p = join(dir, "a.mha");
            await writeMetaImage(src, p, { compression });
            const back = await openMetaImage(p);
            assert.equal(back.meta.ndim, label === "3D" ? 3 : 2);
            assert.equal(back.meta.dtype, dtype);
            assert.deepEqual(back.meta.levels[0]!.shape, shape);
            assertSpaceClose(back.meta.space, src.meta.space, 1e-15);
            assertSameBytes((await readAll(back))[0]!, (await readAll(src))[0]!, dtype);
          });
        });
      }
    }
  }

  test("3 channels are interleaved (ElementNumberOfChannels = 3) and come back in order", async () => {
    await withTmp(async (dir) => {
      const src = source([2, 3, 4], "uint16", 3, awkwardSpace3d(), 2);
      const p = join(dir, "c.mha");
      await writeMetaImage(src, p, { compression: "gzip" });
      const raw = (await readFile(p)).toString("latin1");
      const text = raw.slice(0, raw.indexOf("ElementDataFile"));
      assert.match(text, /ElementNumberOfChannels = 3\n/);
      assert.match(text, /CompressedData = True\nCompressedDataSize = \d+\n/);
      const [a, b] = [await readAll(await openMetaImage(p)), await readAll(src)];
      for (let c = 0; c < 3; c++) assertSameBytes(a[c]!, b[c]!, `channel ${c}`);
    });
  });

  test("header: ITK's fields, direction columns in TransformMatrix, LPS offset", async () => {
    await withTmp(async (dir) => {
      const space: Space = { spacing: [1, 0.6, 0.6], origin: [0, 170, 90], direction: [1, 0, 0, 0, -1, 0, 0, 0, -1], units: ["millimeter", "millimeter", "millimeter"] };
      const p = join(dir, "h.mha");
      await writeMetaImage(source([1, 2, 3], "int16", 1, space, 3), p);
      const text = (await readFile(p)).toString("latin1");
      const header = text.slice(0, text.indexOf("ElementDataFile = LOCAL\n"));
      assert.match(header, /NDims = 2\n/);
      assert.match(header, /TransformMatrix = -1 0 0 -1\n/);
      assert.match(header, /Offset = 90 170\n/);
      assert.match(header, /ElementSpacing = 0.6 0.6\n/);
      assert.match(header, /DimSize = 3 2\n/);
      assert.match(header, /ElementType = MET_SHORT\n/);
    });
  });
});

describe("writeMetaImage refuses what it cannot write", () => {
  const src = source([1, 2, 2], "uint8", 1, awkwardSpace2d(), 4);
  test(".mhd and other names", async () => {
    await assert.rejects(writeMetaImage(src, "/tmp/x.mhd"), (e) => e instanceof OutputError && e.message.includes('".mha"'));
  });
  test("options with no effect", async () => {
    await assert.rejects(writeMetaImage(src, "/tmp/x.mha", { compression: "zstd" }), (e) => e instanceof OptionError && e.option === "compression");
    await assert.rejects(writeMetaImage(src, "/tmp/x.mha", { channelNames: ["a"] }), (e) => e instanceof OptionError && e.option === "channelNames");
  });
});
