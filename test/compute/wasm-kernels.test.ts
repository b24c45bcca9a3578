import assert from "node:assert/strict";
import { test } from "node:test";
import type { Vec3 } from "../../src/core/space.js";
import { referenceKernels } from "../../src/compute/reference-kernels.js";
import { serialKernels } from "../../src/compute/serial-kernels.js";
import { evaluateLatticeBandWasm, evaluateLatticeWasm, splatToLatticeWasm } from "../../src/compute/wasm/bspline-lattice.js";
import { composeBandWasm } from "../../src/compute/wasm/compose-fields.js";
import { localNccWasm } from "../../src/compute/wasm/local-ncc.js";
import { resampleAtBandWasm, resampleMappedBandWasm } from "../../src/compute/wasm/resample-at.js";
import { smoothPassBandWasm } from "../../src/compute/wasm/smooth-pass.js";
import { wasmKernels } from "../../src/compute/wasm/wasm-module.js";
import { gaussianHalfKernel, smoothPassBand, smoothRows } from "../../src/kernels/gaussian-smooth.js";
import { localNcc } from "../../src/metrics/local-ncc.js";
import { checkResampleAt, resampleAtArgs, resampleAtBand } from "../../src/kernels/resample-at.js";
import { rowCount } from "../../src/kernels/types.js";
import { checkResampleMapped, mappedPositions, resampleMapped, resampleMappedArgs, resampleMappedBand } from "../../src/kernels/resample-mapped.js";
import { resampleAt } from "../../src/kernels/resample-at.js";
import { composeBand } from "../../src/kernels/compose-fields.js";
import { createLattice, evaluateLattice, latticeWeights, splatToLattice } from "../../src/kernels/bspline-lattice.js";
import { latticeWarp, splatForce } from "../../src/kernels/bspline-cost.js";
import { heapAllocator } from "../../src/kernels/resample-common.js";
import {
  latticeSplatArgs, latticeSplatBandWasm, latticeWarpArgs, latticeWarpBandWasm, latticeWarpResult, rowsReaching,
} from "../../src/compute/wasm/bspline-cost.js";
import { bytes, randomImage, smoothField } from "../kernels/fixtures.js";

test("kernels.wasm is built and loads (npm run build compiles it; TERAREG_WASM=0 alone turns it off)", () => {
  if (process.env["TERAREG_WASM"] === "0") return;
  assert.ok(wasmKernels(), "dist/src/compute/wasm/kernels.wasm did not load");
  assert.match(serialKernels.name, /wasm/);
});

test("wasm smoothing passes give the reference's bytes: every axis, odd widths, stacked planes, any band and block", () => {
  const wasm = wasmKernels();
  if (!wasm) return;
  const shapes: Vec3[] = [[1, 37, 29], [1, 5, 1], [9, 13, 11], [4, 3, 8], [1, 64, 64]];
  for (const shape of shapes) {
    for (const planes of [1, 3]) {
      const src = randomImage(91 + planes, [shape[0] * planes, shape[1], shape[2]]).data;
      const rows = smoothRows(shape, planes);
      for (const sigma of [0.6, 2, 5]) {
        const weights = Array.from(gaussianHalfKernel(sigma, 4));
        for (const axis of [2, 1, 0] as const) {
          if (axis === 0 && shape[0] === 1) continue;
          const want = new Float32Array(src.length), got = new Float32Array(src.length).fill(7);
          smoothPassBand({ src, dst: want, shape, planes, axis, weights }, 0, rows);
          // Bands that split planes, and blocks of a few rows, as the pool and large images cut them.
          const cuts = [0, Math.floor(rows / 3), Math.floor(rows / 3) + 1, rows];
          for (let i = 0; i + 1 < cuts.length; i++) {
            smoothPassBandWasm(wasm, { src, dst: got, shape, planes, axis, weights }, cuts[i]!, cuts[i + 1]!, 2 * shape[2] + 1);
          }
          assert.deepEqual(bytes(got), bytes(want), `shape ${shape} planes ${planes} σ ${sigma} axis ${axis}`);
        }
      }
    }
  }
});

