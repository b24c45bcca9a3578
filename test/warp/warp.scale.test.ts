// Acceptance at scale for the warp (npm run test:scale): a 300 MP (17320²) 3-channel uint8 moving image warped at full
// resolution, through an affine + displacement lattice found by registering a 300 MP pair at 1/8 resolution, into
// pyramidal OME-TIFF by `terareg warp`. Checked: peak RSS under 1 GB, a pyramid, and sampled windows of the file equal
// the lazy warp of the same windows; the throughput is printed. TERAREG_SCALE_DIR keeps the inputs between runs (and
// shares the 300 MP pair with chunked.scale.test.ts).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { openImage } from "../../src/io/open.js";
import { loadTransform } from "../../src/transforms/transform-io.js";
import { warpedSource } from "../../src/warp/warped-source.js";
import { sameBytes } from "./warp-fixtures.js";

const keep = process.env["TERAREG_SCALE_DIR"];
const dir = keep ?? mkdtempSync(join(tmpdir(), "terareg-warp-scale-"));
if (!keep) after(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): string {
  const r = spawnSync(process.execPath, ["dist/src/cli/main.js", ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test("300 MP 3-channel warp into pyramidal OME-TIFF: peak RSS < 1 GB, output equals the lazy warp", { timeout: 4 * 3600_000 }, async () => {
  const pair = join(dir, "p300"), reg = join(dir, "warp-reg"), moving = join(dir, "moving3.ome.tif"), out = join(dir, "warped3.ome.tif");
  if (!existsSync(join(pair, "fixed.ome.tif"))) cli("synth", pair, "--size", "17320x17320", "--seed", "7", "--quiet");
  if (!existsSync(join(reg, "transform", "transform.json"))) {
    // In memory at the level a 1 GB budget allows: level 3 (2165², 1/8 resolution), affine then a greedy lattice.
    cli("register", join(pair, "fixed.ome.tif"), join(pair, "moving.ome.tif"), "-o", reg, "--no-chunks", "--memory", "1GB", "--preset", "fast", "--quiet");
  }
  const metrics = JSON.parse(readFileSync(join(reg, "metrics.json"), "utf8"));
  assert.equal(metrics.level.fixed, 3, "registered at 1/8 resolution");
  if (!existsSync(moving)) cli("generate", moving, "--size", "17320x17320", "--channels", "3", "--seed", "11", "--quiet");

  rmSync(out, { force: true });
  const lines = cli("--log-json", "warp", moving, "--transform", join(reg, "transform"), "--reference", join(pair, "fixed.ome.tif"), "-o", out).trim().split("\n");
  const summary = lines.map((l) => JSON.parse(l)).find((e) => e.peakRssBytes !== undefined);
  assert.ok(summary, "a summary line");
  console.log(JSON.stringify({ seconds: summary.seconds, megapixels: summary.megapixels, mpxPerSecond: summary.megapixels / summary.seconds, peakRssBytes: summary.peakRssBytes }));
  assert.ok(summary.peakRssBytes < 1e9, `peak RSS ${summary.peakRssBytes} bytes`);

  const written = await openImage(out), movingSource = await openImage(moving), fixed = await openImage(join(pair, "fixed.ome.tif"));
  try {
    assert.deepEqual(written.meta.levels[0]!.shape, [1, 17320, 17320]);
    assert.equal(written.meta.channels.length, 3);
    assert.ok(written.meta.levels.length >= 5, `${written.meta.levels.length} levels`);
    const lazy = warpedSource(movingSource, await loadTransform(join(reg, "transform")), fixed);
    // Windows across tile borders, at the corners (mostly fill) and inside.
    for (const [y, x] of [[0, 0], [8000, 9100], [17000, 250], [12345, 16990]] as const) {
      const region = { start: [0, y, x] as [number, number, number], size: [1, Math.min(700, 17320 - y), Math.min(700, 17320 - x)] as [number, number, number] };
      const [got, want] = [await written.read(region, 0), await lazy.read(region, 0)];
      want.forEach((p, c) => sameBytes(got[c]!, p, `window ${y},${x} channel ${c}`));
    }
  } finally {
    await written.close();
    await movingSource.close();
    await fixed.close();
  }
});
