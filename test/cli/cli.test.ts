import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { openImage } from "../../src/io/open.js";
import { writeImage } from "../../src/io/write.js";
import { arraySource } from "../../src/io/array-source.js";
import { cliReference } from "../../src/cli/reference.js";
import { tempDir } from "../helpers/tmp.js";
import { terareg } from "../helpers/cli.js";

test("help and version exit 0; an unknown command or flag exits 2 with a hint", () => {
  assert.equal(terareg("--help").code, 0);
  assert.match(terareg("--version").stdout, /\d+\.\d+\.\d+/);
  const bad = terareg("frobnicate");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown command 'frobnicate'/);
  assert.equal(terareg("info", "--nope", "x").code, 2);
});

test("generate → info → convert to every writable format, pixels preserved", async (t) => {
  const dir = await tempDir(t);
  const tif = join(dir, "g.tif");
  const g = terareg("generate", tif, "--size", "700x300", "--channels", "2", "--dtype", "uint16", "--levels", "1", "--tile", "256");
  assert.equal(g.code, 0, g.stderr);
  assert.match(g.stdout, /generated .*g\.tif/);
  const info = terareg("info", tif);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /700 × 300 \(x × y\), 2 channel\(s\), uint16/);
  const meta = JSON.parse(terareg("info", tif, "--json").stdout) as { levels: { shape: number[] }[]; dtype: string };
  assert.deepEqual(meta.levels[0]!.shape, [1, 300, 700]);
  const src = await openImage(tif);
  const want = await src.read({ start: [0, 0, 0], size: [1, 300, 700] }, 0);
  for (const out of ["c.ome.tif", "c2.ome.zarr", "c3.ome.zarr", "c.nii.gz", "c.mha"]) {
    const args = ["convert", tif, join(dir, out)];
    if (/\.(tif|zarr)$/.test(out)) args.push("--tile", "128");
    if (out === "c2.ome.zarr") args.push("--zarr-version", "2");
    const r = terareg(...args);
    assert.equal(r.code, 0, `${out}: ${r.stderr}`);
    assert.match(r.stdout, /peak RSS/);
    const back = await openImage(join(dir, out));
    assert.deepEqual(await back.read({ start: [0, 0, 0], size: [1, 300, 700] }, 0), want, out);
    if (out.endsWith(".ome.tif") || out.endsWith(".zarr")) assert.ok(back.meta.levels.length >= 3, `${out} has a pyramid`);
    await back.close();
  }
  await src.close();
});

test("--log-json prints progress JSON lines on stderr and a JSON summary on stdout", async (t) => {
  const dir = await tempDir(t);
  const r = terareg("--log-json", "generate", join(dir, "j.ome.zarr"), "--size", "600x600", "--tile", "128");
  assert.equal(r.code, 0, r.stderr);
  const progress = r.stderr.trim().split("\n").map((l) => JSON.parse(l) as { event: string; stage: string; done: number; total: number });
  assert.ok(progress.length > 1 && progress.every((p) => p.event === "progress"));
  const last = progress[progress.length - 1]!;
  assert.equal(last.done, last.total);
  const summary = JSON.parse(r.stdout.trim()) as { event: string; peakRssBytes: number; seconds: number };
  assert.equal(summary.event, "summary");
  assert.ok(summary.peakRssBytes > 0 && summary.seconds > 0);
});

