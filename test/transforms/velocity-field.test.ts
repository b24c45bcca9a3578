import assert from "node:assert/strict";
import { test } from "node:test";
import { indexToPhysical, voxelCount, type Space, type Vec3 } from "../../src/core/space.js";
import { affineFromParams, identity4, invertAffine, mapPointsAffine } from "../../src/transforms/affine.js";
import { deformationMapper, mapPoints, mapPointsInverse, type RegistrationTransform, type VelocityGrid } from "../../src/transforms/registration-transform.js";
import { velocityFlow, velocitySteps, VELOCITY_STEP_VOXELS } from "../../src/transforms/velocity-field.js";
import { seeded } from "../helpers/rng.js";

/** A rotated, anisotropic, off-origin frame in [z, y, x]; 2D frames rotate in the y–x plane only. */
function frame(ndim: 2 | 3, spacing: Vec3): Space {
  const c = Math.cos(0.3), s = Math.sin(0.3);
  const direction: Space["direction"] = ndim === 2 ? [1, 0, 0, 0, c, -s, 0, s, c] : [c, 0, s, 0, 1, 0, -s, 0, c];
  return { spacing, origin: [ndim === 3 ? -7 : 0, 12.5, -3.25], direction, units: ["micrometer", "micrometer", "micrometer"] };
}

/** A smooth velocity of one grid period, largest |v| ≈ `voxels` voxels of the grid, physical units along its axes. */
function smoothVelocity(ndim: 2 | 3, shape: Vec3, space: Space, voxels: number): VelocityGrid {
  const n = voxelCount(shape), data = new Float32Array(ndim * n), first = ndim === 3 ? 0 : 1;
  const w = shape.map((s) => (2 * Math.PI) / s);
  let i = 0;
  for (let z = 0; z < shape[0]; z++) {
    for (let y = 0; y < shape[1]; y++) {
      for (let x = 0; x < shape[2]; x++, i++) {
        // Index-axis velocity (voxels), then into physical: D · (spacing ⊙ v).
        const vi: Vec3 = [
          ndim === 3 ? 0.7 * voxels * Math.sin(w[2]! * x + 0.4) * Math.cos(w[0]! * z) : 0,
          voxels * 0.7 * Math.sin(w[2]! * x) * Math.cos(w[1]! * y) * Math.cos(w[0]! * z * 0.5),
          voxels * 0.7 * Math.cos(w[1]! * y + w[2]! * x * 0.5),
        ];
        for (let r = first; r < 3; r++) {
          let s = 0;
          for (let c = 0; c < 3; c++) s += space.direction[r * 3 + c]! * space.spacing[c]! * vi[c]!;
          data[(r - first) * n + i] = s;
        }
      }
    }
  }
  return { ndim, shape, space, data };
}

