// Loads kernels.wasm (compiled from assembly/ by `npm run build`) once per thread and lends its linear memory as
// scratch: a caller copies its inputs in, runs an export, and copies the outputs out. Nothing stays in it between calls.

import { readFileSync } from "node:fs";

/** The part of a WebAssembly.Memory used here (the ES2022 lib and @types/node 20 do not declare WebAssembly). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

const wasmApi = (globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => { exports: object } };
}).WebAssembly;

/** The exports of kernels.wasm; pointers are byte offsets into `memory`. */
export interface WasmKernelExports {
  memory: WasmMemory;
  smoothX(src: number, dst: number, pad: number, w: number, radius: number, rows: number, nx: number): void;
  smoothStrided(win: number, winStart: number, dst: number, acc: number, w: number, radius: number, start: number, end: number, nz: number, ny: number, nx: number, axis: number): void;
  nccScratchBytes(nz: number, ny: number, nx: number, rz: number, ry: number): number;
  nccBegin(masked: number, nz: number, ny: number, nx: number, rz: number, ry: number, rx: number, exact: number, meanF: number, meanW: number, floorF: number, floorW: number, scale: number, scratch: number): void;
  nccFixedSlab(t: number): number;
  nccWarpedSlab(t: number): number;
  nccCountedSlab(t: number): number;
  nccGradientSlab(): number;
  nccStep(t: number): number;
  nccTail(t: number): number;
  nccSum(): number;
  finiteRange(p: number, n: number, out: number): void;
  composePositions(v: number, pos: number, start: number, rows: number, ny: number, nx: number, ndim: number): void;
  composeLinearAt(win: number, compBytes: number, winZ: number, winY: number, wy: number, nz: number, ny: number, nx: number, cz: number, cy: number, cx: number, n: number, ndim: number, v: number, out: number): void;
  mappedPositions(u: number, pos: number, b: number, start: number, rows: number, ny: number, nx: number, ndim: number): void;
  latticeRows(coef: number, kzky: number, kx: number, nx: number, xFirst: number, xW: number, taps: number, rows: number): void;
  latticeEvaluateBlock(rows: number, kz: number, ky: number, nx: number, y0: number, y1: number, yFirst: number, yW: number, tapsY: number, planes: number, nz: number, zFirst: number, zW: number, tapsZ: number, out: number): void;
  latticeSplatBlock(src: number, nz: number, nx: number, y0: number, y1: number, zFirst: number, zW: number, tapsZ: number, planes: number, kz: number, ky: number, yFirst: number, yW: number, tapsY: number, rows: number): void;
  latticeSplatX(rows: number, kzky: number, kx: number, nx: number, xFirst: number, xW: number, taps: number, coef: number): void;
  latticePositions(u: number, pos: number, b: number, nz: number, y0: number, by: number, nx: number, ndim: number): void;
  projectBlock(dw: number, g: number, n: number, ndim: number, k0: number, k1: number, k2: number, out: number): void;
  sampleLinearAt(win: number, winZ: number, winY: number, wy: number, nz: number, ny: number, nx: number, cz: number, cy: number, cx: number, n: number, clamp: number, fill: number, out: number, mask: number, grad: number): void;
}

/** Scratch starts at the second page: the first holds the module's static data. */
export const WASM_SCRATCH_START = 65536;
const PAGE = 65536;

let loaded: WasmKernelExports | null | undefined;

/**
 * The wasm kernels of this thread, instantiated on first use; null when they are switched off (TERAREG_WASM=0) or
 * kernels.wasm is missing (a build by `tsc` alone), in which case callers run the TS reference kernels.
 */
export function wasmKernels(): WasmKernelExports | null {
  if (loaded === undefined) loaded = process.env["TERAREG_WASM"] === "0" ? null : load();
  return loaded;
}

/** wasmKernels() for band kernels that are wasm only, which the pool dispatches only where kernels.wasm loaded. */
export function requireWasmKernels(): WasmKernelExports {
  const wasm = wasmKernels();
  if (!wasm) throw new Error("this band kernel needs kernels.wasm (npm run build); the reference path runs without it");
  return wasm;
}

function load(): WasmKernelExports | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(new URL("./kernels.wasm", import.meta.url));
  } catch {
    return null;
  }
  return new wasmApi.Instance(new wasmApi.Module(bytes), {}).exports as WasmKernelExports;
}

/** Grows `wasm`'s memory to hold `bytes` of scratch from WASM_SCRATCH_START; returns the (possibly new) buffer. */
export function wasmScratch(wasm: WasmKernelExports, bytes: number): ArrayBuffer {
  const need = WASM_SCRATCH_START + bytes, have = wasm.memory.buffer.byteLength;
  if (need > have) wasm.memory.grow(Math.ceil((need - have) / PAGE));
  return wasm.memory.buffer;
}

/** Rounds a byte offset up to 16 (v128 loads need no alignment, but aligned ones are faster). */
export function align16(bytes: number): number {
  return (bytes + 15) & ~15;
}
