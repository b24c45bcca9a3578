import assert from "node:assert/strict";
import { test } from "node:test";
import type { Vec3 } from "../../src/core/space.js";
import { localNcc, type LocalNccOptions } from "../../src/metrics/local-ncc.js";
import { seeded } from "../helpers/rng.js";
import { SHAPE_2D, SHAPE_3D, checkGradient, pickVoxels, randomImage, randomMask, smoothImage } from "./fixtures.js";

/** −mean of A²/(BC) over the counted voxels, each window summed directly (no flat windows expected). */
function naiveLocalNcc(f: Float32Array, w: Float32Array, shape: Vec3, r: Vec3, mask?: Uint8Array): number {
  const [nz, ny, nx] = shape;
  let total = 0, count = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        if (mask && !mask[(z * ny + y) * nx + x]) continue;
        count++;
        let n = 0, sf = 0, sw = 0, sff = 0, sww = 0, sfw = 0;
        for (let c = Math.max(0, z - r[0]); c <= Math.min(nz - 1, z + r[0]); c++)
          for (let b = Math.max(0, y - r[1]); b <= Math.min(ny - 1, y + r[1]); b++)
            for (let a = Math.max(0, x - r[2]); a <= Math.min(nx - 1, x + r[2]); a++) {
              const j = (c * ny + b) * nx + a;
              if (mask && !mask[j]) continue;
              const fj = f[j]!, wj = w[j]!;
              n++, (sf += fj), (sw += wj), (sff += fj * fj), (sww += wj * wj), (sfw += fj * wj);
            }
        const A = sfw - (sf * sw) / n, B = sff - (sf * sf) / n, C = sww - (sw * sw) / n;
        if (n > 1) total += (A * A) / (B * C);
      }
  return -total / count;
}

const shapes: [string, Vec3][] = [["2D", SHAPE_2D], ["3D", SHAPE_3D]];

for (const [dim, shape] of shapes)
  test(`localNcc value equals the brute-force window sums (${dim}, with and without masks)`, () => {
    const rng = seeded(31);
    const f = randomImage(rng, shape), w = randomImage(rng, shape);
    const r: Vec3 = dim === "2D" ? [0, 2, 3] : [1, 2, 1];
    assert.ok(Math.abs(localNcc(f, w, shape, { radius: r }).value - naiveLocalNcc(f, w, shape, r)) < 1e-12);
    const fixedMask = randomMask(rng, f.length, 0.7), movingMask = randomMask(rng, f.length, 0.9);
    const both = fixedMask.map((m, i) => m & movingMask[i]!);
    const got = localNcc(f, w, shape, { radius: r, fixedMask, movingMask });
    assert.ok(Math.abs(got.value - naiveLocalNcc(f, w, shape, r, both)) < 1e-12);
  });

for (const [dim, shape] of shapes)
  for (const masked of [false, true])
    test(`localNcc exact gradient matches central differences (${dim}, ${masked ? "masks" : "no masks"})`, () => {
      const rng = seeded(masked ? 33 : 32);
      const f = smoothImage(rng, shape, 0.3), w = smoothImage(rng, shape, 0.3);
      const n = f.length;
      for (const radius of [2, [1, 2, 3] as Vec3]) {
        const options: LocalNccOptions = { radius, ...(masked ? { fixedMask: randomMask(rng, n), movingMask: randomMask(rng, n, 0.85) } : {}) };
        const { gradient } = localNcc(f, w, shape, options);
        checkGradient((x) => localNcc(f, x, shape, options).value, w, gradient, pickVoxels(rng, n));
      }
    });

/** cc of the one window centred at voxel i, summed directly. */
function windowCc(f: Float32Array, w: Float32Array, shape: Vec3, r: number, i: number): number {
  const [nz, ny, nx] = shape, z = Math.floor(i / (ny * nx)), y = Math.floor(i / nx) % ny, x = i % nx;
  let n = 0, sf = 0, sw = 0, sff = 0, sww = 0, sfw = 0;
  for (let c = Math.max(0, z - r); c <= Math.min(nz - 1, z + r); c++)
    for (let b = Math.max(0, y - r); b <= Math.min(ny - 1, y + r); b++)
      for (let a = Math.max(0, x - r); a <= Math.min(nx - 1, x + r); a++) {
        const j = (c * ny + b) * nx + a, fj = f[j]!, wj = w[j]!;
        n++, (sf += fj), (sw += wj), (sff += fj * fj), (sww += wj * wj), (sfw += fj * wj);
      }
  const A = sfw - (sf * sw) / n, B = sff - (sf * sf) / n, C = sww - (sw * sw) / n;
  return (A * A) / (B * C);
}

test("localNcc 'ants' gradient is −(1/|Ω|) ∂cc_j/∂w_j of the window centred on j alone", () => {
  const rng = seeded(39), shape = SHAPE_2D;
  const f = smoothImage(rng, shape, 0.3), w = smoothImage(rng, shape, 0.3);
  const { gradient } = localNcc(f, w, shape, { radius: 2, gradientMode: "ants" });
  for (const j of pickVoxels(rng, f.length)) {
    const x = new Float32Array(w), h = 1e-3;
    x[j] = w[j]! + h;
    const plus = windowCc(f, x, shape, 2, j), up = x[j]!;
    x[j] = w[j]! - h;
    const minus = windowCc(f, x, shape, 2, j), down = x[j]!;
    const numeric = -(plus - minus) / (up - down) / f.length;
    assert.ok(Math.abs(gradient[j]! - numeric) <= 1e-3 * Math.abs(numeric) + 1e-7, `voxel ${j}: ${gradient[j]} vs ${numeric}`);
  }
});

