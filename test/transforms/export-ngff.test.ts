import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { indexToPhysical, type Mat3, type Space, type Vec3 } from "../../src/core/space.js";
import { affineFromParams, identityParams } from "../../src/transforms/affine.js";
import { exportNgff } from "../../src/transforms/export-ngff.js";
import { importTransform } from "../../src/transforms/import-transform.js";
import { loadTransform, saveTransform } from "../../src/transforms/transform-io.js";
import { mapPoints, type DisplacementGrid, type RegistrationTransform } from "../../src/transforms/registration-transform.js";
import { terareg } from "../helpers/cli.js";
import { seeded } from "../helpers/rng.js";
import { tempDir } from "../helpers/tmp.js";

function field(ndim: 2 | 3, shape: Vec3, space: Space): DisplacementGrid {
  const [nz, ny, nx] = shape, n = nz * ny * nx;
  const data = new Float32Array(ndim * n);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const i = (z * ny + y) * nx + x;
    for (let c = 0; c < ndim; c++) data[c * n + i] = (c + 1) * Math.sin(0.3 * x + 0.2 * y + 0.1 * z + c) + 0.02 * x;
  }
  return { ndim, shape, space, data };
}

function pointsInside(space: Space, shape: Vec3, count: number, seed: number, margin = 2): Float64Array {
  const rng = seeded(seed);
  const out = new Float64Array(3 * count);
  for (let k = 0; k < count; k++) {
    const i: Vec3 = [shape[0] > 1 ? rng() * (shape[0] + 2 * margin) - margin : 0, rng() * (shape[1] + 2 * margin) - margin, rng() * (shape[2] + 2 * margin) - margin];
    out.set(indexToPhysical(space, i), 3 * k);
  }
  return out;
}

function maxDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const um: [string, string, string] = ["micrometer", "micrometer", "micrometer"];

function transform3d(): RegistrationTransform {
  const space: Space = { spacing: [4, 2.5, 1.5], origin: [-3, 10, 7], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], units: um };
  const affine = affineFromParams({ rotation: [0.1, -0.2, 0.3], zoom: [1.1, 0.9, 1.05], shear: [0.02, 0, -0.03], translation: [2, -1, 4] }, [10, 20, 30], 3);
  return { ndim: 3, affine, displacement: field(3, [5, 7, 9], space), fixedSpace: { ...space, spacing: [1, 0.5, 0.5] }, movingSpace: space };
}

test("NGFF export: metadata has coordinate systems, the sequence displacements → affine, and the vector axis first", async (t) => {
  const dir = join(await tempDir(t), "t.zarr");
  const tr = transform3d();
  assert.deepEqual(await exportNgff(tr, dir), ["zarr.json", "displacements"]);
  const root = JSON.parse(await readFile(join(dir, "zarr.json"), "utf8"));
  assert.equal(root.zarr_format, 3);
  assert.equal(root.node_type, "group");
  const ome = root.attributes.ome;
  const fixed = ome.coordinateSystems.find((s: { name: string }) => s.name === "fixed");
  const moving = ome.coordinateSystems.find((s: { name: string }) => s.name === "moving");
  assert.deepEqual(fixed.axes, ["z", "y", "x"].map((name) => ({ name, type: "space", unit: "micrometer" })));
  assert.deepEqual(moving.axes.map((a: { name: string }) => a.name), ["z", "y", "x"]);
  const [seq] = ome.coordinateTransformations;
  assert.equal(seq.type, "sequence");
  assert.equal(seq.input, "fixed");
  assert.equal(seq.output, "moving");
  assert.deepEqual(seq.transformations.map((s: { type: string }) => s.type), ["displacements", "affine"]);
  assert.equal(seq.transformations[0].path, "displacements");
  assert.equal(seq.transformations[0].interpolation, "linear");
  const A = seq.transformations[1].affine as number[][];
  assert.equal(A.length, 3);
  assert.ok(A.every((r) => r.length === 4));
  assert.equal(A[0]![3], tr.affine[3]);
  const fieldMeta = JSON.parse(await readFile(join(dir, "displacements", "zarr.json"), "utf8")).attributes.ome.multiscales[0];
  assert.deepEqual(fieldMeta.coordinateSystems[0].axes[0], { name: "d", type: "displacement", discrete: true });
  assert.deepEqual(fieldMeta.coordinateSystems[0].axes.slice(1).map((a: { name: string }) => a.name), ["z", "y", "x"]);
  const grid = fieldMeta.datasets[0].coordinateTransformations[0];
  assert.deepEqual(grid.transformations, [{ type: "scale", scale: [1, 4, 2.5, 1.5] }, { type: "translation", translation: [0, -3, 10, 7] }]);
  const arr = JSON.parse(await readFile(join(dir, "displacements", "0", "zarr.json"), "utf8"));
  assert.deepEqual(arr.shape, [3, 5, 7, 9]);
  assert.equal(arr.data_type, "float32");
  assert.deepEqual(arr.dimension_names, ["d", "z", "y", "x"]);
});

