import assert from "node:assert/strict";
import { test } from "node:test";
import { indexToPhysical, physicalToIndex, voxelCount, type ImageMeta, type Region, type Space, type Vec3 } from "../../src/core/space.js";
import type { Source } from "../../src/core/source.js";
import { arraySource } from "../../src/io/array-source.js";
import type { Interpolation } from "../../src/kernels/types.js";
import { affineFromParams, identityParams } from "../../src/transforms/affine.js";
import { mapPoints, type RegistrationTransform } from "../../src/transforms/registration-transform.js";
import { clipToImage, movingWindow } from "../../src/warp/moving-window.js";
import { DEFAULT_CUBIC_MARGIN, splitRegion, warpedSource } from "../../src/warp/warped-source.js";
import { randomPlane, randomSource, recorded, referenceMeta, space2d, space3d, transform2d, transform3d } from "./warp-fixtures.js";

/** Per axis [lo, hi] (inclusive): the bounding box of the tile's mapped positions inside the moving image, computed point by point. */
function independentBounds(t: RegistrationTransform, fixed: Space, moving: Space, mshape: Vec3, tile: Region): [Vec3, Vec3] | undefined {
  const lo: Vec3 = [Infinity, Infinity, Infinity], hi: Vec3 = [-Infinity, -Infinity, -Infinity];
  let any = false;
  for (let z = 0; z < tile.size[0]; z++) {
    for (let y = 0; y < tile.size[1]; y++) {
      for (let x = 0; x < tile.size[2]; x++) {
        const q = mapPoints(t, Float64Array.from(indexToPhysical(fixed, [tile.start[0] + z, tile.start[1] + y, tile.start[2] + x])));
        const c = physicalToIndex(moving, [q[0]!, q[1]!, q[2]!]);
        if (mshape[0] === 1) c[0] = 0;
        if (!c.every((v, a) => v >= -0.5 && v <= mshape[a]! - 0.5)) continue;
        any = true;
        for (let a = 0; a < 3; a++) {
          lo[a] = Math.min(lo[a]!, c[a]!);
          hi[a] = Math.max(hi[a]!, c[a]!);
        }
      }
    }
  }
  return any ? [lo, hi] : undefined;
}

const SUPPORT: Record<Interpolation, number> = { nearest: 0, linear: 1, cubic: 2 + DEFAULT_CUBIC_MARGIN };
const EPS = 1e-7;

/** Asserts `read` lies within bounds ± support (clipped) and covers the integer voxels the bounds span. */
function assertWindow(read: Region, b: [Vec3, Vec3], mshape: Vec3, interpolation: Interpolation, what: string): void {
  const s = SUPPORT[interpolation];
  for (let a = 0; a < 3; a++) {
    const r0 = read.start[a]!, r1 = r0 + read.size[a]! - 1;
    const allowed0 = Math.max(0, Math.floor(b[0][a]! - EPS) - s), allowed1 = Math.min(mshape[a]! - 1, Math.ceil(b[1][a]! + EPS) + s);
    assert.ok(r0 >= allowed0 && r1 <= allowed1, `${what} axis ${a}: read ${r0}..${r1} exceeds ${allowed0}..${allowed1}`);
    const needed0 = Math.max(0, Math.ceil(b[0][a]! + EPS)), needed1 = Math.min(mshape[a]! - 1, Math.floor(b[1][a]! - EPS));
    if (needed0 <= needed1) assert.ok(r0 <= needed0 && r1 >= needed1, `${what} axis ${a}: read ${r0}..${r1} misses ${needed0}..${needed1}`);
  }
}

