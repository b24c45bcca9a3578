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

/**
 * The 2D displaced row as first written: every voxel's grid cell, weights and bilinear displacement computed afresh.
 * mapTileCoordinates reuses the cell and the row's y weights; its values must be these, bit for bit.
 */
function plainDisplaced2d(m: ReturnType<typeof createTileMapper>, region: Region): Float64Array {
  const { k, l } = m, g = m.g!, grid = m.grid!, [, ny, nx] = grid.shape, d = grid.data, plane = ny * nx;
  const [, y0, x0] = region.start, [, dy, dx] = region.size, n = dy * dx, out = new Float64Array(2 * n);
  const my = Math.max(ny - 2, 0), mx = Math.max(nx - 2, 0), sy = ny > 1 ? nx : 0, sx = nx > 1 ? 1 : 0;
  let o = 0;
  for (let y = y0; y < y0 + dy; y++) {
    const by = k[4]! * 0 + k[5]! * y + k[7]!, bx = k[8]! * 0 + k[9]! * y + k[11]!;
    const gyb = g[4]! * 0 + g[5]! * y + g[7]!, gxb = g[8]! * 0 + g[9]! * y + g[11]!;
    for (let x = x0; x < x0 + dx; x++, o++) {
      let gy = gyb + g[6]! * x, gx = gxb + g[10]! * x;
      gy = gy < 0 ? 0 : gy > ny - 1 ? ny - 1 : gy;
      gx = gx < 0 ? 0 : gx > nx - 1 ? nx - 1 : gx;
      const iy = Math.min(Math.floor(gy), my), ix = Math.min(Math.floor(gx), mx);
      const fy = ny > 1 ? gy - iy : 0, fx = nx > 1 ? gx - ix : 0, hy = 1 - fy, hx = 1 - fx;
      const b = iy * nx + ix, b1 = b + plane;
      const ddy = (d[b]! * hx + d[b + sx]! * fx) * hy + (d[b + sy]! * hx + d[b + sy + sx]! * fx) * fy;
      const ddx = (d[b1]! * hx + d[b1 + sx]! * fx) * hy + (d[b1 + sy]! * hx + d[b1 + sy + sx]! * fx) * fy;
      out[o] = by + k[6]! * x + (l[4]! * ddy + l[5]! * ddx);
      out[n + o] = bx + k[10]! * x + (l[7]! * ddy + l[8]! * ddx);
    }
  }
  return out;
}

test("2D displaced coordinates are bit-identical to the plain per-voxel formula (grid aligned with the output, and rotated)", () => {
  const fixed = space2d(0.1, [0.8, 1.1], [5.5, -3.2]);
  const base = transform2d([1, 300, 400], fixed);
  const aligned = { ...base, displacement: { ...base.displacement!, space: { ...base.displacement!.space, direction: fixed.direction } } };
  for (const t of [base, aligned]) {
    const m = createTileMapper(t, fixed, space2d(-0.3, [0.9, 1.2], [12, 4]));
    for (const region of [{ start: [0, -40, -30], size: [1, 380, 470] }, { start: [0, 17, 23], size: [1, 3, 701] }] as Region[]) {
      const fast = new Float64Array(2 * voxelCount(region.size));
      mapTileCoordinates(m, region, fast);
      const plain = plainDisplaced2d(m, region);
      for (let i = 0; i < fast.length; i++) assert.ok(Object.is(fast[i], plain[i]), `value ${i}: ${fast[i]} vs ${plain[i]}`);
    }
  }
});

/** The displacement of transform2d/3d reinterpreted as a velocity field or as B-spline coefficients on the same grid. */
function asKind(t: ReturnType<typeof transform2d>, kind: "velocity" | "bspline"): ReturnType<typeof transform2d> {
  const { displacement, ...rest } = t;
  return kind === "velocity" ? { ...rest, velocity: displacement! } : { ...rest, bspline: displacement! };
}

for (const kind of ["velocity", "bspline"] as const) {
  test(`mapTileCoordinates equals mapPoints + physicalToIndex per voxel for a ${kind} transform (2D and 3D)`, () => {
    const cases: [2 | 3, Space, Space, ReturnType<typeof transform2d>, Region][] = [
      [2, space2d(0.1, [0.8, 1.1], [5.5, -3.2]), space2d(-0.3, [0.9, 1.2], [12, 4]), asKind(transform2d([1, 300, 400], space2d(0.1, [0.8, 1.1], [5.5, -3.2])), kind), { start: [0, 17, 23], size: [1, 120, 150] }],
      [3, space3d(), { ...space3d(), spacing: [1, 1.2, 0.8], origin: [3, -2, 1] }, asKind(transform3d([30, 40, 50], space3d()), kind), { start: [3, 5, 7], size: [12, 14, 16] }],
      // The deformation's grid turned against the output grid: no row of output voxels keeps one knot row.
      [2, space2d(0.1, [0.8, 1.1], [5.5, -3.2]), space2d(-0.3, [0.9, 1.2], [12, 4]), asKind(transform2d([1, 300, 400], space2d(0.4, [0.8, 1.1], [5.5, -3.2])), kind), { start: [0, 17, 23], size: [1, 120, 150] }],
    ];
    for (const [ndim, fixed, moving, t, region] of cases) {
      const m = createTileMapper(t, fixed, moving);
      const fast = new Float64Array(ndim * voxelCount(region.size));
      mapTileCoordinates(m, region, fast);
      const slow = slowCoordinates(t, fixed, moving, region, ndim);
      let worst = 0;
      for (let i = 0; i < fast.length; i++) worst = Math.max(worst, Math.abs(fast[i]! - slow[i]!));
      assert.ok(worst < 1e-9, `${kind} ${ndim}D: max |tile − mapPoints| = ${worst} voxels`);
      const affineOnly = new Float64Array(fast.length);
      mapTileCoordinates(createTileMapper({ ndim, affine: t.affine }, fixed, moving), region, affineOnly);
      let moved = 0;
      for (let i = 0; i < fast.length; i++) moved = Math.max(moved, Math.abs(fast[i]! - affineOnly[i]!));
      assert.ok(moved > 1, `${kind} ${ndim}D: the deformation moves samples by at most ${moved} voxels`);
    }
  });
}

test("createTileMapper refuses a transform with two deformation kinds", () => {
  const t = transform2d([1, 30, 40], space2d(0, [1, 1], [0, 0]));
  assert.throws(() => createTileMapper({ ...t, velocity: t.displacement! }, space2d(0, [1, 1], [0, 0]), space2d(0, [1, 1], [0, 0])),
    /transform: got "displacement \+ velocity"; expected at most one deformation/);
});
