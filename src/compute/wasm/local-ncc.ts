// Local NCC (metrics/local-ncc.ts) with its slab loop in wasm: the caller's images are fed in slab by slab (rows of
// a 2D image, planes of a volume), so wasm memory holds a few slabs, never an image. Same value and gradient bits.

import type { Vec3 } from "../../core/space.js";
import { localNcc, localNccSetup, type LocalNccOptions } from "../../metrics/local-ncc.js";
import type { MetricResult } from "../../metrics/metric.js";
import { wasmKernels, wasmScratch, WASM_SCRATCH_START, type WasmKernelExports } from "./wasm-module.js";

/** localNcc with the slab loop in wasm; `wasm` from wasmKernels(). */
export function localNccWasm(wasm: WasmKernelExports, fixed: Float32Array, warped: Float32Array, shape: Vec3, options: LocalNccOptions): MetricResult {
  const setup = localNccSetup(fixed, warped, shape, options);
  const { radius, mode, counted, gradient, g } = setup;
  if (g.count === 0) return { value: 0, gradient, count: 0 };
  const [nz, ny, nx] = shape;
  const volume = nz > 1, length = volume ? nz : ny, r = volume ? radius[0] : radius[1], size = volume ? ny * nx : nx;
  const buffer = wasmScratch(wasm, wasm.nccScratchBytes(nz, ny, nx, radius[0], radius[1]));
  wasm.nccBegin(counted ? 1 : 0, nz, ny, nx, radius[0], radius[1], radius[2], mode === "exact" ? 1 : 0,
    g.meanF, g.meanW, setup.floorF, setup.floorW, -1 / g.count, WASM_SCRATCH_START);
  const out = new Float32Array(buffer, wasm.nccGradientSlab(), size);
  const take = (slab: number) => {
    if (slab >= 0) gradient.set(out, slab * size);
  };
  for (let t = 0; t < length + r; t++) {
    if (t < length) {
      const from = t * size, to = from + size;
      new Float32Array(buffer, wasm.nccFixedSlab(t), size).set(fixed.subarray(from, to));
      new Float32Array(buffer, wasm.nccWarpedSlab(t), size).set(warped.subarray(from, to));
      if (counted) new Uint8Array(buffer, wasm.nccCountedSlab(t), size).set(counted.subarray(from, to));
    }
    take(wasm.nccStep(t));
  }
  if (mode === "exact") for (let t = length; t < length + r; t++) take(wasm.nccTail(t));
  return { value: -wasm.nccSum() / g.count, gradient, count: g.count };
}

/** The fastest localNcc this thread has: wasm when kernels.wasm loaded, else the TS reference. */
export function localNccFast(fixed: Float32Array, warped: Float32Array, shape: Vec3, options: LocalNccOptions): MetricResult {
  const wasm = wasmKernels();
  return wasm ? localNccWasm(wasm, fixed, warped, shape, options) : localNcc(fixed, warped, shape, options);
}