test("the serial backend smooths images and fields with the reference's bytes", async () => {
  for (const shape of [[1, 40, 33], [7, 12, 10]] as Vec3[]) {
    const img = randomImage(5, shape), field = smoothField(6, shape, 3);
    for (const sigma of [1, [0.5, 3, 1.5]] as (number | Vec3)[]) {
      assert.deepEqual(bytes((await serialKernels.gaussianSmooth(img, sigma)).data), bytes((await referenceKernels.gaussianSmooth(img, sigma)).data));
      assert.deepEqual(bytes((await serialKernels.gaussianSmoothField(field, sigma)).data), bytes((await referenceKernels.gaussianSmoothField(field, sigma)).data));
    }
  }
});

test("wasm local NCC gives the reference's value and gradient bits: 2D and 3D, masks, both gradient modes, flat images", () => {
  const wasm = wasmKernels();
  if (!wasm) return;
  const cases: { shape: Vec3; radius: number | Vec3 }[] = [
    { shape: [1, 37, 29], radius: 2 }, { shape: [1, 6, 40], radius: 4 }, { shape: [9, 13, 11], radius: 1 }, { shape: [5, 8, 7], radius: [2, 1, 3] },
  ];
  for (const { shape, radius } of cases) {
    const n = shape[0] * shape[1] * shape[2];
    const fixed = randomImage(11, shape).data, warped = Float32Array.from(randomImage(12, shape).data, (v, i) => 0.7 * v + 0.3 * fixed[i]!);
    const mask = Uint8Array.from({ length: n }, (_, i) => ((i * 7919) % 10 < 8 ? 1 : 0));
    const flat = new Float32Array(n).fill(3);
    for (const gradientMode of ["exact", "ants"] as const) {
      for (const options of [{ radius, gradientMode }, { radius, gradientMode, movingMask: mask }, { radius, gradientMode, fixedMask: mask, movingMask: mask.map((v) => 1 - v) }]) {
        for (const [f, w] of [[fixed, warped], [flat, warped]] as const) {
          const want = localNcc(f, w, shape, options), got = localNccWasm(wasm, f, w, shape, options);
          const what = `${shape} r ${radius} ${gradientMode} masks ${Object.keys(options).length - 2}`;
          assert.ok(Object.is(got.value, want.value), `${what}: value ${got.value} vs ${want.value}`);
          assert.equal(got.count, want.count, what);
          assert.deepEqual(bytes(got.gradient), bytes(want.gradient), `${what}: gradient`);
        }
      }
    }
  }
});

test("wasm linear resampling at positions gives the reference's samples, mask and gradient: 2D, 3D, both boundaries, NaN and far positions, any block", () => {
  const wasm = wasmKernels();
  if (!wasm) return;
  for (const shape of [[1, 23, 17], [1, 1, 9], [6, 9, 7], [2, 5, 1]] as Vec3[]) {
    const ndim = shape[0] === 1 ? 2 : 3, image = randomImage(21, shape);
    const outShape: Vec3 = [ndim === 3 ? 4 : 1, 7, 11], n = outShape[0] * outShape[1] * outShape[2];
    const field = smoothField(22, outShape, 1);
    for (const Coord of [Float64Array, Float32Array]) {
      const data = new Coord(ndim * n);
      for (let i = 0; i < data.length; i++) {
        const c = Math.floor(i / n), axisLen = shape[3 - ndim + c]!;
        // Positions across the image and half a voxel to 2 voxels beyond it, a few NaN and very far ones.
        data[i] = (((i * 7) % 13) / 12) * (axisLen + 3) - 1.5 + field.data[i % field.data.length]!;
        if (i % 29 === 3) data[i] = NaN;
        if (i % 31 === 5) data[i] = 1e7;
      }
      const coords = { data, shape: outShape, ndim: ndim as 2 | 3 };
      for (const boundary of ["fill", "clamp"] as const) {
        for (const extra of [{}, { mask: true }, { mask: true, gradient: true }, { gradient: true }]) {
          const options = { interpolation: "linear" as const, boundary, fill: -3.3, ...extra };
          const want = resampleAtArgs(image.data, shape, coords, checkResampleAt(image, coords, options));
          resampleAtBand(want, 0, rowCount(outShape));
          for (const block of [1, 2 * outShape[2] + 3, 1 << 16]) {
            const got = resampleAtArgs(image.data, shape, coords, checkResampleAt(image, coords, options));
            const rows = rowCount(outShape), cut = Math.floor(rows / 2);
            resampleAtBandWasm(wasm, got, 0, cut, block);
            resampleAtBandWasm(wasm, got, cut, rows, block);
            const what = `${shape} ${Coord.name} ${boundary} ${JSON.stringify(extra)} block ${block}`;
            assert.deepEqual(bytes(got.out), bytes(want.out), `${what}: samples`);
            assert.deepEqual(got.mask, want.mask, `${what}: mask`);
            assert.deepEqual(got.gradient && bytes(got.gradient), want.gradient && bytes(want.gradient), `${what}: gradient`);
          }
        }
      }
    }
  }
});

