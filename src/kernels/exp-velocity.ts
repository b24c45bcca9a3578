// The exponential of a stationary velocity field by scaling and squaring: exp(v) = (exp(v / 2^n))^(2^n).
// Composition (compose-fields.ts) does the work; the inverse is exp(−v), so SVF transforms invert exactly up to sampling.

import { OptionError } from "../core/errors.js";
import { composeFields } from "./compose-fields.js";
import { maxNorm, scaleField } from "./field-arithmetic.js";
import { checkField, type Field } from "./types.js";

/**
 * Largest displacement of the first step, in voxels. Arsigny's 0.5 only keeps id + u invertible; the error of
 * exp(v) ∘ exp(−v) on a smooth 3-voxel field over 32³ (test/kernels/exp-velocity.test.ts) falls from 0.16 voxel at
 * 0.5 (3 squarings) to 0.04 at 1/32 (7), where linear interpolation of the compositions sets the floor.
 */
export const EXP_FIRST_STEP_VOXELS = 1 / 32;

/** Smallest n with max|v| / 2^n ≤ EXP_FIRST_STEP_VOXELS. */
export function expSteps(v: Field): number {
  const m = maxNorm(v);
  return m <= EXP_FIRST_STEP_VOXELS ? 0 : Math.ceil(Math.log2(m / EXP_FIRST_STEP_VOXELS));
}

/** Checks `v` and `steps` and returns the number of squarings (expSteps(v) when omitted). */
export function resolveExpSteps(v: Field, steps: number | undefined): number {
  checkField("expVelocity: v", v);
  const n = steps ?? expSteps(v);
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new OptionError("expVelocity: steps", n, "an integer 0 … 30");
  return n;
}

/**
 * exp(v) as a displacement field: u = v / 2^n, then u ← u ∘ u, n times (composeFields).
 * @param v stationary velocity, voxel units of its grid.
 * @param steps n, an integer 0 … 30. @default expSteps(v): the first step moves at most 1/32 voxel.
 * @see V. Arsigny et al., "A Log-Euclidean framework for statistics on diffeomorphisms", MICCAI 2006.
 */
export function expVelocity(v: Field, steps?: number): Field {
  const n = resolveExpSteps(v, steps);
  let u = scaleField(v, 2 ** -n);
  for (let i = 0; i < n; i++) u = composeFields(u, u);
  return u;
}
