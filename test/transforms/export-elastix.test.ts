import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { indexToPhysical, type Mat3, type Space, type Vec3 } from "../../src/core/space.js";
import { affineFromParams, identityParams } from "../../src/transforms/affine.js";
import { elastixNumber, exportElastix } from "../../src/transforms/export-elastix.js";
import { exportItk } from "../../src/transforms/export-itk.js";
import { saveTransform } from "../../src/transforms/transform-io.js";
import { mapPoints, type DisplacementGrid, type RegistrationTransform } from "../../src/transforms/registration-transform.js";
import { terareg } from "../helpers/cli.js";
import { seeded } from "../helpers/rng.js";
import { tempDir } from "../helpers/tmp.js";

const TRANSFORMIX = "/usr/bin/transformix";
const skip = existsSync(TRANSFORMIX) ? false : `${TRANSFORMIX} is not installed (apt-get install elastix)`;

/** A planar 2D frame rotated in the y–x plane, anisotropic, off origin. */
function frame2d(angle: number, spacing: [number, number], origin: [number, number]): Space {
  const c = Math.cos(angle), s = Math.sin(angle);
  const direction: Mat3 = [1, 0, 0, 0, c, s, 0, -s, c];
  return { spacing: [1, ...spacing], origin: [0, ...origin], direction, units: ["millimeter", "millimeter", "millimeter"] };
}

/** A smooth 2D displacement grid (physical units) on `space`. */
function smoothField2d(shape: Vec3, space: Space): DisplacementGrid {
  const [, ny, nx] = shape, n = ny * nx;
  const data = new Float32Array(2 * n);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      data[y * nx + x] = 3 * Math.sin((2 * Math.PI * x) / nx) + 0.5; // dy
      data[n + y * nx + x] = -2 * Math.cos((2 * Math.PI * y) / ny) + 0.05 * x; // dx
    }
  }
  return { ndim: 2, shape, space, data };
}

function affine2d(): Float64Array {
  return affineFromParams({ ...identityParams(), rotation: [0, 0, 0.3], zoom: [1, 1.2, 0.9], translation: [0, 4, -3] }, [0, 10, 20], 2);
}

/** Random physical points at fractional pixel indices inside `shape` of `space`, [z, y, x] triples. */
function pointsInside(space: Space, shape: Vec3, count: number, seed: number): Float64Array {
  const rng = seeded(seed);
  const out = new Float64Array(3 * count);
  for (let k = 0; k < count; k++) {
    const i: Vec3 = [shape[0] > 1 ? rng() * (shape[0] - 1) : 0, rng() * (shape[1] - 1), rng() * (shape[2] - 1)];
    out.set(indexToPhysical(space, i), 3 * k);
  }
  return out;
}

/** Runs transformix -def on physical points ([z, y, x] triples) and returns its OutputPoints as [z, y, x] triples. */
async function transformixPoints(dir: string, tp: string, points: Float64Array, ndim: 2 | 3): Promise<Float64Array> {
  const n = points.length / 3;
  const lines = ["point", String(n)];
  for (let k = 0; k < n; k++) {
    const p = points.subarray(3 * k, 3 * k + 3);
    lines.push((ndim === 2 ? [p[2]!, p[1]!] : [p[2]!, p[1]!, p[0]!]).map(elastixNumber).join(" "));
  }
  const pts = join(dir, "points.txt"), out = join(dir, `tfx-${Math.random().toString(36).slice(2)}`);
  await writeFile(pts, `${lines.join("\n")}\n`);
  const { mkdir } = await import("node:fs/promises");
  await mkdir(out);
  const r = spawnSync(TRANSFORMIX, ["-def", pts, "-out", out, "-tp", tp, "-threads", "1"], { encoding: "utf8", cwd: "/" });
  assert.equal(r.status, 0, `transformix failed: ${r.stdout.slice(-2000)}`);
  const text = await readFile(join(out, "outputpoints.txt"), "utf8");
  const got = [...text.matchAll(/OutputPoint = \[([^\]]*)\]/g)].map((m) => m[1]!.trim().split(/\s+/).map(Number));
  assert.equal(got.length, n);
  return Float64Array.from(got.flatMap((q) => (ndim === 2 ? [points[0]!, q[1]!, q[0]!] : [q[2]!, q[1]!, q[0]!])));
}

