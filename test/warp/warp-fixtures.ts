// Shared fixtures of the warp tests: awkward frames, affine + smooth displacement transforms, seeded moving images,
// a read recorder, random tilings, a whole-vs-tiled reader and a byte comparison. Nothing here is a test by itself.

import assert from "node:assert/strict";
import { allocatePixels, dtypeRange, isFloat, pixelBytes, type DType, type PixelArray } from "../../src/core/dtype.js";
import type { ReadOptions, Source } from "../../src/core/source.js";
import { fullRegion, voxelCount, type ImageMeta, type Region, type Space, type Vec3 } from "../../src/core/space.js";
import { arraySource } from "../../src/io/array-source.js";
import { affineFromParams, identity4 } from "../../src/transforms/affine.js";
import type { DisplacementGrid, RegistrationTransform } from "../../src/transforms/registration-transform.js";
import type { warpedSource, WarpOptions } from "../../src/warp/warped-source.js";
import { seeded } from "../helpers/rng.js";

/** In-plane rotated, anisotropic, off-origin 2D frame. */
export function space2d(angle: number, spacing: [number, number], origin: [number, number]): Space {
  const c = Math.cos(angle), s = Math.sin(angle);
  return { spacing: [1, spacing[0], spacing[1]], origin: [0, origin[0], origin[1]], direction: [1, 0, 0, 0, c, -s, 0, s, c], units: ["micrometer", "micrometer", "micrometer"] };
}

/** A rotated 3D frame (about an oblique axis), anisotropic and off-origin. */
export function space3d(): Space {
  const [a, b] = [0.2, -0.15];
  const ca = Math.cos(a), sa = Math.sin(a), cb = Math.cos(b), sb = Math.sin(b);
  // Rx(a)·Ry(b) on [z, y, x]
  const rx = [1, 0, 0, 0, ca, -sa, 0, sa, ca], ry = [cb, 0, sb, 0, 1, 0, -sb, 0, cb];
  const d = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) d[i * 3 + j]! += rx[i * 3 + k]! * ry[k * 3 + j]!;
  return { spacing: [1.5, 0.9, 1.1], origin: [-4, 6.5, -10.25], direction: d as Space["direction"], units: ["millimeter", "millimeter", "millimeter"] };
}

/** A smooth displacement grid (sines, `amplitude` physical units) on a coarse grid in its own rotated frame. */
export function smoothGrid(ndim: 2 | 3, shape: Vec3, space: Space, amplitude: number): DisplacementGrid {
  const n = voxelCount(shape), data = new Float32Array(ndim * n);
  for (let c = 0; c < ndim; c++) {
    let o = c * n;
    for (let z = 0; z < shape[0]; z++) {
      for (let y = 0; y < shape[1]; y++) {
        for (let x = 0; x < shape[2]; x++) {
          data[o++] = amplitude * Math.sin(0.7 * x + 1.3 * c) * Math.cos(0.5 * y - 0.4 * c) * Math.cos(0.6 * z + c);
        }
      }
    }
  }
  return { ndim, shape, space, data };
}

/** Rotated, scaled, sheared affine plus a smooth displacement, about the centre of a 2D image of `shape`. */
export function transform2d(shape: Vec3, space: Space, withDisplacement = true): RegistrationTransform {
  const centre: Vec3 = [0, space.origin[1] + shape[1] / 2, space.origin[2] + shape[2] / 2];
  const affine = affineFromParams({ translation: [0, 7.3, -11.2], rotation: [0, 0, 0.35], zoom: [1, 1.12, 0.93], shear: [0, 0, 0.05] }, centre, 2);
  const t: RegistrationTransform = { ndim: 2, affine };
  if (withDisplacement) {
    t.displacement = smoothGrid(2, [1, 9, 12], { spacing: [1, 70, 65], origin: [0, space.origin[1] - 40, space.origin[2] - 30], direction: space2d(-0.2, [1, 1], [0, 0]).direction, units: space.units }, 9);
  }
  return t;
}

/** The 3D analogue of transform2d. */
export function transform3d(shape: Vec3, space: Space): RegistrationTransform {
  const centre: Vec3 = [space.origin[0] + shape[0], space.origin[1] + shape[1] / 2, space.origin[2] + shape[2] / 2];
  const affine = affineFromParams({ translation: [1.5, -2.2, 3.1], rotation: [0.12, -0.2, 0.3], zoom: [1.05, 0.95, 1.1], shear: [0.03, 0, -0.04] }, centre, 3);
  const gridSpace: Space = { spacing: [12, 11, 13], origin: [space.origin[0] - 20, space.origin[1] - 15, space.origin[2] - 25], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], units: space.units };
  return { ndim: 3, affine, displacement: smoothGrid(3, [7, 8, 9], gridSpace, 3.5) };
}

