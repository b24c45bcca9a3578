import assert from "node:assert/strict";
import { test } from "node:test";
import type { Vec3 } from "../../src/core/space.js";
import { correlation } from "../../src/metrics/correlation.js";
import { seeded } from "../helpers/rng.js";
import { SHAPE_2D, SHAPE_3D, checkGradient, pickVoxels, randomMask, smoothImage } from "./fixtures.js";

for (const [dim, shape] of [["2D", SHAPE_2D], ["3D", SHAPE_3D]] as [string, Vec3][])
  for (const masked of [false, true])
    test(`correlation gradient matches central differences (${dim}, ${masked ? "masks" : "no masks"})`, () => {
      const rng = seeded(masked ? 71 : 70);
      const f = smoothImage(rng, shape, 0.3), w = smoothImage(rng, shape, 0.3), n = f.length;
      const options = masked ? { fixedMask: randomMask(rng, n), movingMask: randomMask(rng, n, 0.85) } : {};
      const { gradient } = correlation(f, w, shape, options);
      checkGradient((x) => correlation(f, x, shape, options).value, w, gradient, pickVoxels(rng, n));
    });

test("correlation is −1 for W = aF + b (a > 0) and +1 for a < 0", () => {
  const f = smoothImage(seeded(72), SHAPE_3D);
  assert.ok(Math.abs(correlation(f, f.map((v) => 2 * v + 1), SHAPE_3D).value + 1) < 1e-6);
  assert.ok(Math.abs(correlation(f, f.map((v) => 1 - v), SHAPE_3D).value - 1) < 1e-6);
});
