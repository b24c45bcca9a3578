// Order statistics without sorting: Hoare selection (expected linear time) and the numpy-style linear quantile on it.
// Jacobian summaries, QC display ranges and intensity normalisation all take their percentiles from here.

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
