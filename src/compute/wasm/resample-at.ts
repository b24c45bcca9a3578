// Linear resampling at positions in wasm: resampleAt's band (positions given) and resampleMapped's band (positions
// B·x + K·u(x) computed in wasm). Per block of output rows, the positions and only the planes × rows of the source they
// reach are in wasm memory; samples, mask and gradient are copied out. Same bytes as the TS kernels.

import { voxelCount, type Vec3 } from "../../core/space.js";
import { resampleAtBand, type ResampleAtArgs } from "../../kernels/resample-at.js";
import type { SampleArgs } from "../../kernels/resample-common.js";
import { resampleMappedBand, type ResampleMappedArgs } from "../../kernels/resample-mapped.js";
import { imageNdim } from "../../kernels/types.js";
import { align16, wasmKernels, wasmScratch, WASM_SCRATCH_START, type WasmKernelExports } from "./wasm-module.js";

/** Output values per block. */
const BLOCK_VALUES = 1 << 16;

/**
 * Source slices [k0, k1] along an axis of `len` that hold every tap of every inside position whose coordinate on that
 * axis lies in [lo, hi] (the lower tap ⌊c⌋ clamped to [0, len − 2] as locateLinear does, and the one above it);
 * k1 < k0 when lo > hi (no finite position).
 */
export function reachedSlices(lo: number, hi: number, len: number): [number, number] {
  if (!(lo <= hi)) return [0, -1];
  const top = Math.max(0, len - 2), tap = (v: number) => Math.min(Math.max(Math.floor(v), 0), top);
  return [tap(lo), Math.min(len - 1, tap(hi) + 1)];
}

/** The part of a source image a block of positions reaches: planes [z0, z0 + planes) (2D: plane 0), rows [y0, y0 + wy) in each. */
export interface SourceWindow {
  z0: number;
  planes: number;
  y0: number;
  wy: number;
}

/** The window the positions at `pCoords` (ndim float64 planes of n values, [z,] y, x) reach in an image of `shape`. */
export function reachedWindow(wasm: WasmKernelExports, shape: Vec3, pCoords: number, n: number, pRange: number): SourceWindow {
  const [nz, ny] = shape, is3d = nz > 1;
  const reached = (p: number, len: number): [number, number] => {
    wasm.finiteRange(p, n, pRange);
    const [lo, hi] = new Float64Array(wasm.memory.buffer, pRange, 2);
    return reachedSlices(lo!, hi!, len);
  };
  const [z0, z1] = is3d ? reached(pCoords, nz) : [0, 0];
  const [y0, y1] = reached(pCoords + (is3d ? 8 * n : 0), ny);
  return { z0, planes: Math.max(0, z1 - z0 + 1), y0, wy: Math.max(0, y1 - y0 + 1) };
}

/** Bytes of a window of `w` over rows of `nx` float32. */
export function windowBytes(w: SourceWindow, nx: number): number {
  return 4 * w.planes * w.wy * nx;
}

/** Copies window `w` of `source` (an image of `shape`) to `pWin` in wasm memory, growing it as needed. */
export function copyWindow(wasm: WasmKernelExports, source: Float32Array, shape: Vec3, w: SourceWindow, pWin: number): void {
  const [, ny, nx] = shape, rowValues = w.wy * nx;
  const buffer = wasmScratch(wasm, pWin - WASM_SCRATCH_START + windowBytes(w, nx));
  for (let k = 0; k < w.planes && rowValues > 0; k++) {
    const from = ((w.z0 + k) * ny + w.y0) * nx;
    new Float32Array(buffer, pWin + 4 * k * rowValues, rowValues).set(source.subarray(from, from + rowValues));
  }
}

/**
 * Output rows [start, end) of `args` (linear interpolation), in blocks of rows. `place` writes the positions of
 * output values [from, from + n) as ndim float64 planes of n values at `at` in wasm memory (growing it is allowed).
 */
