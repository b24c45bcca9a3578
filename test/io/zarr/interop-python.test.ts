// Interoperability with the reference implementation: python zarr (2.x) reads our v2 output byte for byte, and
// openZarr reads v2 arrays python zarr wrote (blosc, odd chunks, big-endian, F order, fill_value null).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { pixelBytes } from "../../../src/core/dtype.js";
import { InputError } from "../../../src/core/errors.js";
import { fullRegion } from "../../../src/core/space.js";
import { openZarr } from "../../../src/io/zarr/open-zarr.js";
import { writeOmeZarr } from "../../../src/io/zarr/write-ome-zarr.js";
import { cleanup, randomImage, tempDir, thrown } from "./helpers.js";

after(cleanup);

const PYTHON = "/usr/bin/python3";

function pythonZarr(): string | undefined {
  const r = spawnSync(PYTHON, ["-c", "import zarr, numpy; print(zarr.__version__)"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const version = pythonZarr();
const skip = version ? false : `python zarr is not importable by ${PYTHON}`;

function python(script: string): string {
  const r = spawnSync(PYTHON, ["-c", script], { encoding: "utf8" });
  assert.equal(r.status, 0, `python failed:\n${r.stderr}`);
  return r.stdout;
}

test("python zarr reads our OME-Zarr v2 output byte for byte", { skip }, async () => {
  const dir = tempDir("py-out");
  const img = randomImage([1, 300, 270], "uint16", 2, 21);
  for (const compression of ["blosc", "zstd", "gzip", "deflate", "none"] as const) {
    const out = join(dir, `${compression}.zarr`);
    await writeOmeZarr(img.source, out, { zarrVersion: 2, compression, tileSize: 128 });
    const info = JSON.parse(python(`
import json, zarr
g = zarr.open_group(${JSON.stringify(out)}, mode="r")
ms = g.attrs["multiscales"][0]
res = []
for i, d in enumerate(ms["datasets"]):
    a = g[d["path"]]
    if i < 2:
        open(${JSON.stringify(dir)} + "/%s-%d.raw" % (${JSON.stringify(compression)}, i), "wb").write(a[...].astype("<u2").tobytes(order="C"))
    res.append({"shape": list(a.shape), "dtype": str(a.dtype), "chunks": list(a.chunks)})
print(json.dumps(res))
`)) as { shape: number[]; dtype: string; chunks: number[] }[];
    const z = await openZarr(out);
    assert.equal(info.length, z.meta.levels.length);
    info.forEach((a, l) => {
      const lv = z.meta.levels[l]!;
      assert.deepEqual(a.shape, [2, lv.shape[1], lv.shape[2]]);
      assert.equal(a.dtype, "uint16");
      assert.deepEqual(a.chunks, [1, lv.chunk![1], lv.chunk![2]]);
    });
    for (const l of [0, 1]) {
      const planes = await z.read(fullRegion(z.meta.levels[l]!.shape), l);
      const ours = Buffer.concat(planes.map((p) => pixelBytes(p)));
      const theirs = readFileSync(join(dir, `${compression}-${l}.raw`));
      assert.ok(ours.equals(theirs), `${compression} level ${l}: python's bytes equal ours`);
    }
    await z.close();
  }
});

test("openZarr reads v2 arrays written by python zarr", { skip }, async () => {
  const dir = tempDir("py-in");
  python(`
import numpy as np, zarr, numcodecs
rng = np.random.default_rng(5)
d = ${JSON.stringify(dir)}
# An OME-Zarr 0.4 image: blosc, non-default chunks, "." keys, 2 channels.
g = zarr.open_group(d + "/img.zarr", mode="w")
a = rng.integers(0, 65535, size=(2, 301, 257), dtype="<u2")
g.create_dataset("0", data=a, chunks=(1, 70, 90), compressor=numcodecs.Blosc(cname="zstd", clevel=3, shuffle=2))
g.attrs["multiscales"] = [{"version": "0.4", "axes": [{"name": "c", "type": "channel"}, {"name": "y", "type": "space", "unit": "micrometer"}, {"name": "x", "type": "space", "unit": "micrometer"}],
  "datasets": [{"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1, 0.25, 0.5]}, {"type": "translation", "translation": [0, 3, 4]}]}]}]
g.attrs["omero"] = {"channels": [{"label": "DNA"}, {"label": "Actin"}]}
open(d + "/img.raw", "wb").write(a.tobytes())
# Big-endian, Fortran order, zlib, bare 3D array.
b = rng.normal(size=(5, 33, 47)).astype(">f4")
zb = zarr.open(d + "/be.zarr", mode="w", shape=b.shape, chunks=(2, 10, 20), dtype=">f4", order="F", compressor=numcodecs.Zlib(level=3))
zb[...] = b
open(d + "/be.raw", "wb").write(b.astype("<f4").tobytes())
# fill_value None with a missing chunk.
zn = zarr.open(d + "/nofill.zarr", mode="w", shape=(100, 100), chunks=(50, 50), dtype="u1", fill_value=None)
zn[0:50, 0:50] = 9
`);
  const img = await openZarr(join(dir, "img.zarr"));
  assert.equal(img.meta.format, "ome-zarr");
  assert.deepEqual(img.meta.channels, ["DNA", "Actin"]);
  assert.deepEqual(img.meta.levels[0]!.shape, [1, 301, 257]);
  assert.deepEqual(img.meta.levels[0]!.chunk, [1, 70, 90]);
  assert.deepEqual(img.meta.space.spacing, [1, 0.25, 0.5]);
  assert.deepEqual(img.meta.space.origin, [0, 3, 4]);
  assert.deepEqual(img.meta.space.units, ["micrometer", "micrometer", "micrometer"]);
  const planes = await img.read(fullRegion(img.meta.levels[0]!.shape), 0);
  assert.ok(Buffer.concat(planes.map((p) => pixelBytes(p))).equals(readFileSync(join(dir, "img.raw"))));
  const part = await img.read({ start: [0, 65, 85], size: [1, 10, 10] }, 0, { channels: [1] });
  const all = planes[1]!;
  for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) assert.equal(part[0]![y * 10 + x], all[(65 + y) * 257 + 85 + x]);

  const be = await openZarr(join(dir, "be.zarr"));
  assert.equal(be.meta.format, "zarr");
  assert.equal(be.meta.dtype, "float32");
  assert.deepEqual(be.meta.levels[0]!.shape, [5, 33, 47]);
  const bp = await be.read(fullRegion([5, 33, 47]), 0);
  assert.ok(Buffer.from(pixelBytes(bp[0]!)).equals(readFileSync(join(dir, "be.raw"))), "big-endian F-order float32");

  const nf = await openZarr(join(dir, "nofill.zarr"));
  assert.deepEqual([...(await nf.read({ start: [0, 10, 10], size: [1, 2, 2] }, 0))[0]!], [9, 9, 9, 9]);
  const e = await thrown(() => nf.read(fullRegion([1, 100, 100]), 0));
  assert.ok(e instanceof InputError);
  assert.match(e.message, /nofill\.zarr: chunk "0\.1" is missing and the array has no fill value/);
});

test("hand-made v3 arrays: big-endian bytes codec and sharding", async () => {
  const dir = tempDir("v3hand");
  // 8 × 8 uint16, values y*8+x, stored big-endian in one unsharded chunk of 8 × 8.
  const vals = Uint16Array.from({ length: 64 }, (_, i) => i * 1000);
  const be = Buffer.alloc(128);
  vals.forEach((v, i) => be.writeUInt16BE(v, i * 2));
  const meta = (codecs: object[], chunk: number[]): string => JSON.stringify({
    zarr_format: 3, node_type: "array", shape: [8, 8], data_type: "uint16",
    chunk_grid: { name: "regular", configuration: { chunk_shape: chunk } },
    chunk_key_encoding: { name: "default" }, fill_value: 0, codecs,
  });
  const mk = (name: string, files: Record<string, string | Buffer>): string => {
    const p = join(dir, name);
    for (const [f, c] of Object.entries(files)) {
      spawnSync("mkdir", ["-p", join(p, f, "..")]);
      writeFileSync(join(p, f), c);
    }
    return p;
  };
  const a = await openZarr(mk("be.zarr", { "zarr.json": meta([{ name: "bytes", configuration: { endian: "big" } }], [8, 8]), "c/0/0": be }));
  assert.deepEqual([...(await a.read(fullRegion([1, 8, 8]), 0))[0]!], [...vals]);
  // One 8 × 8 shard of four 4 × 4 inner chunks (little-endian), index at the end: (offset, nbytes) uint64 pairs.
  const inner: Buffer[] = [];
  for (const [cy, cx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
    const b = Buffer.alloc(32);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) b.writeUInt16LE(vals[(cy! * 4 + y) * 8 + cx! * 4 + x]!, (y * 4 + x) * 2);
    inner.push(b);
  }
  const index = Buffer.alloc(64);
  inner.forEach((_, i) => { index.writeBigUInt64LE(BigInt(i * 32), i * 16); index.writeBigUInt64LE(32n, i * 16 + 8); });
  const sharding = { name: "sharding_indexed", configuration: { chunk_shape: [4, 4], codecs: [{ name: "bytes", configuration: { endian: "little" } }], index_codecs: [{ name: "bytes", configuration: { endian: "little" } }], index_location: "end" } };
  const s = await openZarr(mk("shard.zarr", { "zarr.json": meta([sharding], [8, 8]), "c/0/0": Buffer.concat([...inner, index]) }));
  assert.deepEqual(s.meta.levels[0]!.chunk, [1, 4, 4]);
  assert.deepEqual([...(await s.read(fullRegion([1, 8, 8]), 0))[0]!], [...vals]);
  assert.deepEqual([...(await s.read({ start: [0, 3, 3], size: [1, 2, 2] }, 0))[0]!], [27000, 28000, 35000, 36000]);
});
