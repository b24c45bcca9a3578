// openMetaImage: the elastix example case, synthetic .mha/.mhd files for every layout (byte order, compression,
// channels, HeaderSize, oblique TransformMatrix checked against the header by hand), and a bad-file corpus.

import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { deflateSync } from "node:zlib";
import { pixelBytes, swapBytesInPlace } from "../../../src/core/dtype.js";
import { indexToPhysical } from "../../../src/core/space.js";
import { openMetaImage } from "../../../src/io/metaimage/read.js";
import { DATA, HAVE_DATA, randomPlane, range, readAll, rejectsInput, seeded, withTmp } from "../../helpers/image-fixtures.js";

const ELASTIX = join(DATA, "elastix_example_2d_brain_mr");

describe("openMetaImage on elastix_example_2d_brain_mr", { skip: !HAVE_DATA && "no ../shared/data" }, () => {
  for (const [name, lo, hi] of [["fixed", -2, 217], ["moving", 0, 251]] as const) {
    test(`${name}.mhd: 256×256 int16, spacing 1, origin 0, identity, range [${lo}, ${hi}]`, async () => {
      const s = await openMetaImage(join(ELASTIX, `${name}.mhd`));
      assert.equal(s.meta.format, "metaimage");
      assert.equal(s.meta.ndim, 2);
      assert.equal(s.meta.dtype, "int16");
      assert.deepEqual(s.meta.levels[0]!.shape, [1, 256, 256]);
      assert.deepEqual(s.meta.space.spacing, [1, 1, 1]);
      assert.deepEqual(s.meta.space.origin, [0, 0, 0]);
      assert.deepEqual(s.meta.space.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
      assert.deepEqual(range((await readAll(s))[0]!), [lo, hi]);
    });
  }
  for (const name of ["mask_fixed", "mask_moving"]) {
    test(`${name}.mhd: MET_CHAR (int8) 0/1 (its .raw has 12 trailing bytes, ignored)`, async () => {
      const s = await openMetaImage(join(ELASTIX, `${name}.mhd`));
      assert.equal(s.meta.dtype, "int8");
      assert.deepEqual(range((await readAll(s))[0]!), [0, 1]);
    });
  }
  test("the reference result opens on the same grid", async () => {
    const s = await openMetaImage(join(ELASTIX, "solution_deformedmovingimage.mhd"));
    assert.deepEqual(s.meta.levels[0]!.shape, [1, 256, 256]);
  });
});

/** A .mha file: header lines + "ElementDataFile = LOCAL" + data. */
function mha(lines: string[], data: Uint8Array, dataFile = "LOCAL"): Buffer {
  return Buffer.concat([Buffer.from([...lines, `ElementDataFile = ${dataFile}`].join("\n") + "\n", "latin1"), data]);
}

describe("openMetaImage layouts", () => {
  const rng = seeded(31);

  test("3D oblique frame: index → physical = Offset + TransformMatrix columns × spacing, by hand", async () => {
    await withTmp(async (dir) => {
      const c = Math.cos(0.5), s = Math.sin(0.5);
      // index axis i → (c, s, 0), j → (−s, c, 0), k → (0, 0, −1): groups of three in the file are the columns
      const lines = ["ObjectType = Image", "NDims = 3", "DimSize = 4 3 2", "ElementType = MET_USHORT", "ElementSpacing = 0.5 2 3",
        "Offset = 10 -20 30", `TransformMatrix = ${c} ${s} 0 ${-s} ${c} 0 0 0 -1`];
      const p = join(dir, "o.mha");
      await writeFile(p, mha(lines, new Uint8Array(48)));
      const src = await openMetaImage(p);
      assert.equal(src.meta.ndim, 3);
      assert.deepEqual(src.meta.levels[0]!.shape, [2, 3, 4]);
      assert.deepEqual(src.meta.space.spacing, [3, 2, 0.5]);
      assert.deepEqual(src.meta.space.origin, [30, -20, 10]);
      const [i, j, k] = [3, 1, 1];
      const hand = [10 + c * 0.5 * i - s * 2 * j, -20 + s * 0.5 * i + c * 2 * j, 30 - 3 * k]; // LPS x, y, z
      const ours = indexToPhysical(src.meta.space, [k, j, i]);
      assert.ok(Math.abs(ours[2] - hand[0]!) < 1e-12 && Math.abs(ours[1] - hand[1]!) < 1e-12 && Math.abs(ours[0] - hand[2]!) < 1e-12);
    });
  });

  test(".mhd with its data in a subfolder, big-endian (BinaryDataByteOrderMSB)", async () => {
    await withTmp(async (dir) => {
      const data = randomPlane("int32", 24, rng);
      const be = Buffer.from(pixelBytes(data));
      swapBytesInPlace(be, 4);
      await mkdir(join(dir, "d"));
      await writeFile(join(dir, "d", "x.raw"), be);
      const p = join(dir, "x.mhd");
      await writeFile(p, ["NDims = 3", "DimSize = 4 3 2", "ElementType = MET_INT", "BinaryDataByteOrderMSB = True", "ElementDataFile = d/x.raw"].join("\n") + "\n");
      assert.deepEqual(Array.from((await readAll(await openMetaImage(p)))[0]!), Array.from(data));
    });
  });

  test("ElementByteOrderMSB is honoured too; ElementSize stands in for a missing ElementSpacing", async () => {
    await withTmp(async (dir) => {
      const data = randomPlane("float64", 6, rng);
      const be = Buffer.from(pixelBytes(data));
      swapBytesInPlace(be, 8);
      const p = join(dir, "e.mha");
      await writeFile(p, mha(["NDims = 2", "DimSize = 3 2", "ElementType = MET_DOUBLE", "ElementByteOrderMSB = True", "ElementSize = 0.25 4"], be));
      const s = await openMetaImage(p);
      assert.deepEqual(s.meta.space.spacing, [1, 4, 0.25]);
      assert.ok(Buffer.from(pixelBytes((await readAll(s))[0]!)).equals(Buffer.from(pixelBytes(data))));
    });
  });

  test("CompressedData with and without CompressedDataSize", async () => {
    await withTmp(async (dir) => {
      const data = randomPlane("int16", 240, rng);
      const z = deflateSync(pixelBytes(data));
      for (const withSize of [true, false]) {
        const p = join(dir, `c${withSize}.mha`);
        const lines = ["NDims = 3", "DimSize = 10 6 4", "ElementType = MET_SHORT", "CompressedData = True", ...(withSize ? [`CompressedDataSize = ${z.length}`] : [])];
        await writeFile(p, mha(lines, z));
        assert.deepEqual(Array.from((await readAll(await openMetaImage(p)))[0]!), Array.from(data));
      }
    });
  });

  test("ElementNumberOfChannels: interleaved samples → channels C0..", async () => {
    await withTmp(async (dir) => {
      const n = 6, data = randomPlane("uint8", 3 * n, rng);
      const p = join(dir, "rgb.mha");
      await writeFile(p, mha(["NDims = 2", "DimSize = 3 2", "ElementType = MET_UCHAR", "ElementNumberOfChannels = 3"], pixelBytes(data)));
      const s = await openMetaImage(p);
      assert.deepEqual(s.meta.channels, ["C0", "C1", "C2"]);
      const planes = await readAll(s);
      for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) assert.equal(planes[c]![i], data[3 * i + c]);
    });
  });

  test("HeaderSize skips bytes in the data file; −1 takes the data from its end", async () => {
    await withTmp(async (dir) => {
      const data = randomPlane("uint16", 6, rng);
      await writeFile(join(dir, "h.raw"), Buffer.concat([Buffer.alloc(7, 9), pixelBytes(data)]));
      for (const hs of ["7", "-1"]) {
        const p = join(dir, `h${hs}.mhd`);
        await writeFile(p, ["NDims = 2", "DimSize = 3 2", "ElementType = MET_USHORT", `HeaderSize = ${hs}`, "ElementDataFile = h.raw"].join("\n") + "\n");
        assert.deepEqual(Array.from((await readAll(await openMetaImage(p)))[0]!), Array.from(data));
      }
    });
  });

  test("CRLF line ends", async () => {
    await withTmp(async (dir) => {
      const p = join(dir, "crlf.mha");
      await writeFile(p, Buffer.concat([Buffer.from("NDims = 2\r\nDimSize = 2 2\r\nElementType = MET_UCHAR\r\nElementDataFile = LOCAL\r\n"), Buffer.from([1, 2, 3, 4])]));
      assert.deepEqual(Array.from((await readAll(await openMetaImage(p)))[0]!), [1, 2, 3, 4]);
    });
  });
});

