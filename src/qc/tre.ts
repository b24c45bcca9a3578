// Target registration error: distances between mapped and reference landmarks, and their summary statistics
// (median, mean, max, 99th percentile, rTRE = TRE / image diagonal, as ANHIR reports).

export interface TreStats {
  count: number;
  median: number;
  mean: number;
  max: number;
  p99: number;
  /** Median TRE divided by the image diagonal (ANHIR's rTRE), when a diagonal is given. */
  medianRtre?: number;
}

/** Linear-interpolated percentile (0–100) of `values` (not modified). */
export function percentile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  const pos = ((s.length - 1) * q) / 100, lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Euclidean distances between corresponding points (`a[i]` vs `b[i]`). */
export function pointDistances(a: readonly number[][], b: readonly number[][]): Float64Array {
  const d = new Float64Array(a.length);
  a.forEach((p, i) => {
    let s = 0;
    p.forEach((v, k) => (s += (v - b[i]![k]!) ** 2));
    d[i] = Math.sqrt(s);
  });
  return d;
}

export function treStats(distances: Float64Array, diagonal?: number): TreStats {
  let sum = 0, max = 0;
  for (const v of distances) {
    sum += v;
    max = Math.max(max, v);
  }
  const median = percentile(distances, 50);
  return {
    count: distances.length, median, mean: sum / distances.length, max, p99: percentile(distances, 99),
    ...(diagonal ? { medianRtre: median / diagonal } : {}),
  };
}
