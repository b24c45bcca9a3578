import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { indexToPhysical, type Space } from "../../src/core/space.js";
import { createLattice } from "../../src/kernels/bspline-lattice.js";
import { identity4 } from "../../src/transforms/affine.js";
import { bsplineGridFromLattice } from "../../src/transforms/bspline-field.js";
import { exportItk } from "../../src/transforms/export-itk.js";
import { deformationOf, mapPoints, type RegistrationTransform } from "../../src/transforms/registration-transform.js";
import { BSPLINE_SAMPLES_PER_KNOT, samplingGrid, toDisplacementGrid } from "../../src/transforms/to-displacement-grid.js";
import { seeded } from "../helpers/rng.js";
import { tempDir } from "../helpers/tmp.js";

const space: Space = { spacing: [1, 1.5, 0.8], origin: [0, 3, -4], direction: [1, 0, 0, 0, Math.cos(0.2), -Math.sin(0.2), 0, Math.sin(0.2), Math.cos(0.2)], units: ["mm", "mm", "mm"] };

function bsplineTransform(): RegistrationTransform {
  const lattice = createLattice([1, 40, 50], [1, 8, 8], 2), rng = seeded(12);
  for (let i = 0; i < lattice.coefficients.data.length; i++) lattice.coefficients.data[i] = (rng() - 0.5) * 4;
  return { ndim: 2, affine: identity4(), bspline: bsplineGridFromLattice(lattice, space) };
}

test("toDisplacementGrid of a B-spline: exact at the samples, close between them, on a grid of 1/4 knot spacing", () => {
  const t = bsplineTransform(), def = deformationOf(t)!;
  const target = samplingGrid(def);
  assert.deepEqual(target.shape, [1, (t.bspline!.shape[1] - 1) * BSPLINE_SAMPLES_PER_KNOT + 1, (t.bspline!.shape[2] - 1) * BSPLINE_SAMPLES_PER_KNOT + 1]);
  const sampled: RegistrationTransform = { ndim: 2, affine: identity4(), displacement: toDisplacementGrid(def, target) };
  const nodes: number[] = [], between: number[] = [], rng = seeded(2);
  for (let k = 0; k < 50; k++) {
    nodes.push(...indexToPhysical(target.space, [0, 4 + Math.floor(rng() * (target.shape[1] - 8)), 4 + Math.floor(rng() * (target.shape[2] - 8))]));
    between.push(...indexToPhysical(target.space, [0, 4 + rng() * (target.shape[1] - 8), 4 + rng() * (target.shape[2] - 8)]));
  }
  const diff = (pts: number[]) => {
    const p = Float64Array.from(pts), a = mapPoints(t, p), b = mapPoints(sampled, p);
    return Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
  };
  assert.ok(diff(nodes) < 1e-5, `at the samples: ${diff(nodes)}`);
  const off = diff(between);
  assert.ok(off > 0 && off < 0.05, `between samples: ${off} (linear interpolation of a cubic spline)`);
});

test("the ITK export of a velocity or B-spline transform writes the sampled field and says so", async (t) => {
  const dir = await tempDir(t);
  await exportItk(bsplineTransform(), join(dir, "itk"));
  const order = await readFile(join(dir, "itk", "transform-order.txt"), "utf8");
  assert.match(order, /Sampled: terareg stores a cubic B-spline FFD \(coefficient lattice\); its displacement was sampled onto a 1x\d+x\d+ displacement grid/);
});