export function identityTransform(ndim: 2 | 3): RegistrationTransform {
  return { ndim, affine: identity4() };
}

/** Seeded samples of `dtype`: noise over the integer types' whole range (int16: −32768..32767), floats about ±1000. */
export function randomPlane(dtype: DType, n: number, seed: number): PixelArray {
  const rng = seeded(seed), p = allocatePixels(dtype, n);
  const [lo, hi] = isFloat(dtype) ? [-1000, 1000] : dtypeRange(dtype);
  for (let i = 0; i < n; i++) p[i] = isFloat(dtype) ? (rng() - 0.5) * 2000 : lo + Math.floor(rng() * (hi - lo + 1));
  return p;
}

/** An in-memory moving image of random samples. */
export function randomSource(shape: Vec3, dtype: DType, space: Space, channels = 1, seed = 1): Source {
  const planes = Array.from({ length: channels }, (_, c) => randomPlane(dtype, voxelCount(shape), seed * 17 + c));
  return arraySource({ shape, dtype, planes, space, path: "moving.mem" });
}

/** A reference: only metadata. */
export function referenceMeta(shape: Vec3, space: Space): { meta: ImageMeta } {
  return {
    meta: {
      path: "fixed.mem", format: "memory", ndim: shape[0] > 1 ? 3 : 2, dtype: "uint8", channels: ["C0"],
      levels: [{ shape, scale: [1, 1, 1] }], space,
    },
  };
}

export interface RecordedRead { region: Region; level: number; channels: readonly number[] | undefined }

/** `source` with every read logged. */
export function recorded(source: Source): { source: Source; reads: RecordedRead[] } {
  const reads: RecordedRead[] = [];
  return {
    reads,
    source: {
      meta: source.meta,
      read(region: Region, level: number, options?: ReadOptions) {
        reads.push({ region: { start: [...region.start], size: [...region.size] }, level, channels: options?.channels });
        return source.read(region, level, options);
      },
      close: () => source.close(),
    },
  };
}

/** Cuts [0, n) into consecutive runs whose lengths are drawn from `sizes`. */
function cuts(n: number, sizes: number[], rng: () => number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n;) {
    const len = Math.min(n - s, sizes[Math.floor(rng() * sizes.length)]!);
    out.push([s, len]);
    s += len;
  }
  return out;
}

/** A random tiling of `shape` (tiles of mixed sizes, including 1-voxel-thin rows and columns). */
export function randomTiling(shape: Vec3, sizes: number[], seed: number): Region[] {
  const rng = seeded(seed);
  const zs = shape[0] === 1 ? [[0, 1] as [number, number]] : cuts(shape[0], sizes, rng);
  const ys = cuts(shape[1], sizes, rng), xs = cuts(shape[2], sizes, rng);
  const out: Region[] = [];
  for (const [z, dz] of zs) for (const [y, dy] of ys) for (const [x, dx] of xs) out.push({ start: [z, y, x], size: [dz, dy, dx] });
  return out;
}

/** Copies a read tile into a whole-image plane. */
export function paste(into: PixelArray, shape: Vec3, tile: PixelArray, region: Region): void {
  const [dz, dy, dx] = region.size;
  for (let z = 0; z < dz; z++) {
    for (let y = 0; y < dy; y++) {
      const s = (z * dy + y) * dx, d = ((region.start[0] + z) * shape[1] + region.start[1] + y) * shape[2] + region.start[2];
      into.set(tile.subarray(s, s + dx), d);
    }
  }
}

/** Asserts equal types and bytes, naming the first differing sample (NaNs in the same places count as equal). */
export function sameBytes(a: PixelArray, b: PixelArray, what: string): void {
  assert.equal(a.constructor.name, b.constructor.name, `${what}: type`);
  const x = Buffer.from(pixelBytes(a)), y = Buffer.from(pixelBytes(b));
  if (x.equals(y)) return;
  let i = 0;
  while (a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) i++;
  assert.fail(`${what}: first difference at sample ${i}: ${a[i]} vs ${b[i]}`);
}

/** Reads `source` whole in one piece, then again tile by tile (random tiling, default piece size) and pasted together. */
export async function wholeAndTiled(make: (o: WarpOptions) => ReturnType<typeof warpedSource>, sizes: number[], seed: number) {
  const one = make({ tileVoxels: Infinity });
  const shape = one.meta.levels[0]!.shape;
  const whole = await one.read(fullRegion(shape), 0);
  const tiled = make({});
  const pasted = whole.map((p) => allocatePixels(one.meta.dtype, p.length));
  const tiles = randomTiling(shape, sizes, seed);
  for (const t of tiles) (await tiled.read(t, 0)).forEach((p, c) => paste(pasted[c]!, shape, p, t));
  return { whole, pasted, tiles: tiles.length };
}
