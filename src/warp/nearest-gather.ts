// Nearest-neighbour sampling straight from a plane of any dtype, for values float32 cannot hold (uint32/int32 labels
// above 2^24, float64). Same rule as kernels/interpolate-nearest.ts; the other dtypes go through the kernels.

import { allocatePixels, type DType, type PixelArray } from "../core/dtype.js";
import type { Vec3 } from "../core/space.js";

/**
 * out[i] = plane at the voxel nearest to position i (Math.round per axis, capped at size − 1, as locateNearest),
 * or `fill` where the position is NaN. Positions must already be inside the image or NaN (clipToImage) and in
 * the plane's index units (shiftCoordinates). `coords` is vector-first: `ndim` planes of `n` values.
 */
export function gatherNearestExact(
  plane: PixelArray, shape: Vec3, coords: Float64Array, n: number, ndim: 2 | 3, dtype: DType, fill: number,
): PixelArray {
  const [nz, ny, nx] = shape;
  const out = allocatePixels(dtype, n);
  const oy = ndim === 3 ? n : 0, ox = oy + n;
  for (let i = 0; i < n; i++) {
    const y = coords[oy + i]!, x = coords[ox + i]!;
    const z = ndim === 3 ? coords[i]! : 0;
    if (x !== x || y !== y || z !== z) {
      out[i] = fill;
      continue;
    }
    const iz = nz > 1 ? Math.min(nz - 1, Math.round(z)) : 0;
    const iy = Math.min(ny - 1, Math.round(y)), ix = Math.min(nx - 1, Math.round(x));
    out[i] = plane[(iz * ny + iy) * nx + ix]!;
  }
  return out;
}
