// openNifti: the real sct_mt0_to_mt1_3d case against its header converted by hand, synthetic files for every layout
// (byte orders, NIfTI-2, RGB, time series, scaling, 2D), and a corpus of bad files that must fail with clear errors.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { pixelBytes, swapBytesInPlace, type DType, type PixelArray } from "../../../src/core/dtype.js";
import { indexToPhysical, type Vec3 } from "../../../src/core/space.js";
import { encodeNiftiHeader, type NiftiHeader } from "../../../src/io/nifti/header.js";
import { openNifti } from "../../../src/io/nifti/read.js";
import { DATA, HAVE_DATA, randomPlane, range, readAll, rejectsInput, seeded, withTmp } from "../../helpers/image-fixtures.js";

const SCT = join(DATA, "sct_mt0_to_mt1_3d");

/** A header with sensible defaults (int16, 3D, no transforms), overridden by `over`. */
function hdr(over: Partial<Omit<NiftiHeader, "magic">>): Omit<NiftiHeader, "magic"> {
  return {
    version: 1, littleEndian: true, dim: [3, 4, 3, 2, 1, 1, 1, 1], pixdim: [1, 1, 1, 1, 0, 0, 0, 0],
    datatype: 4, bitpix: 16, voxOffset: 352, sclSlope: 0, sclInter: 0, xyztUnits: 2, intentCode: 0,
    qformCode: 0, sformCode: 0, quatern: [0, 0, 0], qoffset: [0, 0, 0], srow: [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]],
    descrip: "", ...over,
  };
}

function nii(h: Omit<NiftiHeader, "magic">, data: Uint8Array): Buffer {
  const head = encodeNiftiHeader(h);
  const pad = Buffer.alloc(Math.max(0, h.voxOffset - head.length));
  return Buffer.concat([head, pad, data]);
}

/** The header fields read straight from bytes at their NIfTI-1 offsets (independent of our decoder). */
function rawNifti1(b: Buffer) {
  const f = (o: number) => b.readFloatLE(o);
  return {
    dim: [0, 1, 2, 3].map((k) => b.readInt16LE(40 + 2 * k)),
    pixdim: [0, 1, 2, 3].map((k) => f(76 + 4 * k)),
    srow: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f(280 + 16 * r + 4 * c))),
    sformCode: b.readInt16LE(254),
  };
}

/** RAS point of voxel (i, j, k) through srow, converted to LPS and listed [z, y, x]. */
function srowToOurs(srow: number[][], i: number, j: number, k: number): Vec3 {
  const ras = srow.map((r) => r[0]! * i + r[1]! * j + r[2]! * k + r[3]!);
  return [ras[2]!, -ras[1]!, -ras[0]!];
}

