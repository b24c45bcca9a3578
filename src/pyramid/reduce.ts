// Anti-aliased 2× reduction of a block: the separable [1 3 3 1]/8 binomial filter, replicate at the image edge.
// Output pixel j on a reduced axis sits at input position 2j + 0.5 (pixel centres), matching levelSpace().

import { allocatePixels, dtypeRange, isFloat, type DType, type PixelArray } from "../core/dtype.js";
import type { Region, Vec3 } from "../core/space.js";

/** Per axis: 2 to halve, 1 to keep. */
export type Factors = [1 | 2, 1 | 2, 1 | 2];

const TAPS = [1 / 8, 3 / 8, 3 / 8, 1 / 8];

/** Shape of the next level: ceil(n / f) per axis. */
export function reducedShape(shape: Vec3, factors: Factors): Vec3 {
  return [Math.ceil(shape[0] / factors[0]), Math.ceil(shape[1] / factors[1]), Math.ceil(shape[2] / factors[2])];
}

/** The input region (clamped to the input level) that the output region `out` needs. */
export function sourceRegionFor(out: Region, factors: Factors, inShape: Vec3): Region {
  const start: Vec3 = [0, 0, 0], size: Vec3 = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    const o0 = out.start[a]!, n = out.size[a]!;
    if (factors[a] === 1) {
      start[a] = o0;
      size[a] = n;
    } else {
      const lo = Math.max(0, 2 * o0 - 1), hi = Math.min(inShape[a]! - 1, 2 * (o0 + n - 1) + 2);
      start[a] = lo;
      size[a] = hi - lo + 1;
    }
  }
  return { start, size };
}

/** Local source index and weight of each of the 4 taps of every output index along one axis. */
function axisTaps(outCount: number, outStart: number, inStart: number, inFull: number, factor: 1 | 2): { idx: Int32Array; w: Float64Array } {
  const idx = new Int32Array(outCount * 4), w = new Float64Array(outCount * 4);
  for (let j = 0; j < outCount; j++) {
    for (let t = 0; t < 4; t++) {
      const g = factor === 1 ? outStart + j : Math.min(inFull - 1, Math.max(0, 2 * (outStart + j) - 1 + t));
      idx[j * 4 + t] = g - inStart;
      w[j * 4 + t] = factor === 1 ? (t === 0 ? 1 : 0) : TAPS[t]!;
    }
  }
  return { idx, w };
}

/** True when filtering `axis` would leave the block as it is (a kept axis covering the same span): no pass, no copy. */
function keepsAxis(srcShape: Vec3, axis: 0 | 1 | 2, outCount: number, outStart: number, inStart: number, factor: 1 | 2): boolean {
  return factor === 1 && outStart === inStart && outCount === srcShape[axis];
}

/**
 * The x pass straight from the samples of `input` (any dtype; every sample is exact as a float64, so this is the
 * pass over a float64 copy without making the copy, which used to take a third of the reduction's time).
 */
function passXFromPixels(input: PixelArray, srcShape: Vec3, outCount: number, outStart: number, inStart: number, inFull: number, factor: 1 | 2): { data: Float64Array; shape: Vec3 } {
  const shape: Vec3 = [srcShape[0], srcShape[1], outCount];
  const data = new Float64Array(shape[0] * shape[1] * outCount);
  const { idx, w } = axisTaps(outCount, outStart, inStart, inFull, factor);
  const rows = srcShape[0] * srcShape[1], nIn = srcShape[2];
  // Halving, the taps of output j are 4 consecutive samples from 2j − 1 wherever none is clamped: [j0, j1) below.
  let j0 = outCount, j1 = outCount;
  if (factor === 2) {
    j0 = Math.min(outCount, Math.max(0, 1 - outStart));
    j1 = Math.max(j0, Math.min(outCount, Math.floor((inFull - 3) / 2) - outStart + 1));
  }
  const w0 = TAPS[0]!, w1 = TAPS[1]!, w2 = TAPS[2]!, w3 = TAPS[3]!;
  for (let r = 0; r < rows; r++) {
    const s0 = r * nIn, d0 = r * outCount;
    for (let j = 0, k = 0; j < outCount; j++, k += 4) {
      if (j === j0) {
        // Same weights, same order, same taps as the table gives there.
        for (let b = s0 + idx[k]!; j < j1; j++, k += 4, b += 2) data[d0 + j] = w0 * input[b]! + w1 * input[b + 1]! + w2 * input[b + 2]! + w3 * input[b + 3]!;
        if (j === outCount) break;
      }
      data[d0 + j] = w[k]! * input[s0 + idx[k]!]! + w[k + 1]! * input[s0 + idx[k + 1]!]! + w[k + 2]! * input[s0 + idx[k + 2]!]! + w[k + 3]! * input[s0 + idx[k + 3]!]!;
    }
  }
  return { data, shape };
}

