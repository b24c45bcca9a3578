// The registry of similarity metrics by name ("mse" | "ncc" | "mi"), with one options type shared by all.
// The metrics themselves are in mean-squares.ts, local-ncc.ts and mattes-mutual-information.ts.

import { OptionError } from "../core/errors.js";
import type { Vec3 } from "../core/space.js";
import { localNcc, type LocalNccGradientMode } from "./local-ncc.js";
import { mattesMutualInformation } from "./mattes-mutual-information.js";
import { meanSquares } from "./mean-squares.js";
import type { MaskOptions, MetricFunction, MetricResult } from "./metric.js";

/** Names accepted by {@link metricByName}. */
export type MetricName = "mse" | "ncc" | "mi";

/** Every name of the registry, in the order messages list them. */
export const METRIC_NAMES: readonly MetricName[] = ["mse", "ncc", "mi"];

/**
 * Options of any metric of the registry. Each metric accepts only its own (see {@link METRIC_OPTIONS});
 * the others are rejected, never ignored.
 */
export interface MetricOptions extends MaskOptions {
  /** mse, mi: voxel indices to evaluate (`sampleIndices`). */
  samples?: Int32Array;
  /** ncc (required): window half-width in voxels, one number or [z, y, x]. */
  radius?: number | Vec3;
  /** ncc: "exact" or "ants". @default "exact" */
  gradientMode?: LocalNccGradientMode;
  /** ncc: relative variance floor of a window. @default 1e-6 */
  epsilon?: number;
  /** mi: histogram bins, padding included. @default 32 */
  bins?: number;
  /** mi: fixed intensity range. @default [min, max] of the samples */
  fixedRange?: [number, number];
  /** mi: moving intensity range. @default [min, max] of the samples */
  movingRange?: [number, number];
}

/** The options each metric accepts. */
export const METRIC_OPTIONS: Readonly<Record<MetricName, readonly (keyof MetricOptions)[]>> = {
  mse: ["fixedMask", "movingMask", "samples"],
  ncc: ["fixedMask", "movingMask", "radius", "gradientMode", "epsilon"],
  mi: ["fixedMask", "movingMask", "samples", "bins", "fixedRange", "movingRange"],
};

/**
 * The metric called `name`: a function (fixed, warped, shape, options) → {value, gradient, count}, a cost to minimise.
 * The function rejects options that belong to another metric, and "ncc" requires `radius`.
 * @throws OptionError for an unknown name, listing the allowed set.
 */
export function metricByName(name: string): MetricFunction<MetricOptions> {
  if (!(METRIC_NAMES as readonly string[]).includes(name))
    throw new OptionError("metric", name, `one of ${METRIC_NAMES.map((m) => `"${m}"`).join(", ")}`);
  const metric = name as MetricName;
  return (fixed: Float32Array, warped: Float32Array, shape: Vec3, options: MetricOptions = {}): MetricResult => {
    checkOptionNames(metric, options);
    switch (metric) {
      case "mse":
        return meanSquares(fixed, warped, shape, options);
      case "ncc": {
        const { radius } = options;
        if (radius === undefined) throw new OptionError("radius", radius, 'a window radius in voxels for metric "ncc", e.g. 2');
        return localNcc(fixed, warped, shape, { ...options, radius });
      }
      case "mi":
        return mattesMutualInformation(fixed, warped, shape, options);
    }
  };
}

/** Rejects every option (with a defined value) that `metric` does not use. */
function checkOptionNames(metric: MetricName, options: MetricOptions): void {
  const allowed = METRIC_OPTIONS[metric] as readonly string[];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || allowed.includes(key)) continue;
    throw new OptionError(key, value instanceof Uint8Array || value instanceof Int32Array ? `${value.length} values` : value,
      `no such option for metric "${metric}"; its options are ${allowed.join(", ")}`);
  }
}
