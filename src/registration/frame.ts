// Index ↔ physical maps of a Space as 4×4 homogeneous matrices, so stages can chain them with affine transforms.
// The convention itself (pixel centres, p = origin + D·(spacing ⊙ i)) is defined in core/space.ts.

import type { Space } from "../core/space.js";
import { identity4, invertAffine, type Mat4 } from "../transforms/affine.js";

/** The matrix of i ↦ origin + D·(spacing ⊙ i) on [z, y, x, 1]. */
export function indexToPhysicalMat4(space: Space): Mat4 {
  const m = identity4();
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) m[r * 4 + c] = space.direction[r * 3 + c]! * space.spacing[c]!;
    m[r * 4 + 3] = space.origin[r]!;
  }
  return m;
}

/** The inverse map, physical → fractional index. */
export function physicalToIndexMat4(space: Space): Mat4 {
  return invertAffine(indexToPhysicalMat4(space));
}

/** The 3×3 linear part of a 4×4, row-major. */
export function linearPart(m: Mat4): Float64Array {
  return Float64Array.from([m[0]!, m[1]!, m[2]!, m[4]!, m[5]!, m[6]!, m[8]!, m[9]!, m[10]!]);
}

/**
 * An index → index map as resampleAffine takes it: the 4×4 itself in 3D; in 2D the 3×3 on [y, x, 1] (its z row and
 * column dropped, as a 2D grid has z = 0).
 */
export function resampleMatrix(m: Mat4, ndim: 2 | 3): Float64Array {
  return ndim === 3 ? Float64Array.from(m) : Float64Array.from([m[5]!, m[6]!, m[7]!, m[9]!, m[10]!, m[11]!, 0, 0, 1]);
}
