import assert from "node:assert/strict";
import { test } from "node:test";
import {
  indexToPhysical, levelSpace, physicalToIndex, intersectRegions, regionInside, type ImageMeta, type Mat3, type Vec3,
} from "../../src/core/space.js";
import { seeded } from "../helpers/rng.js";

// An awkward frame: rotated 33° about z, anisotropic spacing, off-origin (as deepali's tests do).
function awkward(): ImageMeta {
  const c = Math.cos((33 * Math.PI) / 180), s = Math.sin((33 * Math.PI) / 180);
  const direction: Mat3 = [1, 0, 0, 0, c, -s, 0, s, c];
  return {
    path: "x", format: "memory", ndim: 3, dtype: "uint8", channels: ["a"],
    levels: [
      { shape: [20, 30, 40], scale: [1, 1, 1] },
      { shape: [10, 15, 20], scale: [2, 2, 2] },
    ],
    space: { spacing: [2.5, 0.7, 1.2], origin: [-3, 5.5, 12], direction, units: ["mm", "mm", "mm"] },
  };
}

test("index → physical follows p = origin + D·(spacing ⊙ i)", () => {
  const m = awkward();
  const p = indexToPhysical(m.space, [1, 0, 0]);
  assert.deepEqual(p.map((v) => +v.toFixed(12)), [-3 + 2.5, 5.5, 12]);
  const q = indexToPhysical(m.space, [0, 1, 0]);
  const c = Math.cos((33 * Math.PI) / 180), s = Math.sin((33 * Math.PI) / 180);
  assert.ok(Math.abs(q[1] - (5.5 + 0.7 * c)) < 1e-12 && Math.abs(q[2] - (12 + 0.7 * s)) < 1e-12);
});

test("physical → index inverts index → physical", () => {
  const m = awkward(), rng = seeded(3);
  for (let k = 0; k < 50; k++) {
    const i: Vec3 = [rng() * 20, rng() * 30, rng() * 40];
    const back = physicalToIndex(m.space, indexToPhysical(m.space, i));
    for (let a = 0; a < 3; a++) assert.ok(Math.abs(back[a]! - i[a]!) < 1e-9);
  }
});

test("a reduced level's first pixel centre sits at the centre of the level-0 pixels it covers", () => {
  const m = awkward();
  const l1 = levelSpace(m, 1);
  // Level-1 pixel 0 covers level-0 pixels 0 and 1 on every axis: its centre is level-0 index 0.5.
  const want = indexToPhysical(m.space, [0.5, 0.5, 0.5]);
  const got = indexToPhysical(l1, [0, 0, 0]);
  for (let a = 0; a < 3; a++) assert.ok(Math.abs(got[a]! - want[a]!) < 1e-12);
  // And level-1 index 3 is level-0 index 6.5.
  const want3 = indexToPhysical(m.space, [6.5, 6.5, 6.5]);
  const got3 = indexToPhysical(l1, [3, 3, 3]);
  for (let a = 0; a < 3; a++) assert.ok(Math.abs(got3[a]! - want3[a]!) < 1e-12);
  assert.throws(() => levelSpace(m, 2), /no level 2/);
});

test("regions: inside and intersection", () => {
  assert.equal(regionInside({ start: [0, 0, 0], size: [1, 2, 3] }, [1, 2, 3]), true);
  assert.equal(regionInside({ start: [0, 1, 0], size: [1, 2, 3] }, [1, 2, 3]), false);
  assert.equal(regionInside({ start: [0, 0, 0], size: [1, 0, 3] }, [1, 2, 3]), false);
  assert.deepEqual(intersectRegions({ start: [0, 0, 0], size: [1, 10, 10] }, { start: [0, 5, 8], size: [1, 10, 10] }), {
    start: [0, 5, 8], size: [1, 5, 2],
  });
  assert.equal(intersectRegions({ start: [0, 0, 0], size: [1, 4, 4] }, { start: [0, 4, 0], size: [1, 4, 4] }), undefined);
});
