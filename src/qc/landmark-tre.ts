// Landmark error of a registration: fixed landmarks mapped through T (fixed → moving) against the moving landmarks,
// in moving-image pixels, before (identity in physical space) and after; paired by ID as ANHIR does.

import type { Space } from "../core/space.js";
import { commonIds, type Landmarks } from "../io/landmarks.js";
import { mapPoints, type RegistrationTransform } from "../transforms/registration-transform.js";
import { physicalToPixels, pixelsToPhysical } from "../transforms/pixel-points.js";
import { identity4 } from "../transforms/affine.js";
import { pointDistances, treStats, type TreStats } from "./tre.js";

export interface LandmarkReport {
  pairs: number;
  before: TreStats;
  after: TreStats;
  /** Fraction of landmarks whose error went down (ANHIR's robustness). */
  improvedFraction: number;
  /** The image diagonal rTRE divides by, in fixed pixels. */
  diagonal: number;
}

export function landmarkReport(
  fixed: Landmarks, moving: Landmarks, t: RegistrationTransform, fixedSpace: Space, movingSpace: Space, diagonal: number,
): LandmarkReport {
  const ids = commonIds(fixed, moving);
  const dims = (fixed.get(ids[0] ?? "")?.length ?? 2) === 3 ? 3 : 2;
  const p = pixelsToPhysical(ids.map((id) => fixed.get(id)!), fixedSpace);
  const target = ids.map((id) => moving.get(id)!);
  const identity: RegistrationTransform = { ndim: t.ndim, affine: identity4() };
  const before = pointDistances(physicalToPixels(mapPoints(identity, p), movingSpace, dims), target);
  const after = pointDistances(physicalToPixels(mapPoints(t, p), movingSpace, dims), target);
  let improved = 0;
  after.forEach((v, i) => (improved += v < before[i]! ? 1 : 0));
  return {
    pairs: ids.length, before: treStats(before, diagonal), after: treStats(after, diagonal),
    improvedFraction: ids.length ? improved / ids.length : NaN, diagonal,
  };
}
