import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import type { DType, PixelArray } from "../../src/core/dtype.js";
import { AbortedError, BudgetError, OptionError } from "../../src/core/errors.js";
import { fullRegion, indexToPhysical, physicalToIndex, voxelCount, type Space, type Vec3 } from "../../src/core/space.js";
import { arraySource } from "../../src/io/array-source.js";
import { openImage } from "../../src/io/open.js";
import { affineFromParams, identity4, identityParams } from "../../src/transforms/affine.js";
import type { RegistrationTransform } from "../../src/transforms/registration-transform.js";
import { warpedSource, type WarpOptions } from "../../src/warp/warped-source.js";
import type { Interpolation } from "../../src/kernels/types.js";
import { DATA, HAVE_DATA } from "../helpers/image-fixtures.js";
import {
  identityTransform, randomSource, referenceMeta, sameBytes, space2d, space3d, transform2d, transform3d, wholeAndTiled,
} from "./warp-fixtures.js";

const maxAbsDiff = (a: PixelArray, b: PixelArray) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

const SIZES_2D = [1, 2, 3, 17, 64, 97, 128, 255];
const SIZES_3D = [1, 2, 5, 8, 13, 21];

test("2D: tiled reads give the same bytes as one whole read (nearest, linear; uint8, uint16, float32)", async () => {
  const shape: Vec3 = [1, 500, 700];
  const fixed = space2d(0.1, [0.8, 1.1], [5.5, -3.2]), movingSpace = space2d(-0.05, [0.9, 1.0], [12, 4]);
  const t = transform2d(shape, fixed);
  for (const dtype of ["uint8", "uint16", "float32"] as DType[]) {
    const moving = randomSource(shape, dtype, movingSpace, dtype === "uint8" ? 2 : 1, 3);
    for (const interpolation of ["nearest", "linear"] as Interpolation[]) {
      const make = (o: WarpOptions) => warpedSource(moving, t, referenceMeta(shape, fixed), { interpolation, fill: 7, ...o });
      const { whole, pasted, tiles } = await wholeAndTiled(make, SIZES_2D, 11);
      assert.ok(tiles > 50, `${tiles} tiles`);
      whole.forEach((p, c) => sameBytes(pasted[c]!, p, `${dtype} ${interpolation} channel ${c}`));
      // The warp is not trivial: most voxels map inside, some outside (fill).
      const filled = whole[0]!.filter((v) => v === 7).length;
      assert.ok(filled > 1000 && filled < whole[0]!.length / 2, `${filled} fill voxels`);
    }
  }
});

test("2D cubic: tiled reads match the whole read within 1e-6 of the range (float32) and exactly after rounding (uint8)", async () => {
  const shape: Vec3 = [1, 300, 420];
  const fixed = space2d(0.1, [0.8, 1.1], [5.5, -3.2]), movingSpace = space2d(-0.05, [0.9, 1.0], [12, 4]);
  const t = transform2d(shape, fixed);
  for (const dtype of ["float32", "uint8"] as DType[]) {
    const moving = randomSource(shape, dtype, movingSpace, 1, 5);
    const make = (o: WarpOptions) => warpedSource(moving, t, referenceMeta(shape, fixed), { interpolation: "cubic", ...o });
    const { whole, pasted } = await wholeAndTiled(make, SIZES_2D, 12);
    const d = maxAbsDiff(whole[0]!, pasted[0]!);
    if (dtype === "float32") assert.ok(d <= 2000 * 1e-6, `max difference ${d}`);
    else assert.equal(d, 0, `uint8 max difference ${d}`);
  }
});

test("3D: tiled reads give the same bytes as one whole read (nearest, linear; uint16, float32) and cubic within 1e-6", async () => {
  const shape: Vec3 = [40, 50, 60];
  const fixed = space3d(), movingSpace: Space = { ...space3d(), origin: [-2, 4, -8], spacing: [1.4, 1, 1.05] };
  const t = transform3d(shape, fixed);
  for (const dtype of ["uint16", "float32"] as DType[]) {
    const moving = randomSource(shape, dtype, movingSpace, 1, 9);
    for (const interpolation of ["nearest", "linear", "cubic"] as Interpolation[]) {
      if (interpolation === "cubic" && dtype === "uint16") continue;
      const make = (o: WarpOptions) => warpedSource(moving, t, referenceMeta(shape, fixed), { interpolation, ...o });
      const { whole, pasted } = await wholeAndTiled(make, SIZES_3D, 21);
      if (interpolation === "cubic") {
        const d = maxAbsDiff(whole[0]!, pasted[0]!);
        assert.ok(d <= 2000 * 1e-6, `cubic max difference ${d}`);
      } else {
        sameBytes(pasted[0]!, whole[0]!, `${dtype} ${interpolation}`);
      }
    }
  }
});