test("localNcc 'ants' gradient keeps only the centred window: same value, close to but not the exact gradient", () => {
  const rng = seeded(34), shape = SHAPE_3D;
  const f = smoothImage(rng, shape, 0.3), w = smoothImage(rng, shape, 0.3);
  const exact = localNcc(f, w, shape, { radius: 2 }), ants = localNcc(f, w, shape, { radius: 2, gradientMode: "ants" });
  assert.equal(ants.value, exact.value);
  let dot = 0, ee = 0, aa = 0, diff = 0;
  for (let i = 0; i < f.length; i++) {
    dot += exact.gradient[i]! * ants.gradient[i]!;
    ee += exact.gradient[i]! ** 2;
    aa += ants.gradient[i]! ** 2;
    diff += (exact.gradient[i]! - ants.gradient[i]!) ** 2;
  }
  assert.ok(dot / Math.sqrt(ee * aa) > 0.5, `cosine ${dot / Math.sqrt(ee * aa)}`);
  assert.ok(diff > 1e-6 * ee, "the approximation should differ from the exact gradient");
});

test("localNcc of identical images is −1 with a zero gradient, and flat windows count 0", () => {
  const rng = seeded(35);
  for (const shape of [SHAPE_2D, SHAPE_3D]) {
    const f = randomImage(rng, shape);
    const r = localNcc(f, new Float32Array(f), shape, { radius: 2 });
    assert.ok(Math.abs(r.value + 1) < 1e-12, `value ${r.value}`);
    assert.ok(r.gradient.every((g) => Math.abs(g) < 1e-9));
  }
  // A constant band of 5 rows: windows (radius 1) lying wholly inside it are flat and contribute 0.
  const shape: Vec3 = [1, 12, 10], f = randomImage(rng, shape);
  f.fill(0.5, 3 * 10, 8 * 10);
  const r = localNcc(f, new Float32Array(f), shape, { radius: 1 });
  assert.ok(Math.abs(r.value + (120 - 30) / 120) < 1e-12, `value ${r.value}`);
});

test("localNcc is invariant to W → aW + b (a > 0), its gradient scaling by 1/a", () => {
  const rng = seeded(36), shape = SHAPE_3D;
  const f = smoothImage(rng, shape, 0.3), w = smoothImage(rng, shape, 0.3);
  const a = 37.5, b = -1234;
  const base = localNcc(f, w, shape, { radius: [1, 2, 2] });
  const moved = localNcc(f, w.map((v) => a * v + b), shape, { radius: [1, 2, 2] });
  assert.ok(Math.abs(moved.value - base.value) < 1e-6, `${moved.value} vs ${base.value}`);
  const largest = base.gradient.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
  for (let i = 0; i < f.length; i++) {
    const err = Math.abs(moved.gradient[i]! * a - base.gradient[i]!);
    assert.ok(err <= 1e-4 * largest, `voxel ${i}: ${moved.gradient[i]! * a} vs ${base.gradient[i]}`);
  }
});

test("localNcc ignores voxels outside the masks: changing them changes nothing", () => {
  const rng = seeded(37), shape = SHAPE_2D;
  const f = randomImage(rng, shape), w = randomImage(rng, shape);
  const fixedMask = randomMask(rng, f.length, 0.6), movingMask = randomMask(rng, f.length, 0.8);
  const before = localNcc(f, w, shape, { radius: 2, fixedMask, movingMask });
  const f2 = new Float32Array(f), w2 = new Float32Array(w);
  for (let i = 0; i < f.length; i++) if (!fixedMask[i] || !movingMask[i]) (f2[i] = 10 * rng()), (w2[i] = -5 * rng());
  const after = localNcc(f2, w2, shape, { radius: 2, fixedMask, movingMask });
  assert.ok(Math.abs(after.value - before.value) < 1e-12);
  for (let i = 0; i < f.length; i++) {
    assert.ok(Math.abs(after.gradient[i]! - before.gradient[i]!) < 1e-6);
    if (!fixedMask[i] || !movingMask[i]) assert.equal(before.gradient[i], 0);
  }
});

test("localNcc windows of a 2D image stay in its plane: a volume with radius [0, r, r] averages its slices", () => {
  const rng = seeded(38), shape: Vec3 = [3, 9, 11], plane = 9 * 11;
  const f = randomImage(rng, shape), w = randomImage(rng, shape);
  const volume = localNcc(f, w, shape, { radius: [0, 2, 2] }).value;
  let mean = 0;
  for (let z = 0; z < 3; z++)
    mean += localNcc(f.subarray(z * plane, (z + 1) * plane), w.subarray(z * plane, (z + 1) * plane), [1, 9, 11], { radius: 2 }).value / 3;
  assert.ok(Math.abs(volume - mean) < 1e-12);
});

test("localNcc rejects bad radii, modes and epsilons with the option named", () => {
  const f = new Float32Array(12), shape: Vec3 = [1, 3, 4];
  assert.throws(() => localNcc(f, f, shape, { radius: -1 }), {
    code: "E_OPTION", message: "radius: got -1; expected a non-negative integer number of voxels, or three of them [z, y, x]",
  });
  assert.throws(() => localNcc(f, f, shape, { radius: 1.5 }), { message: /^radius: got 1.5;/ });
  assert.throws(() => localNcc(f, f, shape, { radius: [2, 0, 0] }), {
    message: "radius: got [2,0,0]; expected a window wider than one voxel along some axis of shape [1, 3, 4]",
  });
  assert.throws(() => localNcc(f, f, shape, { radius: 1, gradientMode: "fast" as "exact" }), {
    message: 'gradientMode: got "fast"; expected one of exact, ants',
  });
  assert.throws(() => localNcc(f, f, shape, { radius: 1, epsilon: -1 }), { message: "epsilon: got -1; expected a finite number ≥ 0" });
});
