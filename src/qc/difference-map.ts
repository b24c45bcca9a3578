// Absolute difference of a normalised pair on a magma-like ramp: dark where the images agree, bright where they differ.
// Shown as a before/after pair, so the ramp's top is an option both images of the pair should share.

import { OptionError } from "../core/errors.js";
import type { Image } from "../kernels/types.js";
import { colormapTable, MAGMA } from "./colormap.js";
import { orthogonalSlices, type PanelOptions } from "./orthogonal-slices.js";
import { normalise, robustRange } from "./robust-range.js";
import { createRgb, type Rgb } from "./rgb.js";

export interface DifferenceMapOptions extends PanelOptions {
  /** The difference shown at the top of the ramp (brightest); larger ones are clamped. Use one value for a before/after pair. @default 1 */
  max?: number;
}

/**
 * |F̂ − Ŵ| on the MAGMA ramp, where F̂ and Ŵ are the images mapped to [0, 1] by their own 1st–99th percentile windows
 * (clamped), so the difference is in [0, 1]: 0 black, `max` and above pale yellow.
 * @param fixed, warped same shape [z, y, x]; a volume gives three orthogonal mid-slices.
 */
export function differenceMap(fixed: Image, warped: Image, options: DifferenceMapOptions = {}): Rgb {
  const max = options.max ?? 1;
  if (!(max > 0) || !Number.isFinite(max)) throw new OptionError("differenceMap: max", max, "a positive finite difference (normalised units, 0 < max ≤ 1)");
  const rangeOf = options.rangeOf ?? robustRange, rf = rangeOf(fixed), rw = rangeOf(warped), table = colormapTable(MAGMA);
  return orthogonalSlices([fixed, warped], ([f, w]) => {
    const [, ny, nx] = f!.shape;
    const out = createRgb(nx, ny);
    for (let i = 0; i < nx * ny; i++) {
      const d = Math.abs(normalise(f!.data[i]!, rf) - normalise(w!.data[i]!, rw)) / max;
      const k = 3 * Math.round(255 * Math.min(d, 1));
      out.data[3 * i] = table[k]!;
      out.data[3 * i + 1] = table[k + 1]!;
      out.data[3 * i + 2] = table[k + 2]!;
    }
    return out;
  }, options);
}

/** Two difference maps on one shared ramp, and the difference `max` at its top. */
export interface DifferencePair {
  before: Rgb;
  after: Rgb;
  max: number;
}

/**
 * Before/after difference maps that share one ramp: `max` is the 99th percentile of the *before* difference
 * |F̂ − Ŵ_before| (1 when that is 0), so misalignment before registration fills the ramp and any improvement shows
 * as a darker `after`.
 * @param fixed, before, after same shape [z, y, x]: the fixed image and the moving image resampled without / with the registration.
 */
export function differencePair(fixed: Image, before: Image, after: Image, options: PanelOptions = {}): DifferencePair {
  const rangeOf = options.rangeOf ?? robustRange, rf = rangeOf(fixed), rb = rangeOf(before);
  const d = new Float32Array(fixed.data.length);
  for (let i = 0; i < d.length; i++) d[i] = Math.abs(normalise(fixed.data[i]!, rf) - normalise(before.data[i]!, rb));
  const p99 = robustRange({ data: d, shape: fixed.shape }, 0, 99).hi;
  const max = p99 > 0 ? p99 : 1;
  return { before: differenceMap(fixed, before, { ...options, max }), after: differenceMap(fixed, after, { ...options, max }), max };
}
