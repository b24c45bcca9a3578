// `terareg synth`: files and sizes, exact landmark truth (fixed(p) = moving(T(p))), determinism per seed,
// bounded memory, and that `terareg register` recovers the truth on a synthetic pair.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { Source } from "../../src/core/source.js";
import { readLandmarks } from "../../src/io/landmarks.js";
import { openImage } from "../../src/io/open.js";
import { loadGrayTextures } from "../../src/synth/texture-source.js";
import { synthesize } from "../../src/synth/synth.js";
import { minGridJacobian } from "../../src/synth/truth.js";
import { terareg } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const texturesP = loadGrayTextures();

/** (Tri/bi)linear sample of level 0 at fractional pixel [z, y, x]. */
async function sampleLinear(src: Source, q: [number, number, number]): Promise<number> {
  const shape = src.meta.levels[0]!.shape;
  const i0 = q.map((v, a) => Math.min(Math.floor(v), Math.max(shape[a]! - 2, 0))) as [number, number, number];
  const size = i0.map((_, a) => (shape[a]! > 1 ? 2 : 1)) as [number, number, number];
  const [plane] = await src.read({ start: i0, size }, 0);
  let s = 0;
  for (let z = 0; z < size[0]; z++) for (let y = 0; y < size[1]; y++) for (let x = 0; x < size[2]; x++) {
    const w = [z, y, x].map((o, a) => (size[a] === 1 ? 1 : o ? q[a]! - i0[a]! : 1 - (q[a]! - i0[a]!)));
    s += w[0]! * w[1]! * w[2]! * Number(plane![(z * size[1] + y) * size[2] + x]);
  }
  return s;
}

/** Largest |fixed(p) − moving(T(p))| over the landmark pairs (p integer pixels, moving interpolated). */
async function landmarkTruthError(dir: string, ext: string): Promise<{ maxDiff: number; n: number; medianDistance: number }> {
  const f = await readLandmarks(join(dir, "fixed_landmarks.csv")), m = await readLandmarks(join(dir, "moving_landmarks.csv"));
  const fixed = await openImage(join(dir, `fixed${ext}`)), moving = await openImage(join(dir, `moving${ext}`));
  let maxDiff = 0;
  const dist: number[] = [];
  for (const [id, p] of f) {
    const q = m.get(id)!;
    const zyx = (v: number[]): [number, number, number] => [v[2] ?? 0, v[1]!, v[0]!];
    const pf = zyx(p);
    assert.ok(pf.every(Number.isInteger), "fixed landmarks sit on integer pixels");
    const [plane] = await fixed.read({ start: pf, size: [1, 1, 1] }, 0);
    maxDiff = Math.max(maxDiff, Math.abs(Number(plane![0]) - (await sampleLinear(moving, zyx(q)))));
    dist.push(Math.hypot(...p.map((v, i) => v - q[i]!)));
  }
  await fixed.close();
  await moving.close();
  dist.sort((a, b) => a - b);
  const h = dist.length >> 1;
  return { maxDiff, n: f.size, medianDistance: dist.length % 2 ? dist[h]! : (dist[h - 1]! + dist[h]!) / 2 };
}

test("2D synth: files, sizes, dtypes, exact landmark truth, identity TRE > 5 px", async (t) => {
  const dir = await tempDir(t);
  const r = await synthesize(dir, { shape: [1, 768, 1024], seed: 3, landmarks: 100, textures: await texturesP });
  for (const f of ["fixed.ome.tif", "moving.ome.tif", "fixed_landmarks.csv", "moving_landmarks.csv", "truth.json", "truth_transform/transform.json"]) {
    assert.ok(existsSync(join(dir, f)), f);
  }
  for (const f of [r.fixed, r.moving]) {
    const s = await openImage(f);
    assert.deepEqual(s.meta.levels[0]!.shape, [1, 768, 1024]);
    assert.equal(s.meta.dtype, "uint8");
    assert.ok(s.meta.levels.length > 1, "pyramidal");
    await s.close();
  }
  const truth = JSON.parse(await readFile(r.truthJson, "utf8")) as { minJacobian: number; affineMatrix: number[][]; grid: { shape: number[] } };
  assert.ok(truth.minJacobian > 0.5 && truth.minJacobian === minGridJacobian(r.truth.transform.displacement!, r.truth.params.grid.step));
  assert.equal(truth.affineMatrix.length, 4);
  const e = await landmarkTruthError(dir, ".ome.tif");
  assert.equal(e.n, 100);
  assert.ok(e.maxDiff <= 1.01, `fixed(p) vs moving(T(p)) differ by ${e.maxDiff}`);
  assert.ok(e.medianDistance > 5, `identity TRE ${e.medianDistance}`);
  assert.ok(Math.abs(e.medianDistance - r.identityTreMedian) < 1e-3);
});

