import assert from "node:assert/strict";
import { test } from "node:test";
import { indexToPhysical, voxelCount, type Space, type Vec3 } from "../../src/core/space.js";
import { createLattice, evaluateLattice } from "../../src/kernels/bspline-lattice.js";
import { toPhysical } from "../../src/registration/register-images.js";
import { affineFromParams, identity4 } from "../../src/transforms/affine.js";
import { bsplineGridFromLattice } from "../../src/transforms/bspline-field.js";
import { mapPoints, mapPointsInverse, type RegistrationTransform } from "../../src/transforms/registration-transform.js";
import { seeded } from "../helpers/rng.js";

function frame(ndim: 2 | 3): Space {
  const c = Math.cos(-0.4), s = Math.sin(-0.4);
  return ndim === 2
    ? { spacing: [1, 0.7, 1.3], origin: [0, 5, -8], direction: [1, 0, 0, 0, c, -s, 0, s, c], units: ["mm", "mm", "mm"] }
    : { spacing: [1.4, 0.7, 1.3], origin: [-2, 5, -8], direction: [c, -s, 0, s, c, 0, 0, 0, 1], units: ["mm", "mm", "mm"] };
}

/** A lattice over `shape` (knot spacing in voxels) with seeded coefficients up to `amplitude` voxels. */
function randomLattice(shape: Vec3, spacing: Vec3, ndim: 2 | 3, amplitude: number, seed: number) {
  const lattice = createLattice(shape, spacing, ndim), rng = seeded(seed), d = lattice.coefficients.data;
  for (let i = 0; i < d.length; i++) d[i] = (rng() - 0.5) * 2 * amplitude;
  return lattice;
}

for (const ndim of [2, 3] as const) {
  test(`${ndim}D B-spline: mapPoints at every grid point equals evaluateLattice (bspline-lattice.ts) in physical units`, () => {
    const shape: Vec3 = ndim === 3 ? [9, 11, 13] : [1, 23, 29], space = frame(ndim);
    const lattice = randomLattice(shape, ndim === 3 ? [4, 3, 5] : [1, 6, 5], ndim, 2, 11);
    const want = toPhysical(evaluateLattice(lattice, shape), space);
    const t: RegistrationTransform = { ndim, affine: identity4(), bspline: bsplineGridFromLattice(lattice, space) };
    const n = voxelCount(shape), pts = new Float64Array(3 * n);
    let i = 0;
    for (let z = 0; z < shape[0]; z++) for (let y = 0; y < shape[1]; y++) for (let x = 0; x < shape[2]; x++, i++) pts.set(indexToPhysical(space, [z, y, x]), 3 * i);
    const q = mapPoints(t, pts), first = ndim === 3 ? 0 : 1;
    let worst = 0, largest = 0;
    for (let k = 0; k < n; k++) {
      for (let c = 0; c < ndim; c++) {
        const d = q[3 * k + first + c]! - pts[3 * k + first + c]!;
        worst = Math.max(worst, Math.abs(d - want.data[c * n + k]!));
        largest = Math.max(largest, Math.abs(d));
      }
    }
    assert.ok(largest > 0.5, `the spline moves points by at most ${largest}`);
    assert.ok(worst < 1e-4, `${ndim}D: max |mapPoints − evaluateLattice| = ${worst}`);
  });
}

test("B-spline: the displacement fades to exactly 0 two knot spacings past the last knot", () => {
  const space = frame(2), lattice = randomLattice([1, 20, 20], [1, 5, 5], 2, 3, 2);
  const g = bsplineGridFromLattice(lattice, space);
  const t: RegistrationTransform = { ndim: 2, affine: identity4(), bspline: g };
  const far = Float64Array.from([...indexToPhysical(g.space, [0, -2.01, 3]), ...indexToPhysical(g.space, [0, 4, g.shape[2] + 1.01])]);
  assert.deepEqual(Array.from(mapPoints(t, far)), Array.from(far));
  const near = Float64Array.from(indexToPhysical(g.space, [0, -1.5, 3]));
  assert.ok(Math.hypot(...mapPoints(t, near).map((v, i) => v - near[i]!)) > 0, "a point 1.5 knots out still moves");
});

test("B-spline inverse: iterative, T⁻¹(T(p)) = p within its tolerance; NaN where it cannot converge", () => {
  const space = frame(3), shape: Vec3 = [10, 12, 14];
  const lattice = randomLattice(shape, [4, 4, 4], 3, 1.2, 5);
  const affine = affineFromParams({ translation: [1, -2, 3], rotation: [0.1, 0.05, -0.2], zoom: [1, 1.1, 0.9], shear: [0, 0, 0] }, [5, 5, 5], 3);
  const t: RegistrationTransform = { ndim: 3, affine, bspline: bsplineGridFromLattice(lattice, space) };
  const rng = seeded(3), p = new Float64Array(3 * 100);
  for (let k = 0; k < 100; k++) p.set(indexToPhysical(space, [rng() * 9, rng() * 11, rng() * 13]), 3 * k);
  const q = mapPoints(t, p);
  const back = mapPointsInverse(t, q, 1e-6);
  let worst = 0;
  for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(back[i]! - p[i]!));
  assert.ok(worst < 1e-5, `round trip ${worst}`);
  // A folding spline (coefficients far beyond the knot spacing) makes the iteration diverge: NaN, never a wrong point.
  const wild = randomLattice(shape, [2, 2, 2], 3, 40, 6);
  const bad = mapPointsInverse({ ndim: 3, affine: identity4(), bspline: bsplineGridFromLattice(wild, space) }, p, 1e-6, 50);
  assert.ok(bad.some(Number.isNaN), "no point failed to converge under a folding field");
});