describe("openNifti on sct_mt0_to_mt1_3d", { skip: !HAVE_DATA && "no ../shared/data" }, () => {
  test("fixed: 40×40×5 int16, 0.844×0.844×17 mm, LPS frame = the sform converted by hand", async () => {
    const path = join(SCT, "fixed.nii.gz");
    const raw = rawNifti1(gunzipSync(await readFile(path)));
    assert.deepEqual(raw.dim, [3, 40, 40, 5]);
    assert.equal(raw.sformCode, 1);
    const s = await openNifti(path);
    assert.equal(s.meta.format, "nifti");
    assert.equal(s.meta.ndim, 3);
    assert.equal(s.meta.dtype, "int16");
    assert.deepEqual(s.meta.channels, ["C0"]);
    assert.deepEqual(s.meta.levels[0]!.shape, [5, 40, 40]);
    assert.deepEqual(s.meta.space.spacing, [17, 0.84375, 0.84375]);
    // origin: srow translation, RAS → LPS (x, y negated), listed [z, y, x]
    const [sx, sy, sz] = raw.srow as [number[], number[], number[]];
    assert.deepEqual(s.meta.space.origin, [sz[3]!, -sy[3]!, -sx[3]!]);
    // direction column b (index axis z, y, x) = normalised srow column (2 − b), LPS, listed [z, y, x]
    for (let b = 0; b < 3; b++) {
      const j = 2 - b;
      const c = [-sx[j]!, -sy[j]!, sz[j]!];
      const n = Math.hypot(...c);
      for (let a = 0; a < 3; a++) {
        assert.ok(Math.abs(s.meta.space.direction[a * 3 + b]! - c[2 - a]! / n) < 1e-12, `direction[${a}][${b}]`);
      }
    }
    // LAS: index x points left (+x in LPS), y anterior (−y in LPS), z superior
    assert.ok(s.meta.space.direction[8]! > 0.99 && s.meta.space.direction[4]! < -0.99 && s.meta.space.direction[0]! > 0.99);
    const [p] = await readAll(s);
    assert.equal(p!.length, 8000);
    await s.close();
  });

  test("index → physical equals srow · (i, j, k, 1) converted to LPS", async () => {
    const path = join(SCT, "fixed.nii.gz");
    const raw = rawNifti1(gunzipSync(await readFile(path)));
    const s = await openNifti(path);
    for (const [i, j, k] of [[0, 0, 0], [7, 23, 3], [39, 39, 4], [12, 5, 1]] as const) {
      const mine = indexToPhysical(s.meta.space, [k, j, i]);
      const hand = srowToOurs(raw.srow, i, j, k);
      // ITK takes spacing from pixdim and direction from the normalised sform: equal to float precision here
      mine.forEach((v, a) => assert.ok(Math.abs(v - hand[a]!) < 1e-3, `voxel (${i},${j},${k}) axis ${a}: ${v} vs ${hand[a]}`));
    }
  });

  test("fixed and moving share one grid; segmentations are uint8 0/1; gold standards float64", async () => {
    const f = await openNifti(join(SCT, "fixed.nii.gz"));
    const m = await openNifti(join(SCT, "moving.nii.gz"));
    assert.deepEqual(m.meta.space, f.meta.space);
    assert.deepEqual(m.meta.levels, f.meta.levels);
    for (const name of ["fixed_seg", "moving_seg", "moving_mask"]) {
      const s = await openNifti(join(SCT, `${name}.nii.gz`));
      assert.equal(s.meta.dtype, "uint8", name);
      assert.deepEqual(s.meta.levels[0]!.shape, [5, 40, 40]);
      const [lo, hi] = range((await readAll(s))[0]!);
      assert.ok(lo === 0 && hi === 1, `${name} range ${lo}..${hi}`);
    }
    const g = await openNifti(join(SCT, "moving_registered_goldstandard_syn.nii.gz"));
    assert.equal(g.meta.dtype, "float64");
  });

  test("region reads crop the decoded volume", async () => {
    const s = await openNifti(join(SCT, "moving.nii.gz"));
    const [all] = await readAll(s);
    const [part] = await s.read({ start: [2, 10, 5], size: [2, 3, 4] }, 0);
    for (let z = 0; z < 2; z++) for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) {
      assert.equal(part![(z * 3 + y) * 4 + x], all![((z + 2) * 40 + y + 10) * 40 + x + 5]);
    }
  });
});

