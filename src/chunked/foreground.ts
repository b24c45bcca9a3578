// Which voxels hold tissue or signal: those that differ from the background (the median of the image's border at the
// registration level) by more than a tenth of its robust intensity range. Chunks with too little of it keep T_global.

/** Voxels farther than `tolerance` from `background` are foreground. */
export interface ForegroundRule {
  background: number;
  tolerance: number;
}

/** Fraction of the robust range (0.5th–99.5th percentile) a foreground voxel differs from the background by. */
export const FOREGROUND_CONTRAST = 0.1;

/** The rule for a scalar image of `shape` [z, y, x] (the fixed image at the registration level). */
export function foregroundRule(data: Float32Array, shape: readonly number[]): ForegroundRule {
  const [nz, ny, nx] = shape as [number, number, number];
  const border: number[] = [];
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const edgeRow = y === 0 || y === ny - 1 || (nz > 1 && (z === 0 || z === nz - 1));
      for (let x = 0; x < nx; x += edgeRow ? 1 : Math.max(nx - 1, 1)) border.push(data[(z * ny + y) * nx + x]!);
    }
  }
  border.sort((a, b) => a - b);
  const step = Math.max(1, Math.floor(data.length / 200_000)), sample: number[] = [];
  for (let i = 0; i < data.length; i += step) sample.push(data[i]!);
  sample.sort((a, b) => a - b);
  const lo = sample[Math.floor(0.005 * (sample.length - 1))] ?? 0, hi = sample[Math.ceil(0.995 * (sample.length - 1))] ?? 0;
  return { background: border[border.length >> 1] ?? lo, tolerance: FOREGROUND_CONTRAST * (hi - lo) };
}

/** Fraction of the voxels where `mask` is set that are foreground under `rule`. */
export function foregroundFraction(data: Float32Array, mask: Uint8Array, rule: ForegroundRule): number {
  let count = 0, fg = 0;
  for (let i = 0; i < data.length; i++) {
    if (!mask[i]) continue;
    count++;
    if (Math.abs(data[i]! - rule.background) > rule.tolerance) fg++;
  }
  return count ? fg / count : 0;
}
