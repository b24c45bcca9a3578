// resampleAt's band (kernels/resample-at.ts) in wasm for linear interpolation: per block of output rows, the
// positions and only the source rows they reach are copied into wasm memory, sampled, and the results copied out.

import { voxelCount } from "../../core/space.js";
import { resampleAtBand, type ResampleAtArgs } from "../../kernels/resample-at.js";
import { imageNdim } from "../../kernels/types.js";
import { align16, wasmKernels, wasmScratch, WASM_SCRATCH_START, type WasmKernelExports } from "./wasm-module.js";

/** Output values per block. */
const BLOCK_VALUES = 1 << 16;

/**
 * resampleAtBand in wasm when the interpolation is linear (the TS kernel otherwise); `wasm` from wasmKernels();
 * `blockValues` sets the block size (tests make it small). Same bytes as the TS kernel.
 */
export function resampleAtBandWasm(wasm: WasmKernelExports, args: ResampleAtArgs, start: number, end: number, blockValues = BLOCK_VALUES): void {
  if (args.interpolation !== "linear") return resampleAtBand(args, start, end);
  const { source, sourceShape, coords, outShape, out, mask, gradient, fill } = args;
  const [nz, ny, nx] = sourceShape, ndim = imageNdim(sourceShape);
  const rowLen = outShape[2], plane = voxelCount(outShape);
  // The slowest axis of the image (z of a volume, y of a 2D image): a block reads a run of its slices.
  const slowLen = ndim === 3 ? nz : ny, slice = ndim === 3 ? ny * nx : nx, rowsPerSlice = ndim === 3 ? ny : 1;
  const blockRows = Math.max(1, Math.floor(blockValues / rowLen));
  for (let s = start; s < end; s += blockRows) {
    const e = Math.min(end, s + blockRows), n = (e - s) * rowLen, from = s * rowLen;
    const pRange = WASM_SCRATCH_START, pCoords = pRange + 16, pOut = pCoords + 8 * ndim * n;
    const pMask = align16(pOut + 4 * n), pGrad = align16(pMask + n), pWin = pGrad + (gradient ? 4 * ndim * n : 0);
    let buffer = wasmScratch(wasm, pWin - WASM_SCRATCH_START);
    const c64 = new Float64Array(buffer, pCoords, ndim * n);
    for (let c = 0; c < ndim; c++) c64.set(coords.subarray(c * plane + from, c * plane + from + n), c * n);
    // Source slices [k0, k1] hold every tap of every inside position (floor, clamped as locateLinear does, and + 1).
    wasm.finiteRange(pCoords, n, pRange);
    const [lo, hi] = new Float64Array(buffer, pRange, 2);
    const top = Math.max(0, slowLen - 2), tap = (v: number) => Math.min(Math.max(Math.floor(v), 0), top);
    const k0 = lo! <= hi! ? tap(lo!) : 0, k1 = lo! <= hi! ? Math.min(slowLen - 1, tap(hi!) + 1) : -1;
    const windowValues = (k1 - k0 + 1) * slice;
    buffer = wasmScratch(wasm, pWin - WASM_SCRATCH_START + 4 * windowValues);
    if (windowValues > 0) new Float32Array(buffer, pWin, windowValues).set(source.subarray(k0 * slice, k0 * slice + windowValues));
    const pz = ndim === 3 ? pCoords : 0, py = pCoords + (ndim === 3 ? 8 * n : 0), px = py + 8 * n;
    wasm.sampleLinearAt(pWin, k0 * rowsPerSlice, nz, ny, nx, pz, py, px, n, args.boundary === "clamp" ? 1 : 0, fill,
      pOut, mask ? pMask : 0, gradient ? pGrad : 0);
    out.set(new Float32Array(buffer, pOut, n), from);
    if (mask) mask.set(new Uint8Array(buffer, pMask, n), from);
    if (gradient) for (let c = 0; c < ndim; c++) gradient.set(new Float32Array(buffer, pGrad + 4 * c * n, n), c * plane + from);
  }
}

/** The fastest resampleAtBand this thread has: wasm when kernels.wasm loaded, else the TS kernel. */
export function resampleAtBandFast(args: ResampleAtArgs, start: number, end: number): void {
  const wasm = wasmKernels();
  if (wasm) resampleAtBandWasm(wasm, args, start, end);
  else resampleAtBand(args, start, end);
}