function sampleBlocks(
  wasm: WasmKernelExports, args: SampleArgs, start: number, end: number, blockValues: number,
  place: (at: number, from: number, n: number, firstRow: number, rows: number) => void,
): void {
  const { source, sourceShape, outShape, out, mask, gradient, fill } = args;
  const [nz, ny, nx] = sourceShape, ndim = imageNdim(sourceShape);
  const rowLen = outShape[2], plane = voxelCount(outShape);
  const blockRows = Math.max(1, Math.floor(blockValues / rowLen));
  for (let s = start; s < end; s += blockRows) {
    const e = Math.min(end, s + blockRows), n = (e - s) * rowLen, from = s * rowLen;
    const pRange = WASM_SCRATCH_START, pCoords = pRange + 16, pOut = pCoords + 8 * ndim * n;
    const pMask = align16(pOut + 4 * n), pGrad = align16(pMask + n), pWin = align16(pGrad + (gradient ? 4 * ndim * n : 0));
    wasmScratch(wasm, pWin - WASM_SCRATCH_START);
    place(pCoords, from, n, s, e - s);
    const w = reachedWindow(wasm, sourceShape, pCoords, n, pRange);
    copyWindow(wasm, source, sourceShape, w, pWin);
    const buffer = wasm.memory.buffer;
    const pz = ndim === 3 ? pCoords : 0, py = pCoords + (ndim === 3 ? 8 * n : 0), px = py + 8 * n;
    wasm.sampleLinearAt(pWin, w.z0, w.y0, w.wy, nz, ny, nx, pz, py, px, n, args.boundary === "clamp" ? 1 : 0, fill,
      pOut, mask ? pMask : 0, gradient ? pGrad : 0);
    out.set(new Float32Array(buffer, pOut, n), from);
    if (mask) mask.set(new Uint8Array(buffer, pMask, n), from);
    if (gradient) for (let c = 0; c < ndim; c++) gradient.set(new Float32Array(buffer, pGrad + 4 * c * n, n), c * plane + from);
  }
}

/**
 * resampleAtBand in wasm when the interpolation is linear (the TS kernel otherwise); `wasm` from wasmKernels();
 * `blockValues` sets the block size (tests make it small). Same bytes as the TS kernel.
 */
export function resampleAtBandWasm(wasm: WasmKernelExports, args: ResampleAtArgs, start: number, end: number, blockValues = BLOCK_VALUES): void {
  if (args.interpolation !== "linear") return resampleAtBand(args, start, end);
  const ndim = imageNdim(args.sourceShape), plane = voxelCount(args.outShape);
  sampleBlocks(wasm, args, start, end, blockValues, (at, from, n) => {
    const c64 = new Float64Array(wasm.memory.buffer, at, ndim * n);
    for (let c = 0; c < ndim; c++) c64.set(args.coords.subarray(c * plane + from, c * plane + from + n), c * n);
  });
}

/** resampleMappedBand in wasm when the interpolation is linear (the TS kernel otherwise). Same bytes. */
export function resampleMappedBandWasm(wasm: WasmKernelExports, args: ResampleMappedArgs, start: number, end: number, blockValues = BLOCK_VALUES): void {
  if (args.interpolation !== "linear") return resampleMappedBand(args, start, end);
  const ndim = imageNdim(args.sourceShape), plane = voxelCount(args.outShape), [, ny, nx] = args.outShape;
  sampleBlocks(wasm, args, start, end, blockValues, (at, from, n, firstRow, rows) => {
    // The block's u and the matrix go after the positions' place, in the scratch the window will reuse.
    const pU = align16(at + 8 * ndim * n + 4 * n + n + 4 * ndim * n + 64), pB = align16(pU + 4 * ndim * n);
    const buffer = wasmScratch(wasm, pB + 128 - WASM_SCRATCH_START);
    const u = new Float32Array(buffer, pU, ndim * n);
    for (let c = 0; c < ndim; c++) u.set(args.field.subarray(c * plane + from, c * plane + from + n), c * n);
    new Float64Array(buffer, pB, 16).set(args.matrix);
    wasm.mappedPositions(pU, at, pB, firstRow, rows, ny, nx, ndim);
  });
}

/** The fastest resampleAtBand this thread has: wasm when kernels.wasm loaded, else the TS kernel. */
export function resampleAtBandFast(args: ResampleAtArgs, start: number, end: number): void {
  const wasm = wasmKernels();
  if (wasm) resampleAtBandWasm(wasm, args, start, end);
  else resampleAtBand(args, start, end);
}

/** The fastest resampleMappedBand this thread has. */
export function resampleMappedBandFast(args: ResampleMappedArgs, start: number, end: number): void {
  const wasm = wasmKernels();
  if (wasm) resampleMappedBandWasm(wasm, args, start, end);
  else resampleMappedBand(args, start, end);
}
