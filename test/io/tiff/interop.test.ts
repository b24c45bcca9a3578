// Interoperability: our OME-TIFFs read by geotiff.js, tifffile and libvips; files written by tifffile and libvips
// (LZW, PackBits, float predictor, JPEG pyramids) read by us. Subtests skip, with the reason, when a tool is missing.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fromFile } from "geotiff";
import sharp from "sharp";
import type { DType, PixelArray } from "../../../src/core/dtype.js";
import { viewPixels } from "../../../src/core/dtype.js";
import type { Vec3 } from "../../../src/core/space.js";
import { arraySource } from "../../../src/io/array-source.js";
import { openTiff } from "../../../src/io/tiff/open-tiff.js";
import { writeOmeTiff } from "../../../src/io/tiff/write-ome-tiff.js";
import { randomPixels, sameBytes, seeded, writeTiffFixture } from "./tiff-fixture.js";

const dir = mkdtempSync(join(tmpdir(), "terareg-tiff-interop-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const PYTHON = "/usr/bin/python3";
const hasTifffile = spawnSync(PYTHON, ["-c", "import tifffile, numpy"]).status === 0;
const hasVips = spawnSync("vips", ["--version"]).status === 0 && spawnSync("vipsheader", ["--version"]).status === 0;
const noTifffile = "python3 with tifffile and numpy is not available";
const noVips = "vips / vipsheader (libvips-tools) are not on PATH";

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

function python(code: string): string {
  return run(PYTHON, ["-c", code]);
}

/** A smooth test image (JPEG-friendly): gradients and a disc, C planes of `dtype`. */
function smoothPlanes(dtype: DType, shape: Vec3, channels: number): PixelArray[] {
  const [Z, Y, X] = shape;
  return Array.from({ length: channels }, (_, c) => {
    const p = randomPixels(dtype, Z * Y * X, seeded(c + 1));
    for (let z = 0; z < Z; z++) for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) {
      const d = Math.hypot(y - Y / 2, x - X / 3) < Y / 4 ? 60 : 0;
      p[(z * Y + y) * X + x] = Math.round(20 + (x * 150) / X + (y * 40) / Y + d + 10 * c + z);
    }
    return p;
  });
}

const shape3: Vec3 = [2, 150, 203];
let ours: { path: string; planes: PixelArray[] } | undefined;
async function ourFile(): Promise<{ path: string; planes: PixelArray[] }> {
  if (ours) return ours;
  const planes = [randomPixels("uint16", 2 * 150 * 203, seeded(21)), randomPixels("uint16", 2 * 150 * 203, seeded(22))];
  const path = join(dir, "ours.ome.tif");
  const space = { spacing: [3, 0.5, 0.5] as Vec3, origin: [0, 0, 0] as Vec3, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as [number, number, number, number, number, number, number, number, number], units: ["micrometer", "micrometer", "micrometer"] as [string, string, string] };
  await writeOmeTiff(arraySource({ shape: shape3, dtype: "uint16", planes, space }), path, { tileSize: 64, channelNames: ["DNA", "Actin"] });
  ours = { path, planes };
  return ours;
}

test("geotiff.js reads our level-0 pixels the same (every IFD = z + Z·c)", async () => {
  const { path, planes } = await ourFile();
  const tiff = await fromFile(path);
  assert.equal(await tiff.getImageCount(), 4);
  for (let c = 0; c < 2; c++) {
    for (let z = 0; z < 2; z++) {
      const img = await tiff.getImage(z + 2 * c);
      assert.equal(img.getWidth(), 203);
      assert.equal(img.getHeight(), 150);
      const win = [17, 9, 190, 141];
      const [data] = (await img.readRasters({ window: win })) as unknown as Uint16Array[];
      const want: number[] = [];
      for (let y = win[1]!; y < win[3]!; y++) for (let x = win[0]!; x < win[2]!; x++) want.push(planes[c]![(z * 150 + y) * 203 + x]!);
      assert.deepEqual(Array.from(data!), want, `z=${z} c=${c}`);
    }
  }
  tiff.close();
});

test("vipsheader sees our size, bands, pages and SubIFDs; vips reads level 1 like we do", { skip: hasVips ? false : noVips }, async () => {
  const { path } = await ourFile();
  assert.equal(run("vipsheader", ["-f", "width", path]).trim(), "203");
  assert.equal(run("vipsheader", ["-f", "height", path]).trim(), "150");
  assert.equal(run("vipsheader", ["-f", "bands", path]).trim(), "1");
  assert.equal(run("vipsheader", ["-f", "n-pages", path]).trim(), "4");
  assert.equal(run("vipsheader", ["-f", "n-subifds", path]).trim(), "2");
  assert.match(run("vipsheader", ["-a", path]), /image-description: <\?xml/);
  const t = await openTiff(path);
  const [l1] = await t.read({ start: [1, 0, 0], size: [1, 75, 102] }, 1, { channels: [1] });
  const mean = Array.from(l1!).reduce((a, b) => a + b, 0) / l1!.length;
  const vipsMean = Number(run("vips", ["avg", `${path}[page=3,subifd=0]`]));
  assert.ok(Math.abs(mean - vipsMean) < 1e-6 * mean, `ours ${mean} vs vips ${vipsMean}`);
  await t.close();
});

test("tifffile sees an OME series with levels and channel names, and reads level 1 like we do", { skip: hasTifffile ? false : noTifffile }, async () => {
  const { path } = await ourFile();
  const raw = join(dir, "level1.raw");
  const out = JSON.parse(python(`
import json, tifffile
with tifffile.TiffFile(${JSON.stringify(path)}) as t:
    s = t.series[0]
    meta = tifffile.xml2dict(t.ome_metadata)["OME"]["Image"]["Pixels"]
    names = [c["Name"] for c in meta["Channel"]]
    s.levels[1].asarray().tofile(${JSON.stringify(raw)})
    print(json.dumps({"ome": t.is_ome, "big": t.is_bigtiff, "shape": list(s.shape), "axes": s.axes, "levels": [list(l.shape) for l in s.levels],
                      "names": names, "psx": meta.get("PhysicalSizeX"), "psz": meta.get("PhysicalSizeZ"), "unit": meta.get("PhysicalSizeXUnit")}))
`));
  assert.deepEqual(out, {
    ome: true, big: true, shape: [2, 2, 150, 203], axes: "CZYX", levels: [[2, 2, 150, 203], [2, 2, 75, 102], [2, 2, 38, 51]],
    names: ["DNA", "Actin"], psx: 0.5, psz: 3, unit: "µm",
  });
  const t = await openTiff(path);
  const level1 = await t.read({ start: [0, 0, 0], size: [2, 75, 102] }, 1);
  const theirs = viewPixels("uint16", new Uint8Array(readFileSync(raw)));
  assert.ok(sameBytes(theirs, Uint16Array.from([...level1[0]!, ...level1[1]!])));
  await t.close();
});

test("reads tifffile's files: 3D stacks (one page per slice), zlib + predictor tiles, RGB, OME ZCYX, OME SubIFD pyramid", { skip: hasTifffile ? false : noTifffile }, async () => {
  python(`
import numpy as np, tifffile, os
d = ${JSON.stringify(dir)}
rng = np.random.default_rng(3)
vol = rng.integers(0, 65535, (5, 33, 47), dtype=np.uint16)  # 3 or 4 slices would be taken for planar RGB(A) by tifffile
vol.tofile(os.path.join(d, "vol.raw"))
tifffile.imwrite(os.path.join(d, "tf-stack.tif"), vol)
tifffile.imwrite(os.path.join(d, "tf-pred.tif"), vol[0], compression="zlib", predictor=True, tile=(16, 16))
rgb = rng.integers(0, 255, (33, 47, 3), dtype=np.uint8)
rgb.tofile(os.path.join(d, "rgb.raw"))
tifffile.imwrite(os.path.join(d, "tf-rgb.tif"), rgb, photometric="rgb", compression="zlib")
zc = rng.integers(0, 255, (3, 2, 33, 47), dtype=np.uint8)
zc.tofile(os.path.join(d, "zc.raw"))
tifffile.imwrite(os.path.join(d, "tf-zc.ome.tif"), zc, metadata={"axes": "ZCYX", "PhysicalSizeX": 0.25, "PhysicalSizeY": 0.25, "Channel": {"Name": ["a", "b"]}})
img = rng.random((2, 64, 96)).astype(np.float32)
img.tofile(os.path.join(d, "pyr.raw"))
with tifffile.TiffWriter(os.path.join(d, "tf-pyr.ome.tif"), bigtiff=True) as w:
    w.write(img, subifds=2, tile=(32, 32), metadata={"axes": "CYX"}, compression="zlib")
    w.write(img[:, ::2, ::2], subfiletype=1, tile=(32, 32), compression="zlib")
    w.write(img[:, ::4, ::4], subfiletype=1, tile=(32, 32), compression="zlib")
`);
  const raw = (name: string, dtype: DType) => viewPixels(dtype, new Uint8Array(readFileSync(join(dir, name))));
  const vol = raw("vol.raw", "uint16");
  const stack = await openTiff(join(dir, "tf-stack.tif"));
  assert.equal(stack.meta.ndim, 3);
  assert.deepEqual(stack.meta.levels[0]!.shape, [5, 33, 47]);
  assert.ok(sameBytes((await stack.read({ start: [0, 0, 0], size: [5, 33, 47] }, 0))[0]!, vol));
  await stack.close();
  const pred = await openTiff(join(dir, "tf-pred.tif"));
  assert.ok(sameBytes((await pred.read({ start: [0, 0, 0], size: [1, 33, 47] }, 0))[0]!, vol.subarray(0, 33 * 47)));
  await pred.close();
  const rgb = raw("rgb.raw", "uint8");
  const r = await openTiff(join(dir, "tf-rgb.tif"));
  assert.deepEqual(r.meta.channels, ["R", "G", "B"]);
  const [g] = await r.read({ start: [0, 0, 0], size: [1, 33, 47] }, 0, { channels: [1] });
  assert.deepEqual(Array.from(g!), Array.from({ length: 33 * 47 }, (_, i) => rgb[i * 3 + 1]!));
  await r.close();
  const zc = raw("zc.raw", "uint8");
  const o = await openTiff(join(dir, "tf-zc.ome.tif"));
  assert.equal(o.meta.format, "ome-tiff");
  assert.deepEqual(o.meta.channels, ["a", "b"]);
  assert.deepEqual(o.meta.levels[0]!.shape, [3, 33, 47]);
  assert.deepEqual(o.meta.space.spacing.slice(1), [0.25, 0.25]);
  const [b] = await o.read({ start: [0, 0, 0], size: [3, 33, 47] }, 0, { channels: [1] });
  const wantB: number[] = [];
  for (let z = 0; z < 3; z++) wantB.push(...zc.subarray((z * 2 + 1) * 33 * 47, (z * 2 + 2) * 33 * 47));
  assert.deepEqual(Array.from(b!), wantB);
  await o.close();
  const pyr = raw("pyr.raw", "float32");
  const p = await openTiff(join(dir, "tf-pyr.ome.tif"));
  assert.deepEqual(p.meta.levels.map((l) => l.shape), [[1, 64, 96], [1, 32, 48], [1, 16, 24]]);
  const [c1l0] = await p.read({ start: [0, 0, 0], size: [1, 64, 96] }, 0, { channels: [1] });
  assert.ok(sameBytes(c1l0!, pyr.subarray(64 * 96, 2 * 64 * 96)));
  const [c1l2] = await p.read({ start: [0, 0, 0], size: [1, 16, 24] }, 2, { channels: [1] });
  assert.deepEqual(Array.from(c1l2!), Array.from({ length: 16 * 24 }, (_, i) => pyr[64 * 96 + Math.floor(i / 24) * 4 * 96 + (i % 24) * 4]!));
  await p.close();
});

test("reads libvips' files: LZW chain pyramid, PackBits strips, float predictor", { skip: hasVips ? false : noVips }, async () => {
  const shape: Vec3 = [1, 70, 90];
  const [u16] = smoothPlanes("uint16", shape, 1);
  const [f32] = smoothPlanes("float32", shape, 1);
  await writeOmeTiff(arraySource({ shape, dtype: "uint16", planes: [u16!] }), join(dir, "src16.tif"), { levels: 1, tileSize: 32 });
  await writeOmeTiff(arraySource({ shape, dtype: "float32", planes: [f32!.map((v) => v / 7)] }), join(dir, "srcf.tif"), { levels: 1, tileSize: 32 });
  run("vips", ["copy", join(dir, "src16.tif"), `${join(dir, "v-lzw.tif")}[compression=lzw,predictor=horizontal,tile,tile-width=32,tile-height=32,pyramid]`]);
  run("vips", ["copy", join(dir, "src16.tif"), `${join(dir, "v-pb.tif")}[compression=packbits]`]);
  run("vips", ["copy", join(dir, "srcf.tif"), `${join(dir, "v-fp.tif")}[compression=lzw,predictor=float,bigtiff]`]);
  const lzw = await openTiff(join(dir, "v-lzw.tif"));
  assert.deepEqual(lzw.meta.levels.map((l) => l.shape), [[1, 70, 90], [1, 35, 45], [1, 17, 22]]);
  assert.deepEqual(lzw.meta.levels.map((l) => l.scale), [[1, 1, 1], [1, 2, 2], [1, 4, 4]]);
  assert.ok(sameBytes((await lzw.read({ start: [0, 0, 0], size: shape }, 0))[0]!, u16!));
  await lzw.close();
  const pb = await openTiff(join(dir, "v-pb.tif"));
  assert.ok(sameBytes((await pb.read({ start: [0, 0, 0], size: shape }, 0))[0]!, u16!));
  await pb.close();
  const fp = await openTiff(join(dir, "v-fp.tif"));
  assert.ok(sameBytes((await fp.read({ start: [0, 0, 0], size: shape }, 0))[0]!, Float32Array.from(f32!, (v) => v / 7)));
  await fp.close();
});

/** Mean and max absolute difference between interleaved RGB and our three planes. */
function rgbError(rgb: Uint8Array, planes: PixelArray[]): { mean: number; max: number } {
  let sum = 0, max = 0;
  for (let i = 0; i < planes[0]!.length; i++) {
    for (let s = 0; s < 3; s++) {
      const d = Math.abs(rgb[i * 3 + s]! - planes[s]![i]!);
      sum += d;
      max = Math.max(max, d);
    }
  }
  return { mean: sum / (planes[0]!.length * 3), max };
}

test("reads JPEG tiles: libvips pyramids with JPEGTables, and YCbCr tiles", { skip: hasVips ? false : noVips }, async () => {
  const W = 150, H = 100;
  const planes = smoothPlanes("uint8", [1, H, W], 3);
  const rgb = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) for (let s = 0; s < 3; s++) rgb[i * 3 + s] = planes[s]![i]!;
  const png = join(dir, "rgb.png");
  await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toFile(png);
  for (const opts of ["", ",subifd"]) {
    const out = join(dir, `v-jpeg${opts.replace(",", "-")}.tif`);
    run("vips", ["copy", png, `${out}[compression=jpeg,Q=95,tile,tile-width=64,tile-height=64,pyramid${opts}]`]);
    const t = await openTiff(out);
    assert.deepEqual(t.meta.channels, ["R", "G", "B"]);
    assert.deepEqual(t.meta.levels.map((l) => l.shape), [[1, 100, 150], [1, 50, 75], [1, 25, 37]]);
    const got = await t.read({ start: [0, 0, 0], size: [1, H, W] }, 0);
    const e = rgbError(rgb, got);
    assert.ok(e.mean < 2 && e.max < 40, `JPEG error mean ${e.mean} max ${e.max}`);
    await t.close();
  }
  // Photometric YCbCr: each 64×64 tile a complete JPEG stream from sharp (no JPEGTables).
  const tiles: Uint8Array[] = [];
  for (let ty = 0; ty < 2; ty++) {
    for (let tx = 0; tx < 3; tx++) {
      const tile = new Uint8Array(64 * 64 * 3);
      for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) {
        const gy = Math.min(H - 1, ty * 64 + y), gx = Math.min(W - 1, tx * 64 + x);
        tile.set(rgb.subarray((gy * W + gx) * 3, (gy * W + gx) * 3 + 3), (y * 64 + x) * 3);
      }
      tiles.push(new Uint8Array(await sharp(tile, { raw: { width: 64, height: 64, channels: 3 } }).jpeg({ quality: 95 }).toBuffer()));
    }
  }
  const ycc = join(dir, "ycbcr.tif");
  writeTiffFixture(ycc, [{ width: W, height: H, spp: 3, bits: 8, format: 1, samples: rgb, tile: [64, 64], compression: 7, photometric: 6, blocks: tiles }]);
  const t = await openTiff(ycc);
  assert.deepEqual(t.meta.channels, ["R", "G", "B"]);
  const e = rgbError(rgb, await t.read({ start: [0, 0, 0], size: [1, H, W] }, 0));
  assert.ok(e.mean < 2 && e.max < 40, `YCbCr JPEG error mean ${e.mean} max ${e.max}`);
  await t.close();
});
