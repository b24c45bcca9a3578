// Order statistics without sorting: Hoare selection (expected linear time), the numpy-style linear quantile on it, and
// the same quantiles of a large masked map found through a histogram (no copy). Jacobian summaries, QC display ranges
// and intensity normalisation all take their percentiles from here.

/** Rearranges `a` so that a[k] holds the k-th smallest and a[0..k) ≤ a[k] ≤ a(k..] (Hoare, median of 3). */
export function select(a: Float64Array, k: number): void {
  let lo = 0, hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    const x = a[lo]!, y = a[mid]!, z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/** The q-quantile (0 ≤ q ≤ 1) of `a` by linear interpolation between order statistics; reorders `a`. */
export function quantile(a: Float64Array, q: number): number {
  const pos = q * (a.length - 1), k = Math.floor(pos), t = pos - k;
  select(a, k);
  const lower = a[k]!;
  if (t === 0) return lower;
  let upper = Infinity;
  for (let i = k + 1; i < a.length; i++) if (a[i]! < upper) upper = a[i]!;
  return lower + t * (upper - lower);
}

/** Bins of {@link maskedQuantiles}' histogram (at most one per counted value). */
const HISTOGRAM_BINS = 1 << 16;

/**
 * The q-quantiles of the values of `data` that are not NaN and, with a `mask`, where the mask is non-zero: exactly
 * what {@link quantile} gives on a copy of those values, without copying them all. A histogram over [min, max] finds
 * the bin of each order statistic needed (the bin index is non-decreasing in the value, so bins are ordered), then
 * only the values of those bins are gathered and selected. Three passes over `data`; a copy of the counted values
 * only when one bin holds them all (e.g. a map that is nearly constant) or a value is infinite.
 * @returns NaN for every q when nothing is counted.
 */
export function maskedQuantiles(data: Float32Array | Float64Array, qs: readonly number[], mask?: Uint8Array): number[] {
  let n = 0, lo = Infinity, hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if ((mask && !mask[i]) || Number.isNaN(v)) continue;
    n++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (n === 0) return qs.map(() => NaN);
  if (lo === hi) return qs.map(() => lo);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    // An infinite value leaves no finite bin width: select on a copy, as quantile does.
    const counted = new Float64Array(n);
    for (let i = 0, k = 0; i < data.length; i++) if (!(mask && !mask[i]) && !Number.isNaN(data[i]!)) counted[k++] = data[i]!;
    return qs.map((q) => quantile(counted, q));
  }
  // The ranks each quantile needs: floor(pos), and the next one when it interpolates.
  const wanted = qs.map((q) => {
    const pos = q * (n - 1), k = Math.floor(pos);
    return { k, t: pos - k };
  });
  const ranks = [...new Set(wanted.flatMap(({ k, t }) => (t === 0 || k + 1 >= n ? [k] : [k, k + 1])))];
  const bins = Math.min(HISTOGRAM_BINS, n), scale = bins / (hi - lo);
  const binOf = (v: number) => Math.min(bins - 1, Math.floor((v - lo) * scale));
  const counts = new Float64Array(bins);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if ((mask && !mask[i]) || Number.isNaN(v)) continue;
    counts[binOf(v)]++;
  }
  // For each rank: its bin and its rank within the bin.
  const where = new Map<number, { bin: number; within: number }>();
  for (let b = 0, below = 0; b < bins; below += counts[b]!, b++) {
    for (const r of ranks) if (!where.has(r) && r < below + counts[b]!) where.set(r, { bin: b, within: r - below });
  }
  // The values of the bins that hold a wanted rank, gathered in index order (slot[bin] says where, −1: not wanted).
  const slot = new Int32Array(bins).fill(-1), gathered: Float64Array[] = [], fill: number[] = [];
  for (const { bin } of where.values()) {
    if (slot[bin]! >= 0) continue;
    slot[bin] = gathered.length;
    gathered.push(new Float64Array(counts[bin]!));
    fill.push(0);
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if ((mask && !mask[i]) || Number.isNaN(v)) continue;
    const s = slot[binOf(v)]!;
    if (s >= 0) gathered[s]![fill[s]!++] = v;
  }
  const statistic = (r: number) => {
    const { bin, within } = where.get(r)!;
    const values = gathered[slot[bin]!]!;
    select(values, within);
    return values[within]!;
  };
  return wanted.map(({ k, t }) => {
    const lower = statistic(k);
    return t === 0 || k + 1 >= n ? lower : lower + t * (statistic(k + 1) - lower);
  });
}
