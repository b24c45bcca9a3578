import assert from "node:assert/strict";
import { test } from "node:test";
import { affineFromParams, identityParams, invertAffine, mapPointsAffine, mul4, type AffineParams } from "../../src/transforms/affine.js";
import type { Vec3 } from "../../src/core/space.js";
import { seeded } from "../helpers/rng.js";

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, msg?: string) => {
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${msg ?? ""} [${i}] ${a[i]} vs ${b[i]}`);
};

test("identity parameters give the identity; the centre is a fixed point of rotation and zoom", () => {
  const c: Vec3 = [3, -4, 10];
  close(affineFromParams(identityParams(), c, 3), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 0);
  const p: AffineParams = { ...identityParams(), rotation: [0.3, -0.2, 1.1], zoom: [1.2, 0.9, 1.05] };
  const m = affineFromParams(p, c, 3);
  close(mapPointsAffine(m, Float64Array.from(c)), c, 1e-12);
});

test("2D rotation by +90° turns +x into +y about the centre, and leaves z alone", () => {
  const p: AffineParams = { ...identityParams(), rotation: [0, 0, Math.PI / 2], translation: [5, 1, 2] };
  const m = affineFromParams(p, [0, 0, 0], 2);
  // (z, y, x) = (0, 0, 1) → rotated to (0, 1, 0), plus translation (y 1, x 2); the z translation is ignored in 2D.
  close(mapPointsAffine(m, Float64Array.from([0, 0, 1])), [0, 2, 2], 1e-12);
});

test("inverse composes to the identity for random affine maps", () => {
  const rng = seeded(5);
  for (let k = 0; k < 20; k++) {
    const r = () => rng() - 0.5;
    const p: AffineParams = {
      translation: [10 * r(), 10 * r(), 10 * r()], rotation: [r(), r(), 3 * r()],
      zoom: [1 + r() / 2, 1 + r() / 2, 1 + r() / 2], shear: [r() / 3, r() / 3, r() / 3],
    };
    const m = affineFromParams(p, [r() * 50, r() * 50, r() * 50], 3);
    close(mul4(m, invertAffine(m)), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 1e-12);
  }
  assert.throws(() => invertAffine(new Float64Array(16)), /singular/);
});