test("wasm composition of displacement fields gives the reference's bytes: 2D, 3D, displacements past the border, NaN, any block", () => {
  const wasm = wasmKernels();
  if (!wasm) return;
  for (const shape of [[1, 19, 23], [1, 1, 7], [5, 8, 6]] as Vec3[]) {
    const ndim = shape[0] === 1 ? 2 : 3, u = smoothField(31, shape, 3), v = smoothField(32, shape, 6);
    v.data[5] = NaN;
    const rows = rowCount(shape), want = new Float32Array(u.data.length);
    composeBand({ u: u.data, v: v.data, shape, ndim, out: want }, 0, rows);
    for (const block of [1, 2 * shape[2] + 1, 1 << 16]) {
      const got = new Float32Array(u.data.length).fill(9), cut = Math.floor(rows / 2);
      composeBandWasm(wasm, { u: u.data, v: v.data, shape, ndim, out: got }, 0, cut, block);
      composeBandWasm(wasm, { u: u.data, v: v.data, shape, ndim, out: got }, cut, rows, block);
      assert.deepEqual(bytes(got), bytes(want), `${shape} block ${block}`);
    }
  }
});

test("wasm B-spline lattice evaluation and splatting give the reference's bytes: 2D, 3D, lattices short of the image, any block", () => {
  const wasm = wasmKernels();
  if (!wasm) return;
  const cases: { shape: Vec3; spacing: Vec3; ndim: 2 | 3 }[] = [
    { shape: [1, 37, 29], spacing: [1, 8, 6], ndim: 2 }, { shape: [1, 5, 3], spacing: [1, 2, 7], ndim: 2 }, { shape: [9, 13, 11], spacing: [4, 5, 3], ndim: 3 },
  ];
  for (const { shape, spacing, ndim } of cases) {
    const lattice = createLattice(shape, spacing, ndim), c = lattice.coefficients;
    for (let i = 0; i < c.data.length; i++) c.data[i] = Math.sin(i * 1.7) * 3;
    // A lattice that does not reach the whole image: its knots outside get no weight.
    const short = { ...lattice, origin: [lattice.origin[0] + (ndim === 3 ? 3 : 0), lattice.origin[1] + 9, lattice.origin[2] - 4] as Vec3 };
    const field = smoothField(41, shape, 2);
    for (const l of [lattice, short]) {
      for (const block of [shape[2], 3 * shape[2] * shape[0] + 1, 1 << 18]) {
        const want = bytes(evaluateLattice(l, shape).data);
        assert.deepEqual(bytes(evaluateLatticeWasm(wasm, l, shape, block).data), want, `evaluate ${shape} block ${block}`);
        const banded = { lattice: l, shape, out: new Float32Array(ndim * shape[0] * shape[1] * shape[2]) };
        for (const [s, e] of [[0, 2], [2, 3], [3, shape[1]]]) evaluateLatticeBandWasm(wasm, banded, s!, e!, block);
        assert.deepEqual(bytes(banded.out), want, `evaluate ${shape} block ${block} in three bands`);
        assert.deepEqual(bytes(splatToLatticeWasm(wasm, field, l, block).data), bytes(splatToLattice(field, l).data), `splat ${shape} block ${block}`);
      }
    }
  }
});

