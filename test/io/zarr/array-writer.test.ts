// The low-level chunk writer: concurrent writers of disjoint chunks, atomic chunk files, zero-chunk skipping,
// plus writeOmeZarr's option checks, progress events and abort.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, test } from "node:test";
import { AbortedError, OptionError, OutputError } from "../../../src/core/errors.js";
import type { ProgressEvent } from "../../../src/core/progress.js";
import { fullRegion } from "../../../src/core/space.js";
import { patternSource } from "../../../src/io/pattern-source.js";
import { createZarrArrayWriter } from "../../../src/io/zarr/array-writer.js";
import { openZarr } from "../../../src/io/zarr/open-zarr.js";
import { writeOmeZarr } from "../../../src/io/zarr/write-ome-zarr.js";
import { cleanup, tempDir, thrown } from "./helpers.js";

after(cleanup);

function listFiles(d: string): string[] {
  return readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? listFiles(join(d, n)).map((f) => `${n}/${f}`) : [n]));
}

test("two writers write disjoint chunks of one array in parallel; both land", async () => {
  for (const zarrVersion of [2, 3] as const) {
    const path = join(tempDir("conc"), "a.zarr");
    const init = { shape: [64, 96], chunks: [32, 32], dtype: "uint16" as const, zarrVersion, compression: "zstd" as const };
    const w1 = await createZarrArrayWriter(path, init);
    const w2 = await createZarrArrayWriter(path, init); // a second process re-declaring the same array
    const chunk = (v: number): Uint16Array => Uint16Array.from({ length: 1024 }, (_, i) => v + i);
    const jobs = [];
    for (let cy = 0; cy < 2; cy++) {
      for (let cx = 0; cx < 3; cx++) jobs.push(((cy + cx) % 2 ? w1 : w2).writeChunk([cy, cx], chunk(1000 * (cy * 3 + cx) + 1)));
    }
    assert.deepEqual(await Promise.all(jobs), [true, true, true, true, true, true]);
    const z = await openZarr(path);
    assert.equal(z.meta.format, "zarr");
    const [plane] = await z.read(fullRegion([1, 64, 96]), 0);
    for (let cy = 0; cy < 2; cy++) {
      for (let cx = 0; cx < 3; cx++) {
        for (const [y, x] of [[0, 0], [31, 31], [5, 17]] as const) {
          assert.equal(plane![(cy * 32 + y) * 96 + cx * 32 + x], 1000 * (cy * 3 + cx) + 1 + y * 32 + x);
        }
      }
    }
    assert.ok(listFiles(path).every((f) => !f.includes(".tmp-")), "no temporary files left");
  }
});

test("a chunk file is never visible half-written, and a failed write leaves nothing under the final key", async () => {
  const path = join(tempDir("atomic"), "a.zarr");
  const w = await createZarrArrayWriter(path, { shape: [4096, 4096], chunks: [4096, 4096], dtype: "uint8", compression: "none" });
  const data = new Uint8Array(4096 * 4096).fill(3);
  const file = join(path, "c", "0", "0");
  const sizes = new Set<number>();
  let writing = true;
  const poll = (async () => {
    while (writing) {
      const b = await readFile(file).catch(() => undefined);
      if (b) sizes.add(b.byteLength);
      await new Promise((r) => setImmediate(r));
    }
  })();
  for (let k = 0; k < 3; k++) await w.writeChunk([0, 0], data);
  writing = false;
  await poll;
  assert.deepEqual([...sizes].filter((s) => s !== data.byteLength), [], "every observed file was complete");
  assert.equal(readFileSync(file).byteLength, data.byteLength);
  // The final key is a directory: the rename fails; the error names the file; no temporary file remains.
  const w2 = await createZarrArrayWriter(join(path, "..", "b.zarr"), { shape: [8, 8], chunks: [4, 4], dtype: "uint8", compression: "gzip" });
  mkdirSync(join(w2.path, "c", "0", "1"), { recursive: true });
  const e = await thrown(() => w2.writeChunk([0, 1], new Uint8Array(16).fill(1)));
  assert.ok(e instanceof OutputError);
  assert.match(e.message, /c\/0\/1: cannot write/);
  assert.deepEqual(readdirSync(join(w2.path, "c", "0")), ["1"]);
});

test("all-zero chunks are skipped (and remove a stale file); bad chunks are refused", async () => {
  const path = join(tempDir("zero"), "a.zarr");
  const w = await createZarrArrayWriter(path, { shape: [4, 4], chunks: [2, 2], dtype: "float32", zarrVersion: 2, compression: "none" });
  assert.equal(await w.writeChunk([1, 1], new Float32Array(4).fill(2)), true);
  assert.ok(existsSync(join(path, "1", "1")));
  assert.equal(await w.writeChunk([1, 1], new Float32Array(4)), false);
  assert.equal(existsSync(join(path, "1", "1")), false);
  assert.equal(await w.writeChunk([0, 0], Float32Array.of(-0, 0, 0, 0)), true, "-0.0 is not the fill value 0");
  const z = await openZarr(path);
  assert.ok(Object.is((await z.read(fullRegion([1, 4, 4]), 0))[0]![0], -0));
  assert.ok((await thrown(() => w.writeChunk([2, 0], new Float32Array(4)))) instanceof OutputError);
  assert.ok((await thrown(() => w.writeChunk([0, 0], new Float32Array(3)))) instanceof OutputError);
  assert.ok((await thrown(() => w.writeChunk([0, 0], new Uint32Array(4)))) instanceof OutputError);
});

test("writeOmeZarr rejects bad options with a named error", async () => {
  const src = patternSource({ shape: [1, 64, 64], dtype: "uint8", channelCount: 2 });
  const dir = tempDir("opts");
  const cases: [object, string, RegExp][] = [
    [{ compression: "lzw" }, "--compression", /expected one of none, gzip, deflate, zstd, blosc/],
    [{ zarrVersion: 4 }, "--zarr-version", /expected 2 or 3/],
    [{ tileSize: 0 }, "--tile-size", /an integer from 16/],
    [{ chunkDepth: 1.5 }, "--chunk-depth", /an integer/],
    [{ channelNames: ["a"] }, "--channel-names", /2 names, one per channel/],
    [{ levels: 0 }, "--levels", /"auto" or an integer/],
  ];
  for (const [options, option, msg] of cases) {
    const e = await thrown(() => writeOmeZarr(src, join(dir, "x.zarr"), options));
    assert.ok(e instanceof OptionError, `${option}: ${e.message}`);
    assert.equal(e.option, option);
    assert.match(e.message, msg);
  }
});

test("progress events per level and abort", async () => {
  const src = patternSource({ shape: [1, 300, 400], dtype: "uint8" });
  const dir = tempDir("prog");
  const events: ProgressEvent[] = [];
  await writeOmeZarr(src, join(dir, "a.zarr"), { tileSize: 128, progress: (e) => events.push(e) });
  const last = new Map(events.map((e) => [e.stage, e]));
  assert.deepEqual([...last.keys()], ["write level 0", "write level 1", "write level 2"]);
  assert.deepEqual([...last.values()].map((e) => [e.done, e.total, e.unit]), [[12, 12, "chunks"], [4, 4, "chunks"], [1, 1, "chunks"]]);
  const ac = new AbortController();
  const e = await thrown(() => writeOmeZarr(src, join(dir, "b.zarr"), {
    tileSize: 64, signal: ac.signal, progress: (p) => { if (p.done === 3) ac.abort(); },
  }));
  assert.ok(e instanceof AbortedError, e.message);
});
