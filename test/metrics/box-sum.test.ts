import assert from "node:assert/strict";
import { test } from "node:test";
import type { Vec3 } from "../../src/core/space.js";
import { boxSum, slabGeometry, slidingBoxSum } from "../../src/metrics/box-sum.js";
import { seeded } from "../helpers/rng.js";

/** Σ over the clipped window, by brute force. */
function naiveBoxSum(v: Float64Array, shape: Vec3, r: Vec3): Float64Array {
  const [nz, ny, nx] = shape, out = new Float64Array(v.length);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        let s = 0;
        for (let c = Math.max(0, z - r[0]); c <= Math.min(nz - 1, z + r[0]); c++)
          for (let b = Math.max(0, y - r[1]); b <= Math.min(ny - 1, y + r[1]); b++)
            for (let a = Math.max(0, x - r[2]); a <= Math.min(nx - 1, x + r[2]); a++) s += v[(c * ny + b) * nx + a]!;
        out[(z * ny + y) * nx + x] = s;
      }
  return out;
}

test("boxSum equals the brute-force clipped window sum, for every combination of axes and radii (wider than the image too)", () => {
  const rng = seeded(21);
  const cases: [Vec3, Vec3][] = [
    [[1, 17, 23], [0, 2, 3]], [[1, 17, 23], [5, 0, 1]], [[7, 9, 11], [1, 2, 3]], [[7, 9, 11], [0, 0, 4]],
    [[7, 9, 11], [3, 0, 0]], [[4, 3, 5], [9, 9, 9]], [[2, 1, 1], [1, 1, 1]], [[5, 6, 7], [0, 0, 0]],
  ];
  for (const [shape, r] of cases) {
    const n = shape[0] * shape[1] * shape[2];
    const v = new Float64Array(n).map(() => rng() - 0.5);
    const want = naiveBoxSum(v, shape, r);
    const got = boxSum(new Float64Array(v), shape, r, new Float64Array(n));
    for (let i = 0; i < n; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-12, `shape ${shape} radius ${r} voxel ${i}`);
  }
});

test("slidingBoxSum, slab by slab, gives the same window sums as boxSum on the whole image (2D rows, 3D planes)", () => {
  const rng = seeded(22);
  const cases: [Vec3, Vec3][] = [[[1, 17, 23], [0, 2, 3]], [[1, 6, 5], [0, 9, 1]], [[7, 9, 11], [2, 1, 3]], [[5, 4, 3], [0, 1, 1]]];
  for (const [shape, r] of cases) {
    const n = shape[0] * shape[1] * shape[2], channels = 2;
    const images = [0, 1].map(() => new Float64Array(n).map(() => rng() - 0.5));
    const want = images.map((v) => boxSum(new Float64Array(v), shape, r, new Float64Array(n)));
    const geometry = slabGeometry(shape, r), size = geometry.slabSize, stream = slidingBoxSum(channels, geometry);
    const got = images.map(() => new Float64Array(n));
    for (let t = 0; t < geometry.length + geometry.radius; t++) {
      const sums = stream.step(t < geometry.length ? (slab) => images.forEach((v, c) => slab.set(v.subarray(t * size, (t + 1) * size), c * size)) : undefined);
      if (t < geometry.radius) assert.equal(sums, undefined);
      else for (let c = 0; c < channels; c++) got[c]!.set(sums!.subarray(c * size, (c + 1) * size), (t - geometry.radius) * size);
    }
    for (let c = 0; c < channels; c++)
      for (let i = 0; i < n; i++) assert.ok(Math.abs(got[c]![i]! - want[c]![i]!) < 1e-12, `shape ${shape} radius ${r} channel ${c} voxel ${i}`);
  }
});
