// Test helpers shared by the NIfTI, MetaImage, NRRD and raster tests: seeded data for every dtype, awkward spaces,
// temporary directories, tolerant geometry comparison, and error assertions on InputError messages.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { allocatePixels, dtypeRange, isFloat, pixelBytes, type DType, type PixelArray } from "../../src/core/dtype.js";
import { InputError } from "../../src/core/errors.js";
import type { Source } from "../../src/core/source.js";
import { fullRegion, type Mat3, type Space, type Vec3 } from "../../src/core/space.js";

/** The shared real-data folder (../shared/data from the repository root). */
export const DATA = resolve(process.cwd(), "../shared/data");
export const HAVE_DATA = existsSync(join(DATA, "cases.json"));

export { seeded } from "./rng.js";

/** `n` samples of `dtype` covering its whole range, extremes included; floats include NaN, ±Infinity and −0. */
export function randomPlane(dtype: DType, n: number, rng: () => number): PixelArray {
  const p = allocatePixels(dtype, n);
  const [lo, hi] = dtypeRange(dtype);
  for (let i = 0; i < n; i++) {
    p[i] = isFloat(dtype) ? (rng() - 0.5) * 1e6 * rng() : Math.floor(lo + rng() * (hi - lo + 1));
  }
  if (isFloat(dtype)) {
    const specials = [NaN, Infinity, -Infinity, -0, 1e-30, dtype === "float32" ? 3.4e38 : 1.7e308];
    specials.forEach((v, k) => k < n && (p[k] = v));
  } else if (n >= 2) {
    p[0] = lo;
    p[1] = hi;
  }
  return p;
}

/** Rotation matrix (row-major) about a unit axis by `angle` radians. */
function rotation(axis: Vec3, angle: number): Mat3 {
  const n = Math.hypot(...axis);
  const [x, y, z] = axis.map((v) => v / n) as Vec3;
  const c = Math.cos(angle), s = Math.sin(angle), t = 1 - c;
  return [
    t * x * x + c, t * x * y - s * z, t * x * z + s * y,
    t * x * y + s * z, t * y * y + c, t * y * z - s * x,
    t * x * z - s * y, t * y * z + s * x, t * z * z + c,
  ];
}

/** A rotated, anisotropic, off-origin 3D frame (with a reflection when `flip`). */
export function awkwardSpace3d(flip = false): Space {
  const r = rotation([0.3, -0.5, 0.8], 0.7);
  if (flip) for (let row = 0; row < 3; row++) r[row * 3 + 1] = -r[row * 3 + 1]!;
  return { spacing: [2.5, 0.7, 1.3], origin: [-12.25, 33.5, 101.125], direction: r, units: ["millimeter", "millimeter", "millimeter"] };
}

/** A rotated (in-plane), anisotropic, off-origin planar frame for 2D images. */
export function awkwardSpace2d(): Space {
  const a = 0.4, c = Math.cos(a), s = Math.sin(a);
  return { spacing: [1, 0.35, 0.9], origin: [0, -7.5, 42.25], direction: [1, 0, 0, 0, c, -s, 0, s, c], units: ["millimeter", "millimeter", "millimeter"] };
}

/** Asserts two spaces agree within a relative tolerance. */
export function assertSpaceClose(actual: Space, expected: Space, tol = 1e-6, what = "space"): void {
  const close = (a: readonly number[], b: readonly number[], name: string) =>
    a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!)), `${what}.${name}[${i}]: ${x} vs ${b[i]}`));
  close(actual.spacing, expected.spacing, "spacing");
  close(actual.origin, expected.origin, "origin");
  close(actual.direction, expected.direction, "direction");
}

/** All planes of level 0, one per channel. */
export async function readAll(s: Source): Promise<PixelArray[]> {
  return s.read(fullRegion(s.meta.levels[0]!.shape), 0);
}

/** Asserts two planes hold the same bytes (bit-exact, NaN and −0 included). */
export function assertSameBytes(a: PixelArray, b: PixelArray, what: string): void {
  assert.equal(a.constructor.name, b.constructor.name, `${what}: type`);
  assert.ok(Buffer.from(pixelBytes(a)).equals(Buffer.from(pixelBytes(b))), `${what}: bytes differ`);
}

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
export async function withTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "terareg-io-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Asserts that `p` rejects with an InputError naming `file` whose message contains `phrase`. */
export async function rejectsInput(p: Promise<unknown>, file: string, phrase: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.equal(e.file, file);
    assert.ok(e.message.includes(file), `message names the file: ${e.message}`);
    if (typeof phrase === "string") assert.ok(e.message.includes(phrase), `"${phrase}" not in: ${e.message}`);
    else assert.match(e.message, phrase);
    return true;
  });
}

/** Min and max of a plane. */
export function range(p: PixelArray): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}
