// composeBand (kernels/compose-fields.ts) in wasm: per block of rows, v and the slices of u its positions reach are
// copied into wasm memory; positions, linear sampling (clamped) and the sum run there. Same bytes as the TS kernel.

import { voxelCount } from "../../core/space.js";
import { composeBand, type ComposeArgs } from "../../kernels/compose-fields.js";
import { reachedSlices } from "./resample-at.js";
import { align16, wasmKernels, wasmScratch, WASM_SCRATCH_START, type WasmKernelExports } from "./wasm-module.js";

/** Output values per block and component. */
const BLOCK_VALUES = 1 << 16;

/** composeBand in wasm; `wasm` from wasmKernels(); `blockValues` sets the block size (tests make it small). */
export function composeBandWasm(wasm: WasmKernelExports, args: ComposeArgs, start: number, end: number, blockValues = BLOCK_VALUES): void {
  const { u, v, shape, ndim, out } = args;
  const [nz, ny, nx] = shape, plane = voxelCount(shape);
  const slowLen = ndim === 3 ? nz : ny, slice = ndim === 3 ? ny * nx : nx, rowsPerSlice = ndim === 3 ? ny : 1;
  const blockRows = Math.max(1, Math.floor(blockValues / nx));
  for (let s = start; s < end; s += blockRows) {
    const e = Math.min(end, s + blockRows), n = (e - s) * nx, from = s * nx;
    const pRange = WASM_SCRATCH_START, pV = pRange + 16, pPos = align16(pV + 4 * ndim * n), pOut = pPos + 8 * ndim * n;
    const pWin = align16(pOut + 4 * n);
    let buffer = wasmScratch(wasm, pWin - WASM_SCRATCH_START);
    const vBlock = new Float32Array(buffer, pV, ndim * n);
    for (let c = 0; c < ndim; c++) vBlock.set(v.subarray(c * plane + from, c * plane + from + n), c * n);
    wasm.composePositions(pV, pPos, s, e - s, ny, nx, ndim);
    wasm.finiteRange(pPos, n, pRange);
    const [lo, hi] = new Float64Array(buffer, pRange, 2);
    const [k0, k1] = reachedSlices(lo!, hi!, slowLen);
    const windowValues = (k1 - k0 + 1) * slice;
    buffer = wasmScratch(wasm, pWin - WASM_SCRATCH_START + 4 * windowValues);
    const pz = ndim === 3 ? pPos : 0, py = pPos + (ndim === 3 ? 8 * n : 0), px = py + 8 * n;
    for (let c = 0; c < ndim; c++) {
      if (windowValues > 0) new Float32Array(buffer, pWin, windowValues).set(u.subarray(c * plane + k0 * slice, c * plane + k0 * slice + windowValues));
      wasm.sampleLinearAt(pWin, k0 * rowsPerSlice, nz, ny, nx, pz, py, px, n, 1, 0, pOut, 0, 0);
      wasm.addTo(pOut, pV + 4 * c * n, n);
      out.set(new Float32Array(buffer, pOut, n), c * plane + from);
    }
  }
}

/** The fastest composeBand this thread has: wasm when kernels.wasm loaded, else the TS kernel. */
export function composeBandFast(args: ComposeArgs, start: number, end: number): void {
  const wasm = wasmKernels();
  if (wasm) composeBandWasm(wasm, args, start, end);
  else composeBand(args, start, end);
}
