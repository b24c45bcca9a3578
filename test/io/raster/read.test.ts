// openRaster: every PNG/JPEG of ../shared/data/cases.json opens with its stated size and channels; the BrainWeb
// pair pins [y, x] order by its known shift and its gray palette is checked against an independent PNG decode.

import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { inflateSync } from "node:zlib";
import sharp from "sharp";
import { openRaster } from "../../../src/io/raster/read.js";
import { DATA, HAVE_DATA, range, readAll, rejectsInput, withTmp } from "../../helpers/image-fixtures.js";

/** Width × height and channel names of every raster file in cases.json, as MANIFEST.md states them. */
const EXPECTED: Record<string, [number, number, string[]]> = {
  "anhir_rat_kidney_he_pancytokeratin/fixed.jpg": [1164, 787, ["R", "G", "B"]],
  "anhir_rat_kidney_he_pancytokeratin/moving.jpg": [1123, 724, ["R", "G", "B"]],
  "anhir_lung_lesion_1_he_prospc/fixed.jpg": [890, 733, ["R", "G", "B"]],
  "anhir_lung_lesion_1_he_prospc/moving.jpg": [891, 735, ["R", "G", "B"]],
  "itk_brainweb_pd_translation/fixed.png": [221, 257, ["gray"]],
  "itk_brainweb_pd_translation/moving.png": [221, 257, ["gray"]],
  "itk_brainweb_pd_translation/fixed_mask.png": [221, 257, ["gray"]],
  "ants_r16_r64_brain_slices/fixed.jpg": [256, 256, ["gray"]],
  "ants_r16_r64_brain_slices/moving.jpg": [256, 256, ["gray"]],
  "valis_cycif_3_cycles/fixed_cycle_CD8_FOXP3_CD20.png": [512, 384, ["gray"]],
  "valis_cycif_3_cycles/moving_cycle_CD20_FOXP3_CD3.png": [512, 384, ["gray"]],
  "valis_cycif_3_cycles/moving_cycle_CD4_CD68_CD3.png": [512, 384, ["gray"]],
  "skimage_stereo_motorcycle/fixed.png": [741, 500, ["R", "G", "B"]],
  "skimage_stereo_motorcycle/moving.png": [741, 500, ["R", "G", "B"]],
  ...Object.fromEntries(
    Array.from({ length: 12 }, (_, i) => [`itkelastix_lung_sem_serial_sections/2016_12_02_0101_s00_${String(i + 1).padStart(2, "0")}.png`, [800, 800, ["gray"]]]),
  ),
};

/** Every .png/.jpg named anywhere in a case entry. */
function rasterFiles(c: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const v of Object.values(c)) {
    for (const f of Array.isArray(v) ? v : [v]) if (typeof f === "string" && /\.(png|jpe?g|webp)$/i.test(f)) out.push(`${c.id as string}/${f}`);
  }
  return out;
}

/**
 * An independent decoder for non-interlaced 8-bit gray / palette and 1-bit gray PNGs (zlib + the five filters),
 * returning one gray value per pixel (palette entries looked up, 1-bit scaled to 0/255).
 */
function decodeGrayPng(b: Buffer): { width: number; height: number; gray: Uint8Array } {
  let at = 8, width = 0, height = 0, depth = 0, type = 0;
  const idat: Buffer[] = [];
  let palette: Buffer | undefined;
  while (at < b.length) {
    const len = b.readUInt32BE(at), kind = b.toString("latin1", at + 4, at + 8), data = b.subarray(at + 8, at + 8 + len);
    if (kind === "IHDR") [width, height, depth, type] = [data.readUInt32BE(0), data.readUInt32BE(4), data[8]!, data[9]!];
    if (kind === "PLTE") palette = data;
    if (kind === "IDAT") idat.push(data);
    at += 12 + len;
  }
  assert.ok((type === 0 || type === 3) && (depth === 8 || (depth === 1 && type === 0)), `decoder covers this PNG (type ${type}, depth ${depth})`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = Math.ceil((width * depth) / 8);
  let prev = new Uint8Array(stride);
  const gray = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!, line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), cur = new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= 1 ? cur[x - 1]! : 0, up = prev[x]!, c = x >= 1 ? prev[x - 1]! : 0;
      const p = a + up - c, pa = Math.abs(p - a), pb = Math.abs(p - up), pc = Math.abs(p - c);
      const pred = [0, a, up, (a + up) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? up : c][f]!;
      cur[x] = (line[x]! + pred) & 255;
    }
    for (let x = 0; x < width; x++) {
      const v = depth === 8 ? cur[x]! : (cur[x >> 3]! >> (7 - (x & 7))) & 1 ? 255 : 0;
      gray[y * width + x] = type === 3 ? palette![3 * v]! : v;
    }
    prev = cur;
  }
  return { width, height, gray };
}

