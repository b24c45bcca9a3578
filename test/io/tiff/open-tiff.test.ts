// openTiff on the layouts our writer never makes, built by the independent fixture writer: classic and BigTIFF, both
// byte orders, strips and tiles, interleaved and planar samples, every codec and predictor, SubIFD and chain pyramids.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { DType } from "../../../src/core/dtype.js";
import type { Region, Vec3 } from "../../../src/core/space.js";
import { openTiff } from "../../../src/io/tiff/open-tiff.js";
import { randomPixels, sameBytes, seeded, writeTiffFixture, type FixturePage } from "./tiff-fixture.js";

const dir = mkdtempSync(join(tmpdir(), "terareg-tiff-open-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const BITS: Record<DType, [8 | 16 | 32 | 64, 1 | 2 | 3]> = {
  uint8: [8, 1], int8: [8, 2], uint16: [16, 1], int16: [16, 2], uint32: [32, 1], int32: [32, 2], float32: [32, 3], float64: [64, 3],
};

/** A page of random chunky samples and the per-channel planes it holds. */
function page(dtype: DType, width: number, height: number, spp: number, rng: () => number, extra: Partial<FixturePage> = {}): { page: FixturePage; planes: ArrayBufferView[] } {
  const samples = randomPixels(dtype, width * height * spp, rng);
  if (dtype === "float32" || dtype === "float64") samples[7] = 1.5; // keep NaN out of the predictor fixtures' comparisons
  const planes = Array.from({ length: spp }, (_, s) => {
    const p = new (samples.constructor as new (n: number) => typeof samples)(width * height);
    for (let i = 0; i < width * height; i++) p[i] = samples[i * spp + s]!;
    return p;
  });
  const [bits, format] = BITS[dtype];
  return { page: { width, height, spp, bits, format, samples, ...extra }, planes };
}

function crop(plane: ArrayBufferView & ArrayLike<number>, width: number, r: Region): number[] {
  const out: number[] = [];
  for (let y = r.start[1]; y < r.start[1] + r.size[1]; y++) for (let x = r.start[2]; x < r.start[2] + r.size[2]; x++) out.push(plane[y * width + x]!);
  return out;
}

interface Layout {
  name: string;
  dtype: DType;
  spp: number;
  page: Partial<FixturePage>;
  opts?: { bigTiff?: boolean; bigEndian?: boolean };
}

const layouts: Layout[] = [
  { name: "classic LE strips, uncompressed uint8", dtype: "uint8", spp: 1, page: { rowsPerStrip: 7 } },
  { name: "classic BE strips, LZW uint16", dtype: "uint16", spp: 1, page: { rowsPerStrip: 5, compression: 5 }, opts: { bigEndian: true } },
  { name: "BigTIFF BE tiles, PackBits int16", dtype: "int16", spp: 1, page: { tile: [16, 32], compression: 32773 }, opts: { bigTiff: true, bigEndian: true } },
  { name: "interleaved RGB tiles, deflate + predictor 2", dtype: "uint8", spp: 3, page: { tile: [32, 16], compression: 8, predictor: 2 } },
  { name: "planar RGB uint16 strips, deflate 32946 + predictor 2, BE", dtype: "uint16", spp: 3, page: { planar: 2, rowsPerStrip: 9, compression: 32946, predictor: 2 }, opts: { bigEndian: true } },
  { name: "float32 tiles, deflate + predictor 3", dtype: "float32", spp: 1, page: { tile: [16, 16], compression: 8, predictor: 3 } },
  { name: "float32 BE strips, LZW + predictor 3", dtype: "float32", spp: 1, page: { rowsPerStrip: 11, compression: 5, predictor: 3 }, opts: { bigEndian: true } },
  { name: "float64 BE BigTIFF tiles, predictor 3", dtype: "float64", spp: 1, page: { tile: [16, 16], compression: 8, predictor: 3 }, opts: { bigTiff: true, bigEndian: true } },
  { name: "int8 strips", dtype: "int8", spp: 1, page: {} },
  { name: "uint32 BE tiles, predictor 2, LZW", dtype: "uint32", spp: 1, page: { tile: [16, 16], compression: 5, predictor: 2 }, opts: { bigEndian: true } },
  { name: "int32 interleaved 2-sample strips, PackBits", dtype: "int32", spp: 2, page: { rowsPerStrip: 4, compression: 32773, photometric: 1 } },
];

for (const l of layouts) {
  test(`reads ${l.name}`, async () => {
    const rng = seeded(l.name.length);
    const width = 45, height = 37;
    const { page: p, planes } = page(l.dtype, width, height, l.spp, rng, l.page);
    const path = join(dir, `${l.name.replace(/\W+/g, "_")}.tif`);
    writeTiffFixture(path, [p], l.opts);
    const t = await openTiff(path);
    try {
      assert.equal(t.meta.format, "tiff");
      assert.equal(t.meta.dtype, l.dtype);
      assert.equal(t.meta.ndim, 2);
      assert.deepEqual(t.meta.levels[0]!.shape, [1, height, width]);
      assert.deepEqual(t.meta.channels, l.spp === 3 ? ["R", "G", "B"] : l.spp === 2 ? ["C0:S0", "C0:S1"] : ["C0"]);
      const full = await t.read({ start: [0, 0, 0], size: [1, height, width] }, 0);
      for (let s = 0; s < l.spp; s++) assert.ok(sameBytes(full[s]!, planes[s]!), `sample ${s}`);
      for (let k = 0; k < 8; k++) {
        const y = Math.floor(rng() * height), x = Math.floor(rng() * width);
        const r: Region = { start: [0, y, x], size: [1, 1 + Math.floor(rng() * (height - y)), 1 + Math.floor(rng() * (width - x))] };
        const ch = l.spp > 1 ? [l.spp - 1] : [0];
        const [got] = await t.read(r, 0, { channels: ch });
        assert.deepEqual(Array.from(got!), crop(planes[ch[0]!] as Uint8Array, width, r));
      }
    } finally {
      await t.close();
    }
  });
}

test("same-size pages are z-slices; reduced pages in the chain and SubIFDs are levels", async () => {
  const rng = seeded(11);
  const slices = [0, 1, 2].map(() => page("uint16", 101, 67, 1, rng, { tile: [16, 16], compression: 8 }));
  const reduced = (w: number, h: number, flag: number) => page("uint16", w, h, 1, rng, { tile: [16, 16], subfileType: flag }).page;
  // Chain pyramid: each slice followed by its reduced pages; a thumbnail-like stripped page is ignored.
  const chain: FixturePage[] = [];
  for (const s of slices) chain.push(s.page, reduced(51, 34, 1), reduced(26, 17, 1));
  writeTiffFixture(join(dir, "chain.tif"), chain);
  // SubIFD pyramid, big-endian BigTIFF.
  writeTiffFixture(join(dir, "subifd.tif"), slices.map((s) => ({ ...s.page, subIfds: [reduced(51, 34, 1), reduced(26, 17, 1)] })), { bigTiff: true, bigEndian: true });
  for (const name of ["chain.tif", "subifd.tif"]) {
    const t = await openTiff(join(dir, name));
    assert.equal(t.meta.ndim, 3, name);
    assert.deepEqual(t.meta.levels.map((l) => l.shape), [[3, 67, 101], [3, 34, 51], [3, 17, 26]], name);
    assert.deepEqual(t.meta.levels.map((l) => l.scale), [[1, 1, 1], [1, 2, 2], [1, 4, 4]], name);
    assert.deepEqual(t.meta.levels[0]!.chunk, [1, 16, 16]);
    const [vol] = await t.read({ start: [0, 0, 0], size: [3, 67, 101] }, 0);
    for (let z = 0; z < 3; z++) assert.ok(sameBytes(vol!.subarray(z * 67 * 101, (z + 1) * 67 * 101), slices[z]!.planes[0]!), `${name} z=${z}`);
    await t.close();
  }
});

test("a single page followed by unflagged smaller tiled pages (SVS style) takes them as levels, skipping a label", async () => {
  const rng = seeded(12);
  const base = page("uint8", 128, 96, 3, rng, { tile: [32, 32] });
  const label = page("uint8", 40, 40, 3, rng, { subfileType: 1 });
  const l1 = page("uint8", 64, 48, 3, rng, { tile: [32, 32] });
  writeTiffFixture(join(dir, "svs-like.tif"), [base.page, l1.page, label.page]);
  const t = await openTiff(join(dir, "svs-like.tif"));
  assert.deepEqual(t.meta.levels.map((l) => l.shape), [[1, 96, 128], [1, 48, 64]]);
  const [g] = await t.read({ start: [0, 0, 0], size: [1, 48, 64] }, 1, { channels: [1] });
  assert.ok(sameBytes(g!, l1.planes[1]!));
  await t.close();
});

test("ImageJ hyperstacks give channels and slices; resolution gives micrometre spacing", async () => {
  const rng = seeded(13);
  const pages = Array.from({ length: 6 }, () => page("uint8", 20, 10, 1, rng));
  const description = "ImageJ=1.53t\nimages=6\nchannels=2\nslices=3\nhyperstack=true\nunit=micron\nspacing=2.5\n";
  writeTiffFixture(join(dir, "imagej.tif"), pages.map((p, i) => ({ ...p.page, resolution: { x: 4, y: 2, unit: 1 }, ...(i === 0 ? { description } : {}) })));
  const t = await openTiff(join(dir, "imagej.tif"));
  assert.deepEqual(t.meta.channels, ["C0", "C1"]);
  assert.deepEqual(t.meta.levels[0]!.shape, [3, 10, 20]);
  assert.deepEqual(t.meta.space.spacing, [2.5, 0.5, 0.25]);
  assert.deepEqual(t.meta.space.units, ["micrometer", "micrometer", "micrometer"]);
  const [c1] = await t.read({ start: [2, 0, 0], size: [1, 10, 20] }, 0, { channels: [1] });
  assert.ok(sameBytes(c1!, pages[1 + 2 * 2]!.planes[0]!)); // ImageJ page order is C, then Z
  await t.close();

  writeTiffFixture(join(dir, "cm.tif"), [{ ...pages[0]!.page, resolution: { x: 20000, y: 10000, unit: 3 } }]);
  const u = await openTiff(join(dir, "cm.tif"));
  assert.deepEqual(u.meta.space.spacing, [1, 1, 0.5]);
  await u.close();
  writeTiffFixture(join(dir, "inch.tif"), [{ ...pages[0]!.page, resolution: { x: 25400, y: 25400, unit: 2 } }]);
  const v = await openTiff(join(dir, "inch.tif"));
  assert.deepEqual(v.meta.space.spacing, [1, 1, 1]);
  assert.deepEqual(v.meta.space.units, ["micrometer", "micrometer", "micrometer"]);
  await v.close();
});

function omeXml(pixelsAttrs: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels ID="Pixels:0" ${pixelsAttrs}>${inner}</Pixels></Image></OME>`;
}

test("OME-XML: DimensionOrder without TiffData, explicit TiffData, units, T > 1 reads T = 0", async () => {
  const rng = seeded(14);
  const pages = Array.from({ length: 12 }, () => page("uint16", 30, 20, 1, rng));
  // XYCZT, C=2, Z=3, T=2, no TiffData: IFD = c + 2·(z + 3·t).
  const xml = omeXml('DimensionOrder="XYCZT" Type="uint16" SizeX="30" SizeY="20" SizeZ="3" SizeC="2" SizeT="2" PhysicalSizeX="0.5" PhysicalSizeY="0.5" PhysicalSizeZ="3" PhysicalSizeZUnit="nm"',
    '<Channel ID="Channel:0:0" Name="A &amp; B" SamplesPerPixel="1"/><Channel ID="Channel:0:1" Name="C" SamplesPerPixel="1"/>');
  writeTiffFixture(join(dir, "ome-order.ome.tif"), pages.map((p, i) => ({ ...p.page, ...(i === 0 ? { description: xml } : {}) })));
  const t = await openTiff(join(dir, "ome-order.ome.tif"));
  assert.equal(t.meta.format, "ome-tiff");
  assert.deepEqual(t.meta.channels, ["A & B", "C"]);
  assert.deepEqual(t.meta.levels[0]!.shape, [3, 20, 30]);
  assert.deepEqual(t.meta.space.spacing, [3, 0.5, 0.5]);
  assert.deepEqual(t.meta.space.units, ["nanometer", "micrometer", "micrometer"]);
  const [c1] = await t.read({ start: [2, 0, 0], size: [1, 20, 30] }, 0, { channels: [1] });
  assert.ok(sameBytes(c1!, pages[1 + 2 * 2]!.planes[0]!));
  await t.close();

  // Explicit TiffData in reverse IFD order, with a UUID naming this very file.
  const td = [0, 1, 2].map((z) => `<TiffData IFD="${2 - z}" FirstZ="${z}" FirstC="0" FirstT="0" PlaneCount="1"><UUID FileName="ome-td.ome.tif">urn:uuid:x</UUID></TiffData>`).join("");
  const xml2 = omeXml('DimensionOrder="XYZCT" Type="uint16" SizeX="30" SizeY="20" SizeZ="3" SizeC="1" SizeT="1"', `<Channel ID="Channel:0:0" SamplesPerPixel="1"/>${td}`);
  writeTiffFixture(join(dir, "ome-td.ome.tif"), pages.slice(0, 3).map((p, i) => ({ ...p.page, ...(i === 0 ? { description: xml2 } : {}) })));
  const u = await openTiff(join(dir, "ome-td.ome.tif"));
  assert.deepEqual(u.meta.channels, ["C0"]);
  assert.deepEqual(u.meta.space.units, ["pixel", "pixel", "pixel"]);
  const [z0] = await u.read({ start: [0, 0, 0], size: [1, 20, 30] }, 0);
  assert.ok(sameBytes(z0!, pages[2]!.planes[0]!));
  await u.close();
});

test("OME-TIFF with interleaved RGB planes names channels R, G, B", async () => {
  const rng = seeded(15);
  const p = page("uint8", 33, 21, 3, rng, { tile: [16, 16], compression: 5 });
  const xml = omeXml('DimensionOrder="XYCZT" Type="uint8" SizeX="33" SizeY="21" SizeZ="1" SizeC="3" SizeT="1"', '<Channel ID="Channel:0:0" SamplesPerPixel="3"/><TiffData/>');
  writeTiffFixture(join(dir, "ome-rgb.ome.tif"), [{ ...p.page, description: xml }]);
  const t = await openTiff(join(dir, "ome-rgb.ome.tif"));
  assert.deepEqual(t.meta.channels, ["R", "G", "B"]);
  const [b, r] = await t.read({ start: [0, 0, 0], size: [1, 21, 33] }, 0, { channels: [2, 0] });
  assert.ok(sameBytes(b!, p.planes[2]!) && sameBytes(r!, p.planes[0]!));
  await t.close();
});

test("neighbouring reads reuse decoded edge tiles; a read touches only the tiles it overlaps", async () => {
  const rng = seeded(16);
  const p = page("uint8", 256, 256, 1, rng, { tile: [64, 64], compression: 8 });
  writeTiffFixture(join(dir, "counted.tif"), [p.page]);
  const t = await openTiff(join(dir, "counted.tif"));
  await t.read({ start: [0, 64, 64], size: [1, 64, 64] }, 0);
  assert.equal(t.stats.blocksDecoded, 1);
  await t.read({ start: [0, 10, 10], size: [1, 100, 100] }, 0); // tiles (0..1) × (0..1)
  assert.equal(t.stats.blocksDecoded, 5, "a tile the first read covered wholly is not cached, so it decodes again");
  await t.read({ start: [0, 20, 20], size: [1, 100, 100] }, 0);
  assert.equal(t.stats.blocksDecoded, 5, "all four tiles were partly covered, so all four are cached");
  await t.close();
  await t.close(); // twice is fine
});

test("3D regions and level reads agree with per-slice reads", async () => {
  const rng = seeded(17);
  const slices = [0, 1, 2, 3].map(() => page("float32", 40, 30, 1, rng, { tile: [16, 16], compression: 8, predictor: 3 }));
  writeTiffFixture(join(dir, "stack-f32.tif"), slices.map((s) => s.page));
  const t = await openTiff(join(dir, "stack-f32.tif"));
  const r: Region = { start: [1, 3, 5], size: [3, 20, 30] };
  const [vol] = await t.read(r, 0);
  const want: number[] = [];
  for (let z = 1; z < 4; z++) want.push(...crop(slices[z]!.planes[0] as Float32Array, 40, { start: [0, 3, 5], size: [1, 20, 30] as Vec3 }));
  assert.deepEqual(Array.from(vol!), want);
  await t.close();
});

test("a large uncompressed single-strip page is read row range by row range, not whole", async () => {
  const rng = seeded(18);
  const p = page("uint16", 1000, 700, 1, rng); // one 1.4 MB strip, as ImageJ writes pages
  writeTiffFixture(join(dir, "one-strip.tif"), [p.page]);
  const t = await openTiff(join(dir, "one-strip.tif"));
  const r: Region = { start: [0, 300, 100], size: [1, 20, 50] };
  const [got] = await t.read(r, 0);
  assert.deepEqual(Array.from(got!), crop(p.planes[0] as Uint16Array, 1000, r));
  assert.ok(t.stats.dataBytes <= 2 * 1024 * 1024 && t.stats.dataBytes < 1000 * 700 * 2, `read ${t.stats.dataBytes} bytes`);
  const [all] = await t.read({ start: [0, 0, 0], size: [1, 700, 1000] }, 0);
  assert.ok(sameBytes(all!, p.planes[0]!));
  await t.close();
});
