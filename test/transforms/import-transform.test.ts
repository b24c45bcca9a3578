import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { InputError } from "../../src/core/errors.js";
import { indexToPhysical, type Mat3, type Space, type Vec3 } from "../../src/core/space.js";
import { affineFromParams, identityParams } from "../../src/transforms/affine.js";
import { elastixNumber, exportElastix } from "../../src/transforms/export-elastix.js";
import { exportItk } from "../../src/transforms/export-itk.js";
import { importTransform } from "../../src/transforms/import-transform.js";
import { mapPoints, type DisplacementGrid, type RegistrationTransform } from "../../src/transforms/registration-transform.js";
import { seeded } from "../helpers/rng.js";
import { SHARED_DATA, tempDir } from "../helpers/tmp.js";

const ELASTIX = "/usr/bin/elastix", TRANSFORMIX = "/usr/bin/transformix";
const BRAIN = join(SHARED_DATA, "elastix_example_2d_brain_mr");
const skipElastix = !existsSync(ELASTIX) || !existsSync(TRANSFORMIX) ? "elastix/transformix are not installed in /usr/bin"
  : !existsSync(join(BRAIN, "fixed.mhd")) ? `${BRAIN} is missing` : false;

function frame2d(angle: number, spacing: [number, number], origin: [number, number]): Space {
  const c = Math.cos(angle), s = Math.sin(angle);
  return { spacing: [1, ...spacing], origin: [0, ...origin], direction: [1, 0, 0, 0, c, s, 0, -s, c] as Mat3, units: ["millimeter", "millimeter", "millimeter"] };
}

function field2d(shape: Vec3, space: Space): DisplacementGrid {
  const [, ny, nx] = shape, n = ny * nx;
  const data = new Float32Array(2 * n);
  for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    data[y * nx + x] = 3 * Math.sin((2 * Math.PI * x) / nx) + 0.5;
    data[n + y * nx + x] = -2 * Math.cos((2 * Math.PI * y) / ny) + 0.05 * x;
  }
  return { ndim: 2, shape, space, data };
}

const affine2d = () => affineFromParams({ ...identityParams(), rotation: [0, 0, 0.3], zoom: [1, 1.2, 0.9], translation: [0, 4, -3] }, [0, 10, 20], 2);

function pointsInside(space: Space, shape: Vec3, count: number, seed: number): Float64Array {
  const rng = seeded(seed);
  const out = new Float64Array(3 * count);
  for (let k = 0; k < count; k++) out.set(indexToPhysical(space, [0, rng() * (shape[1] - 1), rng() * (shape[2] - 1)]), 3 * k);
  return out;
}

function maxDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function transform2d(): RegistrationTransform {
  const gridSpace = frame2d(-0.35, [2.5, 1.5], [-10, 7]);
  return { ndim: 2, affine: affine2d(), displacement: field2d([1, 24, 30], gridSpace) };
}

test("elastix export then import (Compose chain: field first, then affine): the same points within 1e-6", async (t) => {
  const dir = await tempDir(t);
  const tr = transform2d();
  const r = await exportElastix(tr, join(dir, "elx"), { shape: [1, 50, 40], space: frame2d(0, [1, 1], [0, 0]) });
  const p = pointsInside(tr.displacement!.space, tr.displacement!.shape, 40, 1);
  const back = await importTransform(join(dir, "elx", r.entry));
  assert.ok(maxDiff(mapPoints(back, p), mapPoints(tr, p)) < 1e-6);
  // The directory means its highest-numbered TransformParameters file.
  assert.ok(maxDiff(mapPoints(await importTransform(join(dir, "elx")), p), mapPoints(tr, p)) < 1e-6);
  // Affine only.
  const a = await exportElastix({ ndim: 2, affine: affine2d() }, join(dir, "elx2"), { shape: [1, 50, 40], space: frame2d(0, [1, 1], [0, 0]) });
  const backA = await importTransform(join(dir, "elx2", a.entry));
  assert.equal(backA.displacement, undefined);
  assert.ok(maxDiff(mapPoints(backA, p), mapPoints({ ndim: 2, affine: affine2d() }, p)) < 1e-9);
});

test("ITK export then import (affine.tfm + displacement.nii.gz): the same points within 1e-6", async (t) => {
  const dir = await tempDir(t);
  const tr = transform2d();
  await exportItk(tr, join(dir, "itk"));
  const p = pointsInside(tr.displacement!.space, tr.displacement!.shape, 40, 2);
  const back = await importTransform(join(dir, "itk"));
  assert.ok(maxDiff(mapPoints(back, p), mapPoints(tr, p)) < 1e-6);
  const a3 = affineFromParams({ rotation: [0.2, -0.15, 0.4], zoom: [1.1, 0.95, 1.2], shear: [0.05, -0.1, 0.08], translation: [3, -2, 5] }, [5, 10, 15], 3);
  await exportItk({ ndim: 3, affine: a3 }, join(dir, "itk3"));
  const b3 = await importTransform(join(dir, "itk3", "affine.tfm"));
  assert.equal(b3.ndim, 3);
  assert.ok(maxDiff(b3.affine, a3) < 1e-12);
});

test("unsupported elastix transforms are refused naming the file and the kind", async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, "TransformParameters.0.txt");
  await writeFile(file, '(Transform "BSplineTransform")\n(NumberOfParameters 2)\n(TransformParameters 0 0)\n(FixedImageDimension 2)\n');
  await assert.rejects(importTransform(file), (e: unknown) => e instanceof InputError && e.message.includes(file) && e.message.includes("BSplineTransform"));
});

