import assert from "node:assert/strict";
import { test } from "node:test";
import type { Vec3 } from "../../src/core/space.js";
import { mattesMutualInformation, type MattesMutualInformationOptions } from "../../src/metrics/mattes-mutual-information.js";
import { sampleIndices } from "../../src/metrics/sample-indices.js";
import { seeded } from "../helpers/rng.js";
import { SHAPE_2D, SHAPE_3D, checkGradient, pickVoxels, randomMask, smoothImage } from "./fixtures.js";

/** A moving image related non-linearly to F, plus noise: MI well away from 0 and from its maximum. */
function relatedImage(rng: () => number, f: Float32Array, noise = 0.15): Float32Array {
  return f.map((v) => Math.sin(2 * v) + v * v + noise * (rng() - 0.5));
}

/** The counted samples holding the smallest and largest W: a derived range moves with them, which the gradient ignores. */
function rangeSetters(w: Float32Array, options: MattesMutualInformationOptions): Set<number> {
  const { fixedMask, movingMask, samples } = options;
  let lo = -1, hi = -1;
  for (const i of samples ?? w.keys()) {
    if ((fixedMask && !fixedMask[i]) || (movingMask && !movingMask[i])) continue;
    if (lo < 0 || w[i]! < w[lo]!) lo = i;
    if (hi < 0 || w[i]! > w[hi]!) hi = i;
  }
  return new Set([lo, hi]);
}

const shapes: [string, Vec3][] = [["2D", SHAPE_2D], ["3D", SHAPE_3D]];

for (const [dim, shape] of shapes)
  for (const masked of [false, true])
    test(`mattesMutualInformation gradient matches central differences (${dim}, ${masked ? "masks" : "no masks"})`, () => {
      const rng = seeded(masked ? 41 : 40);
      const f = smoothImage(rng, shape), w = relatedImage(rng, f);
      const n = f.length;
      const masks = masked ? { fixedMask: randomMask(rng, n), movingMask: randomMask(rng, n, 0.85) } : {};
      const picked = pickVoxels(rng, n, 24);
      const variants: MattesMutualInformationOptions[] = [
        { ...masks, bins: 16 },
        { ...masks, bins: 32, movingRange: [-0.5, 3], fixedRange: [-0.5, 1.6] },
        { ...masks, bins: 12, samples: sampleIndices(Math.floor(n / 2), n, 9) },
      ];
      for (const options of variants) {
        const { gradient, count } = mattesMutualInformation(f, w, shape, options);
        assert.ok(count > 50);
        const skip = options.movingRange ? new Set<number>() : rangeSetters(w, options);
        const voxels = picked.filter((i) => !skip.has(i));
        // h = 2e-4: at 16–32 bins over ~3.5 intensity units a sparse joint histogram curves fast, and the O(h²)
        // truncation error of the central difference measured 1.4e-3 at h = 1e-3 (1.4e-5 at 1e-4).
        checkGradient((x) => mattesMutualInformation(f, x, shape, options).value, w, gradient, voxels, 1e-3, 2e-4);
      }
    });

test("mattesMutualInformation gradient is zero off the samples and outside the masks", () => {
  const rng = seeded(42), shape = SHAPE_3D;
  const f = smoothImage(rng, shape), w = relatedImage(rng, f), n = f.length;
  const samples = sampleIndices(200, n, 1), fixedMask = randomMask(rng, n);
  const { gradient, count } = mattesMutualInformation(f, w, shape, { samples, fixedMask });
  const used = new Set([...samples].filter((i) => fixedMask[i]));
  assert.equal(count, used.size);
  for (let i = 0; i < n; i++) if (!used.has(i)) assert.equal(gradient[i], 0);
});

test("mattesMutualInformation of identical images is −H(F) when F's levels lie ≥ 4 bins apart", () => {
  // Four levels at 0, 1, 2, 3 with 32 bins: moving positions 2, 11.3, 20.7, 30, so the kernels never overlap.
  const rng = seeded(43), shape = SHAPE_3D;
  const f = new Float32Array(7 * 9 * 11).map(() => Math.floor(rng() * 4));
  const counts = [0, 0, 0, 0];
  for (const v of f) counts[v]!++;
  const entropy = -counts.reduce((s, c) => s + (c / f.length) * Math.log(c / f.length), 0);
  const r = mattesMutualInformation(f, new Float32Array(f), shape);
  assert.ok(Math.abs(r.value + entropy) < 1e-12, `${r.value} vs −H(F) = ${-entropy}`);
  assert.ok(r.gradient.every((g) => Math.abs(g) < 1e-9), "no force at the optimum");
});

