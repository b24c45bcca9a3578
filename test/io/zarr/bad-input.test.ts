// The bad-input corpus: each broken Zarr must fail with an InputError that names the path and the problem.
// Fixtures are small hand-written Zarrs (JSON + chunk bytes) made inside the test.

import assert from "node:assert/strict";
import { mkdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { InputError } from "../../../src/core/errors.js";
import { fullRegion } from "../../../src/core/space.js";
import { openZarr } from "../../../src/io/zarr/open-zarr.js";
import { writeOmeZarr } from "../../../src/io/zarr/write-ome-zarr.js";
import { cleanup, randomImage, tempDir, thrown } from "./helpers.js";

after(cleanup);

const root = tempDir("bad");
let n = 0;

/** A directory with the given files (string → JSON text as is; object → JSON; Uint8Array → bytes). */
function fixture(files: Record<string, string | object | Uint8Array>): string {
  const dir = join(root, `case-${n++}.zarr`);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content instanceof Uint8Array || typeof content === "string" ? content : JSON.stringify(content));
  }
  return dir;
}

const zarray = (over: object = {}): object => ({
  zarr_format: 2, shape: [4, 6], chunks: [2, 3], dtype: "|u1", compressor: null, fill_value: 0, order: "C", filters: null, ...over,
});

const ms04 = (paths: string[]): object => ({
  multiscales: [{ version: "0.4", axes: [{ name: "y", type: "space" }, { name: "x", type: "space" }], datasets: paths.map((path) => ({ path, coordinateTransformations: [{ type: "scale", scale: [1, 1] }] })) }],
});

/** Asserts that `fn` throws an InputError naming `path` with `phrase` in its message. */
async function expectInputError(fn: () => Promise<unknown>, path: string, phrase: string | RegExp): Promise<InputError> {
  const e = await thrown(fn);
  assert.ok(e instanceof InputError, `expected InputError, got ${e.name}: ${e.message}`);
  assert.equal(e.file, path);
  assert.ok(e.message.includes(path), `message names the path: ${e.message}`);
  if (typeof phrase === "string") assert.ok(e.message.includes(phrase), `"${phrase}" in: ${e.message}`);
  else assert.match(e.message, phrase);
  return e;
}

test("missing path, not a directory, no metadata", async () => {
  await expectInputError(() => openZarr(join(root, "nope.zarr")), join(root, "nope.zarr"), "does not exist");
  const file = join(root, "file.zarr");
  writeFileSync(file, "x");
  await expectInputError(() => openZarr(file), file, "is not a directory");
  const empty = fixture({});
  await expectInputError(() => openZarr(empty), empty, "no Zarr metadata found");
});

test("multiscales dataset without .zarray / zarr.json", async () => {
  const v2 = fixture({ ".zgroup": { zarr_format: 2 }, ".zattrs": ms04(["0", "1"]), "0/.zarray": zarray() });
  await expectInputError(() => openZarr(v2), v2, 'multiscales dataset "1" does not exist (no 1/.zarray)');
  const v3 = fixture({ "zarr.json": { zarr_format: 3, node_type: "group", attributes: { ome: { version: "0.5", ...ms04(["s0"]) } } } });
  await expectInputError(() => openZarr(v3), v3, 'multiscales dataset "s0" does not exist (no s0/zarr.json)');
  const escape = fixture({ ".zattrs": ms04(["../x"]) });
  await expectInputError(() => openZarr(escape), escape, 'invalid multiscales dataset path "../x"');
});

test("a group without multiscales", async () => {
  const g = fixture({ ".zgroup": { zarr_format: 2 }, ".zattrs": { plate: {} } });
  await expectInputError(() => openZarr(g), g, "without OME multiscales metadata in .zattrs (HCS plates");
});

test("invalid JSON", async () => {
  const a = fixture({ ".zarray": "{ not json" });
  await expectInputError(() => openZarr(a), a, "invalid JSON in .zarray");
  const b = fixture({ "zarr.json": "[1, 2" });
  await expectInputError(() => openZarr(b), b, "invalid JSON in zarr.json");
  const c = fixture({ ".zgroup": { zarr_format: 2 }, ".zattrs": "{\"multiscales\": [}" });
  await expectInputError(() => openZarr(c), c, "invalid JSON in .zattrs");
});