test("integer translation (affine or constant displacement) reproduces the moving image shifted exactly", async () => {
  const shape: Vec3 = [1, 60, 80];
  const space: Space = { spacing: [1, 0.5, 0.25], origin: [0, 3, -2], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], units: ["mm", "mm", "mm"] };
  const moving = randomSource(shape, "float32", space, 1, 4);
  const [m] = await moving.read(fullRegion(shape), 0);
  const affine = affineFromParams({ ...identityParams(), translation: [0, 2 * 0.5, -3 * 0.25] }, [0, 0, 0], 2);
  const grid = { ndim: 2 as const, shape: [1, 3, 4] as Vec3, space, data: new Float32Array(24) };
  grid.data.fill(1, 0, 12); // dy = 1.0 physical = 2 rows
  grid.data.fill(-0.75, 12); // dx = −0.75 physical = −3 columns
  const transforms: [string, RegistrationTransform][] = [
    ["affine", { ndim: 2, affine }],
    ["displacement", { ndim: 2, affine: identity4(), displacement: grid }],
  ];
  for (const [name, t] of transforms) {
    for (const interpolation of ["nearest", "linear", "cubic"] as Interpolation[]) {
      const [w] = await warpedSource(moving, t, referenceMeta(shape, space), { interpolation, fill: -1 }).read(fullRegion(shape), 0);
      for (let y = 0; y < shape[1]; y++) {
        for (let x = 0; x < shape[2]; x++) {
          const sy = y + 2, sx = x - 3;
          const want = sy < shape[1] && sx >= 0 ? m![sy * shape[2] + sx]! : -1;
          const got = w![y * shape[2] + x]!;
          const tol = interpolation === "cubic" ? 1e-3 : 0;
          assert.ok(Math.abs(got - want) <= tol, `${name} ${interpolation} (${y}, ${x}): ${got} vs ${want}`);
        }
      }
    }
  }
});

test("identity transform on the same grid gives the moving image back (3 channels, every interpolation)", async () => {
  const shape: Vec3 = [1, 33, 47];
  const space = space2d(0.3, [0.7, 1.3], [-4, 9]);
  const moving = randomSource(shape, "uint8", space, 3, 8);
  const m = await moving.read(fullRegion(shape), 0);
  for (const interpolation of ["nearest", "linear", "cubic"] as Interpolation[]) {
    const w = await warpedSource(moving, identityTransform(2), referenceMeta(shape, space), { interpolation }).read(fullRegion(shape), 0);
    w.forEach((p, c) => sameBytes(p, m[c]!, `${interpolation} channel ${c}`));
  }
  // 3D too, float32, linear and nearest exactly
  const shape3: Vec3 = [6, 7, 9];
  const m3 = randomSource(shape3, "float32", space3d(), 1, 2);
  const [want] = await m3.read(fullRegion(shape3), 0);
  for (const interpolation of ["nearest", "linear"] as Interpolation[]) {
    const [got] = await warpedSource(m3, identityTransform(3), referenceMeta(shape3, space3d()), { interpolation }).read(fullRegion(shape3), 0);
    sameBytes(got!, want!, `3D ${interpolation}`);
    // One plane at a time (as the TIFF writer reads volumes): nearest then reads one moving plane, a 2D window.
    const [plane] = await warpedSource(m3, identityTransform(3), referenceMeta(shape3, space3d()), { interpolation }).read({ start: [2, 0, 0], size: [1, 7, 9] }, 0);
    sameBytes(plane!, want!.subarray(2 * 63, 3 * 63), `3D ${interpolation} plane 2`);
  }
});

