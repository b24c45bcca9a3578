import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Vec3 } from "../../src/core/space.js";
import { cpuKernels } from "../../src/compute/cpu/cpu-kernels.js";
import { bandOf, createPool, type Pool } from "../../src/compute/cpu/pool.js";
import type { Kernels } from "../../src/compute/kernels.js";
import { referenceKernels } from "../../src/compute/reference-kernels.js";
import type { ResampleResult } from "../../src/kernels/resample-common.js";
import type { Interpolation } from "../../src/kernels/types.js";
import { bytes, randomImage, smoothField } from "../kernels/fixtures.js";

// Odd sizes, so that bands never divide evenly; 2D and 3D.
const SHAPES: Vec3[] = [[1, 37, 29], [9, 13, 11]];
const pools: Pool[] = [];
let backends: Kernels[] = [];

before(() => {
  for (const threads of [1, 2, 3]) pools.push(createPool(threads));
  backends = pools.map(cpuKernels);
});
after(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

/** A fixed → moving index map for resampleMapped: a small rotation, zoom and shift ([z, y, x, 1] rows). */
function mappedMatrix(ndim: 2 | 3): number[] {
  return ndim === 3
    ? [0.98, 0.05, 0.02, 0.4, -0.04, 1.02, 0.1, -0.7, 0.01, -0.1, 0.99, 1.1, 0, 0, 0, 1]
    : [1, 0, 0, 0, 0, 1.03, 0.12, -0.8, 0, -0.1, 0.97, 1.3, 0, 0, 0, 1];
}

function sameResample(a: ResampleResult, b: ResampleResult, what: string): void {
  assert.deepEqual(bytes(a.image.data), bytes(b.image.data), `${what}: samples`);
  assert.deepEqual(a.mask && bytes(a.mask), b.mask && bytes(b.mask), `${what}: mask`);
  assert.deepEqual(a.gradient && bytes(a.gradient.data), b.gradient && bytes(b.gradient.data), `${what}: gradient`);
}

test("resampling gives the same bytes with 1, 2 and 3 threads as the reference (field, affine, coordinates)", async () => {
  for (const shape of SHAPES) {
    const ndim = shape[0] === 1 ? 2 : 3;
    const img = randomImage(71, shape), field = smoothField(72, shape, 4);
    const matrix = ndim === 3
      ? [0.9, 0.1, 0.05, 0.7, -0.1, 1.05, 0.02, -1.3, 0.03, -0.04, 0.97, 2.2, 0, 0, 0, 1]
      : [0.95, 0.2, -1.5, -0.15, 1.1, 0.8, 0, 0, 1];
    const outShape: Vec3 = ndim === 3 ? [8, 12, 15] : [1, 31, 33];
    const coords = { ...smoothField(73, shape, 20), data: Float64Array.from(smoothField(73, shape, 20).data, (v) => v + 5) };
    for (const interpolation of ["nearest", "linear", "cubic"] as Interpolation[]) {
      const options = { interpolation, mask: true, gradient: interpolation !== "nearest", fill: -2 };
      const want = {
        field: await referenceKernels.resampleField(img, field, options),
        affine: await referenceKernels.resampleAffine(img, outShape, matrix, options),
        at: await referenceKernels.resampleAt(img, coords, options),
        mapped: await referenceKernels.resampleMapped(img, mappedMatrix(ndim), field, options),
      };
      for (const k of backends) {
        const what = `${k.name} ${interpolation} ${shape}`;
        sameResample(await k.resampleField(img, field, options), want.field, `${what} field`);
        sameResample(await k.resampleAffine(img, outShape, matrix, options), want.affine, `${what} affine`);
        sameResample(await k.resampleMapped(img, mappedMatrix(ndim), field, options), want.mapped, `${what} mapped`);
        sameResample(await k.resampleAt(img, coords, options), want.at, `${what} at`);
      }
    }
  }
});

test("smoothing, gradient, composition, exp, Jacobian and B-spline coefficients give the same bytes on every thread count", async () => {
  for (const shape of SHAPES) {
    const img = randomImage(74, shape), u = smoothField(75, shape, 3), v = smoothField(76, shape, 2);
    const ref = referenceKernels;
    const want = [
      (await ref.gaussianSmooth(img, [1.1, 2, 0.8])).data,
      (await ref.gaussianSmoothField(u, 1.5)).data,
      (await ref.gradient(img, [2, 1, 0.5])).data,
      (await ref.composeFields(u, v)).data,
      (await ref.expVelocity(v, 4)).data,
      (await ref.jacobianDeterminant(u, [1, 2, 3])).data,
      (await ref.bsplineCoefficients(img)).data,
    ];
    for (const k of backends) {
      const got = [
        (await k.gaussianSmooth(img, [1.1, 2, 0.8])).data,
        (await k.gaussianSmoothField(u, 1.5)).data,
        (await k.gradient(img, [2, 1, 0.5])).data,
        (await k.composeFields(u, v)).data,
        (await k.expVelocity(v, 4)).data,
        (await k.jacobianDeterminant(u, [1, 2, 3])).data,
        (await k.bsplineCoefficients(img)).data,
      ];
      got.forEach((g, i) => assert.deepEqual(bytes(g), bytes(want[i]!), `${k.name} ${shape} kernel #${i}`));
    }
  }
});

test("a sum over fixed blocks has the same bits whatever the thread count", async () => {
  const data = randomImage(77, [3, 301, 401]).data;
  const sums = await Promise.all([referenceKernels, ...backends].map((k) => k.sum(data)));
  assert.equal(new Set(sums).size, 1, `${sums}`);
  assert.ok(Math.abs(sums[0]! - data.length / 2) < data.length * 0.01);
});

test("bands cover every row once, in order", () => {
  for (const [n, parts] of [[10, 3], [2, 3], [37, 2], [0, 2]] as const) {
    const bands = Array.from({ length: parts }, (_, b) => bandOf(b, n, parts));
    assert.equal(bands[0]![0], 0);
    assert.equal(bands[parts - 1]![1], n);
    for (let b = 1; b < parts; b++) assert.equal(bands[b]![0], bands[b - 1]![1]);
  }
});

test("the pool rejects unshared arrays, unknown kernels and bad thread counts, and reports worker errors", async () => {
  const pool = pools[1]!;
  await assert.rejects(
    pool.run("blockSums", { data: new Float32Array(4), out: pool.allocate.float64(1) }, 1),
    { message: 'pool.run(blockSums): args.data: got "an array on an ordinary ArrayBuffer"; expected an array on a SharedArrayBuffer (pool.allocate / pool.share)' },
  );
  await assert.rejects(pool.run("nope" as "blockSums", { data: pool.allocate.float32(1), out: pool.allocate.float64(1) }, 1), /unknown kernel "nope"/);
  await assert.rejects(pool.run("blockSums", { data: pool.allocate.float32(4) } as never, 2), /worker \d: TypeError/);
  assert.throws(() => createPool(0), { message: "createPool: threads: got 0; expected an integer 1 … 256" });
  const closing = createPool(2);
  await closing.close();
  await assert.rejects(closing.run("blockSums", { data: closing.allocate.float32(1), out: closing.allocate.float64(1) }, 1), /pool is closed/);
});
