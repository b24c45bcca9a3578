import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { indexToPhysical, type Space, type Vec3 } from "../../src/core/space.js";
import { InputError } from "../../src/core/errors.js";
import { createLattice } from "../../src/kernels/bspline-lattice.js";
import { affineFromParams } from "../../src/transforms/affine.js";
import { bsplineGridFromLattice } from "../../src/transforms/bspline-field.js";
import { mapPoints, mapPointsInverse, type RegistrationTransform } from "../../src/transforms/registration-transform.js";
import { loadTransform, saveTransform } from "../../src/transforms/transform-io.js";
import { velocitySteps } from "../../src/transforms/velocity-field.js";
import { seeded } from "../helpers/rng.js";
import { tempDir } from "../helpers/tmp.js";

const space: Space = { spacing: [1, 2.5, 1.5], origin: [0, -10, 7], direction: [1, 0, 0, 0, Math.cos(0.3), -Math.sin(0.3), 0, Math.sin(0.3), Math.cos(0.3)], units: ["micrometer", "micrometer", "micrometer"] };
const affine = () => affineFromParams({ translation: [0, 2, -3], rotation: [0, 0, 0.15], zoom: [1, 1.05, 0.97], shear: [0, 0, 0.02] }, [0, 20, 20], 2);

function smoothData(shape: Vec3, amplitude: number, seed: number): Float32Array {
  const n = shape[1] * shape[2], rng = seeded(seed), a = rng() + 0.5, data = new Float32Array(2 * n);
  for (let y = 0; y < shape[1]; y++) {
    for (let x = 0; x < shape[2]; x++) {
      data[y * shape[2] + x] = amplitude * Math.sin(0.3 * a * x) * Math.cos(0.2 * y);
      data[n + y * shape[2] + x] = amplitude * Math.cos(0.25 * y + 0.1 * x);
    }
  }
  return data;
}

function kinds(): Record<string, RegistrationTransform> {
  const lattice = createLattice([1, 30, 40], [1, 6, 6], 2);
  lattice.coefficients.data.set(smoothData(lattice.coefficients.shape, 1.5, 3));
  const base = { ndim: 2 as const, affine: affine(), fixedSpace: space, movingSpace: { ...space, origin: [0, 1, 2] as Vec3 }, fixedShape: [1, 30, 40] as Vec3 };
  return {
    affine: { ...base },
    displacement: { ...base, displacement: { ndim: 2, shape: [1, 30, 40], space, data: smoothData([1, 30, 40], 4, 1) } },
    velocity: { ...base, velocity: { ndim: 2, shape: [1, 30, 40], space, data: smoothData([1, 30, 40], 6, 2) } },
    bspline: { ...base, bspline: bsplineGridFromLattice(lattice, space) },
  };
}

const points = () => {
  const rng = seeded(9), p = new Float64Array(3 * 30);
  for (let k = 0; k < 30; k++) p.set(indexToPhysical(space, [0, rng() * 29, rng() * 39]), 3 * k);
  return p;
};

for (const [kind, t] of Object.entries(kinds())) {
  test(`save → load of a ${kind} transform is exact (arrays, frames, step count) and maps points identically`, async (ctx) => {
    const dir = join(await tempDir(ctx), "transform");
    await saveTransform(dir, t);
    const json = JSON.parse(await readFile(join(dir, "transform.json"), "utf8")) as { version: number; sequence: { type: string; steps?: number }[] };
    // Files an older terareg can read completely stay version 1; new kinds are version 2 so it refuses them.
    assert.equal(json.version, kind === "velocity" || kind === "bspline" ? 2 : 1);
    assert.deepEqual(json.sequence.map((s) => s.type), kind === "affine" ? ["affine"] : [kind === "displacement" ? "displacements" : kind, "affine"]);
    const back = await loadTransform(dir);
    assert.deepEqual(Array.from(back.affine), Array.from(t.affine));
    assert.deepEqual(back.fixedSpace, t.fixedSpace);
    for (const k of ["displacement", "velocity", "bspline"] as const) {
      assert.equal(back[k] !== undefined, t[k] !== undefined, k);
      const a = t[k], b = back[k];
      if (!a || !b) continue;
      assert.deepEqual(b.shape, a.shape);
      assert.deepEqual(b.space, a.space);
      assert.ok(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength).equals(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength)), `${k} data differs`);
    }
    if (t.velocity) {
      assert.equal(back.velocity!.steps, velocitySteps(t.velocity));
      assert.equal(json.sequence[0]!.steps, velocitySteps(t.velocity));
    }
    const p = points();
    assert.deepEqual(Array.from(mapPoints(back, p)), Array.from(mapPoints(t, p)));
    assert.deepEqual(Array.from(mapPointsInverse(back, p)), Array.from(mapPointsInverse(t, p)));
  });
}

