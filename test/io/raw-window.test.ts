// raw-window: windows read from the file equal the same windows cropped from the whole decoded payload, for one
// channel, interleaved and planar channels, both byte orders and odd regions; a small window of a large file stays small.

import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pixelBytes, swapBytesInPlace, type DType } from "../../src/core/dtype.js";
import { defaultSpace, type ImageMeta, type Region, type Vec3 } from "../../src/core/space.js";
import { cropPlane } from "../../src/io/array-source.js";
import { rawWindowSource } from "../../src/io/raw-window.js";
import { readPlanes, type ChannelLayout, type DataLocation } from "../../src/io/volume-data.js";
import { randomPlane, seeded, withTmp } from "../helpers/image-fixtures.js";

const metaOf = (path: string, shape: Vec3, dtype: DType, channels: number): ImageMeta => ({
  path, format: "test", ndim: shape[0] > 1 ? 3 : 2, dtype, channels: Array.from({ length: channels }, (_, c) => `C${c}`),
  levels: [{ shape, scale: [1, 1, 1] }], space: defaultSpace(),
});

/** Random regions of `shape`, including the whole, single rows and single columns. */
function regions(shape: Vec3, count: number, rand: () => number): Region[] {
  const out: Region[] = [{ start: [0, 0, 0], size: [...shape] as Vec3 }, { start: [0, shape[1] - 1, 0], size: [1, 1, shape[2]] }, { start: [shape[0] - 1, 0, shape[2] - 1], size: [1, shape[1], 1] }];
  for (let i = 0; i < count; i++) {
    const start = shape.map((s) => Math.floor(rand() * s)) as Vec3;
    const size = shape.map((s, a) => 1 + Math.floor(rand() * (s - start[a]!))) as Vec3;
    out.push({ start, size });
  }
  return out;
}

describe("rawWindowSource", () => {
  const cases: { name: string; shape: Vec3; dtype: DType; channels: number; layout: (nvox: number) => ChannelLayout; bigEndian: boolean }[] = [
    { name: "one channel uint8", shape: [1, 37, 53], dtype: "uint8", channels: 1, layout: (n) => ({ inner: 1, channels: 1, outer: n }), bigEndian: false },
    { name: "interleaved RGB int16, big-endian", shape: [1, 29, 41], dtype: "int16", channels: 3, layout: (n) => ({ inner: 1, channels: 3, outer: n }), bigEndian: true },
    { name: "planar 2-channel float32 volume", shape: [7, 11, 13], dtype: "float32", channels: 2, layout: (n) => ({ inner: n, channels: 2, outer: 1 }), bigEndian: false },
    { name: "one-channel uint16 volume, big-endian", shape: [9, 10, 300], dtype: "uint16", channels: 1, layout: (n) => ({ inner: n, channels: 1, outer: 1 }), bigEndian: true },
  ];
  for (const c of cases) {
    test(`${c.name}: every window equals the crop of the whole payload`, async () => {
      await withTmp(async (dir) => {
        const nvox = c.shape[0] * c.shape[1] * c.shape[2];
        const rand = seeded(c.shape[2]);
        const data = randomPlane(c.dtype, nvox * c.channels, rand);
        const bytes = Buffer.from(pixelBytes(data));
        const size = bytes.length / data.length;
        if (c.bigEndian) swapBytesInPlace(bytes, size);
        const file = join(dir, "data.raw");
        await writeFile(file, Buffer.concat([Buffer.alloc(13), bytes]));
        const loc: DataLocation = { path: file, offset: 13, encoding: "raw", bigEndian: c.bigEndian };
        const layout = c.layout(nvox);
        const whole = await readPlanes(file, loc, c.dtype, layout);
        const src = rawWindowSource(metaOf(file, c.shape, c.dtype, c.channels), loc, c.dtype, layout);
        try {
          for (const r of regions(c.shape, 25, rand)) {
            const order = Array.from({ length: c.channels }, (_, k) => c.channels - 1 - k);
            const got = await src.read(r, 0, { channels: order });
            order.forEach((ch, k) => assert.deepEqual(got[k], cropPlane(whole[ch]!, c.shape, r, c.dtype), `channel ${ch} of ${JSON.stringify(r)}`));
          }
        } finally {
          await src.close();
          await src.close();
        }
      });
    });
  }

  test("a 100×100 window of a 64 MiB float32 image reads about its own bytes, not the file", async () => {
    await withTmp(async (dir) => {
      const shape: Vec3 = [1, 4096, 4096];
      const file = join(dir, "big.raw");
      await writeFile(file, Buffer.alloc(shape[1] * shape[2] * 4, 1));
      const src = rawWindowSource(metaOf(file, shape, "float32", 1), { path: file, offset: 0, encoding: "raw", bigEndian: false }, "float32", { inner: 1, channels: 1, outer: shape[1] * shape[2] });
      try {
        global.gc?.();
        const before = process.memoryUsage().arrayBuffers;
        const kept: unknown[] = [];
        for (let i = 0; i < 20; i++) kept.push(await src.read({ start: [0, 100 * i, 37 * i], size: [1, 100, 100] }, 0));
        const grown = process.memoryUsage().arrayBuffers - before;
        assert.ok(grown < 8 * 2 ** 20, `array buffers grew ${grown} bytes for 20 windows of 40 kB`);
        assert.equal(kept.length, 20);
      } finally {
        await src.close();
      }
    });
  });
});