function assertClose(got: Float64Array, want: Float64Array, tol: number, what: string): void {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  assert.ok(worst <= tol, `${what}: max |transformix − terareg| = ${worst} > ${tol}`);
}

test("elastix export, 2D affine (rotation + zoom + translation): transformix maps points as mapPoints", { skip }, async (t) => {
  const dir = await tempDir(t);
  const tr: RegistrationTransform = { ndim: 2, affine: affine2d() };
  const fixed = { shape: [1, 60, 80] as Vec3, space: frame2d(0.2, [0.7, 1.3], [-5, 12]) };
  const r = await exportElastix(tr, join(dir, "elx"), fixed);
  assert.deepEqual(r.files, ["TransformParameters.0.txt"]);
  const text = await readFile(join(dir, "elx", r.entry), "utf8");
  assert.match(text, /\(Transform "AffineTransform"\)/);
  assert.match(text, /\(NumberOfParameters 6\)/);
  const p = pointsInside(fixed.space, fixed.shape, 25, 1);
  assertClose(await transformixPoints(dir, join(dir, "elx", r.entry), p, 2), mapPoints(tr, p), 0.01, "2D affine");
});

test("elastix export, 2D affine + displacement on a rotated anisotropic grid: the field is applied first", { skip }, async (t) => {
  const dir = await tempDir(t);
  const gridSpace = frame2d(-0.35, [2.5, 1.5], [-10, 7]);
  const tr: RegistrationTransform = { ndim: 2, affine: affine2d(), displacement: smoothField2d([1, 24, 30], gridSpace) };
  const fixed = { shape: [1, 50, 40] as Vec3, space: frame2d(0, [1, 1], [0, 0]) };
  const r = await exportElastix(tr, join(dir, "elx"), fixed);
  assert.deepEqual(r.files, ["deformation_field.mha", "TransformParameters.0.txt", "TransformParameters.1.txt"]);
  assert.equal(r.entry, "TransformParameters.1.txt");
  const p = pointsInside(gridSpace, [1, 24, 30], 40, 2);
  const want = mapPoints(tr, p);
  assertClose(await transformixPoints(dir, join(dir, "elx", r.entry), p, 2), want, 0.01, "2D affine + field");
  // The other order, p → A(p) + d(A(p)), is measurably different, so the test tells the orders apart.
  const swapped = mapPoints({ ndim: 2, affine: affine2d() }, p);
  const onlyField = mapPoints({ ndim: 2, affine: affineFromParams(identityParams(), [0, 0, 0], 2), displacement: tr.displacement! }, p);
  assert.ok(Math.max(...want.map((v, i) => Math.abs(v - swapped[i]!))) > 0.5);
  // The field alone (TransformParameters.0.txt) is p + d(p).
  assertClose(await transformixPoints(dir, join(dir, "elx", "TransformParameters.0.txt"), p, 2), onlyField, 0.01, "field alone");
});

test("elastix export, 3D affine: transformix maps points as mapPoints", { skip }, async (t) => {
  const dir = await tempDir(t);
  const affine = affineFromParams({ rotation: [0.2, -0.15, 0.4], zoom: [1.1, 0.95, 1.2], shear: [0.05, -0.1, 0.08], translation: [3, -2, 5] }, [5, 10, 15], 3);
  const tr: RegistrationTransform = { ndim: 3, affine };
  const c = Math.cos(0.3), s = Math.sin(0.3);
  const space: Space = { spacing: [2, 0.8, 0.6], origin: [4, -3, 9], direction: [c, 0, s, 0, 1, 0, -s, 0, c], units: ["mm", "mm", "mm"] };
  const r = await exportElastix(tr, join(dir, "elx"), { shape: [20, 30, 40], space });
  const text = await readFile(join(dir, "elx", r.entry), "utf8");
  assert.match(text, /\(NumberOfParameters 12\)/);
  assert.match(text, /\(Size 40 30 20\)/);
  assert.match(text, /\(Spacing 0\.6 0\.8 2\)/);
  const p = pointsInside(space, [20, 30, 40], 25, 3);
  assertClose(await transformixPoints(dir, join(dir, "elx", r.entry), p, 3), mapPoints(tr, p), 0.01, "3D affine");
});

