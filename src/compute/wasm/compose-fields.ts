// composeBand (kernels/compose-fields.ts) in wasm: per block of rows, v and the window of u its positions reach are
// copied into wasm memory; positions, one location per position, the clamped linear gathers of every component of u
// and the sums run there. Same bytes as the TS kernel.

import { voxelCount } from "../../core/space.js";
import { composeBand, type ComposeArgs } from "../../kernels/compose-fields.js";
import { copyWindow, reachedWindow, windowBytes } from "./resample-at.js";
import { align16, wasmKernels, wasmScratch, WASM_SCRATCH_START, type WasmKernelExports } from "./wasm-module.js";

/** Output values per block and component. */
const BLOCK_VALUES = 1 << 16;

/** composeBand in wasm; `wasm` from wasmKernels(); `blockValues` sets the block size (tests make it small). */
export function composeBandWasm(wasm: WasmKernelExports, args: ComposeArgs, start: number, end: number, blockValues = BLOCK_VALUES): void {
  const { u, v, shape, ndim, out } = args;
  const [nz, ny, nx] = shape, plane = voxelCount(shape);
  const blockRows = Math.max(1, Math.floor(blockValues / nx));
  for (let s = start; s < end; s += blockRows) {
    const e = Math.min(end, s + blockRows), n = (e - s) * nx, from = s * nx;
    const pRange = WASM_SCRATCH_START, pV = pRange + 16, pPos = align16(pV + 4 * ndim * n), pOut = pPos + 8 * ndim * n;
    const pWin = align16(pOut + 4 * ndim * n);
    const vBlock = new Float32Array(wasmScratch(wasm, pWin - WASM_SCRATCH_START), pV, ndim * n);
    for (let c = 0; c < ndim; c++) vBlock.set(v.subarray(c * plane + from, c * plane + from + n), c * n);
    wasm.composePositions(pV, pPos, s, e - s, ny, nx, ndim);
    const pz = ndim === 3 ? pPos : 0, py = pPos + (ndim === 3 ? 8 * n : 0), px = py + 8 * n;
    // Clamped boundary: positions are clamped to the grid, so the window holds every tap (reachedWindow's rule).
    // One window per component of u, side by side; each position is located once for all of them.
    const w = reachedWindow(wasm, shape, pPos, n, pRange), compBytes = align16(windowBytes(w, nx));
    for (let c = 0; c < ndim; c++) copyWindow(wasm, u.subarray(c * plane, (c + 1) * plane), shape, w, pWin + c * compBytes);
    wasm.composeLinearAt(pWin, compBytes, w.z0, w.y0, w.wy, nz, ny, nx, pz, py, px, n, ndim, pV, pOut);
    const result = new Float32Array(wasm.memory.buffer, pOut, ndim * n);
    for (let c = 0; c < ndim; c++) out.set(result.subarray(c * n, (c + 1) * n), c * plane + from);
  }
}

/** The fastest composeBand this thread has: wasm when kernels.wasm loaded, else the TS kernel. */
export function composeBandFast(args: ComposeArgs, start: number, end: number): void {
  const wasm = wasmKernels();
  if (wasm) composeBandWasm(wasm, args, start, end);
  else composeBand(args, start, end);
}