/** Filters one axis of a float block: output index j reads 4 weighted input rows (clamped global indices). */
function passAxis(
  src: Float64Array, srcShape: Vec3, axis: 0 | 1 | 2, outCount: number, outStart: number,
  inStart: number, inFull: number, factor: 1 | 2,
): { data: Float64Array; shape: Vec3 } {
  if (keepsAxis(srcShape, axis, outCount, outStart, inStart, factor)) return { data: src, shape: srcShape };
  const shape: Vec3 = [srcShape[0], srcShape[1], srcShape[2]];
  shape[axis] = outCount;
  const data = new Float64Array(shape[0] * shape[1] * shape[2]);
  const { idx, w } = axisTaps(outCount, outStart, inStart, inFull, factor);
  if (axis === 2) {
    // Along x: each row is filtered on its own, taps gathered inside the row.
    const rows = srcShape[0] * srcShape[1], nIn = srcShape[2];
    for (let r = 0; r < rows; r++) {
      const s0 = r * nIn, d0 = r * outCount;
      for (let j = 0, k = 0; j < outCount; j++, k += 4) {
        data[d0 + j] = w[k]! * src[s0 + idx[k]!]! + w[k + 1]! * src[s0 + idx[k + 1]!]! + w[k + 2]! * src[s0 + idx[k + 2]!]! + w[k + 3]! * src[s0 + idx[k + 3]!]!;
      }
    }
    return { data, shape };
  }
  // Along y or z: whole contiguous lines of `inner` values are combined, four at a time.
  const inner = axis === 1 ? srcShape[2] : srcShape[1] * srcShape[2];
  const outer = axis === 1 ? srcShape[0] : 1;
  const nIn = srcShape[axis];
  for (let o = 0; o < outer; o++) {
    const sBase = o * nIn * inner, dBase = o * outCount * inner;
    for (let j = 0, k = 0; j < outCount; j++, k += 4) {
      const a0 = sBase + idx[k]! * inner, a1 = sBase + idx[k + 1]! * inner, a2 = sBase + idx[k + 2]! * inner, a3 = sBase + idx[k + 3]! * inner;
      const w0 = w[k]!, w1 = w[k + 1]!, w2 = w[k + 2]!, w3 = w[k + 3]!;
      const d = dBase + j * inner;
      for (let i = 0; i < inner; i++) data[d + i] = w0 * src[a0 + i]! + w1 * src[a1 + i]! + w2 * src[a2 + i]! + w3 * src[a3 + i]!;
    }
  }
  return { data, shape };
}

/**
 * Reduces `input` (the block `inRegion` of a level of shape `inShape`, C-order [z, y, x]) to the output region
 * `out` of the next level. `inRegion` must contain sourceRegionFor(out, factors, inShape).
 * Integer dtypes are rounded to nearest; floats are kept (NaN propagates).
 */
