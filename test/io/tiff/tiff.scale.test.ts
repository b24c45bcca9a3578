// Acceptance at scale (npm run test:scale): a 20000² uint8 tiled BigTIFF without pyramid opens in < 1 s, gives a 1024²
// window in < 0.3 s under 200 MB RSS, and converts to a pyramidal OME-TIFF under 400 MB peak RSS. Each step runs in its own process.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

const dir = mkdtempSync(join(tmpdir(), "terareg-tiff-scale-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const mod = (p: string): string => new URL(`../../../src/io/${p}`, import.meta.url).href;
const MB = 1024 * 1024;

/** Runs an ES module snippet in a fresh Node process; it prints one JSON line, to which peak RSS (bytes) is added. */
function child(body: string): Record<string, number> {
  const code = `
import { readFileSync } from "node:fs";
import { openTiff } from ${JSON.stringify(mod("tiff/open-tiff.js"))};
import { writeOmeTiff } from ${JSON.stringify(mod("tiff/write-ome-tiff.js"))};
import { patternSource } from ${JSON.stringify(mod("pattern-source.js"))};
const out = {};
${body}
// VmHWM is the kernel's exact high-water mark of resident memory.
const hwm = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
out.peakRss = hwm ? Number(hwm[1]) * 1024 : process.memoryUsage().rss;
console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", maxBuffer: 1 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, number>;
}

test("20000² uint8: open < 1 s, 1024² window < 0.3 s and < 200 MB RSS, pyramid conversion < 400 MB RSS", { timeout: 600_000 }, () => {
  const flat = join(dir, "flat.tif"), pyr = join(dir, "pyramid.ome.tif");
  const made = child(`
const t0 = performance.now();
await writeOmeTiff(patternSource({ shape: [1, 20000, 20000], dtype: "uint8" }), ${JSON.stringify(flat)}, { levels: 1, tileSize: 512 });
out.seconds = (performance.now() - t0) / 1000;`);
  console.log(`made 20000² flat BigTIFF in ${made.seconds!.toFixed(1)} s, peak RSS ${(made.peakRss! / MB).toFixed(0)} MB`);

  const read = child(`
let t0 = performance.now();
const s = await openTiff(${JSON.stringify(flat)});
out.openMs = performance.now() - t0;
out.levels = s.meta.levels.length;
t0 = performance.now();
const [w] = await s.read({ start: [0, 9000, 7000], size: [1, 1024, 1024] }, 0);
out.windowMs = performance.now() - t0;
out.samples = w.length;
out.blocks = s.stats.blocksDecoded;
await s.close();`);
  console.log(`open ${read.openMs!.toFixed(1)} ms, window ${read.windowMs!.toFixed(1)} ms (${read.blocks} tiles), peak RSS ${(read.peakRss! / MB).toFixed(0)} MB`);
  assert.equal(read.levels, 1);
  assert.equal(read.samples, 1024 * 1024);
  assert.equal(read.blocks, 9);
  assert.ok(read.openMs! < 1000, `open took ${read.openMs} ms`);
  assert.ok(read.windowMs! < 300, `window took ${read.windowMs} ms`);
  assert.ok(read.peakRss! < 200 * MB, `window read peak RSS ${read.peakRss! / MB} MB`);

  const conv = child(`
const t0 = performance.now();
const s = await openTiff(${JSON.stringify(flat)});
await writeOmeTiff(s, ${JSON.stringify(pyr)}, { tileSize: 512 });
await s.close();
out.seconds = (performance.now() - t0) / 1000;
const p = await openTiff(${JSON.stringify(pyr)});
out.levels = p.meta.levels.length;
await p.close();`);
  console.log(`converted to a ${conv.levels}-level OME-TIFF in ${conv.seconds!.toFixed(1)} s, peak RSS ${(conv.peakRss! / MB).toFixed(0)} MB`);
  assert.equal(conv.levels, 7);
  assert.ok(conv.peakRss! < 400 * MB, `conversion peak RSS ${conv.peakRss! / MB} MB`);
});