test("an old transform/ directory (version 1: displacements + affine, as terareg wrote before the new kinds) loads", async (ctx) => {
  const dir = join(await tempDir(ctx), "transform");
  const t = kinds().displacement!;
  await saveTransform(dir, t); // writes displacement.ome.zarr
  // transform.json exactly as the version-1 writer produced it (no new fields).
  const rows = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => t.affine[r * 4 + c]!));
  await writeFile(join(dir, "transform.json"), JSON.stringify({
    format: "terareg-transform", version: 1, ndim: 2, input: "fixed", output: "moving",
    convention: "maps fixed physical points [z, y, x] to moving physical points (pull-back); the sequence is applied in order",
    fixedSpace: space,
    sequence: [{ type: "displacements", path: "displacement.ome.zarr", interpolation: "linear", units: "physical" }, { type: "affine", affine: rows }],
  }, null, 2));
  const back = await loadTransform(dir);
  assert.ok(back.displacement && !back.velocity && !back.bspline);
  const p = points();
  assert.deepEqual(Array.from(mapPoints(back, p)), Array.from(mapPoints(t, p)));
});

test("loading bad or inconsistent transform files: an InputError naming the file and the problem", async (ctx) => {
  const root = await tempDir(ctx);
  const all = kinds();
  const cases: [string, RegistrationTransform, (json: { sequence: Record<string, unknown>[]; version: number }) => void, RegExp][] = [
    ["unknown-type", all.velocity!, (j) => { j.sequence[0]!.type = "svf"; }, /unknown sequence entry type "svf"/],
    ["no-steps", all.velocity!, (j) => { delete j.sequence[0]!.steps; }, /velocity entry needs integration "rk4" and an integer steps/],
    ["bad-order", all.bspline!, (j) => { j.sequence[0]!.order = 2; }, /bspline entry has order 2/],
    ["two-deformations", all.velocity!, (j) => { j.sequence.unshift({ ...j.sequence[0]! }); }, /holds 2 deformations \(velocity, velocity\)/],
    ["affine-first", all.bspline!, (j) => { j.sequence.reverse(); }, /must end in one affine/],
    ["version-3", all.bspline!, (j) => { j.version = 3; }, /expected format "terareg-transform", version 1 or 2/],
    ["units", all.bspline!, (j) => { j.sequence[0]!.units = "voxel"; }, /units "voxel"/],
  ];
  for (const [name, t, edit, message] of cases) {
    const dir = join(root, name);
    await saveTransform(dir, t);
    const file = join(dir, "transform.json");
    const json = JSON.parse(await readFile(file, "utf8")) as { sequence: Record<string, unknown>[]; version: number };
    edit(json);
    await writeFile(file, JSON.stringify(json));
    await assert.rejects(loadTransform(dir), (e: unknown) => {
      assert.ok(e instanceof InputError, `${name}: ${String(e)}`);
      assert.equal(e.file, file, name);
      assert.match(e.message, message, name);
      return true;
    });
  }
  // A velocity array with the wrong number of components: the error names the array.
  const dir = join(root, "components");
  await saveTransform(dir, all.velocity!);
  const file = join(dir, "transform.json");
  const json = JSON.parse(await readFile(file, "utf8")) as { ndim: number };
  json.ndim = 3;
  await writeFile(file, JSON.stringify(json));
  await assert.rejects(loadTransform(dir), /velocity\.ome\.zarr: expected 3 float32 velocity field components, found 2 float32/);
  await mkdir(join(root, "empty"));
  await assert.rejects(loadTransform(join(root, "empty")), /is not a terareg transform directory \(no transform\.json\)/);
  assert.ok(existsSync(join(dir, "velocity.ome.zarr")));
});