test("an aborted signal stops a read with an AbortedError", async () => {
  const shape: Vec3 = [1, 64, 64];
  const space = space2d(0, [1, 1], [0, 0]);
  const w = warpedSource(randomSource(shape, "uint8", space), identityTransform(2), referenceMeta(shape, space), { tileVoxels: 256 });
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(w.read(fullRegion(shape), 0, { signal: ac.signal }), (e: unknown) => e instanceof AbortedError && /reading warped:moving\.mem: aborted/.test(e.message));
});

test("a moving image flipped by direction diag(−1, −1) is sampled at the mirrored pixels", async () => {
  const shape: Vec3 = [1, 21, 34];
  const fixed: Space = { spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], units: ["mm", "mm", "mm"] };
  const flipped: Space = { ...fixed, origin: [0, shape[1] - 1, shape[2] - 1], direction: [1, 0, 0, 0, -1, 0, 0, 0, -1] };
  const moving = randomSource(shape, "int16" as DType, flipped, 1, 6);
  const [m] = await moving.read(fullRegion(shape), 0);
  for (const interpolation of ["nearest", "linear"] as Interpolation[]) {
    const [w] = await warpedSource(moving, identityTransform(2), referenceMeta(shape, fixed), { interpolation }).read(fullRegion(shape), 0);
    for (let y = 0; y < shape[1]; y++) {
      for (let x = 0; x < shape[2]; x++) {
        assert.equal(w![y * shape[2] + x], m![(shape[1] - 1 - y) * shape[2] + (shape[2] - 1 - x)], `${interpolation} (${y}, ${x})`);
      }
    }
  }
});

test("different spacing, origin and direction: nearest samples equal an independent per-pixel computation", async () => {
  const shape: Vec3 = [1, 120, 150], mshape: Vec3 = [1, 140, 130];
  const fixed = space2d(0.25, [0.8, 1.2], [10, -20]), movingSpace = space2d(-0.4, [1.1, 0.9], [-15, 30]);
  const t = transform2d(shape, fixed);
  const moving = randomSource(mshape, "uint16", movingSpace, 1, 7);
  const [m] = await moving.read(fullRegion(mshape), 0);
  const [w] = await warpedSource(moving, t, referenceMeta(shape, fixed), { interpolation: "nearest", fill: 1 }).read(fullRegion(shape), 0);
  const { mapPoints } = await import("../../src/transforms/registration-transform.js");
  let checked = 0, inside = 0;
  for (let y = 0; y < shape[1]; y++) {
    for (let x = 0; x < shape[2]; x++) {
      const q = mapPoints(t, Float64Array.from(indexToPhysical(fixed, [0, y, x])));
      const [, cy, cx] = physicalToIndex(movingSpace, [q[0]!, q[1]!, q[2]!]);
      const tie = (v: number) => Math.abs(v - Math.floor(v) - 0.5) < 1e-6;
      if (tie(cy) || tie(cx)) continue; // rounding and the image border are decided at half-integers

      const ry = Math.round(cy), rx = Math.round(cx);
      const isInside = cy >= -0.5 && cy <= mshape[1] - 0.5 && cx >= -0.5 && cx <= mshape[2] - 0.5;
      const want = isInside ? m![Math.min(ry, mshape[1] - 1) * mshape[2] + Math.min(rx, mshape[2] - 1)]! : 1;
      assert.equal(w![y * shape[2] + x], want, `(${y}, ${x}) → (${cy}, ${cx})`);
      checked++;
      if (isInside) inside++;
    }
  }
  assert.ok(checked > 0.99 * voxelCount(shape) && inside > 0.5 * checked, `${checked} checked, ${inside} inside`);
});

