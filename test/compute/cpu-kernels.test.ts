import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Vec3 } from "../../src/core/space.js";
import { cpuKernels } from "../../src/compute/cpu/cpu-kernels.js";
import { bandOf, createPool, type Pool } from "../../src/compute/cpu/pool.js";
import type { Kernels } from "../../src/compute/kernels.js";
import { referenceKernels } from "../../src/compute/reference-kernels.js";
import { serialKernels } from "../../src/compute/serial-kernels.js";
import { createLattice } from "../../src/kernels/bspline-lattice.js";
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

test("a warp tile's mapping (affine, grid, B-spline, velocity) and multi-channel sampling give the reference's bytes on every thread count", async () => {
  const { createTileMapper } = await import("../../src/warp/tile-mapper.js");
  const { transform2d, transform3d, space2d, space3d, randomPlane } = await import("../warp/warp-fixtures.js");
  const f2 = space2d(0.1, [0.8, 1.1], [5.5, -3.2]), m2 = space2d(-0.05, [0.9, 1.0], [12, 4]);
  const s2: Vec3 = [1, 61, 47], s3: Vec3 = [9, 13, 11];
  const t2 = transform2d(s2, f2), t3 = transform3d(s3, space3d());
  const grid2 = t2.displacement!;
  const mappers = [
    ["2D affine + grid", createTileMapper(t2, f2, m2), s2],
    ["2D affine", createTileMapper({ ndim: 2, affine: t2.affine }, f2, m2), s2],
    ["2D B-spline", createTileMapper({ ndim: 2, affine: t2.affine, bspline: { ...grid2, space: { ...grid2.space, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] } } }, f2, m2), s2],
    ["2D velocity", createTileMapper({ ndim: 2, affine: t2.affine, velocity: { ...grid2, data: grid2.data.map((v) => v / 4) } }, f2, m2), s2],
    ["3D affine + grid", createTileMapper(t3, space3d(), { ...space3d(), origin: [-2, 4, -8] }), s3],
  ] as const;
  for (const [what, mapper, shape] of mappers) {
    // A tile that is not the whole grid, with rows that split unevenly into bands; part of it maps outside.
    const region = { start: [shape[0] > 1 ? 2 : 0, 3, 5] as Vec3, size: [shape[0] > 1 ? 5 : 1, shape[1] - 7, shape[2] - 9] as Vec3 };
    const want = await referenceKernels.mapTile(mapper, region, shape);
    assert.ok(want.bounds && want.bounds.inside > 0 && want.bounds.inside < want.coords.length / mapper.ndim, `${what}: partly inside`);
    const n = want.coords.length / mapper.ndim;
    const planes = [randomPlane("uint8", shape[0] * shape[1] * shape[2], 3), randomPlane("uint8", shape[0] * shape[1] * shape[2], 4)];
    const sampling = { planes, shape, coords: want.coords, n, ndim: mapper.ndim, fill: 7, dtype: "uint8" as const };
    for (const k of backends) {
      const got = await k.mapTile(mapper, region, shape);
      assert.deepEqual(bytes(got.coords), bytes(want.coords), `${k.name} ${what}: positions`);
      assert.deepEqual(got.bounds, want.bounds, `${k.name} ${what}: bounds`);
      for (const interpolation of ["nearest", "linear"] as const) {
        const ref = await referenceKernels.sampleWindow({ ...sampling, interpolation });
        const out = await k.sampleWindow({ ...sampling, interpolation });
        out.forEach((p, c) => assert.deepEqual(bytes(p), bytes(ref[c]!), `${k.name} ${what} ${interpolation} channel ${c}`));
      }
    }
  }
});