test("NGFF export then import: the same mapPoints within 1e-6 (3D, and 2D on a rotated grid written as an affine)", async (t) => {
  const tmp = await tempDir(t);
  const tr = transform3d();
  await exportNgff(tr, join(tmp, "a.zarr"));
  const back = await importTransform(join(tmp, "a.zarr"));
  assert.equal(back.ndim, 3);
  assert.deepEqual(back.fixedSpace, tr.fixedSpace);
  const p = pointsInside(tr.displacement!.space, tr.displacement!.shape, 50, 1);
  assert.ok(maxDiff(mapPoints(back, p), mapPoints(tr, p)) < 1e-6);

  const c = Math.cos(0.4), s = Math.sin(0.4);
  const space: Space = { spacing: [1, 1.3, 0.7], origin: [0, 5, -4], direction: [1, 0, 0, 0, c, s, 0, -s, c] as Mat3, units: ["pixel", "pixel", "pixel"] };
  const tr2: RegistrationTransform = { ndim: 2, affine: affineFromParams({ ...identityParams(), rotation: [0, 0, 0.3], translation: [0, 3, -2] }, [0, 10, 10], 2), displacement: field(2, [1, 11, 13], space) };
  await exportNgff(tr2, join(tmp, "b.zarr"));
  const root = JSON.parse(await readFile(join(tmp, "b.zarr", "zarr.json"), "utf8"));
  assert.deepEqual(root.attributes.ome.coordinateSystems[0].axes, [{ name: "y", type: "space" }, { name: "x", type: "space" }]);
  const grid = JSON.parse(await readFile(join(tmp, "b.zarr", "displacements", "zarr.json"), "utf8")).attributes.ome.multiscales[0].datasets[0].coordinateTransformations[0];
  assert.equal(grid.type, "affine");
  const back2 = await importTransform(join(tmp, "b.zarr"));
  const p2 = pointsInside(space, [1, 11, 13], 50, 2);
  assert.ok(maxDiff(mapPoints(back2, p2), mapPoints(tr2, p2)) < 1e-6);

  // An affine-only transform: a sequence of one affine.
  const tr3: RegistrationTransform = { ndim: 3, affine: tr.affine };
  assert.deepEqual(await exportNgff(tr3, join(tmp, "c.zarr")), ["zarr.json"]);
  const back3 = await importTransform(join(tmp, "c.zarr"));
  assert.equal(back3.displacement, undefined);
  assert.ok(maxDiff(mapPoints(back3, p), mapPoints(tr3, p)) < 1e-9);
});

test("terareg export --format ngff, then terareg import of it: the same transform", async (t) => {
  const tmp = await tempDir(t);
  const tr = transform3d();
  await saveTransform(join(tmp, "run", "transform"), tr);
  const e = terareg("export", join(tmp, "run"), "--format", "ngff", "--quiet");
  assert.equal(e.code, 0, e.stderr);
  const i = terareg("import", join(tmp, "run", "transform", "ngff.zarr"), "-o", join(tmp, "run2", "transform"), "--quiet");
  assert.equal(i.code, 0, i.stderr);
  const back = await loadTransform(join(tmp, "run2", "transform"));
  const p = pointsInside(tr.displacement!.space, tr.displacement!.shape, 30, 3);
  assert.ok(maxDiff(mapPoints(back, p), mapPoints(tr, p)) < 1e-6);
});