/** CRC-32 of PNG chunks (for hand-made headers). */
function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const byte of b) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

describe("openRaster on the shared cases", { skip: !HAVE_DATA && "no ../shared/data" }, () => {
  test("every raster file of cases.json opens with its stated W×H and channels", async () => {
    const cases = (JSON.parse(await readFile(join(DATA, "cases.json"), "utf8")) as { cases: Record<string, unknown>[] }).cases;
    const files = cases.flatMap(rasterFiles);
    assert.deepEqual([...files].sort(), Object.keys(EXPECTED).sort(), "the table covers exactly the raster files of cases.json");
    for (const f of files) {
      const s = await openRaster(join(DATA, f));
      const [w, h, channels] = EXPECTED[f]!;
      assert.deepEqual(s.meta.levels[0]!.shape, [1, h, w], f);
      assert.deepEqual(s.meta.channels, channels, f);
      assert.equal(s.meta.dtype, "uint8", f);
      assert.equal(s.meta.ndim, 2);
      assert.deepEqual(s.meta.space.spacing, [1, 1, 1]);
      assert.deepEqual(s.meta.space.units, ["pixel", "pixel", "pixel"]);
      await s.close();
    }
  });

  test("BrainWeb: fixed(x, y) == moving(x + 13, y + 17) exactly on the overlap (pins [y, x] order)", async () => {
    const dir = join(DATA, "itk_brainweb_pd_translation");
    const [f] = await readAll(await openRaster(join(dir, "fixed.png")));
    const [m] = await readAll(await openRaster(join(dir, "moving.png")));
    const W = 221, H = 257;
    const mismatches = (tx: number, ty: number) => {
      let n = 0;
      for (let y = 0; y + ty < H; y++) for (let x = 0; x + tx < W; x++) if (f![y * W + x] !== m![(y + ty) * W + x + tx]) n++;
      return n;
    };
    assert.equal(mismatches(13, 17), 0);
    assert.ok(mismatches(17, 13) > 1000, "the transposed shift must not match");
  });

  test("BrainWeb palette PNGs read as exactly their palette's gray values (independent decode)", async () => {
    for (const name of ["fixed.png", "moving.png", "fixed_mask.png"]) {
      const path = join(DATA, "itk_brainweb_pd_translation", name);
      const ref = decodeGrayPng(await readFile(path));
      const [ours] = await readAll(await openRaster(path));
      assert.equal(ours!.length, ref.width * ref.height);
      assert.ok(Buffer.from(ours!).equals(Buffer.from(ref.gray)), name);
    }
    const [mask] = await readAll(await openRaster(join(DATA, "itk_brainweb_pd_translation", "fixed_mask.png")));
    assert.deepEqual(range(mask!), [0, 255]); // 1-bit gray is expanded to 0 / 255
  });

  test("an 8-bit gray PNG reads as its stored values (independent decode)", async () => {
    const path = join(DATA, "valis_cycif_3_cycles", "fixed_cycle_CD8_FOXP3_CD20.png");
    const ref = decodeGrayPng(await readFile(path));
    const [ours] = await readAll(await openRaster(path));
    assert.ok(Buffer.from(ours!).equals(Buffer.from(ref.gray)));
  });

  test("region reads crop in [y, x]", async () => {
    const s = await openRaster(join(DATA, "skimage_stereo_motorcycle", "fixed.png"));
    const all = await readAll(s);
    const part = await s.read({ start: [0, 100, 200], size: [1, 2, 3] }, 0, { channels: [2] });
    assert.equal(part.length, 1);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) assert.equal(part[0]![y * 3 + x], all[2]![(100 + y) * 741 + 200 + x]);
  });
});

