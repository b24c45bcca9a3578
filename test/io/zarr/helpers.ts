// Shared fixtures for the Zarr and pyramid tests: temp dirs, a seeded RNG, random images in an awkward space.
// Everything is generated on the fly under os.tmpdir(); nothing is checked in.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allocatePixels, isFloat, pixelBytes, dtypeRange, type DType, type PixelArray } from "../../../src/core/dtype.js";
import type { Mat3, Space, Vec3 } from "../../../src/core/space.js";
import { arraySource } from "../../../src/io/array-source.js";
import type { Source } from "../../../src/core/source.js";
import { seeded } from "../../helpers/rng.js";

/** A fresh directory under the OS temp dir; `cleanup()` removes every directory made so far. */
const made: string[] = [];
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `terareg-${prefix}-`));
  made.push(d);
  return d;
}
export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export { seeded };

/** Random samples over the dtype's whole range (floats: signed, spanning magnitudes). */
export function randomPlane(dtype: DType, n: number, rng: () => number): PixelArray {
  const out = allocatePixels(dtype, n);
  if (isFloat(dtype)) {
    for (let i = 0; i < n; i++) out[i] = (rng() - 0.5) * 10 ** Math.floor(rng() * 8 - 3);
  } else {
    const [lo, hi] = dtypeRange(dtype);
    for (let i = 0; i < n; i++) out[i] = lo + Math.floor(rng() * (hi - lo + 1));
  }
  return out;
}

/**
 * Rotated 33° in the y-x plane, anisotropic, off-origin: the geometry that exposes convention bugs.
 * Spacings are within 2× of each other, so pyramids halve z too.
 */
export function awkwardSpace(): Space {
  const c = Math.cos((33 * Math.PI) / 180), s = Math.sin((33 * Math.PI) / 180);
  const direction: Mat3 = [1, 0, 0, 0, c, -s, 0, s, c];
  return { spacing: [1.1, 0.7, 1.3], origin: [-5, 10.25, 3], direction, units: ["micrometer", "micrometer", "micrometer"] };
}

export interface RandomImage {
  source: Source;
  planes: PixelArray[];
  shape: Vec3;
}

/** A random in-memory image; when `zeroBlock` is given, that [z, y, x] box of channel 0 is all zero. */
export function randomImage(
  shape: Vec3, dtype: DType, channels: number, seed: number, space?: Space, zeroBlock?: Vec3,
): RandomImage {
  const rng = seeded(seed);
  const n = shape[0] * shape[1] * shape[2];
  const planes = Array.from({ length: channels }, () => randomPlane(dtype, n, rng));
  if (zeroBlock) {
    for (let z = 0; z < zeroBlock[0]; z++) {
      for (let y = 0; y < zeroBlock[1]; y++) planes[0]!.fill(0, (z * shape[1] + y) * shape[2], (z * shape[1] + y) * shape[2] + zeroBlock[2]);
    }
  }
  return { source: arraySource({ shape, dtype, planes, ...(space ? { space } : {}), path: `/random-${seed}.tif` }), planes, shape };
}

/** Byte-for-byte equality of two typed arrays (NaN payloads and -0 included). */
export function sameBytes(a: PixelArray, b: PixelArray): boolean {
  const x = pixelBytes(a), y = pixelBytes(b);
  if (x.byteLength !== y.byteLength || a.constructor !== b.constructor) return false;
  return Buffer.compare(Buffer.from(x.buffer, x.byteOffset, x.byteLength), Buffer.from(y.buffer, y.byteOffset, y.byteLength)) === 0;
}

/** A random region inside `shape`. */
export function randomRegion(shape: Vec3, rng: () => number): { start: Vec3; size: Vec3 } {
  const start = shape.map((n) => Math.floor(rng() * n)) as Vec3;
  const size = shape.map((n, a) => 1 + Math.floor(rng() * (n - start[a]!))) as Vec3;
  return { start, size };
}

/** Runs `fn` and returns the error it throws (fails when it does not throw). */
export async function thrown(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error, got none");
}
