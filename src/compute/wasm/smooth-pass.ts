// One Gaussian smoothing pass over a band of rows in wasm SIMD, with the contract and the bytes of smoothPassBand
// (kernels/gaussian-smooth.ts): the band's source rows are copied into wasm memory in blocks, smoothed, copied out.

import { smoothPassBand, type SmoothPassArgs } from "../../kernels/gaussian-smooth.js";
import { align16, wasmKernels, wasmScratch, WASM_SCRATCH_START, type WasmKernelExports } from "./wasm-module.js";

/** Output values per block: a few MB of scratch, whatever the image. */
const BLOCK_VALUES = 1 << 20;

/** smoothPassBand in wasm; `wasm` from wasmKernels(); `blockValues` sets the block size (tests make it small). */
export function smoothPassBandWasm(wasm: WasmKernelExports, args: SmoothPassArgs, start: number, end: number, blockValues = BLOCK_VALUES): void {
  const { src, dst, shape, planes, axis, weights } = args;
  const [nz, ny, nx] = shape, radius = weights.length - 1, total = planes * nz * ny;
  // Rows between a row and its farthest neighbour along the pass axis; a block reads its rows ± this much.
  const reach = axis === 2 ? 0 : radius * (axis === 1 ? 1 : ny);
  const blockRows = Math.max(1, Math.floor(blockValues / nx), 2 * reach);
  const wBytes = align16(8 * (radius + 1)), scratchBytes = align16(8 * (nx + 2 * radius));
  for (let s = start; s < end; s += blockRows) {
    const e = Math.min(end, s + blockRows);
    const w0 = Math.max(0, s - reach), w1 = Math.min(total, e + reach);
    const pW = WASM_SCRATCH_START, pScratch = pW + wBytes, pWin = pScratch + scratchBytes;
    const pOut = pWin + align16(4 * (w1 - w0) * nx);
    const buffer = wasmScratch(wasm, pOut - WASM_SCRATCH_START + 4 * (e - s) * nx);
    new Float64Array(buffer, pW, radius + 1).set(weights);
    new Float32Array(buffer, pWin, (w1 - w0) * nx).set(src.subarray(w0 * nx, w1 * nx));
    if (axis === 2) wasm.smoothX(pWin, pOut, pScratch, pW, radius, e - s, nx);
    else wasm.smoothStrided(pWin, w0, pOut, pScratch, pW, radius, s, e, nz, ny, nx, axis);
    dst.set(new Float32Array(buffer, pOut, (e - s) * nx), s * nx);
  }
}

/** The fastest smoothPassBand this thread has: wasm when kernels.wasm loaded, else the TS reference. */
export function smoothPassBandFast(args: SmoothPassArgs, start: number, end: number): void {
  const wasm = wasmKernels();
  if (wasm) smoothPassBandWasm(wasm, args, start, end);
  else smoothPassBand(args, start, end);
}
