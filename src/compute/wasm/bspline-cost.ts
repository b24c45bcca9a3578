// kernels/bspline-cost.ts as band kernels in wasm, with no image-sized intermediate: the warp evaluates the lattice,
// places the positions and samples block by block; the splat projects the force and splats it block by block.

import { OptionError } from "../../core/errors.js";
import { voxelCount, type Vec3 } from "../../core/space.js";
import {
  checkEvaluateLattice, checkSplatToLattice, latticeWeights, type AxisWeights, type BSplineLattice,
} from "../../kernels/bspline-lattice.js";
import type { Allocator, ResampleResult } from "../../kernels/resample-common.js";
import { checkIndexMatrix } from "../../kernels/resample-mapped.js";
import { checkField, checkImage, imageNdim, type Field, type Image } from "../../kernels/types.js";
import { align16, requireWasmKernels, wasmScratch, WASM_SCRATCH_START, type WasmKernelExports } from "./wasm-module.js";
import { copyWindow, reachedWindow } from "./resample-at.js";

/** Image values per block (per buffer). */
const BLOCK_VALUES = 1 << 16;

/** Band arguments of the warp: units are rows y of the fixed grid, each across every plane z. */
export interface LatticeWarpArgs {
  lattice: BSplineLattice;
  /** The fixed grid [z, y, x]. */
  shape: Vec3;
  /** B, fixed index → moving index, 16 values row-major. */
  matrix: number[];
  source: Float32Array;
  sourceShape: Vec3;
  /** Outputs over `shape`: samples, inside mask, moving gradient (ndim planes). */
  out: Float32Array;
  mask: Uint8Array;
  gradient: Float32Array;
}

/** Band arguments of the splat: units are knot rows k_y of the lattice, each across every knot plane. */
export interface LatticeSplatArgs {
  lattice: BSplineLattice;
  shape: Vec3;
  matrix: number[];
  /** ∂C/∂W over `shape`. */
  dCdW: Float32Array;
  /** The warp's moving gradient, ndim planes over `shape`. */
  gradient: Float32Array;
  /** Output: ndim planes over the knots. */
  out: Float32Array;
}

interface Table {
  first: number;
  weights: number;
  taps: number;
}

/** Copies the three axis tables to wasm memory from `p` (tablesBytes of room); returns where they are. */
function placeTables(buffer: ArrayBuffer, weights: AxisWeights[], p: number): [Table, Table, Table] {
  return weights.map((w) => {
    const first = p, wts = align16(first + 4 * w.first.length);
    p = align16(wts + 8 * w.weights.length);
    new Int32Array(buffer, first, w.first.length).set(w.first);
    new Float64Array(buffer, wts, w.weights.length).set(w.weights);
    return { first, weights: wts, taps: w.taps };
  }) as [Table, Table, Table];
}

/** Bytes the tables of `weights` take (placeTables' layout). */
function tablesBytes(weights: AxisWeights[]): number {
  return weights.reduce((s, w) => s + align16(4 * w.first.length) + align16(8 * w.weights.length), 0);
}

/** Rows per block: at most `blockValues` image values per plane set, at least 1. */
function blockRowsOf(nz: number, kz: number, nx: number, blockValues: number): number {
  return Math.max(1, Math.floor(blockValues / (Math.max(nz, kz) * nx)));
}

/**
 * Fixed rows [start, end) of the warp: per block of rows, u from the lattice (latticeEvaluateBlock), the positions,
 * the moving window they reach, and the linear samples with mask and gradient. Same bytes as latticeWarp.
 */
