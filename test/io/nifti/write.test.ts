// writeNifti → openNifti round trips: every dtype, 2D and 3D, one and several channels, .nii and .nii.gz,
// awkward frames preserved to 1e-6; NIfTI-2 for long axes; bounded slab reads; options that cannot apply rejected.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { DTYPES, type DType, type PixelArray } from "../../../src/core/dtype.js";
import { OptionError, OutputError } from "../../../src/core/errors.js";
import type { Source } from "../../../src/core/source.js";
import { indexToPhysical, voxelCount, type Space, type Vec3 } from "../../../src/core/space.js";
import { arraySource } from "../../../src/io/array-source.js";
import { openNifti } from "../../../src/io/nifti/read.js";
import { writeNifti } from "../../../src/io/nifti/write.js";
import { assertSameBytes, assertSpaceClose, awkwardSpace2d, awkwardSpace3d, randomPlane, readAll, seeded, withTmp } from "../../helpers/image-fixtures.js";

function source(shape: Vec3, dtype: DType, channels: number, space: Space, seed: number): Source {
  const rng = seeded(seed);
  const planes: PixelArray[] = Array.from({ length: channels }, () => randomPlane(dtype, voxelCount(shape), rng));
  return arraySource({ shape, dtype, planes, space });
}

/** Wraps a source and records every region read. */
function recording(s: Source): { source: Source; reads: number[] } {
  const reads: number[] = [];
  return {
    reads,
    source: {
      meta: s.meta,
      read: (region, level, options) => {
        reads.push(voxelCount(region.size) * (options?.channels?.length ?? s.meta.channels.length));
        return s.read(region, level, options);
      },
      close: () => s.close(),
    },
  };
}