describe("openRaster layouts", () => {
  test("16-bit gray PNG → uint16; RGBA → 4 channels; gray + alpha → gray, A; colour palette → RGB; WebP", async () => {
    await withTmp(async (dir) => {
      const g16 = new Uint16Array([0, 1, 65535, 40000, 257, 12345]);
      await sharp(g16, { raw: { width: 3, height: 2, channels: 1 } }).toColourspace("grey16").png().toFile(join(dir, "g16.png"));
      const a = await openRaster(join(dir, "g16.png"));
      assert.equal(a.meta.dtype, "uint16");
      assert.deepEqual(Array.from((await readAll(a))[0]!), Array.from(g16));

      const rgba = Buffer.from(Array.from({ length: 24 }, (_, i) => i * 10));
      await sharp(rgba, { raw: { width: 3, height: 2, channels: 4 } }).png().toFile(join(dir, "rgba.png"));
      const b = await openRaster(join(dir, "rgba.png"));
      assert.deepEqual(b.meta.channels, ["R", "G", "B", "A"]);
      const pb = await readAll(b);
      for (let c = 0; c < 4; c++) for (let i = 0; i < 6; i++) assert.equal(pb[c]![i], rgba[4 * i + c]);

      const ga = Buffer.from([10, 255, 20, 128, 30, 0, 40, 7, 50, 9, 60, 1]);
      await sharp(ga, { raw: { width: 3, height: 2, channels: 2 } }).toColourspace("b-w").png().toFile(join(dir, "ga.png"));
      const c = await openRaster(join(dir, "ga.png"));
      assert.deepEqual(c.meta.channels, ["gray", "A"]);
      const pc = await readAll(c);
      assert.deepEqual(Array.from(pc[0]!), [10, 20, 30, 40, 50, 60]);
      assert.deepEqual(Array.from(pc[1]!), [255, 128, 0, 7, 9, 1]);

      const rgb = Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
      await sharp(rgb, { raw: { width: 3, height: 2, channels: 3 } }).png({ palette: true, colours: 4, dither: 0 }).toFile(join(dir, "pal.png"));
      const d = await openRaster(join(dir, "pal.png"));
      assert.deepEqual(d.meta.channels, ["R", "G", "B"]);
      assert.deepEqual(Array.from((await readAll(d))[0]!), [255, 0, 0, 255, 0, 0]);

      await sharp(rgb, { raw: { width: 3, height: 2, channels: 3 } }).webp({ lossless: true }).toFile(join(dir, "x.webp"));
      const e = await openRaster(join(dir, "x.webp"));
      assert.equal(e.meta.format, "webp");
      assert.deepEqual(Array.from((await readAll(e))[1]!), [0, 255, 0, 0, 255, 0]);
    });
  });
});

describe("openRaster rejects bad files with InputError", () => {
  test("a text file renamed .png", async () => {
    await withTmp(async (dir) => {
      const p = join(dir, "text.png");
      await writeFile(p, "this is not an image\n".repeat(20));
      await rejectsInput(openRaster(p), p, "not a PNG, JPEG or WebP image");
    });
  });
  for (const ext of ["png", "jpg", "webp"]) {
    test(`an empty .${ext}`, async () => {
      await withTmp(async (dir) => {
        const p = join(dir, `empty.${ext}`);
        await writeFile(p, "");
        await rejectsInput(openRaster(p), p, "empty file");
      });
    });
  }
  test("a PNG header claiming 20000×20000 pixels is refused before decoding, suggesting tiled TIFF", async () => {
    await withTmp(async (dir) => {
      const ihdr = Buffer.alloc(13);
      ihdr.writeUInt32BE(20000, 0);
      ihdr.writeUInt32BE(20000, 4);
      ihdr[8] = 8; // bit depth; colour type 0 gray
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", Buffer.alloc(0)), chunk("IEND", Buffer.alloc(0))]);
      const p = join(dir, "huge.png");
      await writeFile(p, png);
      await rejectsInput(openRaster(p), p, "tiled pyramidal TIFF");
    });
  });
  test("a truncated PNG fails when decoded", async () => {
    await withTmp(async (dir) => {
      const full = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#336699" } }).png({ compressionLevel: 0 }).toBuffer();
      const p = join(dir, "cut.png");
      await writeFile(p, full.subarray(0, full.length >> 1));
      await rejectsInput(openRaster(p).then(readAll), p, /cannot decode|not a PNG/);
    });
  });
});