export function latticeWarpBandWasm(wasm: WasmKernelExports, args: LatticeWarpArgs, start: number, end: number, blockValues = BLOCK_VALUES): void {
  const { lattice, shape, source, sourceShape, out, mask, gradient } = args;
  const c = lattice.coefficients, nd = c.ndim, [kz, ky, kx] = c.shape, [nz, ny, nx] = shape;
  const nKnots = voxelCount(c.shape), plane = ny * nx, total = voxelCount(shape);
  const weights = latticeWeights(lattice, shape);
  const blockRows = Math.min(Math.max(1, end - start), blockRowsOf(nz, kz, nx, blockValues)), nBlock = nz * blockRows * nx;
  const pTables = WASM_SCRATCH_START, pCoef = align16(pTables + tablesBytes(weights));
  const pRows = align16(pCoef + 4 * nKnots), pPlanes = align16(pRows + 8 * nd * kz * ky * nx);
  const pU = align16(pPlanes + 8 * kz * blockRows * nx), pB = align16(pU + 4 * nd * nBlock), pRange = pB + 128;
  const pPos = align16(pRange + 16), pOut = align16(pPos + 8 * nd * nBlock), pMask = align16(pOut + 4 * nBlock);
  const pGrad = align16(pMask + nBlock), pWin = align16(pGrad + 4 * nd * nBlock);
  let buffer = wasmScratch(wasm, pWin - WASM_SCRATCH_START);
  const [tz, ty, tx] = placeTables(buffer, weights, pTables);
  new Float64Array(buffer, pB, 16).set(args.matrix);
  const rowsBytes = 8 * kz * ky * nx;
  for (let comp = 0; comp < nd; comp++) {
    new Float32Array(buffer, pCoef, nKnots).set(c.data.subarray(comp * nKnots, (comp + 1) * nKnots));
    wasm.latticeRows(pCoef, kz * ky, kx, nx, tx.first, tx.weights, tx.taps, pRows + comp * rowsBytes);
  }
  const [snz, sny, snx] = sourceShape;
  for (let y0 = start; y0 < end; y0 += blockRows) {
    const y1 = Math.min(end, y0 + blockRows), by = y1 - y0, n = nz * by * nx;
    for (let comp = 0; comp < nd; comp++) {
      wasm.latticeEvaluateBlock(pRows + comp * rowsBytes, kz, ky, nx, y0, y1, ty.first, ty.weights, ty.taps, pPlanes, nz,
        tz.first, tz.weights, tz.taps, pU + 4 * comp * n);
    }
    wasm.latticePositions(pU, pPos, pB, nz, y0, by, nx, nd);
    const w = reachedWindow(wasm, sourceShape, pPos, n, pRange);
    copyWindow(wasm, source, sourceShape, w, pWin);
    const pz = nd === 3 ? pPos : 0, py = pPos + (nd === 3 ? 8 * n : 0), px = py + 8 * n;
    wasm.sampleLinearAt(pWin, w.z0, w.y0, w.wy, snz, sny, snx, pz, py, px, n, 0, 0, pOut, pMask, pGrad);
    buffer = wasm.memory.buffer;
    const rowValues = by * nx;
    for (let z = 0; z < nz; z++) {
      const to = z * plane + y0 * nx, from = z * rowValues;
      out.set(new Float32Array(buffer, pOut + 4 * from, rowValues), to);
      mask.set(new Uint8Array(buffer, pMask + from, rowValues), to);
      for (let a = 0; a < nd; a++) gradient.set(new Float32Array(buffer, pGrad + 4 * (a * n + from), rowValues), a * total + to);
    }
  }
}

/** The fixed rows [lo, hi) that reach knot rows [k0, k1) (some tap of row y is a knot in range); lo = hi when none. */
export function rowsReaching(ty: AxisWeights, k0: number, k1: number): [number, number] {
  const ny = ty.first.length;
  let lo = 0;
  while (lo < ny && ty.first[lo]! + ty.taps - 1 < k0) lo++;
  let hi = lo;
  while (hi < ny && ty.first[hi]! < k1) hi++;
  return [lo, hi];
}

/**
 * Knot rows [start, end) of the splat of the projected force. Each band reads every fixed row that reaches its knot
 * rows, in increasing y, so each knot sums exactly what splatToLattice sums, in its order: the same bytes as
 * splatForce, whatever the bands.
 */
export function latticeSplatBandWasm(wasm: WasmKernelExports, args: LatticeSplatArgs, start: number, end: number, blockValues = BLOCK_VALUES): void {
  const { lattice, shape, dCdW, gradient, out } = args;
  const c = lattice.coefficients, nd = c.ndim, [kz, ky, kx] = c.shape, [nz, ny, nx] = shape;
  const nKnots = voxelCount(c.shape), plane = ny * nx, total = voxelCount(shape), b = args.matrix;
  const weights = latticeWeights(lattice, shape), [lo, hi] = rowsReaching(weights[1], start, end);
  const blockRows = Math.min(Math.max(1, hi - lo), blockRowsOf(nz, kz, nx, blockValues)), nBlock = nz * blockRows * nx;
  const rowsBytes = 8 * kz * ky * nx;
  const pTables = WASM_SCRATCH_START, pRows = align16(pTables + tablesBytes(weights));
  const pPlanes = align16(pRows + nd * rowsBytes), pDw = align16(pPlanes + 8 * kz * blockRows * nx);
  const pG = align16(pDw + 4 * nBlock), pSrc = align16(pG + 4 * nd * nBlock), pCoef = align16(pSrc + 4 * nBlock);
  const scratchEnd = align16(pCoef + 8 * nKnots);
  const buffer = wasmScratch(wasm, scratchEnd - WASM_SCRATCH_START);
  const [tz, ty, tx] = placeTables(buffer, weights, pTables);
  new Float64Array(buffer, pRows, nd * kz * ky * nx).fill(0);
  const first = nd === 3 ? 0 : 1;
  for (let y0 = lo; y0 < hi; y0 += blockRows) {
    const y1 = Math.min(hi, y0 + blockRows), by = y1 - y0, n = nz * by * nx, rowValues = by * nx;
    for (let z = 0; z < nz; z++) {
      const from = z * plane + y0 * nx, to = z * rowValues;
      new Float32Array(buffer, pDw + 4 * to, rowValues).set(dCdW.subarray(from, from + rowValues));
      for (let a = 0; a < nd; a++) {
        new Float32Array(buffer, pG + 4 * (a * n + to), rowValues).set(gradient.subarray(a * total + from, a * total + from + rowValues));
      }
    }
    for (let comp = 0; comp < nd; comp++) {
      const a = comp + first;
      wasm.projectBlock(pDw, pG, n, nd, b[a]!, b[4 + a]!, b[8 + a]!, pSrc);
      wasm.latticeSplatBlock(pSrc, nz, nx, y0, y1, tz.first, tz.weights, tz.taps, pPlanes, kz, ky, ty.first, ty.weights, ty.taps,
        pRows + comp * rowsBytes);
    }
  }
  const coef = new Float64Array(buffer, pCoef, nKnots);
  for (let comp = 0; comp < nd; comp++) {
    coef.fill(0);
    for (let z = 0; z < kz; z++) {
      const r = z * ky + start;
      wasm.latticeSplatX(pRows + comp * rowsBytes + 8 * r * nx, end - start, kx, nx, tx.first, tx.weights, tx.taps, pCoef + 8 * r * kx);
      out.set(coef.subarray(r * kx, (z * ky + end) * kx), comp * nKnots + r * kx);
    }
  }
}

