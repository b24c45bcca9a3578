import assert from "node:assert/strict";
import { test } from "node:test";
import { indexToPhysical, physicalToIndex, voxelCount, type Region, type Space, type Vec3 } from "../../src/core/space.js";
import { mapPoints } from "../../src/transforms/registration-transform.js";
import { createTileMapper, mapTileCoordinates } from "../../src/warp/tile-mapper.js";
import { space2d, space3d, transform2d, transform3d } from "./warp-fixtures.js";

/** Moving index of each voxel of `region` by mapPoints, one point at a time (the slow, obvious way). */
function slowCoordinates(t: Parameters<typeof mapPoints>[0], fixed: Space, moving: Space, region: Region, ndim: 2 | 3): Float64Array {
  const n = voxelCount(region.size), out = new Float64Array(ndim * n);
  let i = 0;
  for (let z = 0; z < region.size[0]; z++) {
    for (let y = 0; y < region.size[1]; y++) {
      for (let x = 0; x < region.size[2]; x++, i++) {
        const q = mapPoints(t, Float64Array.from(indexToPhysical(fixed, [region.start[0] + z, region.start[1] + y, region.start[2] + x])));
        const c = physicalToIndex(moving, [q[0]!, q[1]!, q[2]!]);
        if (ndim === 3) out[i] = c[0];
        out[(ndim - 2) * n + i] = c[1];
        out[(ndim - 1) * n + i] = c[2];
      }
    }
  }
  return out;
}

test("mapTileCoordinates equals mapPoints + physicalToIndex per voxel (2D and 3D, affine + displacement)", () => {
  const cases: [2 | 3, Vec3, Space, Space, ReturnType<typeof transform2d>][] = [
    [2, [1, 300, 400], space2d(0.1, [0.8, 1.1], [5.5, -3.2]), space2d(-0.3, [0.9, 1.2], [12, 4]), transform2d([1, 300, 400], space2d(0.1, [0.8, 1.1], [5.5, -3.2]))],
    [3, [30, 40, 50], space3d(), { ...space3d(), spacing: [1, 1.2, 0.8], origin: [3, -2, 1] }, transform3d([30, 40, 50], space3d())],
  ];
  for (const [ndim, , fixed, moving, t] of cases) {
    const m = createTileMapper(t, fixed, moving);
    // A region that runs past the displacement grid on some sides (constant extrapolation there).
    const region: Region = { start: ndim === 3 ? [3, 5, 7] : [0, 17, 23], size: ndim === 3 ? [20, 30, 40] : [1, 250, 360] };
    const fast = new Float64Array(ndim * voxelCount(region.size));
    mapTileCoordinates(m, region, fast);
    const slow = slowCoordinates(t, fixed, moving, region, ndim);
    let worst = 0;
    for (let i = 0; i < fast.length; i++) worst = Math.max(worst, Math.abs(fast[i]! - slow[i]!));
    assert.ok(worst < 1e-9, `${ndim}D: max |fast − slow| = ${worst} voxels`);
    // The displacement matters: without it the coordinates move by more than a voxel somewhere.
    const affineOnly = new Float64Array(fast.length);
    mapTileCoordinates(createTileMapper({ ndim, affine: t.affine }, fixed, moving), region, affineOnly);
    let moved = 0;
    for (let i = 0; i < fast.length; i++) moved = Math.max(moved, Math.abs(fast[i]! - affineOnly[i]!));
    assert.ok(moved > 2, `${ndim}D: displacement moves samples by at most ${moved} voxels`);
  }
});

test("a sub-tile's coordinates are bit-identical to the same voxels of a larger tile", () => {
  const fixed = space3d(), t = transform3d([30, 40, 50], fixed);
  const m = createTileMapper(t, fixed, { ...fixed, spacing: [1, 1, 1] });
  const big: Region = { start: [2, 3, 4], size: [10, 12, 14] }, small: Region = { start: [5, 8, 9], size: [3, 4, 5] };
  const nb = voxelCount(big.size), ns = voxelCount(small.size);
  const cb = new Float64Array(3 * nb), cs = new Float64Array(3 * ns);
  mapTileCoordinates(m, big, cb);
  mapTileCoordinates(m, small, cs);
  let i = 0;
  for (let z = 0; z < 3; z++) {
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 5; x++, i++) {
        const j = ((z + 3) * 12 + (y + 5)) * 14 + (x + 5);
        for (let c = 0; c < 3; c++) assert.ok(Object.is(cs[c * ns + i], cb[c * nb + j]), `voxel ${i} component ${c}`);
      }
    }
  }
});