test("the real spine pair (moving flipped, other spacing and origin): identity warp samples the right pixels", { skip: !HAVE_DATA }, async () => {
  const fixedImage = await openImage(join(DATA, "itk_course_spine_mr_t1_t2", "fixed.nrrd"));
  const moving = await openImage(join(DATA, "itk_course_spine_mr_t1_t2", "moving.nrrd"));
  try {
    const fs = fixedImage.meta.space, ms = moving.meta.space, mshape = moving.meta.levels[0]!.shape;
    assert.ok(ms.direction[4]! < 0 && ms.direction[8]! < 0, "moving direction is flipped");
    const [m] = await moving.read(fullRegion(mshape), 0);
    const warped = warpedSource(moving, identityTransform(2), fixedImage, { interpolation: "nearest", fill: -1 });
    assert.deepEqual(warped.meta.levels[0]!.shape, fixedImage.meta.levels[0]!.shape);
    assert.equal(warped.meta.dtype, moving.meta.dtype);
    const shape = warped.meta.levels[0]!.shape;
    const [w] = await warped.read(fullRegion(shape), 0);
    let inside = 0;
    for (let y = 0; y < shape[1]; y += 3) {
      for (let x = 0; x < shape[2]; x += 3) {
        const [, cy, cx] = physicalToIndex(ms, indexToPhysical(fs, [0, y, x]));
        if (Math.abs(cy - Math.floor(cy) - 0.5) < 1e-6 || Math.abs(cx - Math.floor(cx) - 0.5) < 1e-6) continue;
        const ok = cy >= -0.5 && cy <= mshape[1] - 0.5 && cx >= -0.5 && cx <= mshape[2] - 0.5;
        const want = ok ? m![Math.min(Math.round(cy), mshape[1] - 1) * mshape[2] + Math.min(Math.round(cx), mshape[2] - 1)]! : -1;
        assert.equal(w![y * shape[2] + x], want, `(${y}, ${x})`);
        if (ok) inside++;
      }
    }
    assert.ok(inside > 1000, `${inside} inside samples`);
  } finally {
    await fixedImage.close();
    await moving.close();
  }
});

test("a coarser reference level: identity warp of the same image averages 2×2 blocks (linear at level-1 centres)", async () => {
  const shape: Vec3 = [1, 16, 20];
  const space = space2d(0.2, [0.5, 0.75], [1, 2]);
  const moving = randomSource(shape, "float32", space, 1, 3);
  const [m] = await moving.read(fullRegion(shape), 0);
  const ref = referenceMeta(shape, space);
  ref.meta.levels.push({ shape: [1, 8, 10], scale: [1, 2, 2] });
  const warped = warpedSource(moving, identityTransform(2), ref, { level: 1 });
  assert.deepEqual(warped.meta.levels, [{ shape: [1, 8, 10], scale: [1, 1, 1] }]);
  assert.deepEqual(warped.meta.space.spacing, [1, 1, 1.5]);
  const [w] = await warped.read(fullRegion([1, 8, 10]), 0);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 10; x++) {
      const at = (yy: number, xx: number) => m![yy * 20 + xx]!;
      const want = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
      assert.ok(Math.abs(w![y * 10 + x]! - want) < 1e-3, `(${y}, ${x}): ${w![y * 10 + x]} vs ${want}`);
    }
  }
});

test("uint32 labels above 2^24 keep their exact values under nearest (labels: true), and channels select and rename", async () => {
  const shape: Vec3 = [1, 40, 50];
  const space = space2d(0, [1, 1], [0, 0]);
  const n = voxelCount(shape);
  const labels = new Uint32Array(n).map((_, i) => 4294967295 - i * 3);
  const other = new Uint32Array(n).map((_, i) => 16777217 + i);
  const moving = arraySource({ shape, dtype: "uint32", planes: [labels, other], channels: ["labels", "ids"], space });
  const t: RegistrationTransform = { ndim: 2, affine: affineFromParams({ ...identityParams(), rotation: [0, 0, 0.3] }, [0, 20, 25], 2) };
  const warped = warpedSource(moving, t, referenceMeta(shape, space), { labels: true, channels: [1, 0] });
  assert.deepEqual(warped.meta.channels, ["ids", "labels"]);
  const [ids, labs] = await warped.read(fullRegion(shape), 0);
  const inLabels = new Set(labels), inIds = new Set(other);
  for (let i = 0; i < n; i++) {
    assert.ok(labs![i] === 0 || inLabels.has(labs![i]!), `label ${labs![i]} at ${i} is not an input label`);
    assert.ok(ids![i] === 0 || inIds.has(ids![i]!), `id ${ids![i]} at ${i} is not an input id`);
  }
  const [only] = await warped.read({ start: [0, 10, 10], size: [1, 5, 5] }, 0, { channels: [1] });
  assert.equal(only!.length, 25);
  assert.ok(only!.every((v) => inLabels.has(v)));
});

