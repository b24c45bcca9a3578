// openNrrd: the ITK-course spine pair (2D, gzip, flipped direction) against its header by hand, synthetic files for
// named spaces (RAS/LAS → LPS), channel axes, detached data, skips and type aliases, and a bad-file corpus.

import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { pixelBytes, swapBytesInPlace } from "../../../src/core/dtype.js";
import { indexToPhysical } from "../../../src/core/space.js";
import { openNrrd } from "../../../src/io/nrrd/read.js";
import { DATA, HAVE_DATA, randomPlane, range, readAll, rejectsInput, seeded, withTmp } from "../../helpers/image-fixtures.js";

const SPINE = join(DATA, "itk_course_spine_mr_t1_t2");

/** A .nrrd file: magic, fields, blank line, data. */
function nrrd(fields: string[], data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(["NRRD0004", ...fields, "", ""].join("\n"), "latin1"), data]);
}

/** "space directions" and "space origin" read from the header text with a regex, independent of our parser. */
function headerGeometry(text: string): { dirs: number[][]; origin: number[] } {
  const vec = (s: string) => s.replace(/[()]/g, "").split(",").map(Number);
  const dirs = /^space directions: (.*)$/m.exec(text)![1]!.trim().split(/\s+/).map(vec);
  const origin = vec(/^space origin: (.*)$/m.exec(text)![1]!.trim());
  return { dirs, origin };
}

