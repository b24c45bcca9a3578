import assert from "node:assert/strict";
import { test } from "node:test";
import type { Vec3 } from "../../src/core/space.js";
import { meanSquares } from "../../src/metrics/mean-squares.js";
import { seeded } from "../helpers/rng.js";
import { SHAPE_2D, SHAPE_3D, checkGradient, pickVoxels, randomImage, randomMask } from "./fixtures.js";

test("meanSquares gives the mean of (W − F)² and 2(W − F)/n on a literal example", () => {
  const f = new Float32Array([0, 1, 2, 3]), w = new Float32Array([1, 1, 0, 3]);
  const r = meanSquares(f, w, [1, 2, 2]);
  assert.equal(r.value, (1 + 0 + 4 + 0) / 4);
  assert.deepEqual([...r.gradient], [0.5, 0, -1, 0]);
  assert.equal(r.count, 4);
});

for (const [dim, shape] of [["2D", SHAPE_2D], ["3D", SHAPE_3D]] as [string, Vec3][])
  for (const masked of [false, true])
    test(`meanSquares gradient matches central differences (${dim}, ${masked ? "masks" : "no masks"})`, () => {
      const rng = seeded(dim === "2D" ? 3 : 4);
      const f = randomImage(rng, shape), w = randomImage(rng, shape);
      const n = f.length;
      const options = masked ? { fixedMask: randomMask(rng, n), movingMask: randomMask(rng, n, 0.8) } : {};
      const { gradient } = meanSquares(f, w, shape, options);
      checkGradient((x) => meanSquares(f, x, shape, options).value, w, gradient, pickVoxels(rng, n));
    });

test("meanSquares gradient matches central differences on seeded samples, a repeated sample counting twice", () => {
  const rng = seeded(5), shape = SHAPE_3D;
  const f = randomImage(rng, shape), w = randomImage(rng, shape);
  const samples = new Int32Array([...pickVoxels(rng, f.length, 60), 7, 7]);
  const options = { samples, movingMask: randomMask(rng, f.length, 0.9) };
  const { gradient, count } = meanSquares(f, w, shape, options);
  assert.ok(count <= samples.length && count > 40);
  checkGradient((x) => meanSquares(f, x, shape, options).value, w, gradient, [7, ...pickVoxels(rng, f.length)]);
});

test("meanSquares of identical images is 0 with a zero gradient", () => {
  const f = randomImage(seeded(6), SHAPE_3D);
  const r = meanSquares(f, new Float32Array(f), SHAPE_3D);
  assert.equal(r.value, 0);
  assert.ok(r.gradient.every((g) => g === 0));
});

test("meanSquares ignores voxels outside the masks: changing them changes nothing", () => {
  const rng = seeded(7), shape = SHAPE_2D;
  const f = randomImage(rng, shape), w = randomImage(rng, shape);
  const fixedMask = randomMask(rng, f.length, 0.6), movingMask = randomMask(rng, f.length, 0.8);
  const before = meanSquares(f, w, shape, { fixedMask, movingMask });
  const f2 = new Float32Array(f), w2 = new Float32Array(w);
  for (let i = 0; i < f.length; i++) if (!fixedMask[i] || !movingMask[i]) (f2[i] = 100 * rng()), (w2[i] = -50 * rng());
  const after = meanSquares(f2, w2, shape, { fixedMask, movingMask });
  assert.equal(after.value, before.value);
  assert.deepEqual(after.gradient, before.gradient);
  for (let i = 0; i < f.length; i++) if (!fixedMask[i] || !movingMask[i]) assert.equal(before.gradient[i], 0);
});

test("meanSquares with gradientInto = warped writes the same value and derivative over the warped samples", () => {
  const rng = seeded(9), shape = SHAPE_3D;
  const f = randomImage(rng, shape), w = randomImage(rng, shape);
  for (const masks of [{}, { fixedMask: randomMask(rng, f.length, 0.6), movingMask: randomMask(rng, f.length, 0.8) }]) {
    const fresh = meanSquares(f, w, shape, masks);
    const inPlace = new Float32Array(w);
    const r = meanSquares(f, inPlace, shape, { ...masks, gradientInto: inPlace });
    assert.equal(r.gradient, inPlace);
    assert.equal(r.value, fresh.value);
    assert.equal(r.count, fresh.count);
    assert.deepEqual(r.gradient, fresh.gradient);
  }
  const none = new Float32Array(w);
  assert.deepEqual(meanSquares(f, none, shape, { fixedMask: new Uint8Array(f.length), gradientInto: none }).gradient, new Float32Array(f.length));
  assert.throws(() => meanSquares(f, w, shape, { samples: new Int32Array([0]), gradientInto: new Float32Array(f.length) }), { code: "E_OPTION" });
  assert.throws(() => meanSquares(f, w, shape, { gradientInto: new Float32Array(3) }), { code: "E_OPTION" });
});

test("meanSquares with no counted voxel returns value 0, count 0", () => {
  const f = new Float32Array(6), w = new Float32Array(6).fill(1);
  const r = meanSquares(f, w, [1, 2, 3], { fixedMask: new Uint8Array(6) });
  assert.deepEqual([r.value, r.count], [0, 0]);
});

test("meanSquares names the argument whose length does not match the shape", () => {
  assert.throws(() => meanSquares(new Float32Array(6), new Float32Array(5), [1, 2, 3]), {
    code: "E_OPTION", message: 'warped: got "5 values"; expected 6 values, one per voxel of shape [1, 2, 3]',
  });
  assert.throws(() => meanSquares(new Float32Array(6), new Float32Array(6), [1, 2, 3], { fixedMask: new Uint8Array(4) }), {
    message: 'fixedMask: got "4 values"; expected 6 values, one per voxel of shape [1, 2, 3]',
  });
  assert.throws(() => meanSquares(new Float32Array(6), new Float32Array(6), [1, 2, 3], { samples: new Int32Array([6]) }), {
    message: 'samples: got "index 6 at position 0"; expected voxel indices in [0, 6)',
  });
  assert.throws(() => meanSquares(new Float32Array(6), new Float32Array(6), [0, 2, 3]), { message: /^shape: got \[0,2,3\]/ });
});