/** Physical points at random fractional indices inside `shape` of `space`. */
function randomPoints(space: Space, shape: Vec3, count: number, seed: number): Float64Array {
  const rng = seeded(seed), out = new Float64Array(3 * count);
  for (let k = 0; k < count; k++) out.set(indexToPhysical(space, [shape[0] > 1 ? rng() * (shape[0] - 1) : 0, rng() * (shape[1] - 1), rng() * (shape[2] - 1)]), 3 * k);
  return out;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const affine2d = () => affineFromParams({ translation: [0, 3, -5], rotation: [0, 0, 0.2], zoom: [1, 1.1, 0.95], shear: [0, 0, 0.04] }, [0, 40, 30], 2);
const affine3d = () => affineFromParams({ translation: [2, 3, -5], rotation: [0.1, -0.05, 0.2], zoom: [1.05, 1.1, 0.95], shear: [0.02, 0, 0.04] }, [10, 40, 30], 3);

for (const [ndim, shape, voxels] of [[2, [1, 64, 64], 8], [3, [32, 32, 32], 5]] as [2 | 3, Vec3, number][]) {
  test(`${ndim}D velocity (${shape.join("×")}, max |v| ≈ ${voxels} voxels): T⁻¹(T(p)) within 0.01 full-resolution px`, () => {
    // Registration grid 4× coarser than full resolution: errors are reported in full-resolution pixels.
    const space = frame(ndim, ndim === 3 ? [4, 3, 4.8] : [1, 3, 4.8]), fullResPixel = Math.min(...space.spacing.slice(ndim === 3 ? 0 : 1)) / 4;
    const v = smoothVelocity(ndim, shape, space, voxels);
    const t: RegistrationTransform = { ndim, affine: ndim === 3 ? affine3d() : affine2d(), velocity: v };
    const p = randomPoints(space, shape, 400, 7);
    const q = mapPoints(t, p);
    // The velocity moves points by several voxels, so a round trip that ignored it could not pass.
    const affineOnly = mapPoints({ ndim, affine: t.affine }, p);
    assert.ok(maxAbsDiff(q, affineOnly) > 2 * Math.min(...space.spacing), `the velocity moved points by only ${maxAbsDiff(q, affineOnly)}`);
    const back = mapPointsInverse(t, q);
    const err = maxAbsDiff(back, p) / fullResPixel;
    assert.ok(err <= 0.01, `${ndim}D round trip: ${err} full-resolution px`);
    const err2 = maxAbsDiff(mapPoints(t, mapPointsInverse(t, p)), p) / fullResPixel;
    assert.ok(err2 <= 0.01, `${ndim}D T(T⁻¹(q)): ${err2} full-resolution px`);
  });
}

test("mapPointsInverse of a velocity transform is exp(−v) ∘ A⁻¹ (the backward flow), not a fixed-point iteration", () => {
  const space = frame(2, [1, 2, 2]), v = smoothVelocity(2, [1, 40, 40], space, 6);
  const t: RegistrationTransform = { ndim: 2, affine: affine2d(), velocity: v };
  const q = randomPoints(space, [1, 40, 40], 50, 3);
  const want = mapPointsAffine(invertAffine(t.affine), Float64Array.from(q));
  const flowBack = deformationMapper({ kind: "velocity", grid: v }, true);
  for (let o = 0; o < want.length; o += 3) flowBack(want.subarray(o, o + 3));
  const got = mapPointsInverse(t, q);
  for (let i = 0; i < got.length; i++) assert.ok(Object.is(got[i], want[i]), `component ${i}: ${got[i]} vs ${want[i]}`);
});

test("exp(v) of a constant velocity is the translation by v; a varying one is not id + v", () => {
  const space = frame(2, [1, 2, 3]), n = 20 * 30;
  const data = new Float32Array(2 * n);
  data.fill(4.5, 0, n);
  data.fill(-2.25, n);
  const t: RegistrationTransform = { ndim: 2, affine: identity4(), velocity: { ndim: 2, shape: [1, 20, 30], space, data } };
  const p = randomPoints(space, [1, 20, 30], 20, 1);
  const q = mapPoints(t, p);
  for (let o = 0; o < p.length; o += 3) {
    assert.ok(Math.abs(q[o + 1]! - p[o + 1]! - 4.5) < 1e-9 && Math.abs(q[o + 2]! - p[o + 2]! + 2.25) < 1e-9, `point ${o / 3}: ${q.subarray(o, o + 3)}`);
  }
  const w = smoothVelocity(2, [1, 40, 40], space, 6);
  const asVelocity = mapPoints({ ndim: 2, affine: identity4(), velocity: w }, randomPoints(space, [1, 40, 40], 50, 2));
  const asDisplacement = mapPoints({ ndim: 2, affine: identity4(), displacement: { ndim: 2, shape: w.shape, space: w.space, data: w.data } }, randomPoints(space, [1, 40, 40], 50, 2));
  assert.ok(maxAbsDiff(asVelocity, asDisplacement) > 0.3, `exp(v) ≈ id + v to ${maxAbsDiff(asVelocity, asDisplacement)}`);
});

test("the step count: each RK4 step moves at most VELOCITY_STEP_VOXELS; an explicit steps is kept and checked", () => {
  const space = frame(2, [1, 2, 3]), v = smoothVelocity(2, [1, 32, 32], space, 7);
  const steps = velocitySteps(v);
  const f = velocityFlow(v), n = 32 * 32;
  let maxVoxels = 0;
  for (let i = 0; i < n; i++) maxVoxels = Math.max(maxVoxels, Math.hypot(f.index[i]!, f.index[n + i]!));
  assert.equal(steps, Math.max(1, Math.ceil(maxVoxels / VELOCITY_STEP_VOXELS)));
  assert.ok(steps >= 5, `steps ${steps}`);
  assert.equal(velocityFlow({ ...v, steps: 3 }).steps, 3);
  assert.throws(() => velocityFlow({ ...v, steps: 0 }), /transform\.velocity\.steps: got 0; expected an integer number of RK4 steps/);
  assert.throws(() => velocityFlow({ ...v, data: v.data.subarray(1) }), /transform\.velocity\.data: got "length 2047"/);
});