describe("openNrrd on itk_course_spine_mr_t1_t2", { skip: !HAVE_DATA && "no ../shared/data" }, () => {
  test("fixed: 230×512 int16, spacing 0.6769, origin (−17.87, −214.07), identity, range [0, 819]", async () => {
    const s = await openNrrd(join(SPINE, "fixed.nrrd"));
    assert.equal(s.meta.format, "nrrd");
    assert.equal(s.meta.ndim, 2);
    assert.equal(s.meta.dtype, "int16");
    assert.deepEqual(s.meta.levels[0]!.shape, [1, 512, 230]);
    const sp = s.meta.space;
    assert.equal(sp.spacing[0], 1);
    assert.ok(Math.abs(sp.spacing[1] - 0.6769) < 1e-4 && Math.abs(sp.spacing[2] - 0.6769) < 1e-4);
    assert.ok(Math.abs(sp.origin[2] - -17.87) < 5e-3 && Math.abs(sp.origin[1] - -214.07) < 5e-3 && sp.origin[0] === 0);
    assert.deepEqual(sp.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    assert.deepEqual(range((await readAll(s))[0]!), [0, 819]);
  });

  test("moving: 242×555 int16, spacing 0.6, direction diag(−1, −1), origin (90, 170), range [−14, 975]", async () => {
    const s = await openNrrd(join(SPINE, "moving.nrrd"));
    assert.deepEqual(s.meta.levels[0]!.shape, [1, 555, 242]);
    assert.deepEqual(s.meta.space.spacing, [1, 0.6, 0.6]);
    assert.deepEqual(s.meta.space.origin, [0, 170, 90]);
    assert.deepEqual(s.meta.space.direction, [1, 0, 0, 0, -1, 0, 0, 0, -1]);
    assert.deepEqual(range((await readAll(s))[0]!), [-14, 975]);
  });

  test("index → physical equals space origin + Σ index × space direction, from the header text", async () => {
    for (const name of ["fixed", "moving"]) {
      const path = join(SPINE, `${name}.nrrd`);
      const text = (await readFile(path)).toString("latin1", 0, 1000);
      const { dirs, origin } = headerGeometry(text);
      const s = await openNrrd(path);
      for (const [x, y] of [[0, 0], [10, 20], [229, 511], [100, 3]] as const) {
        const hand = [0, 1].map((r) => origin[r]! + x * dirs[0]![r]! + y * dirs[1]![r]!);
        const ours = indexToPhysical(s.meta.space, [0, y, x]);
        assert.ok(Math.abs(ours[2] - hand[0]!) < 1e-9 && Math.abs(ours[1] - hand[1]!) < 1e-9, `${name} (${x}, ${y})`);
      }
    }
  });
});

describe("openNrrd layouts", () => {
  const rng = seeded(41);

  test("3D RAS, oblique, gzip: converted to LPS (x, y negated); index → physical by hand", async () => {
    await withTmp(async (dir) => {
      const c = Math.cos(0.3), s = Math.sin(0.3);
      const data = randomPlane("float32", 24, rng);
      const fields = ["type: float", "dimension: 3", "space: right-anterior-superior", "sizes: 4 3 2",
        `space directions: (${0.5 * c},${0.5 * s},0) (${-2 * s},${2 * c},0) (0,0,3)`, "space origin: (10,-20,30)",
        "kinds: domain domain domain", "endian: little", "encoding: gzip"];
      const p = join(dir, "ras.nrrd");
      await writeFile(p, nrrd(fields, gzipSync(pixelBytes(data))));
      const src = await openNrrd(p);
      assert.equal(src.meta.ndim, 3);
      assert.deepEqual(src.meta.levels[0]!.shape, [2, 3, 4]);
      assert.deepEqual(src.meta.space.origin, [30, 20, -10]);
      const [i, j, k] = [3, 2, 1];
      const ras = [10 + i * 0.5 * c - j * 2 * s, -20 + i * 0.5 * s + j * 2 * c, 30 + 3 * k];
      const ours = indexToPhysical(src.meta.space, [k, j, i]);
      assert.ok(Math.abs(ours[2] + ras[0]!) < 1e-12 && Math.abs(ours[1] + ras[1]!) < 1e-12 && Math.abs(ours[0] - ras[2]!) < 1e-12);
      assert.ok(Buffer.from(pixelBytes((await readAll(src))[0]!)).equals(Buffer.from(pixelBytes(data))));
    });
  });

  test("LAS negates y only; LPS is taken as is", async () => {
    await withTmp(async (dir) => {
      for (const [space, expected] of [["left-anterior-superior", [3, -2, 1]], ["LPS", [3, 2, 1]], ["RAS", [3, -2, -1]]] as const) {
        const p = join(dir, `${space}.nrrd`);
        await writeFile(p, nrrd(["type: uchar", "dimension: 3", `space: ${space}`, "sizes: 1 1 1", "space directions: (1,0,0) (0,1,0) (0,0,1)", "space origin: (1,2,3)", "encoding: raw"], new Uint8Array(1)));
        assert.deepEqual((await openNrrd(p)).meta.space.origin, expected, space);
      }
    });
  });

  test("a vector axis first ('none' direction): interleaved channels; RGB-color names R, G, B", async () => {
    await withTmp(async (dir) => {
      const n = 6, data = randomPlane("uint8", 3 * n, rng);
      const p = join(dir, "rgb.nrrd");
      await writeFile(p, nrrd(["type: unsigned char", "dimension: 3", "space: LPS", "sizes: 3 3 2", "space directions: none (1,0,0) (0,1,0)",
        "kinds: RGB-color domain domain", "encoding: raw"], pixelBytes(data)));
      const s = await openNrrd(p);
      assert.deepEqual(s.meta.channels, ["R", "G", "B"]);
      assert.deepEqual(s.meta.levels[0]!.shape, [1, 2, 3]);
      const planes = await readAll(s);
      for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) assert.equal(planes[c]![i], data[3 * i + c]);
    });
  });

  test("a list axis last (from kinds, no space directions): planar channels, spacings used", async () => {
    await withTmp(async (dir) => {
      const n = 6, data = randomPlane("int16", 2 * n, rng);
      const be = Buffer.from(pixelBytes(data));
      swapBytesInPlace(be, 2);
      const p = join(dir, "list.nrrd");
      await writeFile(p, nrrd(["type: signed short", "dimension: 3", "sizes: 3 2 2", "spacings: 0.5 0.25 NaN", "kinds: domain domain list", "endian: big", "encoding: raw"], be));
      const s = await openNrrd(p);
      assert.deepEqual(s.meta.channels, ["C0", "C1"]);
      assert.deepEqual(s.meta.space.spacing, [1, 0.25, 0.5]);
      const planes = await readAll(s);
      assert.deepEqual(Array.from(planes[0]!), Array.from(data.subarray(0, n)));
      assert.deepEqual(Array.from(planes[1]!), Array.from(data.subarray(n)));
    });
  });

  test("detached header (.nhdr + data file) with line skip and byte skip", async () => {
    await withTmp(async (dir) => {
      const data = randomPlane("uint16", 6, rng);
      await writeFile(join(dir, "d.raw"), Buffer.concat([Buffer.from("junk line\n"), Buffer.alloc(5), pixelBytes(data)]));
      const p = join(dir, "d.nhdr");
      await writeFile(p, ["NRRD0004", "type: uint16", "dimension: 2", "sizes: 3 2", "endian: little", "encoding: raw", "data file: d.raw", "line skip: 1", "byte skip: 5", ""].join("\n"));
      assert.deepEqual(Array.from((await readAll(await openNrrd(p)))[0]!), Array.from(data));
    });
  });

  test("byte skip −1 reads raw data from the end of the file", async () => {
    await withTmp(async (dir) => {
      const data = randomPlane("float64", 4, rng);
      const p = join(dir, "end.nrrd");
      await writeFile(p, nrrd(["type: double", "dimension: 2", "sizes: 2 2", "endian: little", "encoding: raw", "byte skip: -1"], Buffer.concat([Buffer.alloc(3), pixelBytes(data)])));
      assert.ok(Buffer.from(pixelBytes((await readAll(await openNrrd(p)))[0]!)).equals(Buffer.from(pixelBytes(data))));
    });
  });

  test("a 2-D slice in 3-D space is a one-slice volume whose normal completes the frame", async () => {
    await withTmp(async (dir) => {
      const p = join(dir, "slice.nrrd");
      await writeFile(p, nrrd(["type: uchar", "dimension: 2", "space: LPS", "sizes: 2 2", "space directions: (0,2,0) (0,0,3)", "space origin: (5,6,7)", "encoding: raw"], new Uint8Array(4)));
      const s = await openNrrd(p);
      assert.equal(s.meta.ndim, 3);
      assert.deepEqual(s.meta.levels[0]!.shape, [1, 2, 2]);
      assert.deepEqual(s.meta.space.spacing, [1, 3, 2]);
      // index x → LPS y, index y → LPS z, normal = x × y = LPS x
      assert.deepEqual(s.meta.space.direction, [0, 1, 0, 0, 0, 1, 1, 0, 0]);
    });
  });

  test("type aliases", async () => {
    await withTmp(async (dir) => {
      for (const [name, dtype] of [["uint8_t", "uint8"], ["signed char", "int8"], ["unsigned short int", "uint16"], ["int", "int32"], ["unsigned int", "uint32"], ["float", "float32"], ["short int", "int16"]] as const) {
        const p = join(dir, "t.nrrd");
        await writeFile(p, nrrd([`type: ${name}`, "dimension: 1", "sizes: 2", "endian: little", "encoding: raw"], new Uint8Array(8)));
        assert.equal((await openNrrd(p)).meta.dtype, dtype, name);
      }
    });
  });
});

