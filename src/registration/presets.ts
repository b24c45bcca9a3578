// The named parameter sets of `terareg register`: per-stage iterations (coarsest level first) and regularisation.
// "fast" stops the dense stage one level short of the registration level, as ANTs' quick mode does (the affine
// stage, which works on samples, still runs there).

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
  sigmaUpdate: number;
  sigmaField: number;
  stepVoxels: number;
}

const TABLE: Record<Preset, PresetParameters> = {
  fast: { affineIterations: [200, 150, 100, 50], denseIterations: [100, 80, 40, 0], affineSamples: 10000, nccRadius: 2, sigmaUpdate: 1.732, sigmaField: 0.707, stepVoxels: 0.5 },
  accurate: { affineIterations: [200, 200, 200, 100], denseIterations: [100, 100, 100, 50], affineSamples: 20000, nccRadius: 3, sigmaUpdate: 1.732, sigmaField: 0.707, stepVoxels: 0.5 },
};

/** Parameters of a preset for a schedule of `levels` levels (per-level lists keep their finest entries). */
export function presetParameters(preset: Preset, levels: number): PresetParameters {
  const p = TABLE[preset];
  const tail = (a: number[]) => a.slice(Math.max(0, a.length - levels));
  return { ...p, affineIterations: tail(p.affineIterations), denseIterations: tail(p.denseIterations) };
}
