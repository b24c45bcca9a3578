// Deterministic sums: partial sums over fixed-size blocks, combined in block order, so threads never change the bits.
// The pattern every reduction on the pool follows (metrics, energies); what is summed is the caller's business.

import { OptionError } from "../core/errors.js";

/** Samples per block: a partial sum covers the same samples whatever the number of threads. */
export const SUM_BLOCK = 1 << 16;

/** Band arguments: out[b] = Σ data[b·SUM_BLOCK …) in index order, float64. */
export interface BlockSumArgs {
  data: Float32Array;
  out: Float64Array;
}

/** Number of blocks of `length` samples, the split length of blockSumsBand. */
export function blockCount(length: number): number {
  return Math.ceil(length / SUM_BLOCK);
}

/** Writes blocks [start, end). */
export function blockSumsBand(args: BlockSumArgs, start: number, end: number): void {
  const { data, out } = args;
  for (let b = start; b < end; b++) {
    const lo = b * SUM_BLOCK, hi = Math.min(data.length, lo + SUM_BLOCK);
    let s = 0;
    for (let i = lo; i < hi; i++) s += data[i]!;
    out[b] = s;
  }
}

/** Σ of the partial sums in block order. */
export function combineBlockSums(partial: Float64Array): number {
  let s = 0;
  for (let b = 0; b < partial.length; b++) s += partial[b]!;
  return s;
}

/** Σ data (float64), by blocks: the reference for the pool's parallel sum, with identical bits. */
export function blockSum(data: Float32Array): number {
  if (!(data instanceof Float32Array)) throw new OptionError("blockSum: data", typeof data, "a Float32Array");
  const out = new Float64Array(blockCount(data.length));
  blockSumsBand({ data, out }, 0, out.length);
  return combineBlockSums(out);
}