test("bad options: one line naming the flag and the expected value, exit 2, no output", async (t) => {
  const dir = await tempDir(t);
  const cases: [string[], RegExp][] = [
    [["generate", join(dir, "a.tif"), "--size", "10x"], /--size: got "10x"; expected WIDTHxHEIGHT/],
    [["generate", join(dir, "a.tif"), "--size", "10x10", "--tile", "abc"], /--tile: got "abc"; expected an integer from 16 to 8192/],
    [["generate", join(dir, "a.tif"), "--size", "10x10", "--dtype", "complex"], /--dtype: got "complex"; expected one of uint8, int8/],
    [["generate", join(dir, "a.tif"), "--size", "10x10", "--levels", "0"], /--levels: got "0"; expected an integer from 1 to 40/],
    [["generate", join(dir, "a.jpg"), "--size", "10x10"], /output: got ".*a\.jpg"; expected a name ending in one of/],
    [["generate", join(dir, "a.tif"), "--size", "10x10", "--compression", "brotli"], /--compression: got "brotli"; expected one of none, deflate/],
    [["register", "f.tif", "m.tif", "-o", join(dir, "run"), "--sigma-field", "-1"], /--sigma-field: got "-1"; expected a number from 0 to 64/],
    [["register", "f.tif", "m.tif", "-o", join(dir, "run"), "--grid-spacing", "wide"], /--grid-spacing: got "wide"; expected a number from 1 to 4096/],
    [["register", "f.tif", "m.tif", "-o", join(dir, "run"), "--smoothing-sigmas", "1,,0.5"], /--smoothing-sigmas \(value 2\): got ""; expected a number from 0 to 64/],
    [["register", "f.tif", "m.tif", "-o", join(dir, "run"), "--chunk-deformable", "fluid"], /--chunk-deformable: got "fluid"; expected one of greedy, bspline/],
    [["register", "f.tif", "m.tif", "-o", join(dir, "run"), "--min-foreground", "2"], /--min-foreground: got "2"; expected a fraction from 0 to 1/],
  ];
  for (const [args, re] of cases) {
    const r = terareg(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
  assert.deepEqual(await readdir(dir), []);
});

test("bad input: one line naming the file, exit 1, and no partial output", async (t) => {
  const dir = await tempDir(t);
  const files: [string, Buffer | string, RegExp][] = [
    ["missing.tif", "", /no such file/],
    ["text.tif", "this is not an image", /./],
    ["empty.nii", Buffer.alloc(0), /empty file/],
    ["unknown.xyz", "hello", /unknown image format/],
    ["trunc.tif", Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00]), /./],
  ];
  for (const [name, content] of files) if (name !== "missing.tif") await writeFile(join(dir, name), content);
  for (const [name, , re] of files) {
    const p = join(dir, name);
    for (const args of [["info", p], ["convert", p, join(dir, "out.ome.zarr")]]) {
      const r = terareg(...args);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0]!.startsWith("terareg: ") && lines[0]!.includes(p), lines[0]);
      assert.match(lines[0]!, re);
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
    }
  }
  assert.ok(!(await readdir(dir)).some((f) => f.includes("out")), "no output or temporary file left");
});

test("NaNs in float data are refused by convert unless --allow-nan", async (t) => {
  const dir = await tempDir(t);
  const plane = new Float32Array(64 * 64).fill(1.5);
  plane[64 * 10 + 7] = NaN;
  await writeImage(arraySource({ shape: [1, 64, 64], dtype: "float32", planes: [plane] }), join(dir, "nan.mha"));
  const r = terareg("convert", join(dir, "nan.mha"), join(dir, "o.ome.tif"));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /nan\.mha: contains NaN \(channel 0, level 0, pixel x=7 y=10 z=0/);
  assert.ok(!(await readdir(dir)).some((f) => f.includes("o.ome")));
  const ok = terareg("convert", join(dir, "nan.mha"), join(dir, "o.ome.tif"), "--allow-nan");
  assert.equal(ok.code, 0, ok.stderr);
});

test("README: the CLI reference is current and the two commands are the ones CI runs", async () => {
  const readme = await readFile("README.md", "utf8");
  const block = readme.slice(readme.indexOf("<!-- cli-reference -->") + "<!-- cli-reference -->".length, readme.indexOf("<!-- /cli-reference -->"));
  assert.equal(block.trim(), cliReference().trim(), "README CLI reference is stale: run npm run docs:cli");
  const ci = await readFile(".ci/run", "utf8");
  assert.match(readme, /^npm ci && npm test\b/m);
  assert.match(ci, /^npm ci && npm test$/m);
  assert.match(readme, /^npm ci && npm run demo\b/m);
});