test("unknown or unsupported dtype, codec, shape", async () => {
  const a = fixture({ ".zarray": zarray({ dtype: "<c8" }) });
  await expectInputError(() => openZarr(a), a, 'unsupported dtype "<c8" in .zarray');
  const b = fixture({ ".zarray": zarray({ dtype: "<i8" }) });
  await expectInputError(() => openZarr(b), b, 'unsupported dtype "<i8"');
  const c = fixture({ "zarr.json": { zarr_format: 3, node_type: "array", shape: [4], data_type: "complex64", chunk_grid: { name: "regular", configuration: { chunk_shape: [2] } }, codecs: [{ name: "bytes" }], fill_value: 0 } });
  await expectInputError(() => openZarr(c), c, 'unsupported dtype "complex64" in zarr.json');
  const d = fixture({ ".zarray": zarray({ compressor: { id: "lzma" } }) });
  await expectInputError(() => openZarr(d), d, 'unsupported codec "numcodecs.lzma"');
  const e = fixture({ ".zarray": zarray({ shape: [4, -6] }) });
  await expectInputError(() => openZarr(e), e, "invalid shape in .zarray: [4,-6]");
  const f = fixture({ ".zarray": zarray({ shape: [4, 2.5] }) });
  await expectInputError(() => openZarr(f), f, "invalid shape in .zarray");
  const g = fixture({ ".zarray": zarray({ shape: [2 ** 30, 2 ** 30, 2 ** 30] }) });
  await expectInputError(() => openZarr(g), g, "has more than 2^53 elements");
  // Large but addressable shapes are fine (no data needed to open).
  const h = fixture({ ".zarray": zarray({ shape: [2 ** 20, 2 ** 21], chunks: [1024, 1024] }) });
  const big = await openZarr(h);
  assert.deepEqual(big.meta.levels[0]!.shape, [1, 2 ** 20, 2 ** 21]);
  const i = fixture({ ".zattrs": { ...ms04(["0"]), terareg: { direction: [1, 0, 0] } }, "0/.zarray": zarray() });
  await expectInputError(() => openZarr(i), i, "invalid terareg.direction in .zattrs");
});

test("corrupt, truncated, wrong-size and missing chunks", async () => {
  const img = randomImage([1, 40, 50], "uint16", 1, 9);
  for (const version of [2, 3] as const) {
    const out = join(root, `chunks-v${version}.zarr`);
    await writeOmeZarr(img.source, out, { zarrVersion: version, compression: "zstd", tileSize: 32, levels: 1 });
    const key = version === 3 ? "c/0/0/1" : "0/0/1";
    truncateSync(join(out, "0", key), 10);
    const z = await openZarr(out);
    const e = await expectInputError(() => z.read(fullRegion(z.meta.levels[0]!.shape), 0), out, `chunk "0/${key}" is corrupt: cannot decode it`);
    assert.ok(e.cause, "the zarrita error is kept as cause");
    // The untouched chunk still reads.
    const ok = await z.read({ start: [0, 0, 0], size: [1, 32, 32] }, 0);
    assert.deepEqual(ok[0], (await img.source.read({ start: [0, 0, 0], size: [1, 32, 32] }, 0))[0]);
  }
  // Uncompressed chunk of the wrong size.
  const w = fixture({ ".zarray": zarray(), "0.0": new Uint8Array(5) });
  const zw = await openZarr(w);
  await expectInputError(() => zw.read({ start: [0, 0, 0], size: [1, 2, 3] }, 0), w, 'chunk "0.0" is corrupt: it decodes to 5 samples; expected 6');
  // fill_value null: a missing chunk is an error; with a fill value it reads as that value.
  const nul = fixture({ ".zarray": zarray({ fill_value: null }), "0.0": new Uint8Array(6).fill(7) });
  const zn = await openZarr(nul);
  assert.deepEqual([...(await zn.read({ start: [0, 0, 0], size: [1, 2, 3] }, 0))[0]!], [7, 7, 7, 7, 7, 7]);
  await expectInputError(() => zn.read({ start: [0, 0, 0], size: [1, 4, 6] }, 0), nul, 'chunk "0.1" is missing and the array has no fill value (fill_value null)');
  const fill = fixture({ ".zarray": zarray({ fill_value: 42 }) });
  const zf = await openZarr(fill);
  assert.deepEqual([...(await zf.read({ start: [0, 1, 1], size: [1, 2, 2] }, 0))[0]!], [42, 42, 42, 42]);
  rmSync(join(root, "chunks-v2.zarr"), { recursive: true });
});