test("resampling through B·x + K·u(x) equals resampleAt at mappedPositions, and its wasm band the TS band: 2D, 3D, any block", () => {
  const wasm = wasmKernels();
  for (const [shape, matrix] of [
    [[1, 21, 17], [1, 0, 0, 0, 0, 1.05, 0.2, -3, 0, -0.15, 0.95, 2.5, 0, 0, 0, 1]],
    [[6, 9, 8], [0.9, 0.1, 0, 0.5, 0, 1.1, -0.1, -1, 0.05, 0, 0.97, 1.5, 0, 0, 0, 1]],
  ] as [Vec3, number[]][]) {
    const image = randomImage(51, shape), field = smoothField(52, shape, 4);
    for (const extra of [{ mask: true, gradient: true }, { boundary: "clamp" as const }]) {
      const options = { interpolation: "linear" as const, fill: 1.5, ...extra };
      const want = resampleAt(image, { data: mappedPositions(matrix, field), shape, ndim: field.ndim }, options);
      const got = resampleMapped(image, matrix, field, options);
      assert.deepEqual(bytes(got.image.data), bytes(want.image.data), `${shape}: samples`);
      assert.deepEqual(got.mask, want.mask, `${shape}: mask`);
      assert.deepEqual(got.gradient && bytes(got.gradient.data), want.gradient && bytes(want.gradient.data), `${shape}: gradient`);
      if (!wasm) continue;
      for (const block of [1, 2 * shape[2] + 1, 1 << 16]) {
        const a = resampleMappedArgs(image.data, shape, matrix, field, checkResampleMapped(image, matrix, field, options));
        const rows = rowCount(shape), cut = Math.floor(rows / 3);
        resampleMappedBandWasm(wasm, a, 0, cut, block);
        resampleMappedBandWasm(wasm, a, cut, rows, block);
        const b = resampleMappedArgs(image.data, shape, matrix, field, checkResampleMapped(image, matrix, field, options));
        resampleMappedBand(b, 0, rows);
        assert.deepEqual(bytes(a.out), bytes(b.out), `${shape} block ${block}: wasm samples`);
        assert.deepEqual(a.mask, b.mask, `${shape} block ${block}: wasm mask`);
        assert.deepEqual(a.gradient && bytes(a.gradient), b.gradient && bytes(b.gradient), `${shape} block ${block}: wasm gradient`);
      }
    }
  }
});

test("wasm memory holds blocks, not images: a 4096² image through every wasm kernel (the B-spline warp and splat too) leaves it far below the image size", async () => {
  const wasm = wasmKernels();
  if (!wasm) return;
  const shape: Vec3 = [1, 4096, 4096], n = 4096 * 4096;
  const image = { data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + ((i >> 12) % 7)), shape };
  const field = { data: new Float32Array(2 * n).map((_, i) => 2 * Math.sin(i * 1e-3)), shape, ndim: 2 as const };
  await serialKernels.gaussianSmooth(image, 3);
  await serialKernels.gaussianSmoothField(field, 2);
  const r = await serialKernels.resampleMapped(image, [1, 0, 0, 0, 0, 1, 0.01, 0.5, 0, -0.01, 1, -0.5, 0, 0, 0, 1], field, { gradient: true, mask: true });
  await serialKernels.composeFields(field, field);
  localNccWasm(wasm, image.data, r.image.data, shape, { radius: 2, movingMask: r.mask! });
  const lattice = createLattice(shape, [1, 64, 64], 2);
  splatToLatticeWasm(wasm, evaluateLatticeWasm(wasm, lattice, shape), lattice);
  const warp = await serialKernels.latticeWarp(image, [1, 0, 0, 0, 0, 1, 0.01, 0.5, 0, -0.01, 1, -0.5, 0, 0, 0, 1], lattice, shape);
  await serialKernels.splatForce(warp.image.data, warp.gradient!, [1, 0, 0, 0, 0, 1, 0.01, 0.5, 0, -0.01, 1, -0.5, 0, 0, 0, 1], lattice);
  const bytesHeld = wasm.memory.buffer.byteLength;
  assert.ok(bytesHeld < 32 * 2 ** 20, `wasm memory grew to ${(bytesHeld / 2 ** 20).toFixed(1)} MiB for a ${(4 * n / 2 ** 20).toFixed(0)} MiB image`);
});