test("a pyramid reduction gives the reference's bytes on every thread count (2D blocks split by rows, volumes by planes)", async () => {
  const { randomPlane } = await import("../warp/warp-fixtures.js");
  const { sourceRegionFor } = await import("../../src/pyramid/reduce.js");
  const cases = [
    { inShape: [1, 301, 257] as Vec3, out: { start: [0, 17, 9] as Vec3, size: [1, 61, 47] as Vec3 }, factors: [1, 2, 2] as const, dtype: "uint8" as const },
    { inShape: [1, 301, 257] as Vec3, out: { start: [0, 120, 100] as Vec3, size: [1, 31, 29] as Vec3 }, factors: [1, 2, 2] as const, dtype: "float32" as const },
    { inShape: [21, 30, 26] as Vec3, out: { start: [2, 3, 4] as Vec3, size: [5, 7, 6] as Vec3 }, factors: [2, 2, 2] as const, dtype: "uint16" as const },
    { inShape: [21, 30, 26] as Vec3, out: { start: [10, 3, 4] as Vec3, size: [1, 7, 6] as Vec3 }, factors: [2, 2, 2] as const, dtype: "int16" as const },
    { inShape: [7, 30, 26] as Vec3, out: { start: [1, 2, 3] as Vec3, size: [4, 9, 8] as Vec3 }, factors: [1, 2, 2] as const, dtype: "float32" as const },
  ];
  for (const { inShape, out, factors, dtype } of cases) {
    const inRegion = sourceRegionFor(out, [...factors], inShape);
    const input = randomPlane(dtype, inRegion.size[0] * inRegion.size[1] * inRegion.size[2], 9);
    const want = await referenceKernels.reduceBlock(input, inRegion, inShape, out, [...factors], dtype);
    for (const k of backends) {
      const got = await k.reduceBlock(input, inRegion, inShape, out, [...factors], dtype);
      assert.deepEqual(bytes(got), bytes(want), `${k.name} ${dtype} ${inShape}`);
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

test("the B-spline warp and force splat give the reference's bytes on every thread count, serial backend too", async () => {
  for (const shape of SHAPES) {
    const ndim = shape[0] === 1 ? 2 : 3, matrix = mappedMatrix(ndim);
    const lattice = createLattice(shape, [ndim === 3 ? 4 : 1, 5, 6], ndim), c = lattice.coefficients;
    for (let i = 0; i < c.data.length; i++) c.data[i] = Math.cos(i * 0.9) * 2;
    const moving = randomImage(81, shape), dCdW = randomImage(82, shape).data;
    const want = await referenceKernels.latticeWarp(moving, matrix, lattice, shape);
    const wantSplat = await referenceKernels.splatForce(dCdW, want.gradient!, matrix, lattice);
    const wantField = await referenceKernels.evaluateLattice(lattice, shape);
    for (const k of [...backends, serialKernels]) {
      const first = await k.latticeWarp(moving, matrix, lattice, shape);
      sameResample(first, want, `${k.name} ${shape} latticeWarp`);
      // Handed back, the warp's arrays are written again by the next warp (the pool's backends), with the same bytes.
      k.release(first.image.data, first.mask!, first.gradient!.data);
      first.image.data.fill(7);
      const again = await k.latticeWarp(moving, matrix, lattice, shape);
      sameResample(again, want, `${k.name} ${shape} latticeWarp into released arrays`);
      if (k !== serialKernels) assert.equal(again.image.data, first.image.data, `${k.name}: the released samples array is reused`);
      const got = await k.splatForce(dCdW, want.gradient!, matrix, lattice);
      assert.deepEqual(bytes(got.data), bytes(wantSplat.data), `${k.name} ${shape} splatForce`);
      assert.deepEqual(got.shape, wantSplat.shape);
      const field = await k.evaluateLattice(lattice, shape);
      assert.deepEqual(bytes(field.data), bytes(wantField.data), `${k.name} ${shape} evaluateLattice`);
      assert.deepEqual([field.shape, field.ndim], [wantField.shape, wantField.ndim]);
    }
  }
});

test("mean squares over every voxel has the reference's bits on every thread count, masked, and written in place", async () => {
  const shape: Vec3 = [3, 301, 401], n = 3 * 301 * 401;
  const fixed = randomImage(91, shape).data, warped = randomImage(92, shape).data;
  const mask = new Uint8Array(n).map((_, i) => (i % 7 === 3 ? 0 : 1)), roi = new Uint8Array(n).map((_, i) => (i % 5 === 0 ? 0 : 1));
  for (const options of [{}, { movingMask: mask }, { movingMask: mask, fixedMask: roi }]) {
    const want = await referenceKernels.meanSquares(fixed, warped, shape, options);
    for (const k of [...backends, serialKernels]) {
      const got = await k.meanSquares(fixed, warped, shape, options);
      assert.equal(got.value, want.value, `${k.name} value`);
      assert.equal(got.count, want.count, `${k.name} count`);
      assert.deepEqual(bytes(got.gradient), bytes(want.gradient), `${k.name} gradient`);
      // In place over the warped samples (the B-spline stage's use), on a heap array the pool must write through a copy.
      const w = Float32Array.from(warped), inPlace = await k.meanSquares(fixed, w, shape, { ...options, gradientInto: w });
      assert.equal(inPlace.value, want.value, `${k.name} in place: value`);
      assert.equal(inPlace.gradient, w, `${k.name} in place: the given array`);
      assert.deepEqual(bytes(w), bytes(want.gradient), `${k.name} in place: gradient`);
    }
  }
  const none = await backends[1]!.meanSquares(fixed, warped, shape, { movingMask: new Uint8Array(n) });
  assert.deepEqual([none.value, none.count, none.gradient.every((g) => g === 0)], [0, 0, true]);
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
