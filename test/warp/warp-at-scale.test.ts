// Tiled warping equals warping the whole image at once, byte for byte, at the sizes the transforms issue names:
// a 4096² image and a 256³ volume, through an affine plus a displacement lattice covering the whole grid.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { DType } from "../../src/core/dtype.js";
import type { Space, Vec3 } from "../../src/core/space.js";
import type { Interpolation } from "../../src/kernels/types.js";
import { warpedSource, type WarpOptions } from "../../src/warp/warped-source.js";
import {
  randomSource, referenceMeta, sameBytes, smoothGrid, space2d, space3d, transform2d, transform3d, wholeAndTiled,
} from "./warp-fixtures.js";

/** Warps `shape` whole (one piece) and tile by tile over a random tiling, and asserts the same bytes. */
async function assertTiledEqualsWhole(ndim: 2 | 3, shape: Vec3, dtype: DType, sizes: number[]) {
  const fixed: Space = ndim === 2 ? space2d(0.1, [0.8, 1.1], [5.5, -3.2]) : space3d();
  const movingSpace: Space = ndim === 2 ? space2d(-0.05, [0.9, 1.0], [12, 4]) : { ...space3d(), origin: [-2, 4, -8], spacing: [1.4, 1, 1.05] };
  const t = ndim === 2 ? transform2d(shape, fixed, false) : transform3d(shape, fixed);
  // A lattice over the whole grid (cells of about 136 pixels in 2D, 43 voxels in 3D): every tile moves differently.
  const cells: Vec3 = ndim === 2 ? [1, 33, 33] : [9, 9, 9];
  const spacing: Vec3 = [0, 1, 2].map((a) => (a === 0 && ndim === 2 ? 1 : (shape[a]! * fixed.spacing[a]!) / (cells[a]! - 3))) as Vec3;
  const origin: Vec3 = [0, 1, 2].map((a) => fixed.origin[a]! - (a === 0 && ndim === 2 ? 0 : spacing[a]!)) as Vec3;
  t.displacement = smoothGrid(ndim, cells, { ...fixed, spacing, origin }, ndim === 2 ? 20 : 4);
  const moving = randomSource(shape, dtype, movingSpace, 1, 5);
  for (const interpolation of ["nearest", "linear"] as Interpolation[]) {
    const make = (o: WarpOptions) => warpedSource(moving, t, referenceMeta(shape, fixed), { interpolation, ...o });
    const { whole, pasted, tiles } = await wholeAndTiled(make, sizes, 3);
    assert.ok(tiles > 20, `${tiles} tiles`);
    sameBytes(pasted[0]!, whole[0]!, `${ndim}D ${interpolation}: tiled vs whole`);
    // Not trivial: a good part of the grid lands inside the moving image (random samples there, fill outside).
    let distinct = 0;
    for (let i = 1; i < 4096; i++) distinct += whole[0]![i * 997]! !== whole[0]![(i - 1) * 997]! ? 1 : 0;
    assert.ok(distinct > 1000, `${distinct} changes in 4095 samples`);
  }
}

test("4096² uint8: tiled warp (512² tiles and odd sizes) equals the whole-image warp byte for byte (nearest, linear)", async () => {
  await assertTiledEqualsWhole(2, [1, 4096, 4096], "uint8", [512, 512, 300, 1, 777]);
});

test("256³ uint16: tiled warp (64³ bricks and odd sizes) equals the whole-volume warp byte for byte (nearest, linear)", async () => {
  await assertTiledEqualsWhole(3, [256, 256, 256], "uint16", [64, 64, 37, 1, 100]);
});