describe("openNrrd rejects bad files with InputError", () => {
  const base = ["type: short", "dimension: 2", "sizes: 4 4", "endian: little"];
  const cases: [string, string, () => Buffer, string][] = [
    ["empty", "empty.nrrd", () => Buffer.alloc(0), "empty file"],
    ["not NRRD", "text.nrrd", () => Buffer.from("hello\nworld\n"), "not a NRRD file"],
    ["unknown encoding", "enc.nrrd", () => nrrd([...base, "encoding: foo"], Buffer.alloc(32)), 'unsupported encoding "foo"'],
    ["bzip2 encoding", "bz.nrrd", () => nrrd([...base, "encoding: bzip2"], Buffer.alloc(32)), 'unsupported encoding "bzip2"'],
    ["unknown type", "type.nrrd", () => nrrd(["type: quaternion", "dimension: 1", "sizes: 2", "encoding: raw"], Buffer.alloc(32)), 'unknown type "quaternion"'],
    ["64-bit type", "i64.nrrd", () => nrrd(["type: int64", "dimension: 1", "sizes: 2", "encoding: raw"], Buffer.alloc(32)), "not supported (64-bit"],
    ["absurd sizes", "huge.nrrd", () => nrrd(["type: short", "dimension: 3", "sizes: 1000000 1000000 1000000", "encoding: raw"], Buffer.alloc(32)), "absurd"],
    ["truncated raw", "trunc.nrrd", () => nrrd([...base, "encoding: raw"], Buffer.alloc(20)), "data is truncated"],
    ["missing data file", "d.nhdr", () => Buffer.from(["NRRD0004", ...base, "encoding: raw", "data file: gone.raw", ""].join("\n")), 'data file "gone.raw" is missing'],
    ["sizes count", "count.nrrd", () => nrrd(["type: short", "dimension: 3", "sizes: 4 4", "encoding: raw"], Buffer.alloc(32)), '"sizes" lists 2 values for 3 axes'],
    ["zero-length direction", "dir.nrrd", () => nrrd([...base, "space: LPS", "space directions: (0,0,0) (0,1,0)", "encoding: raw"], Buffer.alloc(32)), "length 0"],
    ["two channel axes", "ch.nrrd", () => nrrd(["type: uchar", "dimension: 4", "sizes: 2 2 4 4", "kinds: vector list domain domain", "encoding: raw"], Buffer.alloc(64)), "at most one channel axis"],
  ];
  for (const [name, file, bytes, phrase] of cases) {
    test(name, async () => {
      await withTmp(async (dir) => {
        const p = join(dir, file);
        await writeFile(p, bytes());
        await rejectsInput(openNrrd(p), p, phrase);
      });
    });
  }

  test("truncated gzip data fails on read", async () => {
    await withTmp(async (dir) => {
      const z = gzipSync(Buffer.from(pixelBytes(randomPlane("int16", 4000, seeded(5)))));
      const p = join(dir, "cut.nrrd");
      await writeFile(p, nrrd(["type: short", "dimension: 2", "sizes: 80 50", "endian: little", "encoding: gzip"], z.subarray(0, z.length >> 1)));
      await rejectsInput(openNrrd(p).then(readAll), p, "truncated or corrupt");
    });
  });

  test("the spine files are gzip NRRD with the header text this test parses", { skip: !HAVE_DATA && "no ../shared/data" }, async () => {
    const b = await readFile(join(SPINE, "fixed.nrrd"));
    const at = b.indexOf("\n\n");
    assert.ok(gunzipSync(b.subarray(at + 2)).length === 230 * 512 * 2);
  });
});