test("3D synth: OME-Zarr volumes, uint16, exact landmark truth", async (t) => {
  const dir = await tempDir(t);
  await synthesize(dir, { shape: [48, 48, 48], dtype: "uint16", seed: 5, landmarks: 40, textures: await texturesP });
  for (const f of ["fixed.ome.zarr", "moving.ome.zarr"]) {
    const s = await openImage(join(dir, f));
    assert.deepEqual(s.meta.levels[0]!.shape, [48, 48, 48]);
    assert.equal(s.meta.dtype, "uint16");
    assert.equal(s.meta.ndim, 3);
    await s.close();
  }
  const header = (await readFile(join(dir, "fixed_landmarks.csv"), "utf8")).split("\n")[0];
  assert.equal(header, ",X,Y,Z");
  const e = await landmarkTruthError(dir, ".ome.zarr");
  assert.equal(e.n, 40);
  assert.ok(e.maxDiff <= 1.01, `fixed(p) vs moving(T(p)) differ by ${e.maxDiff} (of 65535)`);
});

test("same seed → identical bytes; another seed → different", async (t) => {
  const dir = await tempDir(t);
  const textures = await texturesP;
  const run = (name: string, seed: number) => synthesize(join(dir, name), { shape: [1, 200, 300], seed, landmarks: 20, textures });
  await run("a", 7);
  await run("b", 7);
  await run("c", 8);
  for (const f of ["fixed.ome.tif", "moving.ome.tif", "fixed_landmarks.csv", "moving_landmarks.csv", "truth.json"]) {
    const a = await readFile(join(dir, "a", f)), b = await readFile(join(dir, "b", f)), c = await readFile(join(dir, "c", f));
    assert.ok(a.equals(b), `${f} differs for the same seed`);
    assert.ok(!a.equals(c), `${f} is the same for another seed`);
  }
});

test("memory: a 4096² synth grows heap + arrayBuffers by < 150 MB", async (t) => {
  const dir = await tempDir(t);
  const textures = await texturesP;
  global.gc?.();
  const base = process.memoryUsage();
  let peak = 0, events = 0;
  await synthesize(dir, {
    shape: [1, 4096, 4096], seed: 2, landmarks: 10, textures,
    progress: () => {
      events++;
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - base.heapUsed - base.arrayBuffers);
    },
  });
  assert.ok(events > 10);
  assert.ok(peak < 150e6, `grew by ${(peak / 1e6).toFixed(1)} MB`);
  t.diagnostic(`4096² synth: heap+arrayBuffers growth ${(peak / 1e6).toFixed(1)} MB over ${events} progress events`);
});

test("terareg register recovers the truth of a 1024² synth pair (TRE median < 1 px)", async (t) => {
  const dir = await tempDir(t);
  const s = terareg("synth", join(dir, "pair"), "--size", "1024x1024", "--seed", "1", "--quiet");
  assert.equal(s.code, 0, s.stderr);
  const r = terareg("register", join(dir, "pair", "fixed.ome.tif"), join(dir, "pair", "moving.ome.tif"), "-o", join(dir, "run"),
    "--preset", "fast", "--threads", "2", "--quiet",
    "--fixed-landmarks", join(dir, "pair", "fixed_landmarks.csv"), "--moving-landmarks", join(dir, "pair", "moving_landmarks.csv"));
  assert.equal(r.code, 0, r.stderr);
  const metrics = JSON.parse(await readFile(join(dir, "run", "metrics.json"), "utf8")) as { landmarks: { before: { median: number }; after: { median: number } } };
  t.diagnostic(`TRE median ${metrics.landmarks.before.median.toFixed(2)} → ${metrics.landmarks.after.median.toFixed(3)} px`);
  assert.ok(metrics.landmarks.before.median > 5);
  assert.ok(metrics.landmarks.after.median < 1, `median TRE after ${metrics.landmarks.after.median}`);
});