describe("writeNifti → openNifti is bit-exact", () => {
  for (const ext of [".nii", ".nii.gz"]) {
    for (const dtype of DTYPES) {
      test(`${dtype} 3D ${ext}, awkward frame (with reflection)`, async () => {
        await withTmp(async (dir) => {
          const src = source([3, 5, 7], dtype, 1, awkwardSpace3d(true), 1);
          const p = join(dir, `a${ext}`);
          await writeNifti(src, p);
          const back = await openNifti(p);
          assert.equal(back.meta.ndim, 3);
          assert.equal(back.meta.dtype, dtype);
          assert.deepEqual(back.meta.levels[0]!.shape, [3, 5, 7]);
          assertSpaceClose(back.meta.space, src.meta.space, 1e-6);
          assertSameBytes((await readAll(back))[0]!, (await readAll(src))[0]!, dtype);
        });
      });
      test(`${dtype} 2D ${ext}, rotated in-plane frame`, async () => {
        await withTmp(async (dir) => {
          const src = source([1, 6, 9], dtype, 1, awkwardSpace2d(), 2);
          const p = join(dir, `b${ext}`);
          await writeNifti(src, p);
          const back = await openNifti(p);
          assert.equal(back.meta.ndim, 2);
          assert.deepEqual(back.meta.levels[0]!.shape, [1, 6, 9]);
          assertSpaceClose(back.meta.space, src.meta.space, 1e-6);
          assertSameBytes((await readAll(back))[0]!, (await readAll(src))[0]!, dtype);
        });
      });
    }
  }

  test("several channels → vector image (dim[5], intent VECTOR), read back as c0, c1, c2", async () => {
    await withTmp(async (dir) => {
      const src = source([2, 4, 5], "int16", 3, awkwardSpace3d(), 3);
      const p = join(dir, "v.nii.gz");
      await writeNifti(src, p);
      const raw = gunzipSync(await readFile(p));
      assert.equal(raw.readInt16LE(40), 5); // dim[0]
      assert.equal(raw.readInt16LE(50), 3); // dim[5]
      assert.equal(raw.readInt16LE(68), 1007); // intent_code
      const back = await openNifti(p);
      assert.deepEqual(back.meta.channels, ["c0", "c1", "c2"]);
      const [a, b] = [await readAll(back), await readAll(src)];
      for (let c = 0; c < 3; c++) assertSameBytes(a[c]!, b[c]!, `channel ${c}`);
    });
  });

  test("a 2D image with channels stays 2D (dim[3] = 1, planar frame)", async () => {
    await withTmp(async (dir) => {
      const src = source([1, 4, 5], "uint8", 3, awkwardSpace2d(), 8);
      const p = join(dir, "v2.nii");
      await writeNifti(src, p);
      const back = await openNifti(p);
      assert.equal(back.meta.ndim, 2);
      assertSpaceClose(back.meta.space, src.meta.space, 1e-6);
      const [a, b] = [await readAll(back), await readAll(src)];
      for (let c = 0; c < 3; c++) assertSameBytes(a[c]!, b[c]!, `channel ${c}`);
    });
  });

  test("an axis longer than 32767 switches to NIfTI-2", async () => {
    await withTmp(async (dir) => {
      const src = source([1, 1, 40000], "uint8", 1, awkwardSpace2d(), 4);
      const p = join(dir, "long.nii");
      await writeNifti(src, p);
      const raw = await readFile(p);
      assert.equal(raw.readInt32LE(0), 540);
      assert.equal(raw.toString("latin1", 4, 7), "n+2");
      const back = await openNifti(p);
      assert.deepEqual(back.meta.levels[0]!.shape, [1, 1, 40000]);
      assertSpaceClose(back.meta.space, src.meta.space, 1e-12); // doubles in NIfTI-2
      assertSameBytes((await readAll(back))[0]!, (await readAll(src))[0]!, "data");
    });
  });

  test("the header holds what ITK writes: sform = RAS direction × spacing, both codes SCANNER_ANAT", async () => {
    await withTmp(async (dir) => {
      const space = awkwardSpace3d();
      const src = source([2, 3, 4], "float32", 1, space, 5);
      const p = join(dir, "h.nii");
      await writeNifti(src, p);
      const b = await readFile(p);
      assert.equal(b.readInt16LE(252), 1);
      assert.equal(b.readInt16LE(254), 1);
      const srow = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => b.readFloatLE(280 + 16 * r + 4 * c)));
      // voxel (i, j, k) through srow, RAS → LPS, must equal our index → physical
      for (const [i, j, k] of [[0, 0, 0], [3, 2, 1], [1, 0, 1]] as const) {
        const ras = srow.map((r) => r[0]! * i + r[1]! * j + r[2]! * k + r[3]!);
        const ours = indexToPhysical(space, [k, j, i]);
        assert.ok(Math.abs(ours[0] - ras[2]!) < 1e-4 && Math.abs(ours[1] + ras[1]!) < 1e-4 && Math.abs(ours[2] + ras[0]!) < 1e-4);
      }
    });
  });

  test("reads the source slab by slab, one channel at a time", async () => {
    await withTmp(async (dir) => {
      const { source: src, reads } = recording(source([4, 8, 8], "uint8", 2, awkwardSpace3d(), 6));
      await writeNifti(src, join(dir, "r.nii"));
      assert.ok(reads.length >= 2 && reads.every((n) => n <= 4 * 8 * 8), `reads ${reads.join(",")}`);
    });
  });
});

describe("writeNifti refuses what it cannot write", () => {
  const src = source([1, 2, 2], "uint8", 1, awkwardSpace2d(), 7);
  test("a name that is not .nii / .nii.gz", async () => {
    await assert.rejects(writeNifti(src, "/tmp/x.mha"), (e) => e instanceof OutputError && e.message.includes('".nii" or ".nii.gz"'));
  });
  test("options with no effect", async () => {
    await assert.rejects(writeNifti(src, "/tmp/x.nii", { tileSize: 256 }), (e) => e instanceof OptionError && e.option === "tileSize");
    await assert.rejects(writeNifti(src, "/tmp/x.nii", { compression: "gzip" }), (e) => e instanceof OptionError && e.option === "compression");
    await assert.rejects(writeNifti(src, "/tmp/x.nii.gz", { compression: "zstd" }), (e) => e instanceof OptionError && e.message.includes('"gzip"'));
    await assert.rejects(writeNifti(src, "/tmp/x.nii", { levels: 3 }), (e) => e instanceof OptionError && e.option === "levels");
  });
});