test("each read of the moving image lies within the bounding box of all mapped positions + support (2D, 3D)", async () => {
  const shape2: Vec3 = [1, 200, 260], fixed2 = space2d(0.1, [0.8, 1.1], [5.5, -3.2]), ms2 = space2d(-0.05, [0.9, 1.0], [12, 4]);
  const shape3: Vec3 = [20, 24, 28], fixed3 = space3d(), ms3: Space = { ...space3d(), origin: [-2, 4, -8] };
  const cases: [Vec3, Space, Space, RegistrationTransform, Region[]][] = [
    [shape2, fixed2, ms2, transform2d(shape2, fixed2), [
      { start: [0, 0, 0], size: [1, 64, 64] }, { start: [0, 50, 70], size: [1, 33, 91] }, { start: [0, 199, 259], size: [1, 1, 1] },
      { start: [0, 100, 0], size: [1, 1, 260] }, { start: [0, 0, 130], size: [1, 200, 1] }, { start: [0, 150, 200], size: [1, 50, 60] },
    ]],
    [shape3, fixed3, ms3, transform3d(shape3, fixed3), [
      { start: [0, 0, 0], size: [8, 8, 8] }, { start: [5, 7, 9], size: [1, 13, 11] }, { start: [19, 23, 27], size: [1, 1, 1] },
      { start: [10, 0, 0], size: [10, 24, 28] },
    ]],
  ];
  for (const [shape, fixed, ms, t, tiles] of cases) {
    const { source, reads } = recorded(randomSource(shape, "uint8", ms, 2));
    for (const interpolation of ["nearest", "linear", "cubic"] as Interpolation[]) {
      const warped = warpedSource(source, t, referenceMeta(shape, fixed), { interpolation, tileVoxels: Infinity });
      for (const tile of tiles) {
        reads.length = 0;
        await warped.read(tile, 0);
        const b = independentBounds(t, fixed, ms, shape, tile);
        if (!b) {
          assert.equal(reads.length, 0);
          continue;
        }
        assert.equal(reads.length, 1, "one moving read per tile");
        assert.equal(reads[0]!.level, 0);
        assertWindow(reads[0]!.region, b, shape, interpolation, `${shape[0] > 1 ? 3 : 2}D ${interpolation} tile ${JSON.stringify(tile)}`);
      }
    }
  }
});

test("a bulging displacement: the window covers the tile's middle, which the corners alone would miss", async () => {
  const shape: Vec3 = [1, 100, 100];
  const space = space2d(0, [1, 1], [0, 0]);
  // d(p) is zero on the border of the grid and pushes the middle 12 voxels along +x.
  const data = new Float32Array(2 * 9);
  data[9 + 4] = 12;
  const t: RegistrationTransform = {
    ndim: 2, affine: affineFromParams(identityParams(), [0, 0, 0], 2),
    displacement: { ndim: 2, shape: [1, 3, 3], space: { ...space, spacing: [1, 20, 20], origin: [0, 30, 30] }, data },
  };
  const { source, reads } = recorded(randomSource(shape, "uint8", space));
  const tile: Region = { start: [0, 40, 20], size: [1, 21, 31] }; // y 40..60, x 20..50
  await warpedSource(source, t, referenceMeta(shape, space), { interpolation: "linear" }).read(tile, 0);
  const r = reads[0]!.region;
  const all = independentBounds(t, space, space, shape, tile)!;
  let cornerMax = -Infinity;
  for (const y of [40, 60]) for (const x of [20, 50]) cornerMax = Math.max(cornerMax, independentBounds(t, space, space, shape, { start: [0, y, x], size: [1, 1, 1] })![1][2]);
  // The corners reach x = 56 (at y = 40, 60), the edge's middle (50, 50) reaches 62.
  assert.ok(Math.abs(cornerMax - 56) < 1e-9 && Math.abs(all[1][2] - 62) < 1e-9, `corners ${cornerMax}, all ${all[1][2]}`);
  assert.ok(r.start[2] + r.size[2] - 1 >= 63, `read x ${r.start[2]}..${r.start[2] + r.size[2] - 1} misses the bulge at x = 62`);
});

test("a tile that maps entirely outside reads nothing and is all fill; a partly outside one reads a clipped window", async () => {
  const shape: Vec3 = [1, 64, 64];
  const space = space2d(0, [1, 1], [0, 0]);
  const { source, reads } = recorded(randomSource(shape, "uint16", space));
  const far: RegistrationTransform = { ndim: 2, affine: affineFromParams({ ...identityParams(), translation: [0, 1e4, 0] }, [0, 0, 0], 2) };
  const [p] = await warpedSource(source, far, referenceMeta(shape, space), { fill: 9 }).read({ start: [0, 0, 0], size: [1, 64, 64] }, 0);
  assert.equal(reads.length, 0);
  assert.ok(p!.every((v) => v === 9));
  const half: RegistrationTransform = { ndim: 2, affine: affineFromParams({ ...identityParams(), translation: [0, 40, -10] }, [0, 0, 0], 2) };
  const [q] = await warpedSource(source, half, referenceMeta(shape, space), { fill: 9 }).read({ start: [0, 0, 0], size: [1, 64, 64] }, 0);
  assert.deepEqual(reads.map((r) => r.region), [{ start: [0, 40, 0], size: [1, 24, 55] }]); // x 0..53 inside, + the linear tap at 54
  assert.equal(q!.filter((v) => v === 9).length, 64 * 64 - 24 * 54);
});

