// Summary numbers of a Jacobian determinant map: min, 1st percentile, median, folding fraction, SD of log J.
// Computing the determinant lives in jacobian-determinant.ts; this is a serial, deterministic reduction.

import { OptionError } from "../core/errors.js";
import { maskedQuantiles } from "./quantile.js";
import type { Image } from "./types.js";

export interface JacobianStats {
  /** Voxels counted (inside the mask, not NaN). */
  count: number;
  min: number;
  /** 1st percentile, linear interpolation between order statistics (numpy's default). */
  p01: number;
  median: number;
  /** Fraction of counted voxels with det ≤ 0 (folding). */
  foldingFraction: number;
  /** Population SD of log(max(det, 1e-9)) (the Learn2Reg convention for clipping folded voxels). */
  sdLogJacobian: number;
}

/** Smallest determinant whose log is taken; folded voxels count as this. */
export const LOG_JACOBIAN_FLOOR = 1e-9;

/**
 * Statistics of a determinant map, over the voxels where `mask` is non-zero (all when omitted); NaNs are skipped.
 * Sums run in float64 in index order, so the numbers do not depend on how the map was computed; the percentiles are
 * exact order statistics (maskedQuantiles), found without copying the map.
 * @returns all NaN (count 0) when nothing is counted.
 */
export function jacobianStats(det: Image, options: { mask?: Uint8Array } = {}): JacobianStats {
  const { data } = det, mask = options.mask;
  if (mask && mask.length !== data.length) {
    throw new OptionError("jacobianStats: mask", `length ${mask.length}`, `one byte per voxel (${data.length})`);
  }
  // One pass: count, folding, minimum, and the mean and spread of log J by Welford's update (stable, no second log).
  let n = 0, folded = 0, min = Infinity, mean = 0, m2 = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if ((mask && !mask[i]) || Number.isNaN(v)) continue;
    n++;
    if (v <= 0) folded++;
    if (v < min) min = v;
    const l = Math.log(Math.max(v, LOG_JACOBIAN_FLOOR)), d = l - mean;
    mean += d / n;
    m2 += d * (l - mean);
  }
  if (n === 0) return { count: 0, min: NaN, p01: NaN, median: NaN, foldingFraction: NaN, sdLogJacobian: NaN };
  const [p01, median] = maskedQuantiles(data, [0.01, 0.5], mask) as [number, number];
  return { count: n, min, p01, median, foldingFraction: folded / n, sdLogJacobian: Math.sqrt(m2 / n) };
}
