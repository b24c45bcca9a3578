// End to end: `terareg register` writes a complete run, and `transform-points` maps landmarks both ways through it.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { parseLandmarks } from "../../src/io/landmarks.js";
import { openImage } from "../../src/io/open.js";
import { terareg } from "../helpers/cli.js";
import { SHARED_DATA, tempDir } from "../helpers/tmp.js";

const CASE = join(SHARED_DATA, "itk_brainweb_pd_translation");

test("register → run directory; transform-points fixed → moving and back", { skip: !existsSync(CASE) && "no shared data" }, async (t) => {
  const dir = await tempDir(t);
  const run = join(dir, "run");
  // Landmarks with the known truth: fixed (x, y) ↔ moving (x + 13, y + 17).
  const pts = [[60, 80], [110, 130], [150, 200], [90, 170]];
  await writeFile(join(dir, "f.csv"), `,X,Y\n${pts.map((p, i) => `${i + 1},${p[0]},${p[1]}`).join("\n")}\n`);
  await writeFile(join(dir, "m.csv"), `,X,Y\n${pts.map((p, i) => `${i + 1},${p[0]! + 13},${p[1]! + 17}`).join("\n")}\n`);
  const r = terareg("register", join(CASE, "fixed.png"), join(CASE, "moving.png"), "-o", run, "--preset", "fast", "--metric", "ncc",
    "--fixed-landmarks", join(dir, "f.csv"), "--moving-landmarks", join(dir, "m.csv"), "--threads", "2");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /TRE \(median\)\s+21\.\d+ → 0\.\d+ px/);
  for (const f of ["transform/transform.json", "warped.ome.tif", "metrics.json", "qc/report.html", "qc/overlay.png"]) {
    assert.ok(existsSync(join(run, f)), f);
  }
  const metrics = JSON.parse(await readFile(join(run, "metrics.json"), "utf8")) as { denseRejected: boolean; landmarks: { after: { median: number }; improvedFraction: number } };
  // A pure translation leaves the deformable stage nothing to improve: its field is dropped, or kept and written.
  assert.equal(existsSync(join(run, "transform", "displacement.ome.zarr")), !metrics.denseRejected);
  assert.ok(metrics.landmarks.after.median < 0.5, `median TRE ${metrics.landmarks.after.median}`);
  assert.equal(metrics.landmarks.improvedFraction, 1);
  const warped = await openImage(join(run, "warped.ome.tif"));
  assert.deepEqual(warped.meta.levels[0]!.shape, [1, 257, 221]);
  // `terareg warp` with the run's transform reproduces the run's warped image byte for byte.
  const w = terareg("warp", join(CASE, "moving.png"), "--transform", join(run, "transform"), "--reference", join(CASE, "fixed.png"), "-o", join(dir, "w.ome.tif"), "--threads", "1");
  assert.equal(w.code, 0, w.stderr);
  const again = await openImage(join(dir, "w.ome.tif"));
  const whole = { start: [0, 0, 0] as [number, number, number], size: [1, 257, 221] as [number, number, number] };
  assert.deepEqual(await again.read(whole, 0), await warped.read(whole, 0));
  await again.close();
  await warped.close();

  const fwd = terareg("transform-points", "--transform", join(run, "transform"), "--in", join(dir, "f.csv"), "--out", join(dir, "fm.csv"));
  assert.equal(fwd.code, 0, fwd.stderr);
  assert.match(fwd.stdout, /pixels of the moving image/);
  const mapped = parseLandmarks(await readFile(join(dir, "fm.csv"), "utf8"));
  pts.forEach((p, i) => {
    const q = mapped.get(String(i + 1))!;
    assert.ok(Math.hypot(q[0]! - p[0]! - 13, q[1]! - p[1]! - 17) < 0.5, `point ${i + 1}: ${q}`);
  });
  const back = terareg("transform-points", "--transform", join(run, "transform"), "--in", join(dir, "fm.csv"), "--out", join(dir, "fmf.csv"), "--inverse");
  assert.equal(back.code, 0, back.stderr);
  const round = parseLandmarks(await readFile(join(dir, "fmf.csv"), "utf8"));
  pts.forEach((p, i) => {
    const q = round.get(String(i + 1))!;
    assert.ok(Math.hypot(q[0]! - p[0]!, q[1]! - p[1]!) < 0.01, `round trip ${i + 1}: ${q}`);
  });
  // A run's transform records the fixed grid, so elastix parameters need no --fixed.
  const ex = terareg("export", run, "--format", "elastix");
  assert.equal(ex.code, 0, ex.stderr);
  assert.ok(existsSync(join(run, "transform", "elastix", metrics.denseRejected ? "TransformParameters.0.txt" : "TransformParameters.1.txt")));
  // A second run into the same non-empty directory is refused without --force.
  const refused = terareg("register", join(CASE, "fixed.png"), join(CASE, "moving.png"), "-o", run);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /-o: got ".*run"; expected a new or empty run directory \(or pass --force to replace it\)/);
});