test("output level 1 reads the moving image's matching pyramid level, not level 0", async () => {
  const shape: Vec3 = [1, 64, 64];
  const space = space2d(0, [1, 1], [0, 0]);
  const l0 = arraySource({ shape, dtype: "uint8", planes: [randomPlane("uint8", 64 * 64, 1)], space });
  const l1 = arraySource({ shape: [1, 32, 32], dtype: "uint8", planes: [randomPlane("uint8", 32 * 32, 2)], space });
  const meta: ImageMeta = { ...l0.meta, levels: [l0.meta.levels[0]!, { shape: [1, 32, 32], scale: [1, 2, 2] }] };
  const pyramid: Source = { meta, read: (r, level, o) => (level === 0 ? l0 : l1).read(r, 0, o), close: async () => {} };
  const { source, reads } = recorded(pyramid);
  const ref = referenceMeta(shape, space);
  ref.meta.levels.push({ shape: [1, 32, 32], scale: [1, 2, 2] });
  const t: RegistrationTransform = { ndim: 2, affine: affineFromParams(identityParams(), [0, 0, 0], 2) };
  const [w] = await warpedSource(source, t, ref, { level: 1, interpolation: "nearest" }).read({ start: [0, 0, 0], size: [1, 32, 32] }, 0);
  assert.deepEqual(reads.map((r) => r.level), [1]);
  const [want] = await l1.read({ start: [0, 0, 0], size: [1, 32, 32] }, 0);
  assert.deepEqual(w, want);
});

test("movingWindow: nearest rounds, linear takes ⌊c⌋..⌊c⌋+1 and keeps 2 voxels at the border, cubic adds 1..2 + margin", () => {
  const shape: Vec3 = [1, 10, 10];
  const b = (lo: number, hi: number) => ({ min: [0, lo, lo] as Vec3, max: [0, hi, hi] as Vec3, inside: 1 });
  assert.deepEqual(movingWindow(b(2.4, 5.6), shape, "nearest", 0), { start: [0, 2, 2], size: [1, 5, 5] });
  assert.deepEqual(movingWindow(b(2.4, 5.6), shape, "linear", 0), { start: [0, 2, 2], size: [1, 5, 5] });
  assert.deepEqual(movingWindow(b(9.2, 9.5), shape, "linear", 0), { start: [0, 8, 8], size: [1, 2, 2] });
  assert.deepEqual(movingWindow(b(-0.5, -0.2), shape, "linear", 0), { start: [0, 0, 0], size: [1, 2, 2] });
  assert.deepEqual(movingWindow(b(4.5, 4.7), shape, "cubic", 1), { start: [0, 2, 2], size: [1, 6, 6] });
  assert.deepEqual(movingWindow(b(0.1, 8.9), shape, "cubic", 3), { start: [0, 0, 0], size: [1, 10, 10] });
});

test("clipToImage marks positions outside −0.5 ≤ c ≤ n − 0.5 as NaN and bounds the rest", () => {
  const c = Float64Array.from([-0.5, 3, 9.5, 9.6, 1, -0.51, 2, 2, 4, 4, 10, 1]); // 2D: y plane then x plane, n = 6
  const b = clipToImage(c, 6, 2, [1, 10, 10])!;
  assert.deepEqual(b, { min: [0, -0.5, 2], max: [0, 9.5, 4], inside: 3 });
  assert.deepEqual([...c].map((v) => (Number.isNaN(v) ? "NaN" : v)), [-0.5, 3, 9.5, "NaN", "NaN", "NaN", 2, 2, 4, "NaN", "NaN", "NaN"]);
  assert.equal(clipToImage(Float64Array.from([20, 20]), 1, 2, [1, 10, 10]), undefined);
});

test("splitRegion tiles a region in pieces of at most maxVoxels, halving the longest axis", () => {
  const r: Region = { start: [3, 10, 20], size: [5, 300, 1000] };
  const pieces = splitRegion(r, 2 ** 16);
  let total = 0;
  for (const p of pieces) {
    assert.ok(voxelCount(p.size) <= 2 ** 16);
    total += voxelCount(p.size);
  }
  assert.equal(total, voxelCount(r.size));
  assert.deepEqual(pieces[0], { start: [3, 10, 20], size: [5, 75, 125] });
  assert.deepEqual(splitRegion(r, Infinity), [r]);
});