test("the ITK displacement.nii.gz is read by ITK (transformix) with components x, y in LPS: same points", { skip }, async (t) => {
  const dir = await tempDir(t);
  const gridSpace = frame2d(0.25, [1.5, 2], [3, -6]);
  const tr: RegistrationTransform = { ndim: 2, affine: affine2d(), displacement: smoothField2d([1, 20, 26], gridSpace) };
  await exportItk(tr, join(dir, "itk"));
  const r = await exportElastix(tr, join(dir, "elx"), { shape: [1, 20, 20], space: frame2d(0, [1, 1], [0, 0]) });
  // Point elastix's field transform at the ITK export's NIfTI instead of its own .mha.
  const tp0 = join(dir, "elx", "TransformParameters.0.txt");
  const text = await readFile(tp0, "utf8");
  await writeFile(tp0, text.replace(/\(DeformationFieldFileName "[^"]*"\)/, `(DeformationFieldFileName "${join(dir, "itk", "displacement.nii.gz")}")`));
  const p = pointsInside(gridSpace, [1, 20, 26], 30, 4);
  assertClose(await transformixPoints(dir, join(dir, "elx", r.entry), p, 2), mapPoints(tr, p), 0.01, "ITK NIfTI field");
});

test("terareg export RUN --format elastix|itk end to end on a saved transform", { skip }, async (t) => {
  const dir = await tempDir(t);
  const gridSpace = frame2d(0, [4, 4], [0, 0]);
  const tr: RegistrationTransform = { ndim: 2, affine: affine2d(), displacement: smoothField2d([1, 16, 20], gridSpace) };
  await saveTransform(join(dir, "run", "transform"), tr);
  const fixed = join(dir, "fixed.mha");
  const { writeImage } = await import("../../src/io/write.js");
  const { arraySource } = await import("../../src/io/array-source.js");
  await writeImage(arraySource({ shape: [1, 64, 80], dtype: "float32", planes: [new Float32Array(64 * 80)], space: frame2d(0, [1, 1], [0, 0]) }), fixed);
  const noFixed = terareg("export", join(dir, "run"), "--format", "elastix");
  assert.notEqual(noFixed.code, 0);
  assert.match(noFixed.stderr, /--fixed/);
  const e = terareg("export", join(dir, "run"), "--format", "elastix", "--fixed", fixed);
  assert.equal(e.code, 0, e.stderr);
  const out = join(dir, "run", "transform", "elastix");
  assert.ok(existsSync(join(out, "TransformParameters.1.txt")));
  const p = pointsInside(gridSpace, [1, 16, 20], 20, 5);
  assertClose(await transformixPoints(dir, join(out, "TransformParameters.1.txt"), p, 2), mapPoints(tr, p), 0.01, "CLI elastix");
  const i = terareg("export", join(dir, "run"), "--format", "itk", "-o", join(dir, "itk"));
  assert.equal(i.code, 0, i.stderr);
  for (const f of ["affine.tfm", "displacement.nii.gz", "transform-order.txt"]) assert.ok(existsSync(join(dir, "itk", f)), f);
  assert.equal(terareg("export", join(dir, "run"), "--format", "h5").code === 0, false);
});

/** A B-spline FFD over an image of `shape` in `space` with seeded coefficients up to `amplitude` voxels. */
async function bsplineOver(shape: Vec3, space: Space, knotVoxels: Vec3, ndim: 2 | 3, amplitude: number, seed: number) {
  const { createLattice } = await import("../../src/kernels/bspline-lattice.js");
  const { bsplineGridFromLattice } = await import("../../src/transforms/bspline-field.js");
  const lattice = createLattice(shape, knotVoxels, ndim), rng = seeded(seed), d = lattice.coefficients.data;
  for (let i = 0; i < d.length; i++) d[i] = (rng() - 0.5) * 2 * amplitude;
  return bsplineGridFromLattice(lattice, space);
}

test("elastix export, 2D affine + B-spline FFD: a native BSplineTransform that transformix evaluates as mapPoints", { skip }, async (t) => {
  const dir = await tempDir(t);
  const space = frame2d(0.3, [0.8, 1.4], [-6, 9]), shape: Vec3 = [1, 40, 50];
  const tr: RegistrationTransform = { ndim: 2, affine: affine2d(), bspline: await bsplineOver(shape, space, [1, 7, 6], 2, 3, 21) };
  const r = await exportElastix(tr, join(dir, "elx"), { shape, space });
  assert.deepEqual(r.files, ["TransformParameters.0.txt", "TransformParameters.1.txt"]);
  const text = await readFile(join(dir, "elx", "TransformParameters.0.txt"), "utf8");
  assert.match(text, /\(Transform "BSplineTransform"\)/);
  assert.match(text, /\(BSplineTransformSplineOrder 3\)/);
  // Points inside the image, and points past it where the spline fades out (elastix's valid region must cover them).
  const inside = pointsInside(space, shape, 40, 6);
  const outside = Float64Array.from([...indexToPhysical(space, [0, -6, 10]), ...indexToPhysical(space, [0, 45, -5]), ...indexToPhysical(space, [0, 20, 57])]);
  const p = Float64Array.from([...inside, ...outside]);
  const field = mapPoints({ ndim: 2, affine: affineFromParams(identityParams(), [0, 0, 0], 2), bspline: tr.bspline! }, p);
  assert.ok(Math.max(...field.map((v, i) => Math.abs(v - p[i]!))) > 1, "the spline moves points");
  assertClose(await transformixPoints(dir, join(dir, "elx", "TransformParameters.0.txt"), p, 2), field, 1e-3, "B-spline alone");
  assertClose(await transformixPoints(dir, join(dir, "elx", r.entry), p, 2), mapPoints(tr, p), 1e-3, "2D affine + B-spline");
});

test("elastix export, 3D B-spline FFD on a rotated anisotropic grid: transformix agrees with mapPoints", { skip }, async (t) => {
  const dir = await tempDir(t);
  const c = Math.cos(0.25), s = Math.sin(0.25);
  const space: Space = { spacing: [1.5, 0.8, 1.1], origin: [3, -4, 6], direction: [c, -s, 0, s, c, 0, 0, 0, 1], units: ["mm", "mm", "mm"] };
  const shape: Vec3 = [14, 16, 18];
  const affine = affineFromParams({ rotation: [0.1, -0.1, 0.2], zoom: [1, 1.1, 0.9], shear: [0, 0.05, 0], translation: [1, 2, -1] }, [5, 5, 5], 3);
  const tr: RegistrationTransform = { ndim: 3, affine, bspline: await bsplineOver(shape, space, [5, 4, 6], 3, 2, 8) };
  const r = await exportElastix(tr, join(dir, "elx"), { shape, space });
  const p = pointsInside(space, shape, 30, 9);
  assertClose(await transformixPoints(dir, join(dir, "elx", r.entry), p, 3), mapPoints(tr, p), 1e-3, "3D affine + B-spline");
});

test("elastix export of a velocity transform: exp(v) sampled onto a DeformationFieldTransform, said so in the file", { skip }, async (t) => {
  const dir = await tempDir(t);
  const gridSpace = frame2d(0.2, [2, 2], [0, 0]);
  const d = smoothField2d([1, 30, 30], gridSpace);
  const tr: RegistrationTransform = { ndim: 2, affine: affine2d(), velocity: { ndim: 2, shape: d.shape, space: d.space, data: d.data.map((v) => v / 3) } };
  const r = await exportElastix(tr, join(dir, "elx"), { shape: [1, 30, 30], space: gridSpace });
  assert.deepEqual(r.files, ["deformation_field.mha", "TransformParameters.0.txt", "TransformParameters.1.txt"]);
  assert.match(await readFile(join(dir, "elx", "TransformParameters.0.txt"), "utf8"), /\/\/ Sampled: terareg stores a stationary velocity field v/);
  // At the velocity grid's nodes the sampled field is exact.
  const nodes = new Float64Array(3 * 20), rng = seeded(4);
  for (let k = 0; k < 20; k++) nodes.set(indexToPhysical(gridSpace, [0, 2 + Math.floor(rng() * 26), 2 + Math.floor(rng() * 26)]), 3 * k);
  assertClose(await transformixPoints(dir, join(dir, "elx", r.entry), nodes, 2), mapPoints(tr, nodes), 1e-3, "velocity at nodes");
});
