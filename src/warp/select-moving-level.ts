// Which level of the moving image a warp onto one output level reads: the coarsest that is still at least as fine.
// The output grid itself is chosen by the caller (warpedSource's `level`); this only picks the input.

import { levelSpace, type ImageMeta, type Space } from "../core/space.js";

/** Relative slack on spacing comparisons, so 0.4999999 vs 0.5 from float rounding does not change the choice. */
const SPACING_TOLERANCE = 1e-6;

/**
 * The coarsest moving level whose physical spacing is ≤ `outputSpace`'s on every axis the moving image extends
 * along (z is ignored for 2D images), as geotiff.js picks overviews. Output level 0 always reads moving level 0,
 * so a full-resolution warp is full resolution whatever the spacings say.
 * Compares spacing per index axis: when the two images' axes are far from aligned (a 90° rotation between them,
 * or a transform with a large zoom) the choice can be one level off; it is never coarser than the output grid
 * along an axis both agree on.
 */
export function selectMovingLevel(moving: ImageMeta, outputSpace: Space, outputLevel: number): number {
  if (outputLevel === 0) return 0;
  const shape0 = moving.levels[0]!.shape;
  let best = 0;
  for (let l = 1; l < moving.levels.length; l++) {
    const spacing = levelSpace(moving, l).spacing;
    const fine = [0, 1, 2].every((a) => shape0[a]! <= 1 || spacing[a]! <= outputSpace.spacing[a]! * (1 + SPACING_TOLERANCE));
    if (fine) best = l;
  }
  return best;
}