export function reduceBlock(
  input: PixelArray, inRegion: Region, inShape: Vec3, out: Region, factors: Factors, dtype: DType,
): PixelArray {
  const size: Vec3 = [...inRegion.size];
  let cur: { data: Float64Array; shape: Vec3 };
  if (keepsAxis(size, 2, out.size[2]!, out.start[2]!, inRegion.start[2]!, factors[2])) {
    const data = new Float64Array(input.length);
    for (let i = 0; i < input.length; i++) data[i] = input[i]!;
    cur = { data, shape: size };
  } else {
    cur = passXFromPixels(input, size, out.size[2]!, out.start[2]!, inRegion.start[2]!, inShape[2]!, factors[2]);
  }
  for (const axis of [1, 0] as const) {
    cur = passAxis(cur.data, cur.shape, axis, out.size[axis]!, out.start[axis]!, inRegion.start[axis]!, inShape[axis]!, factors[axis]);
  }
  const result = allocatePixels(dtype, cur.data.length);
  if (isFloat(dtype)) {
    result.set(cur.data);
  } else {
    // The same value as min(hi, max(lo, round(v))) for every v, NaN included (stored as 0).
    const [lo, hi] = dtypeRange(dtype), data = cur.data;
    for (let i = 0; i < data.length; i++) {
      const r = Math.round(data[i]!);
      result[i] = r > hi ? hi : r < lo ? lo : r;
    }
  }
  return result;
}

/** Runs reduceBlock somewhere (a Kernels' reduceBlock runs it on a worker pool); same values wherever. */
export type BlockReducer = (input: PixelArray, inRegion: Region, inShape: Vec3, out: Region, factors: Factors, dtype: DType) => Promise<PixelArray>;

/** One reduction as a pool job: reduceBlock's arguments and the `result` it fills (out's voxels, C order). */
export interface ReduceJob {
  input: PixelArray;
  inRegion: Region;
  inShape: Vec3;
  out: Region;
  factors: Factors;
  dtype: DType;
  result: PixelArray;
}

/**
 * Units [start, end) of a reduction job (reduceUnits) — output planes along z when the block has more than one, else
 * output rows along y — by reduceBlock over those units and the input planes or rows they read. Every output value
 * depends only on its own taps, so any split gives reduceBlock's values for the whole block.
 */
export function reduceBlockBand(j: ReduceJob, start: number, end: number): void {
  if (j.out.size[0] === 1 && j.inRegion.size[0] > 1) {
    // One output plane from several input planes: rows are not contiguous runs of the input, so the block is one unit.
    j.result.set(reduceBlock(j.input, j.inRegion, j.inShape, j.out, j.factors, j.dtype));
    return;
  }
  const axis = j.out.size[0] > 1 ? 0 : 1;
  const subStart: Vec3 = [...j.out.start], subSize: Vec3 = [...j.out.size];
  subStart[axis] += start;
  subSize[axis] = end - start;
  const sub: Region = { start: subStart, size: subSize };
  const need = sourceRegionFor(sub, j.factors, j.inShape);
  // The input's planes (axis 0) or rows (axis 1) that the units read: whole, contiguous runs of the block.
  const [, iy, ix] = j.inRegion.size, run = axis === 0 ? iy * ix : ix;
  const first = need.start[axis]! - j.inRegion.start[axis]!, count = need.size[axis]!;
  const inStart: Vec3 = [...j.inRegion.start], inSize: Vec3 = [...j.inRegion.size];
  inStart[axis] = need.start[axis]!;
  inSize[axis] = count;
  const input = j.input.subarray(first * run, (first + count) * run);
  const unit = axis === 0 ? j.out.size[1] * j.out.size[2] : j.out.size[2];
  j.result.set(reduceBlock(input, { start: inStart, size: inSize }, j.inShape, sub, j.factors, j.dtype), start * unit);
}

/** Units reduceBlockBand splits a job into: output planes of a volume block, else output rows (1 for one plane of a volume). */
export function reduceUnits(out: Region, inRegion: Region): number {
  return out.size[0] > 1 ? out.size[0] : inRegion.size[0] > 1 ? 1 : out.size[1];
}