test("a window over maxWindowVoxels is refused with a BudgetError naming the tile and the window", async () => {
  const shape: Vec3 = [1, 200, 200];
  const space = space2d(0, [1, 1], [0, 0]);
  const moving = randomSource(shape, "uint8", space);
  const zoomOut: RegistrationTransform = { ndim: 2, affine: affineFromParams({ ...identityParams(), zoom: [1, 8, 8] }, [0, 0, 0], 2) };
  const warped = warpedSource(moving, zoomOut, referenceMeta(shape, space), { maxWindowVoxels: 10000 });
  await assert.rejects(warped.read({ start: [0, 0, 0], size: [1, 20, 20] }, 0), (e: unknown) => {
    assert.ok(e instanceof BudgetError);
    assert.match(e.message, /tile 0:1,0:20,0:20 needs moving window 0:1,0:154,0:154 at level 0 of moving\.mem \(23716 voxels, over maxWindowVoxels 10000/);
    return true;
  });
});

test("bad options are rejected with messages that name them", async () => {
  const shape: Vec3 = [1, 10, 10];
  const space = space2d(0, [1, 1], [0, 0]);
  const m = randomSource(shape, "uint8", space, 2);
  const ref = referenceMeta(shape, space);
  const t = identityTransform(2);
  const cases: [WarpOptions | RegistrationTransform, RegExp][] = [
    [{ level: 1 }, /^level: got 1; expected a level of the reference fixed\.mem, 0\.\.0$/],
    [{ interpolation: "bicubic" as Interpolation }, /^interpolation: got "bicubic"; expected one of nearest, linear, cubic$/],
    [{ labels: true, interpolation: "linear" }, /^interpolation: got "linear"; expected "nearest" for a label image/],
    [{ channels: [2] }, /^channels: got 2; expected channel indices 0\.\.1 of moving\.mem$/],
    [{ channels: [] }, /^channels: got \[\]; expected at least one/],
    [{ fill: 300 }, /^fill: got 300; expected an integer in \[0, 255\] \(the moving image is uint8\)$/],
    [{ fill: 0.5 }, /^fill: got 0\.5/],
    [{ cubicMargin: 4 }, /^cubicMargin: got 4; expected no value unless interpolation is "cubic"/],
    [{ interpolation: "cubic", cubicMargin: -1 }, /^cubicMargin: got -1/],
    [{ maxWindowVoxels: 0 }, /^maxWindowVoxels: got 0; expected a positive integer$/],
    [{ tileVoxels: 1.5 }, /^tileVoxels: got 1\.5/],
    [identityTransform(3), /^transform\.ndim: got 3; expected the dimension of both images \(moving moving\.mem: 2D, reference fixed\.mem: 2D\)$/],
  ];
  for (const [o, re] of cases) {
    const isTransform = "affine" in o;
    assert.throws(() => warpedSource(m, isTransform ? (o as RegistrationTransform) : t, ref, isTransform ? {} : (o as WarpOptions)), (e: unknown) => {
      assert.ok(e instanceof OptionError, String(e));
      assert.match(e.message, re);
      return true;
    });
  }
  const w = warpedSource(m, t, ref);
  assert.equal(w.meta.path, "warped:moving.mem");
  await assert.rejects(w.read({ start: [0, 0, 0], size: [1, 11, 1] }, 0), /region: got "0:1,0:11,0:1"/);
});

test("nearest and linear warps equal resampleAt over the whole moving image + castSamples, byte for byte (affine and grid, 2D and 3D, every float32-exact dtype)", async () => {
  const { createTileMapper, mapTileCoordinates } = await import("../../src/warp/tile-mapper.js");
  const { clipToImage } = await import("../../src/warp/moving-window.js");
  const { resampleAt } = await import("../../src/kernels/resample-at.js");
  const { castSamples, toFloat32 } = await import("../../src/warp/cast-samples.js");
  const f2 = space2d(0.1, [0.8, 1.1], [5.5, -3.2]), m2 = space2d(-0.05, [0.9, 1.0], [12, 4]);
  const m3: Space = { ...space3d(), origin: [-2, 4, -8], spacing: [1.4, 1, 1.05] };
  const s2: Vec3 = [1, 301, 517], s3: Vec3 = [23, 31, 37];
  const affineOnly = (t: RegistrationTransform): RegistrationTransform => ({ ndim: t.ndim, affine: t.affine });
  // A shift within planes only: a nearest warp of a one-plane piece reads a one-plane window (sampled in 2D).
  const inPlane: RegistrationTransform = { ndim: 3, affine: affineFromParams({ ...identityParams(), translation: [0.3, 2.7, -1.2] }, [0, 0, 0], 3) };
  const cases: [2 | 3, Vec3, Space, Space, RegistrationTransform, DType, number][] = [
    [3, s3, space3d(), space3d(), inPlane, "uint16", 2],
    [2, s2, f2, m2, transform2d(s2, f2), "uint8", 3],
    [2, s2, f2, m2, transform2d(s2, f2, false), "uint16", 2],
    [2, s2, f2, m2, transform2d(s2, f2), "int8", 1],
    [2, s2, f2, m2, transform2d(s2, f2), "float32", 1],
    [3, s3, space3d(), m3, transform3d(s3, space3d()), "int16", 1],
    [3, s3, space3d(), m3, affineOnly(transform3d(s3, space3d())), "uint8", 2],
    [3, s3, space3d(), m3, transform3d(s3, space3d()), "float32", 1],
  ];
  for (const [ndim, shape, fixed, movingSpace, t, dtype, channels] of cases) {
    const moving = randomSource(shape, dtype, movingSpace, channels, 5);
    const planes = await moving.read(fullRegion(shape), 0);
    const n = voxelCount(shape), coords = new Float64Array(ndim * n);
    mapTileCoordinates(createTileMapper(t, fixed, movingSpace), fullRegion(shape), coords);
    clipToImage(coords, n, ndim, shape);
    for (const interpolation of ["nearest", "linear"] as Interpolation[]) {
      // Odd pieces (tileVoxels 5000) so pieces, windows and chunks all fall at awkward places.
      const got = await warpedSource(moving, t, referenceMeta(shape, fixed), { interpolation, fill: 3, tileVoxels: 5000 }).read(fullRegion(shape), 0);
      planes.forEach((p, c) => {
        const want = castSamples(resampleAt({ data: toFloat32(p), shape }, { data: coords, shape, ndim }, { interpolation, fill: 3 }).image.data, dtype);
        sameBytes(got[c]!, want, `${ndim}D ${dtype} ${interpolation} channel ${c}`);
      });
      if (ndim === 3) {
        const [, ny, nx] = shape, plane = { start: [7, 0, 0] as Vec3, size: [1, ny, nx] as Vec3 };
        const one = await warpedSource(moving, t, referenceMeta(shape, fixed), { interpolation, fill: 3 }).read(plane, 0);
        planes.forEach((p, c) => {
          const want = castSamples(resampleAt({ data: toFloat32(p), shape }, { data: coords, shape, ndim }, { interpolation, fill: 3 }).image.data, dtype);
          sameBytes(one[c]!, want.subarray(7 * ny * nx, 8 * ny * nx), `${ndim}D ${dtype} ${interpolation} channel ${c}, one plane`);
        });
      }
    }
  }
});

test("on the worker pool (mapping, sampling, recycled buffers) a many-piece warp gives the reference kernels' bytes", async () => {
  const { createPool } = await import("../../src/compute/cpu/pool.js");
  const { cpuKernels } = await import("../../src/compute/cpu/cpu-kernels.js");
  const pool = createPool(2);
  try {
    const shape: Vec3 = [1, 700, 900], fixed = space2d(0.1, [0.8, 1.1], [5.5, -3.2]);
    const moving = randomSource(shape, "uint8", space2d(-0.05, [0.9, 1.0], [12, 4]), 3, 8);
    const t = transform2d(shape, fixed);
    for (const interpolation of ["nearest", "linear"] as Interpolation[]) {
      // About 130 pieces of 5000 voxels, most of one size: the pool's buffers are handed back and reused many times.
      const options: WarpOptions = { interpolation, fill: 9, tileVoxels: 5000 };
      const want = await warpedSource(moving, t, referenceMeta(shape, fixed), options).read(fullRegion(shape), 0);
      const kernels = cpuKernels(pool);
      for (let round = 0; round < 2; round++) {
        const got = await warpedSource(moving, t, referenceMeta(shape, fixed), { ...options, kernels }).read(fullRegion(shape), 0);
        got.forEach((p, c) => sameBytes(p, want[c]!, `${interpolation} round ${round} channel ${c}`));
        kernels.release(new Float64Array(8), want[0]!); // arrays the backend did not make are ignored
      }
    }
  } finally {
    await pool.close();
  }
});
