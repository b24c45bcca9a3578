// The named parameter sets of `terareg register`: per-stage iterations (coarsest level first) and regularisation.
// "fast" stops the dense stage one level short of the registration level, as ANTs' quick mode does (the affine
// stage, which works on samples, still runs there). Every regularisation value can be overridden per run.

export type Preset = "fast" | "accurate";
export const PRESETS: readonly Preset[] = ["fast", "accurate"];

export interface PresetParameters {
  /** Affine iterations per level, coarsest first (trimmed from the coarse end to the number of levels). */
  affineIterations: number[];
  /** Dense iterations per level, coarsest first; 0 skips a level. */
  denseIterations: number[];
  /** Fixed-image samples per affine level. */
  affineSamples: number;
  /** Local NCC radius (voxels). */
  nccRadius: number;
  /** Greedy: Gaussian σ (voxels) of each update (the "fluid" term). */
  sigmaUpdate: number;
  /** Greedy: Gaussian σ (voxels) applied to the whole field after each update (the "elastic" term). */
  sigmaField: number;
  /** Greedy: linear elasticity (Lamé μ, λ in voxels²) in place of sigmaUpdate; none in either preset. */
  elastic?: { mu: number; lambda: number };
  stepVoxels: number;
  /** B-spline: knot spacing in voxels of the finest registration level. */
  gridSpacing: number;
  /** B-spline: weight of the bending energy relative to the metric (bspline-stage.ts). */
  bendingWeight: number;
  /**
   * Extra Gaussian σ per level, coarsest first, in voxels of that level, applied to both images on top of the pyramid's
   * own smoothing (which leaves the registration level as read); 0 leaves a level as it is.
   */
  smoothingSigmas: number[];
}

/**
 * The regularisation a run may override (CLI --sigma-update, --sigma-field, --elastic, --ncc-radius, --grid-spacing,
 * --bending-weight, and --smoothing-sigmas, which regularises the problem rather than the transform).
 */
export type Regularization = Partial<Pick<PresetParameters, "sigmaUpdate" | "sigmaField" | "elastic" | "nccRadius" | "gridSpacing" | "bendingWeight" | "smoothingSigmas">>;

// Greedy σ (fluid / elastic, voxels): fast keeps greedy's 1.732 / 0.707; accurate smooths more, 3 / 1.5, measured on
// the ANHIR pairs and the peers' 1024² pair (BENCHMARKS.md, "Regularisation"): lung rTRE 0.00500 → 0.00421, kidney
// 0.00176 → 0.00177, 1024² median 0.30 → 0.19 px. With fast, the same change cost ANHIR a little (lung 0.00454 → 0.00504).
const BSPLINE = { gridSpacing: 16, bendingWeight: 0.01 };
// No extra smoothing by default: on ANHIR (greedy, local NCC) σ 0.5 on the registration level cost the lung
// 0.00421 → 0.00477 rTRE (the kidney gained, 0.00177 → 0.00158). Noisy same-modality pairs gain from it (BENCHMARKS,
// "Smoothing the registration level").
const SMOOTHING = { smoothingSigmas: [0, 0, 0, 0] };
const TABLE: Record<Preset, PresetParameters> = {
  fast: { affineIterations: [200, 150, 100, 50], denseIterations: [100, 80, 40, 0], affineSamples: 10000, nccRadius: 2, sigmaUpdate: 1.732, sigmaField: 0.707, stepVoxels: 0.5, ...BSPLINE, ...SMOOTHING },
  accurate: { affineIterations: [200, 200, 200, 100], denseIterations: [100, 100, 100, 50], affineSamples: 20000, nccRadius: 3, sigmaUpdate: 3, sigmaField: 1.5, stepVoxels: 0.5, ...BSPLINE, ...SMOOTHING },
};

/**
 * Parameters of a preset for a schedule of `levels` levels, with the run's regularisation overrides applied. Per-level
 * lists are matched from the finest level: they keep their finest `levels` entries, and smoothingSigmas gives the
 * coarse levels it does not reach 0 (so one value smooths the registration level only).
 */
export function presetParameters(preset: Preset, levels: number, overrides: Regularization = {}): PresetParameters {
  const p = TABLE[preset];
  const tail = (a: number[]) => a.slice(Math.max(0, a.length - levels));
  const set = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Regularization;
  const sigmas = tail(set.smoothingSigmas ?? p.smoothingSigmas);
  return {
    ...p, ...set, affineIterations: tail(p.affineIterations), denseIterations: tail(p.denseIterations),
    smoothingSigmas: [...new Array<number>(Math.max(0, levels - sigmas.length)).fill(0), ...sigmas],
  };
}
