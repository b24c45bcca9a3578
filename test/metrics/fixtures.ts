// Shared fixtures of the metric tests: seeded images and masks, and the central-difference gradient check.
// Not a test file itself (no .test suffix); each metric's tests live in its own file.

import assert from "node:assert/strict";
import type { Vec3 } from "../../src/core/space.js";
import { voxelCount } from "../../src/core/space.js";

export const SHAPE_2D: Vec3 = [1, 17, 23];
export const SHAPE_3D: Vec3 = [7, 9, 11];

/** Uniform values in [lo, hi), seeded. */
export function randomImage(rng: () => number, shape: Vec3, lo = 0, hi = 1): Float32Array {
  return new Float32Array(voxelCount(shape)).map(() => lo + (hi - lo) * rng());
}

/** A smooth image of order 1: a few seeded sinusoids along each axis plus a little noise. */
export function smoothImage(rng: () => number, shape: Vec3, noise = 0.05): Float32Array {
  const [nz, ny, nx] = shape;
  const waves = Array.from({ length: 4 }, () => ({
    k: [rng() * 0.6, 0.2 + rng() * 0.6, 0.2 + rng() * 0.6], phase: rng() * 6.28, amp: 0.2 + 0.3 * rng(),
  }));
  const out = new Float32Array(nz * ny * nx);
  for (let z = 0, i = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        let v = 0.5;
        for (const w of waves) v += w.amp * Math.sin(w.k[0]! * z + w.k[1]! * y + w.k[2]! * x + w.phase);
        out[i] = v + noise * (rng() - 0.5);
      }
  return out;
}

/** A mask with about `fraction` of the voxels set, seeded. */
export function randomMask(rng: () => number, n: number, fraction = 0.7): Uint8Array {
  return new Uint8Array(n).map(() => (rng() < fraction ? 1 : 0));
}

/** `count` distinct seeded voxel indices (for picking where to check a gradient). */
export function pickVoxels(rng: () => number, n: number, count = 20): number[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(count, n)) picked.add(Math.floor(rng() * n));
  return [...picked];
}

/**
 * Checks gradient[i] against the central difference (V(W + h e_i) − V(W − h e_i)) / (2h) at each voxel i.
 * The step is the one float32 actually takes (fround(w ± h)), so the difference quotient is exact in its denominator.
 * Passes when |analytic − numeric| ≤ rtol · max(|numeric|, scale), scale = rtol-independent size of the gradient.
 * @returns the largest relative error seen.
 */
export function checkGradient(
  valueAt: (warped: Float32Array) => number, warped: Float32Array, gradient: Float32Array, voxels: number[],
  rtol = 1e-3, h = 1e-3,
): number {
  let scale = 0;
  for (const v of gradient) scale = Math.max(scale, Math.abs(v));
  scale *= 1e-2; // errors on near-zero entries are judged against 1 % of the largest entry
  const w = new Float32Array(warped);
  let worst = 0;
  for (const i of voxels) {
    const w0 = w[i]!;
    w[i] = w0 + h;
    const plus = w[i]!, vPlus = valueAt(w);
    w[i] = w0 - h;
    const minus = w[i]!, vMinus = valueAt(w);
    w[i] = w0;
    const numeric = (vPlus - vMinus) / (plus - minus);
    const err = Math.abs(gradient[i]! - numeric) / Math.max(Math.abs(numeric), scale, 1e-30);
    worst = Math.max(worst, err);
    assert.ok(err <= rtol, `voxel ${i}: analytic ${gradient[i]} vs central difference ${numeric} (relative error ${err.toExponential(2)})`);
  }
  return worst;
}
