// B-spline lattice evaluation and splatting (kernels/bspline-lattice.ts) in wasm: the knot rows and axis tables are
// copied in once, the image is produced (or consumed) in blocks of rows, so wasm memory never holds an image.

import { voxelCount, type Vec3 } from "../../core/space.js";
import {
  checkEvaluateLattice, checkSplatToLattice, evaluateLattice, latticeWeights, splatToLattice, type AxisWeights, type BSplineLattice,
} from "../../kernels/bspline-lattice.js";
import { createField, type Field } from "../../kernels/types.js";
import { align16, requireWasmKernels, wasmKernels, wasmScratch, WASM_SCRATCH_START, type WasmKernelExports } from "./wasm-module.js";

/** Values per block of image rows (per buffer). */
const BLOCK_VALUES = 1 << 18;

/** Where the tables, knot rows and block buffers sit in wasm memory. */
interface Layout {
  buffer: ArrayBuffer;
  table: { first: number; weights: number; taps: number }[];
  coef: number;
  rows: number;
  planes: number;
  image: number;
  blockRows: number;
}

/** Lays out the buffers in wasm memory (the knots at `coefBytes` bytes each) and copies the axis tables there. */
function layout(
  wasm: WasmKernelExports, weights: AxisWeights[], kShape: Vec3, shape: Vec3, bandRows: number, coefBytes: number, blockValues: number,
): Layout {
  const [kz, ky, kx] = kShape, [nz, , nx] = shape;
  const blockRows = Math.max(1, Math.min(bandRows, Math.floor(blockValues / (Math.max(nz, kz) * nx))));
  let p = WASM_SCRATCH_START;
  const table = weights.map((w) => {
    const first = p, wts = align16(first + 4 * w.first.length);
    p = align16(wts + 8 * w.weights.length);
    return { first, weights: wts, taps: w.taps, src: w };
  });
  const coef = p, rows = align16(coef + coefBytes * kz * ky * kx), planes = align16(rows + 8 * kz * ky * nx);
  const image = align16(planes + 8 * kz * blockRows * nx), end = image + 4 * nz * blockRows * nx;
  const buffer = wasmScratch(wasm, end - WASM_SCRATCH_START);
  for (const t of table) {
    new Int32Array(buffer, t.first, t.src.first.length).set(t.src.first);
    new Float64Array(buffer, t.weights, t.src.weights.length).set(t.src.weights);
  }
  return { buffer, table, coef, rows, planes, image, blockRows };
}

/** Band arguments of the lattice evaluation: the units are rows y of the image grid, each across every plane z. */
export interface EvaluateLatticeArgs {
  lattice: BSplineLattice;
  /** The image grid [z, y, x]. */
  shape: Vec3;
  /** Output: u, ndim planes over `shape` (vector-first). */
  out: Float32Array;
}

/** Rows [start, end) of evaluateLattice in wasm; `wasm` from wasmKernels(). Same bytes whatever the bands. */
export function evaluateLatticeBandWasm(wasm: WasmKernelExports, args: EvaluateLatticeArgs, start: number, end: number, blockValues = BLOCK_VALUES): void {
  const { lattice, shape, out } = args;
  const c = lattice.coefficients, nd = c.ndim, [kz, ky, kx] = c.shape, [nz, ny, nx] = shape;
  const nKnots = voxelCount(c.shape), n = voxelCount(shape), plane = ny * nx;
  const L = layout(wasm, latticeWeights(lattice, shape), c.shape, shape, Math.max(1, end - start), 4, blockValues);
  const [tz, ty, tx] = L.table as [Layout["table"][0], Layout["table"][0], Layout["table"][0]];
  const coef = new Float32Array(L.buffer, L.coef, nKnots);
  for (let comp = 0; comp < nd; comp++) {
    coef.set(c.data.subarray(comp * nKnots, (comp + 1) * nKnots));
    wasm.latticeRows(L.coef, kz * ky, kx, nx, tx.first, tx.weights, tx.taps, L.rows);
    for (let y0 = start; y0 < end; y0 += L.blockRows) {
      const y1 = Math.min(end, y0 + L.blockRows), block = (y1 - y0) * nx;
      wasm.latticeEvaluateBlock(L.rows, kz, ky, nx, y0, y1, ty.first, ty.weights, ty.taps, L.planes, nz, tz.first, tz.weights, tz.taps, L.image);
      for (let z = 0; z < nz; z++) out.set(new Float32Array(L.buffer, L.image + 4 * z * block, block), comp * n + z * plane + y0 * nx);
    }
  }
}

