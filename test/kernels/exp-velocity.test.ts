import assert from "node:assert/strict";
import { test } from "node:test";
import type { Vec3 } from "../../src/core/space.js";
import { composeFields } from "../../src/kernels/compose-fields.js";
import { expSteps, expVelocity } from "../../src/kernels/exp-velocity.js";
import { maxNorm, scaleField } from "../../src/kernels/field-arithmetic.js";
import { jacobianDeterminant } from "../../src/kernels/jacobian-determinant.js";
import { constantField, smoothField } from "./fixtures.js";

test("exp(v) ∘ exp(−v) ≈ identity for a smooth field of ~3 voxels (64² and 32³)", () => {
  for (const shape of [[1, 64, 64], [32, 32, 32]] as Vec3[]) {
    const raw = smoothField(51, shape, 1);
    const v = scaleField(raw, 3 / maxNorm(raw));
    const forward = expVelocity(v), backward = expVelocity(scaleField(v, -1));
    for (const residual of [composeFields(forward, backward), composeFields(backward, forward)]) {
      assert.ok(maxNorm(residual) < 0.05, `${shape}: max |exp(v)∘exp(−v)| = ${maxNorm(residual)}`);
    }
    const det = jacobianDeterminant(forward).data;
    assert.ok(det.every((d) => d > 0), "a diffeomorphism does not fold");
  }
});

test("a constant velocity exponentiates to the same translation; steps default to a first step ≤ 1/32 voxel", () => {
  const v = constantField([4, 5, 6], [1, -2, 2]);
  assert.equal(expSteps(v), 7);
  const u = expVelocity(v);
  for (let i = 0; i < u.data.length; i++) assert.equal(u.data[i], [1, -2, 2][Math.floor(i / 120)]);
  assert.deepEqual(expVelocity(v, 0).data, v.data);
  assert.throws(() => expVelocity(v, 1.5), { message: "expVelocity: steps: got 1.5; expected an integer 0 … 30" });
});