/** transformix -def on physical [z, y, x] points (2D), returning [z, y, x] triples. */
async function transformix2d(dir: string, tp: string, points: Float64Array): Promise<Float64Array> {
  const n = points.length / 3;
  const lines = ["point", String(n)];
  for (let k = 0; k < n; k++) lines.push([points[3 * k + 2]!, points[3 * k + 1]!].map(elastixNumber).join(" "));
  const pts = join(dir, "points.txt"), out = join(dir, "tfx");
  await writeFile(pts, `${lines.join("\n")}\n`);
  await mkdir(out, { recursive: true });
  const r = spawnSync(TRANSFORMIX, ["-def", pts, "-out", out, "-tp", tp, "-threads", "1"], { encoding: "utf8", cwd: dir });
  assert.equal(r.status, 0, `transformix failed: ${r.stdout.slice(-2000)}`);
  const text = await readFile(join(out, "outputpoints.txt"), "utf8");
  const got = [...text.matchAll(/OutputPoint = \[([^\]]*)\]/g)].map((m) => m[1]!.trim().split(/\s+/).map(Number));
  assert.equal(got.length, n);
  return Float64Array.from(got.flatMap((q) => [0, q[1]!, q[0]!]));
}

test("a real elastix rigid (EulerTransform) run on the brain MR pair: imported points match transformix within 0.01 px", { skip: skipElastix }, async (t) => {
  const dir = await tempDir(t);
  const out = join(dir, "elx");
  await mkdir(out);
  const r = spawnSync(ELASTIX, ["-f", join(BRAIN, "fixed.mhd"), "-m", join(BRAIN, "moving.mhd"), "-p", join(BRAIN, "parameters_Rigid.txt"), "-out", out, "-threads", "2"], { encoding: "utf8", cwd: dir, timeout: 300_000 });
  assert.equal(r.status, 0, `elastix failed: ${r.stdout.slice(-2000)}`);
  const tp = join(out, "TransformParameters.0.txt");
  assert.match(await readFile(tp, "utf8"), /\(Transform "EulerTransform"\)/);
  const back = await importTransform(tp);
  assert.equal(back.ndim, 2);
  const space = frame2d(0, [1, 1], [0, 0]); // the brain images have unit spacing and zero origin
  const p = pointsInside(space, [1, 256, 256], 12, 3);
  const want = await transformix2d(dir, tp, p);
  assert.ok(maxDiff(mapPoints(back, p), want) < 0.01, `max diff ${maxDiff(mapPoints(back, p), want)}`);
});

// SimilarityTransform is not checked here: the Debian elastix build lacks that component ("not installed").
test("hand-written elastix Euler/Translation files (2D and 3D) match transformix", { skip: skipElastix }, async (t) => {
  const dir = await tempDir(t);
  const geom = (n: 2 | 3) => n === 2
    ? "(FixedImageDimension 2)\n(MovingImageDimension 2)\n(Size 40 40)\n(Index 0 0)\n(Spacing 1 1)\n(Origin 0 0)\n(Direction 1 0 0 1)\n"
    : "(FixedImageDimension 3)\n(MovingImageDimension 3)\n(Size 20 20 20)\n(Index 0 0 0)\n(Spacing 1 1 1)\n(Origin 0 0 0)\n(Direction 1 0 0 0 1 0 0 0 1)\n";
  const cases: [string, 2 | 3, string][] = [
    ["EulerTransform", 2, "0.3 4 -2"],
    ["TranslationTransform", 2, "2.5 -1.5"],
    ["EulerTransform", 3, "0.2 -0.3 0.4 1 2 3"],
  ];
  let k = 0;
  for (const [kind, n, params] of cases) {
    const file = join(dir, `tp-${k++}.txt`);
    const centre = n === 2 ? "12 -5" : "4 5 -6";
    await writeFile(file, `(Transform "${kind}")\n(NumberOfParameters ${params.split(" ").length})\n(TransformParameters ${params})\n(InitialTransformParametersFileName "NoInitialTransform")\n(HowToCombineTransforms "Compose")\n${geom(n)}(CenterOfRotationPoint ${centre})\n(ResampleInterpolator "FinalBSplineInterpolator")\n(Resampler "DefaultResampler")\n`);
    const back = await importTransform(file);
    const rng = seeded(k);
    const p = Float64Array.from({ length: 30 }, (_, i) => (n === 2 && i % 3 === 0 ? 0 : rng() * 30 - 5));
    const pts = join(dir, `pts-${k}.txt`), out = join(dir, `out-${k}`);
    const rows = Array.from({ length: 10 }, (_, j) => (n === 2 ? [p[3 * j + 2]!, p[3 * j + 1]!] : [p[3 * j + 2]!, p[3 * j + 1]!, p[3 * j]!]).map(elastixNumber).join(" "));
    await writeFile(pts, `point\n10\n${rows.join("\n")}\n`);
    await mkdir(out);
    const r = spawnSync(TRANSFORMIX, ["-def", pts, "-out", out, "-tp", file, "-threads", "1"], { encoding: "utf8", cwd: dir });
    assert.equal(r.status, 0, `transformix failed on ${kind} ${n}D: ${r.stdout.slice(-1500)}`);
    const text = await readFile(join(out, "outputpoints.txt"), "utf8");
    const got = [...text.matchAll(/OutputPoint = \[([^\]]*)\]/g)].map((m) => m[1]!.trim().split(/\s+/).map(Number));
    const want = Float64Array.from(got.flatMap((q) => (n === 2 ? [0, q[1]!, q[0]!] : [q[2]!, q[1]!, q[0]!])));
    const d = maxDiff(mapPoints(back, p), want);
    assert.ok(d < 1e-3, `${kind} ${n}D: max |terareg − transformix| = ${d}`);
  }
});
