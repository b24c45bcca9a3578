import assert from "node:assert/strict";
import { test } from "node:test";
import { levelSpace, type ImageMeta, type Vec3 } from "../../src/core/space.js";
import { selectMovingLevel } from "../../src/warp/select-moving-level.js";

test("selectMovingLevel: level 0 for output level 0; else the coarsest moving level at least as fine on every axis", () => {
  const meta = (spacing: Vec3, scales: Vec3[], shape: Vec3 = [1, 4096, 4096]): ImageMeta => ({
    path: "m", format: "memory", ndim: shape[0] > 1 ? 3 : 2, dtype: "uint8", channels: ["C0"],
    levels: scales.map((s) => ({ shape: [Math.ceil(shape[0] / s[0]), Math.ceil(shape[1] / s[1]), Math.ceil(shape[2] / s[2])] as Vec3, scale: s })),
    space: { spacing, origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], units: ["um", "um", "um"] },
  });
  const moving = meta([1, 0.5, 0.5], [[1, 1, 1], [1, 2, 2], [1, 4, 4], [1, 8, 8]]);
  const fixedMeta = meta([1, 1, 1], [[1, 1, 1], [1, 2, 2], [1, 4, 4]]);
  assert.equal(selectMovingLevel(moving, levelSpace(fixedMeta, 0), 0), 0);
  assert.equal(selectMovingLevel(moving, levelSpace(fixedMeta, 1), 1), 2); // 2 µm ≤ 2 µm; level 3 (4 µm) is coarser
  assert.equal(selectMovingLevel(moving, levelSpace(fixedMeta, 2), 2), 3);
  // z of a 2D image is ignored; x coarser than the output excludes a level.
  const aniso = meta([5, 0.5, 1], [[1, 1, 1], [1, 2, 2], [1, 4, 4]]);
  assert.equal(selectMovingLevel(aniso, { ...levelSpace(fixedMeta, 1), spacing: [1, 2, 2] }, 1), 1);
});