test("register --deformable svf|bspline stores the velocity / lattice; transform-points --inverse undoes the forward map", { skip: !existsSync(join(SHARED_DATA, "ants_r16_r64_brain_slices")) && "no shared data" }, async (t) => {
  const dir = await tempDir(t);
  const data = join(SHARED_DATA, "ants_r16_r64_brain_slices");
  const pts = [[60, 80], [110, 130], [150, 170], [90, 150], [128, 100]];
  await writeFile(join(dir, "f.csv"), `,X,Y\n${pts.map((p, i) => `${i + 1},${p[0]},${p[1]}`).join("\n")}\n`);
  for (const [mode, file] of [["svf", "velocity.ome.zarr"], ["bspline", "bspline.ome.zarr"]] as const) {
    const run = join(dir, mode);
    const r = terareg("register", join(data, "fixed.jpg"), join(data, "moving.jpg"), "-o", run, "--preset", "fast", "--deformable", mode, "--threads", "2");
    assert.equal(r.code, 0, r.stderr);
    const metrics = JSON.parse(await readFile(join(run, "metrics.json"), "utf8")) as { denseRejected: boolean };
    assert.equal(metrics.denseRejected, false, `${mode}: the dense stage is kept on this pair`);
    assert.ok(existsSync(join(run, "transform", file)), `${mode}: ${file}`);
    assert.ok(!existsSync(join(run, "transform", "displacement.ome.zarr")), `${mode}: no displacement grid besides it`);
    const fwd = terareg("transform-points", "--transform", join(run, "transform"), "--in", join(dir, "f.csv"), "--out", join(dir, `${mode}-fm.csv`));
    assert.equal(fwd.code, 0, fwd.stderr);
    const back = terareg("transform-points", "--transform", join(run, "transform"), "--in", join(dir, `${mode}-fm.csv`), "--out", join(dir, `${mode}-fmf.csv`), "--inverse");
    assert.equal(back.code, 0, back.stderr);
    const mapped = parseLandmarks(await readFile(join(dir, `${mode}-fm.csv`), "utf8"));
    const round = parseLandmarks(await readFile(join(dir, `${mode}-fmf.csv`), "utf8"));
    pts.forEach((p, i) => {
      const q = mapped.get(String(i + 1))!, b = round.get(String(i + 1))!;
      assert.ok(Math.hypot(q[0]! - p[0]!, q[1]! - p[1]!) > 0.5, `${mode} point ${i + 1} did not move: ${q}`);
      assert.ok(Math.hypot(b[0]! - p[0]!, b[1]! - p[1]!) < 0.01, `${mode} round trip ${i + 1}: ${b}`);
    });
  }
});

