// Global normalised cross-correlation over all counted samples: value and analytic gradient w.r.t. W.
// Used by the parametric stages on sampled points, where a windowed (local) NCC has no neighbourhood to work on.

import { checkMetricInputs, isCounted, type MaskOptions, type MetricResult } from "./metric.js";
import type { Vec3 } from "../core/space.js";

/**
 * value = −Σ f̃w̃ / √(Σ f̃² · Σ w̃²) over counted samples (f̃, w̃ centred), in [−1, 1]; −1 for W = aF + b, a > 0.
 * ∂value/∂W_i = −f̃_i / √(BC) + A·w̃_i / (√B · C^{3/2}), with A = Σ f̃w̃, B = Σ f̃², C = Σ w̃².
 */
export function correlation(fixed: Float32Array, warped: Float32Array, shape: Vec3, options: MaskOptions = {}): MetricResult {
  const n = checkMetricInputs(fixed, warped, shape, options);
  const { fixedMask, movingMask } = options;
  let count = 0, sf = 0, sw = 0;
  for (let i = 0; i < n; i++) {
    if (!isCounted(i, fixedMask, movingMask)) continue;
    count++;
    sf += fixed[i]!;
    sw += warped[i]!;
  }
  const gradient = new Float32Array(n);
  if (count < 2) return { value: 0, gradient, count };
  const mf = sf / count, mw = sw / count;
  let a = 0, b = 0, c = 0;
  for (let i = 0; i < n; i++) {
    if (!isCounted(i, fixedMask, movingMask)) continue;
    const f = fixed[i]! - mf, w = warped[i]! - mw;
    a += f * w;
    b += f * f;
    c += w * w;
  }
  if (b <= 0 || c <= 0) return { value: 0, gradient, count };
  const rbc = 1 / Math.sqrt(b * c), k = a / (Math.sqrt(b) * c * Math.sqrt(c));
  for (let i = 0; i < n; i++) {
    if (!isCounted(i, fixedMask, movingMask)) continue;
    gradient[i] = -(fixed[i]! - mf) * rbc + k * (warped[i]! - mw);
  }
  return { value: -a * rbc, gradient, count };
}
