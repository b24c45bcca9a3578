// Robust initialisation: centres of mass, then a coarse search over in-plane rotations (and, on request, a flip),
// each candidate polished by a few rigid iterations on a coarse level; the best cost wins.

import type { Vec3 } from "../core/space.js";
import type { Kernels } from "../compute/kernels.js";
import { identityParams, type AffineParams } from "../transforms/affine.js";
import { registerAffine, type ParametricMetric } from "./affine-stage.js";
import type { LevelImage } from "./level-image.js";
import { foregroundCentre } from "./moments.js";

export interface InitialisationOptions {
  metric: ParametricMetric;
  /** Angle step of the search in degrees; 0 disables it (centres of mass only). @default 15 (2D), 0 (3D) */
  angleStepDegrees?: number;
  /** Also try the moving image mirrored left–right. @default false */
  flips?: boolean;
  seed?: number;
}

export interface Initialisation {
  params: AffineParams;
  /** Centre of rotation and scaling: the fixed foreground's centre of mass, physical [z, y, x]. */
  centre: Vec3;
  /** Cost of the chosen candidate, and how many were tried. */
  value: number;
  candidates: number;
}

/**
 * Centre-of-mass alignment, then (2D) every rotation on a `angleStepDegrees` grid over 360° — and mirrored
 * candidates when `flips` — each refined by 15 rigid iterations on the coarse pair; returns the best.
 */
export async function initialise(fixed: LevelImage, moving: LevelImage, ndim: 2 | 3, options: InitialisationOptions, kernels: Kernels): Promise<Initialisation> {
  const centre = foregroundCentre(fixed), cm = foregroundCentre(moving);
  const base = identityParams();
  base.translation = [ndim === 3 ? cm[0] - centre[0] : 0, cm[1] - centre[1], cm[2] - centre[2]];
  const step = options.angleStepDegrees ?? (ndim === 2 ? 15 : 0);
  if (step <= 0 || ndim === 3) return { params: base, centre, value: NaN, candidates: 1 };
  let best: Initialisation | undefined;
  let candidates = 0;
  for (const flip of options.flips ? [false, true] : [false]) {
    for (let deg = 0; deg < 360; deg += step) {
      const start: AffineParams = { ...base, rotation: [0, 0, (deg * Math.PI) / 180], zoom: [1, 1, flip ? -1 : 1] };
      const r = await registerAffine([fixed], [moving], start, centre, 2, {
        dof: "rigid", metric: options.metric, iterations: [15], samples: 3000, seed: options.seed ?? 1, initialStepVoxels: 1,
      }, kernels);
      candidates++;
      const value = r.levels[0]!.valueAfter;
      if (!best || value < best.value) best = { params: r.params, centre, value, candidates: 0 };
    }
  }
  return { ...best!, candidates };
}