test("mattesMutualInformation is lowest for identical images among perturbed ones", () => {
  const rng = seeded(44), shape = SHAPE_2D;
  const f = smoothImage(rng, shape, 0.02);
  const same = mattesMutualInformation(f, new Float32Array(f), shape).value;
  const noisy = f.map((v) => v + 0.2 * (rng() - 0.5));
  const shifted = f.map((_, i) => f[(i + 1) % f.length]!);
  for (const w of [noisy, shifted, relatedImage(rng, f)])
    assert.ok(same < mattesMutualInformation(f, w, shape).value);
});

test("mattesMutualInformation is invariant to W → aW + b exactly and to a monotonic remapping approximately", () => {
  const rng = seeded(45), shape = SHAPE_3D;
  const f = smoothImage(rng, shape), w = relatedImage(rng, f);
  const base = mattesMutualInformation(f, w, shape, { bins: 24 }).value;
  const affine = mattesMutualInformation(f, w.map((v) => 3 * v - 7), shape, { bins: 24 }).value;
  assert.ok(Math.abs(affine - base) < 1e-5 * Math.abs(base), `${affine} vs ${base}`);
  // Fixed-width bins see a curved remapping as a change of bin occupancy: measured 1–8 % here, so allow 10 %,
  // against the 70 %+ lost when the pairing is destroyed (W shuffled).
  for (const remap of [(v: number) => Math.sqrt(v + 1), (v: number) => Math.tanh(v - 1)]) {
    const monotonic = mattesMutualInformation(f, w.map(remap), shape, { bins: 24 }).value;
    assert.ok(Math.abs(monotonic - base) < 0.1 * Math.abs(base), `${monotonic} vs ${base}`);
  }
  const shuffled = w.map((_, i) => w[(i * 389) % w.length]!);
  assert.ok(Math.abs(mattesMutualInformation(f, shuffled, shape, { bins: 24 }).value - base) > 0.7 * Math.abs(base));
});

test("mattesMutualInformation ignores voxels outside the masks: changing them changes nothing", () => {
  const rng = seeded(46), shape = SHAPE_2D;
  const f = smoothImage(rng, shape), w = relatedImage(rng, f), n = f.length;
  const fixedMask = randomMask(rng, n, 0.6), movingMask = randomMask(rng, n, 0.8);
  const before = mattesMutualInformation(f, w, shape, { fixedMask, movingMask });
  const f2 = new Float32Array(f), w2 = new Float32Array(w);
  for (let i = 0; i < n; i++) if (!fixedMask[i] || !movingMask[i]) (f2[i] = 50 * rng()), (w2[i] = -30 * rng());
  const after = mattesMutualInformation(f2, w2, shape, { fixedMask, movingMask });
  assert.equal(after.value, before.value);
  assert.deepEqual(after.gradient, before.gradient);
});

test("mattesMutualInformation of a constant moving image is 0", () => {
  const f = smoothImage(seeded(47), SHAPE_2D);
  const r = mattesMutualInformation(f, new Float32Array(f.length).fill(3), SHAPE_2D);
  assert.ok(Math.abs(r.value) < 1e-15);
});

test("mattesMutualInformation rejects bad bins and ranges with the option named", () => {
  const f = new Float32Array(12), shape: Vec3 = [1, 3, 4];
  assert.throws(() => mattesMutualInformation(f, f, shape, { bins: 4 }), {
    code: "E_OPTION", message: "bins: got 4; expected an integer ≥ 5 (2 padding bins each side)",
  });
  assert.throws(() => mattesMutualInformation(f, f, shape, { movingRange: [1, 1] }), {
    message: "movingRange: got [1,1]; expected [min, max] with finite min < max",
  });
});