/** evaluateLatticeBandWasm on this thread's wasm; the pool dispatches it only where kernels.wasm loaded. */
export function evaluateLatticeBandFast(args: EvaluateLatticeArgs, start: number, end: number): void {
  evaluateLatticeBandWasm(requireWasmKernels(), args, start, end);
}

/** evaluateLattice in wasm; `wasm` from wasmKernels(). Same bytes. */
export function evaluateLatticeWasm(wasm: WasmKernelExports, lattice: BSplineLattice, shape: Vec3, blockValues = BLOCK_VALUES): Field {
  checkEvaluateLattice(lattice, shape);
  const out = createField(shape, lattice.coefficients.ndim);
  evaluateLatticeBandWasm(wasm, { lattice, shape, out: out.data }, 0, shape[1], blockValues);
  return out;
}

/** splatToLattice in wasm; `wasm` from wasmKernels(). Same bytes. */
export function splatToLatticeWasm(wasm: WasmKernelExports, field: Field, lattice: BSplineLattice, blockValues = BLOCK_VALUES): Field {
  checkSplatToLattice(field, lattice);
  const c = lattice.coefficients, nd = c.ndim, shape = field.shape, [kz, ky, kx] = c.shape, [nz, ny, nx] = shape;
  const nKnots = voxelCount(c.shape), n = voxelCount(shape), plane = ny * nx;
  const L = layout(wasm, latticeWeights(lattice, shape), c.shape, shape, ny, 8, blockValues);
  const [tz, ty, tx] = L.table as [Layout["table"][0], Layout["table"][0], Layout["table"][0]];
  const out = createField(c.shape, nd), coef = new Float64Array(L.buffer, L.coef, nKnots), rows = new Float64Array(L.buffer, L.rows, kz * ky * nx);
  for (let comp = 0; comp < nd; comp++) {
    rows.fill(0);
    coef.fill(0);
    for (let y0 = 0; y0 < ny; y0 += L.blockRows) {
      const y1 = Math.min(ny, y0 + L.blockRows), block = (y1 - y0) * nx;
      for (let z = 0; z < nz; z++) {
        const from = comp * n + z * plane + y0 * nx;
        new Float32Array(L.buffer, L.image + 4 * z * block, block).set(field.data.subarray(from, from + block));
      }
      wasm.latticeSplatBlock(L.image, nz, nx, y0, y1, tz.first, tz.weights, tz.taps, L.planes, kz, ky, ty.first, ty.weights, ty.taps, L.rows);
    }
    wasm.latticeSplatX(L.rows, kz * ky, kx, nx, tx.first, tx.weights, tx.taps, L.coef);
    out.data.set(coef, comp * nKnots);
  }
  return out;
}

/** The fastest evaluateLattice this thread has. */
export function evaluateLatticeFast(lattice: BSplineLattice, shape: Vec3): Field {
  const wasm = wasmKernels();
  return wasm ? evaluateLatticeWasm(wasm, lattice, shape) : evaluateLattice(lattice, shape);
}

/** The fastest splatToLattice this thread has. */
export function splatToLatticeFast(field: Field, lattice: BSplineLattice): Field {
  const wasm = wasmKernels();
  return wasm ? splatToLatticeWasm(wasm, field, lattice) : splatToLattice(field, lattice);
}
