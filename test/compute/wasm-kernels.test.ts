import assert from "node:assert/strict";
import { test } from "node:test";
import type { Vec3 } from "../../src/core/space.js";
import { referenceKernels } from "../../src/compute/reference-kernels.js";
import { serialKernels } from "../../src/compute/serial-kernels.js";
import { localNccWasm } from "../../src/compute/wasm/local-ncc.js";
import { smoothPassBandWasm } from "../../src/compute/wasm/smooth-pass.js";
import { wasmKernels } from "../../src/compute/wasm/wasm-module.js";
import { gaussianHalfKernel, smoothPassBand, smoothRows } from "../../src/kernels/gaussian-smooth.js";
import { localNcc } from "../../src/metrics/local-ncc.js";
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