test("demo: registers the shipped sample pair and prints TRE before → after", async (t) => {
  const dir = await tempDir(t);
  const r = terareg("demo", "-o", join(dir, "run"), "--preset", "fast");
  assert.equal(r.code, 0, r.stderr);
  const m = /TRE \(median\)\s+([\d.]+) → ([\d.]+) px/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.ok(Number(m![1]) > 25 && Number(m![2]) < 3.5, r.stdout);
  assert.ok(existsSync(join(dir, "run", "qc", "report.html")));
});

test("register --no-warped --no-qc writes only metrics.json and transform/ (in memory and chunked), with the same transform", { skip: !existsSync(CASE) && "no shared data" }, async (t) => {
  const dir = await tempDir(t);
  const fixed = join(CASE, "fixed.png"), moving = join(CASE, "moving.png");
  for (const flow of [["--preset", "fast"], ["--preset", "fast", "--chunk", "128", "--global-level", "1"]]) {
    const full = join(dir, `full${flow.length}`), lean = join(dir, `lean${flow.length}`);
    const a = terareg("register", fixed, moving, "-o", full, ...flow, "--threads", "2");
    assert.equal(a.code, 0, a.stderr);
    const b = terareg("register", fixed, moving, "-o", lean, ...flow, "--threads", "2", "--no-warped", "--no-qc");
    assert.equal(b.code, 0, b.stderr);
    assert.doesNotMatch(b.stdout, /report/);
    assert.ok(existsSync(join(full, "warped.ome.tif")) && existsSync(join(full, "qc", "report.html")), `${flow}: the full run has both`);
    assert.ok(!existsSync(join(lean, "warped.ome.tif")) && !existsSync(join(lean, "qc")), `${flow}: the lean run has neither`);
    assert.ok(existsSync(join(lean, "metrics.json")), `${flow}: metrics.json`);
    const files = (await readdir(join(full, "transform"), { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    assert.ok(files.some((e) => e.name === "transform.json"), `${flow}: transform.json`);
    for (const e of files) {
      const rel = join(e.parentPath ?? e.path, e.name).slice(join(full, "transform").length);
      assert.deepEqual(await readFile(join(lean, "transform", rel)), await readFile(join(full, "transform", rel)), `${flow}: transform${rel}`);
    }
  }
});

test("register --log-json reports every iteration of each stage and level with its metric, against the level's cap", { skip: !existsSync(CASE) && "no shared data" }, async (t) => {
  const dir = await tempDir(t);
  const r = terareg("--log-json", "register", join(CASE, "fixed.png"), join(CASE, "moving.png"), "-o", join(dir, "run"), "--preset", "fast",
    "--threads", "2", "--no-warped", "--no-qc");
  assert.equal(r.code, 0, r.stderr);
  const events = r.stderr.trim().split("\n").map((l) => JSON.parse(l) as { event: string; stage: string; done: number; total: number; unit: string; value?: number });
  const iterations = events.filter((e) => /^(affine|deformable) L\d+$/.test(e.stage));
  for (const stage of ["affine", "deformable"]) assert.ok(iterations.some((e) => e.stage.startsWith(stage)), `${stage} progress`);
  for (const e of iterations) {
    assert.equal(e.unit, "iterations");
    assert.ok(Number.isFinite(e.value), `${e.stage} iteration ${e.done}: metric ${e.value}`);
    assert.ok(e.done >= 1 && e.done <= e.total, `${e.stage}: ${e.done} of ${e.total}`);
  }
  // Iterations count up by one within a level, and a level that stops early shows fewer than its cap.
  const byStage = new Map<string, typeof iterations>();
  for (const e of iterations) byStage.set(e.stage, [...(byStage.get(e.stage) ?? []), e]);
  for (const [stage, list] of byStage) list.forEach((e, i) => assert.equal(e.done, i + 1, `${stage} step ${i}`));
  assert.ok([...byStage.values()].some((list) => list.at(-1)!.done < list.at(-1)!.total), "some level stopped before its cap");
  assert.equal((JSON.parse(r.stdout.trim()) as { event: string }).event, "summary");
});