describe("openMetaImage rejects bad files with InputError", () => {
  const base = ["ObjectType = Image", "NDims = 2", "DimSize = 4 4", "ElementType = MET_SHORT"];
  const cases: [string, string, () => Buffer, string][] = [
    ["empty", "empty.mha", () => Buffer.alloc(0), "empty file"],
    ["missing raw file", "missing.mhd", () => Buffer.from([...base, "ElementDataFile = nothere.raw"].join("\n") + "\n"), 'data file "nothere.raw" named by ElementDataFile is missing'],
    ["absurd DimSize", "huge.mha", () => mha(["NDims = 3", "DimSize = 1000000 1000000 1000000", "ElementType = MET_SHORT"], Buffer.alloc(8)), "absurd"],
    ["zero DimSize", "zero.mha", () => mha(["NDims = 2", "DimSize = 4 0", "ElementType = MET_SHORT"], Buffer.alloc(8)), "DimSize along y is 0"],
    ["unknown ElementType", "type.mha", () => mha(["NDims = 2", "DimSize = 2 2", "ElementType = MET_QUATERNION"], Buffer.alloc(32)), 'unknown or unsupported ElementType "MET_QUATERNION"'],
    ["missing ElementType", "notype.mha", () => mha(["NDims = 2", "DimSize = 2 2"], Buffer.alloc(32)), "missing ElementType"],
    ["truncated raw data", "trunc.mha", () => mha(base, Buffer.alloc(20)), "data is truncated"],
    ["truncated compressed data", "ztrunc.mha", () => {
      const z = deflateSync(Buffer.from(pixelBytes(randomPlane("int16", 16, seeded(2)))));
      return mha([...base, "CompressedData = True"], z.subarray(0, z.length - 8));
    }, "truncated or corrupt"],
    ["compressed size past the end", "zsize.mha", () => mha([...base, "CompressedData = True", "CompressedDataSize = 9999"], Buffer.alloc(10)), "CompressedDataSize is 9999"],
    ["NDims 4", "four.mha", () => mha(["NDims = 4", "DimSize = 2 2 2 2", "ElementType = MET_UCHAR"], Buffer.alloc(16)), "NDims is 4"],
    ["ElementDataFile LIST", "list.mhd", () => Buffer.from([...base, "ElementDataFile = LIST"].join("\n") + "\n"), "a list or pattern of slice files) is not supported"],
    ["zero spacing", "sp.mha", () => mha([...base, "ElementSpacing = 1 0"], Buffer.alloc(32)), "spacing along y is 0"],
    ["NaN spacing", "nan.mha", () => mha([...base, "ElementSpacing = nan 1"], Buffer.alloc(32)), "must hold 2 numbers"],
    ["singular matrix", "sing.mha", () => mha([...base, "TransformMatrix = 1 0 1 0"], Buffer.alloc(32)), "singular"],
    ["no ElementDataFile", "nofile.mha", () => Buffer.from(base.join("\n") + "\n"), "no ElementDataFile line"],
    ["a text file", "text.mha", () => Buffer.from("just some words\nand more\n"), 'has no "Key = Value" form'],
    ["ASCII data", "ascii.mha", () => mha([...base, "BinaryData = False"], Buffer.alloc(32)), "ASCII pixel data"],
  ];
  for (const [name, file, bytes, phrase] of cases) {
    test(name, async () => {
      await withTmp(async (dir) => {
        const p = join(dir, file);
        await writeFile(p, bytes());
        const opened = openMetaImage(p);
        // truncated compressed streams are only found when decoding
        await rejectsInput(name === "truncated compressed data" ? opened.then(readAll) : opened, p, phrase);
      });
    });
  }
});
