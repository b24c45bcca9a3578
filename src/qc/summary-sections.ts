// Builds the report's summary sections from typed results (TRE, metric, Jacobian statistics, stage timings).
// The numbers are computed elsewhere (tre.ts, kernels/jacobian-stats.ts, the stages); this only lays them out.

import { formatBytes } from "../core/errors.js";
import type { JacobianStats } from "../kernels/jacobian-stats.js";
import type { SummarySection } from "./qc-report.js";
import type { TreStats } from "./tre.js";

/**
 * Landmark TRE before and after registration (either may be absent), columns "before" and "after".
 * @param unit the unit the distances are in, shown in the labels. @default "px"
 * @returns undefined when both are absent.
 */
export function treSection(before: TreStats | undefined, after: TreStats | undefined, unit = "px"): SummarySection | undefined {
  if (!before && !after) return undefined;
  const row = (label: string, pick: (s: TreStats) => number | undefined) => ({
    label, value: [before ? pick(before) : undefined, after ? pick(after) : undefined],
  });
  return {
    title: "Landmarks (TRE)",
    columns: ["before", "after"],
    rows: [
      row("landmarks", (s) => s.count),
      row(`median TRE (${unit})`, (s) => s.median),
      row(`mean TRE (${unit})`, (s) => s.mean),
      row(`99th percentile TRE (${unit})`, (s) => s.p99),
      row(`max TRE (${unit})`, (s) => s.max),
      row("median rTRE", (s) => s.medianRtre),
    ],
  };
}

/**
 * Image similarity before and after, and the relative change (after − before) / |before|.
 * @param metric the metric's name, e.g. "local NCC" (its sign convention is the metric's own).
 */
export function metricSection(metric: string, before: number, after: number): SummarySection {
  return {
    title: "Image metric",
    columns: ["before", "after", "relative change"],
    rows: [{ label: metric, value: [before, after, before !== 0 ? (after - before) / Math.abs(before) : NaN] }],
  };
}

/** Jacobian determinant statistics of the final transform (from jacobianStats). */
export function jacobianSection(stats: JacobianStats): SummarySection {
  return {
    title: "Jacobian determinant",
    rows: [
      { label: "voxels counted", value: stats.count },
      { label: "min", value: stats.min },
      { label: "1st percentile", value: stats.p01 },
      { label: "median", value: stats.median },
      { label: "folding fraction (det ≤ 0)", value: stats.foldingFraction },
      { label: "SD of log Jacobian", value: stats.sdLogJacobian },
    ],
  };
}

/** One stage of a run: its wall time and, when measured, its peak memory. */
export interface StageTiming {
  name: string;
  seconds: number;
  peakBytes?: number;
}

/** Time and peak memory per stage, columns "time (s)" and "peak memory". */
export function stagesSection(stages: readonly StageTiming[]): SummarySection {
  return {
    title: "Stages",
    columns: ["time (s)", "peak memory"],
    rows: stages.map((s) => ({ label: s.name, value: [s.seconds, s.peakBytes === undefined ? undefined : formatBytes(s.peakBytes)] })),
  };
}