test("the B-spline warp and force splat in wasm bands give the reference's bytes: 2D, 3D, any band and block, partly outside", () => {
  const wasm = wasmKernels();
  if (!wasm) return;
  for (const [shape, spacing, matrix] of [
    [[1, 37, 29], [1, 7.5, 6], [1, 0, 0, 0, 0, 1.05, 0.2, -3, 0, -0.15, 0.95, 2.5, 0, 0, 0, 1]],
    [[9, 13, 11], [4, 3.5, 5], [0.9, 0.1, 0, 0.5, 0, 1.1, -0.1, -1, 0.05, 0, 0.97, 1.5, 0, 0, 0, 1]],
  ] as [Vec3, Vec3, number[]][]) {
    const ndim = shape[0] === 1 ? 2 : 3, n = shape[0] * shape[1] * shape[2];
    const lattice = createLattice(shape, spacing, ndim), c = lattice.coefficients;
    for (let i = 0; i < c.data.length; i++) c.data[i] = Math.sin(i * 1.7) * 3; // large enough to leave the image
    const moving = randomImage(61, shape);
    const want = latticeWarp(moving, matrix, lattice, shape);
    assert.ok(want.mask!.includes(0) && want.mask!.includes(1), "the case samples inside and outside the moving image");
    const dCdW = randomImage(62, shape).data.map((v, i) => (i % 7 === 0 ? 0 : v)); // zeros, as outside samples give
    const wantSplat = splatForce(dCdW, want.gradient!, matrix, lattice);
    const ky = c.shape[1];
    for (const block of [1, 2 * shape[2] + 1, 1 << 16]) {
      const a = latticeWarpArgs(moving, matrix, lattice, shape, heapAllocator);
      for (const [s, e] of [[0, 4], [4, 5], [5, shape[1]]]) latticeWarpBandWasm(wasm, a, s!, e!, block);
      const got = latticeWarpResult(a);
      assert.deepEqual(bytes(got.image.data), bytes(want.image.data), `${shape} block ${block}: samples`);
      assert.deepEqual(got.mask, want.mask, `${shape} block ${block}: mask`);
      assert.deepEqual(bytes(got.gradient!.data), bytes(want.gradient!.data), `${shape} block ${block}: gradient`);
      const sa = latticeSplatArgs(dCdW, want.gradient!, matrix, lattice, heapAllocator);
      for (const [s, e] of [[0, 1], [1, 3], [3, ky]]) latticeSplatBandWasm(wasm, sa, s!, e!, block);
      assert.deepEqual(bytes(sa.out), bytes(wantSplat.data), `${shape} block ${block}: splat`);
    }
    assert.equal(n, dCdW.length);
  }
});

test("rowsReaching: the fixed rows whose taps touch a band of knot rows", () => {
  const lattice = createLattice([1, 40, 8], [1, 6, 4], 2), [, ty] = latticeWeights(lattice, [1, 40, 8]);
  const ky = lattice.coefficients.shape[1];
  for (let k0 = 0; k0 < ky; k0++) {
    for (let k1 = k0 + 1; k1 <= ky; k1++) {
      const [lo, hi] = rowsReaching(ty, k0, k1);
      for (let y = 0; y < 40; y++) {
        const touches = ty.first[y]! + ty.taps - 1 >= k0 && ty.first[y]! < k1;
        assert.equal(y >= lo && y < hi, touches, `knots [${k0}, ${k1}) row ${y}`);
      }
    }
  }
});