describe("openNifti layouts", () => {
  const rng = seeded(11);

  test("big-endian NIfTI-1 reads the same values as little-endian", async () => {
    await withTmp(async (dir) => {
      const data = randomPlane("float32", 24, rng);
      const le = nii(hdr({ datatype: 16, bitpix: 32 }), pixelBytes(data));
      const swapped = Buffer.from(pixelBytes(data));
      swapBytesInPlace(swapped, 4);
      const be = nii(hdr({ datatype: 16, bitpix: 32, littleEndian: false }), swapped);
      await writeFile(join(dir, "le.nii"), le);
      await writeFile(join(dir, "be.nii"), be);
      const [a] = await readAll(await openNifti(join(dir, "le.nii")));
      const [b] = await readAll(await openNifti(join(dir, "be.nii")));
      assert.ok(Buffer.from(pixelBytes(a!)).equals(Buffer.from(pixelBytes(data))));
      assert.ok(Buffer.from(pixelBytes(b!)).equals(Buffer.from(pixelBytes(data))));
    });
  });

  test("NIfTI-2 (540-byte header, int64 dims) in both byte orders, plain and gzipped", async () => {
    await withTmp(async (dir) => {
      const data = randomPlane("int32", 24, rng);
      for (const littleEndian of [true, false]) {
        const bytes = Buffer.from(pixelBytes(data));
        if (!littleEndian) swapBytesInPlace(bytes, 4);
        const file = nii(hdr({ version: 2, littleEndian, datatype: 8, bitpix: 32, voxOffset: 544, pixdim: [1, 0.5, 0.25, 3, 0, 0, 0, 0] }), bytes);
        for (const gz of [false, true]) {
          const p = join(dir, `v2-${littleEndian}.nii${gz ? ".gz" : ""}`);
          await writeFile(p, gz ? gzipSync(file) : file);
          const s = await openNifti(p);
          assert.deepEqual(s.meta.levels[0]!.shape, [2, 3, 4]);
          assert.deepEqual(s.meta.space.spacing, [3, 0.25, 0.5]);
          assert.deepEqual(Array.from((await readAll(s))[0]!), Array.from(data));
        }
      }
    });
  });

  test("RGB24 → 3 uint8 channels R, G, B de-interleaved", async () => {
    await withTmp(async (dir) => {
      const n = 24, rgb = new Uint8Array(3 * n).map((_, i) => (i * 37) % 256);
      await writeFile(join(dir, "rgb.nii"), nii(hdr({ datatype: 128, bitpix: 24 }), rgb));
      const s = await openNifti(join(dir, "rgb.nii"));
      assert.deepEqual(s.meta.channels, ["R", "G", "B"]);
      assert.equal(s.meta.dtype, "uint8");
      const planes = await readAll(s);
      for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) assert.equal(planes[c]![i], rgb[3 * i + c]);
    });
  });

  test("dim[4] > 1 → channels t0.., each a contiguous volume; read({channels}) picks them", async () => {
    await withTmp(async (dir) => {
      const n = 24, t = 3, data = randomPlane("uint16", n * t, rng);
      await writeFile(join(dir, "t.nii"), nii(hdr({ dim: [4, 4, 3, 2, t, 1, 1, 1], datatype: 512 }), pixelBytes(data)));
      const s = await openNifti(join(dir, "t.nii"));
      assert.deepEqual(s.meta.channels, ["t0", "t1", "t2"]);
      const [c2, c0] = await s.read({ start: [0, 0, 0], size: [2, 3, 4] }, 0, { channels: [2, 0] });
      assert.deepEqual(Array.from(c2!), Array.from(data.subarray(2 * n, 3 * n)));
      assert.deepEqual(Array.from(c0!), Array.from(data.subarray(0, n)));
    });
  });

  test("dim[5] vector components → channels c0..", async () => {
    await withTmp(async (dir) => {
      const data = randomPlane("float64", 48, rng);
      await writeFile(join(dir, "v.nii"), nii(hdr({ dim: [5, 4, 3, 2, 1, 2, 1, 1], datatype: 64, bitpix: 64, intentCode: 1007 }), pixelBytes(data)));
      const s = await openNifti(join(dir, "v.nii"));
      assert.deepEqual(s.meta.channels, ["c0", "c1"]);
    });
  });

  test("scl_slope / scl_inter return scaled float32; slope 1, inter 0 keeps the stored type", async () => {
    await withTmp(async (dir) => {
      const data = new Int16Array([-3, 0, 1, 2, 100, -32768, 32767, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      await writeFile(join(dir, "s.nii"), nii(hdr({ sclSlope: 0.5, sclInter: -10 }), pixelBytes(data)));
      const s = await openNifti(join(dir, "s.nii"));
      assert.equal(s.meta.dtype, "float32");
      const [p] = await readAll(s);
      assert.ok(p instanceof Float32Array);
      data.forEach((v, i) => assert.equal(p![i], Math.fround(v * 0.5 - 10)));
      await writeFile(join(dir, "u.nii"), nii(hdr({ sclSlope: 1, sclInter: 0 }), pixelBytes(data)));
      assert.equal((await openNifti(join(dir, "u.nii"))).meta.dtype, "int16");
    });
  });

  test("dim[0] = 2 is a 2D image: ndim 2, identity z, ITK's 2×2 block of the sform", async () => {
    await withTmp(async (dir) => {
      const c = Math.cos(0.3), s = Math.sin(0.3);
      // RAS sform: rotation in x-y, spacing 0.5 × 2
      const srow = [[c * 0.5, -s * 2, 0, 10], [s * 0.5, c * 2, 0, 20], [0, 0, 1, 30]];
      await writeFile(join(dir, "2d.nii"), nii(hdr({ dim: [2, 4, 3, 1, 1, 1, 1, 1], pixdim: [1, 0.5, 2, 1, 0, 0, 0, 0], sformCode: 1, srow }), new Uint8Array(24)));
      const src = await openNifti(join(dir, "2d.nii"));
      assert.equal(src.meta.ndim, 2);
      assert.deepEqual(src.meta.levels[0]!.shape, [1, 3, 4]);
      const sp = src.meta.space;
      assert.deepEqual(sp.spacing, [1, 2, 0.5]);
      assert.deepEqual(sp.origin, [0, -20, -10]);
      const d = sp.direction;
      assert.deepEqual([d[0], d[1], d[2], d[3], d[6]], [1, 0, 0, 0, 0]);
      // LPS x of index x = −(RAS x) = −c; LPS y of index x = −s
      assert.ok(Math.abs(d[8]! - -c) < 1e-6 && Math.abs(d[5]! - -s) < 1e-6);
      // a voxel's physical point equals the sform's, converted by hand (2D: z dropped)
      const p = indexToPhysical(sp, [0, 2, 3]);
      const q = srowToOurs(srow, 3, 2, 0);
      assert.ok(Math.abs(p[1] - q[1]) < 1e-5 && Math.abs(p[2] - q[2]) < 1e-5);
    });
  });

  test("a gzip stream holding more than the header claims is read only as far as needed", async () => {
    await withTmp(async (dir) => {
      const data = new Int16Array(24).map((_, i) => i * 3);
      const file = Buffer.concat([nii(hdr({}), pixelBytes(data)), Buffer.alloc(10 * 2 ** 20)]);
      await writeFile(join(dir, "long.nii.gz"), gzipSync(file));
      assert.deepEqual(Array.from((await readAll(await openNifti(join(dir, "long.nii.gz"))))[0]!), Array.from(data));
    });
  });
});

describe("openNifti rejects bad files with InputError", () => {
  const good = (data = new Int16Array(24)) => nii(hdr({}), pixelBytes(data));

  const cases: [string, string, () => Buffer | Uint8Array, string | RegExp][] = [
    ["empty", "empty.nii", () => Buffer.alloc(0), "empty file"],
    ["empty gzip", "empty.nii.gz", () => gzipSync(Buffer.alloc(0)), "file too short for a NIfTI header"],
    ["truncated data", "trunc.nii", () => good().subarray(0, 352 + 20), "data is truncated"],
    ["truncated header", "trunch.nii", () => good().subarray(0, 200), "header is truncated"],
    ["bad sizeof_hdr", "sizeof.nii", () => { const b = Buffer.from(good()); b.writeInt32LE(123, 0); return b; }, "bad sizeof_hdr 123"],
    ["unknown datatype", "dtype.nii", () => nii(hdr({ datatype: 999 }), new Uint8Array(48)), "unknown datatype code 999"],
    ["unsupported datatype", "c64.nii", () => nii(hdr({ datatype: 32, bitpix: 64 }), new Uint8Array(192)), "COMPLEX64"],
    ["NIfTI-1 dims 32767³", "huge1.nii", () => nii(hdr({ dim: [3, 32767, 32767, 32767, 1, 1, 1, 1] }), new Uint8Array(16)), "absurd"],
    ["NIfTI-2 dims 10^6³", "huge2.nii", () => nii(hdr({ version: 2, voxOffset: 544, dim: [3, 1e6, 1e6, 1e6, 1, 1, 1, 1] }), new Uint8Array(16)), "absurd"],
    ["zero dim", "zero.nii", () => nii(hdr({ dim: [3, 4, 0, 2, 1, 1, 1, 1] }), new Uint8Array(16)), "dim[2] is 0"],
    ["negative dim", "neg.nii", () => nii(hdr({ dim: [3, 4, -3, 2, 1, 1, 1, 1] }), new Uint8Array(16)), "dim[2] is -3"],
    ["bad dim[0]", "dim0.nii", () => nii(hdr({ dim: [9, 4, 3, 2, 1, 1, 1, 1] }), new Uint8Array(48)), "dim[0] is 9"],
    ["NaN pixdim", "nan.nii", () => nii(hdr({ pixdim: [1, NaN, 1, 1, 0, 0, 0, 0] }), new Uint8Array(48)), "pixdim[1] is NaN"],
    ["pair header", "pair.nii", () => { const b = Buffer.from(good()); b.write("ni1\0", 344, "latin1"); return b; }, "two-file .hdr/.img"],
    ["not NIfTI text", "text.nii", () => Buffer.from("hello, this is a text file and not a NIfTI header at all".repeat(10)), "bad sizeof_hdr"],
    ["gzip bomb header", "bomb.nii.gz", () => gzipSync(nii(hdr({ dim: [3, 2000, 2000, 1000, 1, 1, 1, 1] }), new Uint8Array(16))), "compressed stream can hold"],
    ["sheared sform, no qform", "shear.nii", () => nii(hdr({ sformCode: 2, srow: [[1, 0.5, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]] }), new Uint8Array(48)), "sheared"],
  ];
  for (const [name, file, bytes, phrase] of cases) {
    test(name, async () => {
      await withTmp(async (dir) => {
        const p = join(dir, file);
        await writeFile(p, bytes());
        await rejectsInput(openNifti(p), p, phrase);
      });
    });
  }

  test("gzip-truncated .nii.gz fails on read, naming the truncation", async () => {
    await withTmp(async (dir) => {
      const data = randomPlane("int16", 4000, seeded(3));
      const gz = gzipSync(nii(hdr({ dim: [3, 40, 20, 5, 1, 1, 1, 1] }), pixelBytes(data)));
      const p = join(dir, "cut.nii.gz");
      await writeFile(p, gz.subarray(0, Math.floor(gz.length * 0.6)));
      const s = await openNifti(p); // the header inflates fine
      await rejectsInput(readAll(s), p, "truncated");
    });
  });

  test("missing file", async () => {
    await rejectsInput(openNifti("/nonexistent/x.nii"), "/nonexistent/x.nii", "cannot open");
  });
});

// Cross-check of the byte layout with numpy, when /usr/bin/python3 has it (never required).
const PY = "/usr/bin/python3";
const HAVE_NUMPY = existsSync(PY) && spawnSync(PY, ["-c", "import numpy"]).status === 0;
test("numpy reads our .nii layout ([c][z][y][x], x fastest) the same way", { skip: !HAVE_NUMPY && "no python3 numpy" }, async () => {
  await withTmp(async (dir) => {
    const dtype: DType = "int16";
    const planes: PixelArray[] = [randomPlane(dtype, 24, seeded(5)), randomPlane(dtype, 24, seeded(6))];
    const p = join(dir, "np.nii");
    await writeFile(p, nii(hdr({ dim: [5, 4, 3, 2, 1, 2, 1, 1] }), Buffer.concat(planes.map((q) => Buffer.from(pixelBytes(q))))));
    const py = `import numpy as np,json,sys
b=open(sys.argv[1],'rb').read()
dim=np.frombuffer(b[40:56],'<i2')
a=np.frombuffer(b[352:],'<i2').reshape(dim[5],dim[4],dim[3],dim[2],dim[1])
print(json.dumps({'v':int(a[1,0,1,2,3]),'w':int(a[0,0,0,1,2])}))`;
    const r = spawnSync(PY, ["-c", py, p], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { v: number; w: number };
    const s = await openNifti(p);
    const [c0, c1] = await readAll(s);
    assert.equal(c1![(1 * 3 + 2) * 4 + 3], got.v); // channel 1, z 1, y 2, x 3
    assert.equal(c0![(0 * 3 + 1) * 4 + 2], got.w);
  });
});