/**
 * Checks the inputs of a lattice warp (as latticeWarp does) and makes its band arguments, the outputs from
 * `allocate`; `share` places an input where the bands can read it (the pool's shared memory).
 */
export function latticeWarpArgs(
  moving: Image, matrix: ArrayLike<number>, lattice: BSplineLattice, shape: Vec3, allocate: Allocator,
  share: (a: Float32Array) => Float32Array = (a) => a,
): LatticeWarpArgs {
  checkImage("latticeWarp: moving", moving);
  checkEvaluateLattice(lattice, shape);
  const nd = lattice.coefficients.ndim;
  if (imageNdim(moving.shape) !== nd) throw new OptionError("latticeWarp: lattice ndim", nd, `${imageNdim(moving.shape)}, the dimension of the moving image`);
  checkIndexMatrix("latticeWarp", matrix);
  const n = voxelCount(shape);
  return {
    lattice: sharedLattice(lattice, share),
    shape: [...shape], matrix: Array.from(matrix), source: share(moving.data), sourceShape: [...moving.shape],
    out: allocate.float32(n), mask: allocate.uint8(n), gradient: allocate.float32(nd * n),
  };
}

/** The warp's result from its band arguments. */
export function latticeWarpResult(args: LatticeWarpArgs): ResampleResult {
  return {
    image: { data: args.out, shape: [...args.shape] }, mask: args.mask,
    gradient: { data: args.gradient, shape: [...args.shape], ndim: args.lattice.coefficients.ndim },
  };
}

/** The splat's result (a Field over the knots) from its band arguments. */
export function latticeSplatResult(args: LatticeSplatArgs): Field {
  const c = args.lattice.coefficients;
  return { data: args.out, shape: [...c.shape], ndim: c.ndim };
}

/** Checks the inputs of a force splat (as splatForce does) and makes its band arguments; see latticeWarpArgs. */
export function latticeSplatArgs(
  dCdW: Float32Array, gradient: Field, matrix: ArrayLike<number>, lattice: BSplineLattice, allocate: Allocator,
  share: (a: Float32Array) => Float32Array = (a) => a,
): LatticeSplatArgs {
  checkField("splatForce: gradient", gradient);
  checkSplatToLattice(gradient, lattice);
  checkIndexMatrix("splatForce", matrix);
  if (dCdW.length !== voxelCount(gradient.shape)) throw new OptionError("splatForce: dCdW length", dCdW.length, `${voxelCount(gradient.shape)}, one value per voxel of the gradient's grid`);
  return {
    lattice: sharedLattice(lattice, share),
    shape: [...gradient.shape], matrix: Array.from(matrix), dCdW: share(dCdW), gradient: share(gradient.data),
    out: allocate.float32(lattice.coefficients.data.length),
  };
}

/** `lattice` with its coefficients where the bands can read them. */
function sharedLattice(lattice: BSplineLattice, share: (a: Float32Array) => Float32Array): BSplineLattice {
  return { ...lattice, coefficients: { ...lattice.coefficients, data: share(lattice.coefficients.data) } };
}

/** latticeWarpBandWasm on this thread's wasm; the pool dispatches it only where kernels.wasm loaded. */
export function latticeWarpBandFast(args: LatticeWarpArgs, start: number, end: number): void {
  latticeWarpBandWasm(requireWasmKernels(), args, start, end);
}

/** latticeSplatBandWasm on this thread's wasm; the pool dispatches it only where kernels.wasm loaded. */
export function latticeSplatBandFast(args: LatticeSplatArgs, start: number, end: number): void {
  latticeSplatBandWasm(requireWasmKernels(), args, start, end);
}
