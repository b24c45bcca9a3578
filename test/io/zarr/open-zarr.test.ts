// openZarr on layouts our writer never makes: other axis sets (t, c, z, y, x subsets, pre-0.4 files without axes),
// multiscale-level transforms, bare arrays with dimension names; and reads that touch only the chunks they need.

import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { OptionError } from "../../../src/core/errors.js";
import { fullRegion } from "../../../src/core/space.js";
import { createZarrArrayWriter, metadataJson } from "../../../src/io/zarr/array-writer.js";
import { openZarr } from "../../../src/io/zarr/open-zarr.js";
import { cleanup, tempDir, thrown } from "./helpers.js";

after(cleanup);

/** Writes a v2 or v3 array at `path` whose sample at index i is value(i). */
async function makeArray(path: string, shape: number[], chunks: number[], value: (i: number[]) => number, zarrVersion: 2 | 3 = 2, dimensionNames?: string[]): Promise<void> {
  const w = await createZarrArrayWriter(path, { shape, chunks, dtype: "uint16", zarrVersion, compression: "gzip", ...(dimensionNames ? { dimensionNames } : {}) });
  const grid = w.grid;
  const total = grid.reduce((a, b) => a * b, 1);
  for (let k = 0; k < total; k++) {
    const cc: number[] = [];
    for (let d = grid.length - 1, r = k; d >= 0; d--) { cc[d] = r % grid[d]!; r = Math.floor(r / grid[d]!); }
    const data = new Uint16Array(chunks.reduce((a, b) => a * b, 1));
    for (let j = 0; j < data.length; j++) {
      const idx: number[] = [];
      for (let d = chunks.length - 1, r = j; d >= 0; d--) { idx[d] = cc[d]! * chunks[d]! + (r % chunks[d]!); r = Math.floor(r / chunks[d]!); }
      if (idx.every((v, d) => v < shape[d]!)) data[j] = value(idx);
    }
    await w.writeChunk(cc, data);
  }
}

test("t, c, z, y, x: t is read at index 0; channels are planes; omero labels", async () => {
  const dir = join(tempDir("axes"), "img.zarr");
  await makeArray(join(dir, "0"), [2, 3, 4, 5, 6], [1, 2, 3, 2, 4], ([t, c, z, y, x]) => 1 + t! * 1000 + c! * 100 + z! * 30 + y! * 6 + x!);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, ".zgroup"), metadataJson({ zarr_format: 2 }));
  writeFileSync(join(dir, ".zattrs"), metadataJson({
    multiscales: [{
      version: "0.4",
      axes: [{ name: "t", type: "time" }, { name: "c", type: "channel" }, { name: "z", type: "space", unit: "micrometer" }, { name: "y", type: "space", unit: "micrometer" }, { name: "x", type: "space", unit: "micrometer" }],
      datasets: [{ path: "0", coordinateTransformations: [{ type: "scale", scale: [1, 1, 2, 0.5, 0.5] }] }],
      coordinateTransformations: [{ type: "scale", scale: [1, 1, 2, 2, 2] }, { type: "translation", translation: [0, 0, 10, 20, 30] }],
    }],
    omero: { channels: [{ label: "a" }, { label: "b" }] },
  }));
  const z = await openZarr(dir);
  assert.equal(z.meta.ndim, 3);
  assert.deepEqual(z.meta.channels, ["a", "b", "C2"]);
  assert.deepEqual(z.meta.levels[0]!.shape, [4, 5, 6]);
  assert.deepEqual(z.meta.levels[0]!.chunk, [3, 2, 4]);
  assert.deepEqual(z.meta.space.spacing, [4, 1, 1], "dataset scale then multiscale-level scale");
  assert.deepEqual(z.meta.space.origin, [10, 20, 30]);
  const [c2, c0] = await z.read({ start: [1, 2, 3], size: [3, 2, 3] }, 0, { channels: [2, 0] });
  assert.equal(c2![0], 1 + 200 + 30 + 12 + 3);
  assert.equal(c0![c0!.length - 1], 1 + 0 + 3 * 30 + 3 * 6 + 5);
  assert.ok((await thrown(() => z.read(fullRegion([4, 5, 6]), 0, { channels: [3] }))) instanceof OptionError);
  await z.close();
  await z.close();
});

test("pre-0.4 multiscales without axes use t, c, z, y, x right-aligned to the array rank", async () => {
  const dir = join(tempDir("v01"), "img.zarr");
  await makeArray(join(dir, "0"), [1, 7, 9], [1, 4, 4], ([, y, x]) => y! * 9 + x!);
  await makeArray(join(dir, "1"), [1, 4, 5], [1, 4, 4], ([, y, x]) => y! * 5 + x!);
  writeFileSync(join(dir, ".zattrs"), metadataJson({ multiscales: [{ version: "0.1", datasets: [{ path: "0" }, { path: "1" }] }] }));
  const z = await openZarr(dir);
  assert.equal(z.meta.ndim, 2, "rank 3 is z, y, x with z of size 1");
  assert.deepEqual(z.meta.levels.map((l) => l.shape), [[1, 7, 9], [1, 4, 5]]);
  assert.deepEqual(z.meta.levels.map((l) => l.scale), [[1, 1, 1], [1, 1, 1]], "no scale transforms: scale 1");
});

test("bare v3 array with dimension_names y, x is a 2D single-channel image", async () => {
  const dir = join(tempDir("bare"), "a.zarr");
  await makeArray(dir, [30, 40], [16, 16], ([y, x]) => y! * 40 + x!, 3, ["y", "x"]);
  const z = await openZarr(dir);
  assert.equal(z.meta.format, "zarr");
  assert.equal(z.meta.ndim, 2);
  assert.deepEqual(z.meta.channels, ["C0"]);
  const [p] = await z.read({ start: [0, 20, 30], size: [1, 2, 2] }, 0);
  assert.deepEqual([...p!], [830, 831, 870, 871]);
});

test("a read touches only the chunks its region overlaps", async () => {
  // fill_value null makes every missing chunk an error, so a read that succeeds touched only the chunks present.
  const dir = join(tempDir("touch"), "a.zarr");
  mkdirSync(join(dir, "1"), { recursive: true });
  writeFileSync(join(dir, ".zarray"), JSON.stringify({ zarr_format: 2, shape: [50, 50], chunks: [10, 10], dtype: "|u1", compressor: null, fill_value: null, order: "C", filters: null }));
  writeFileSync(join(dir, "1.1"), new Uint8Array(100).fill(11));
  writeFileSync(join(dir, "1.2"), new Uint8Array(100).fill(12));
  const z = await openZarr(dir);
  const [p] = await z.read({ start: [0, 12, 15], size: [1, 6, 10] }, 0);
  assert.deepEqual([...p!.subarray(0, 10)], [11, 11, 11, 11, 11, 12, 12, 12, 12, 12]);
});
