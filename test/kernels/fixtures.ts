// Test images and fields for the kernel tests: seeded random, polynomial and smooth ones, plus small comparisons.
// Shared by test/kernels and test/compute; not a test file itself.

import { voxelCount, type Vec3 } from "../../src/core/space.js";
import type { Field, Image } from "../../src/kernels/types.js";
import { seeded } from "../helpers/rng.js";

/** Uniform values in [0, 1), seeded. */
export function randomImage(seed: number, shape: Vec3): Image {
  const rng = seeded(seed);
  return { data: new Float32Array(voxelCount(shape)).map(() => rng()), shape };
}

/** f(z, y, x) sampled at every voxel. */
export function functionImage(shape: Vec3, f: (z: number, y: number, x: number) => number): Image {
  const data = new Float32Array(voxelCount(shape));
  let i = 0;
  for (let z = 0; z < shape[0]; z++) for (let y = 0; y < shape[1]; y++) for (let x = 0; x < shape[2]; x++) data[i++] = f(z, y, x);
  return { data, shape };
}

/** A field whose component c is f(c, z, y, x); ndim from the shape unless given. */
export function functionField(shape: Vec3, f: (c: number, z: number, y: number, x: number) => number, ndim: 2 | 3 = shape[0] === 1 ? 2 : 3): Field {
  const n = voxelCount(shape), data = new Float32Array(ndim * n);
  for (let c = 0; c < ndim; c++) {
    let i = c * n;
    for (let z = 0; z < shape[0]; z++) for (let y = 0; y < shape[1]; y++) for (let x = 0; x < shape[2]; x++) data[i++] = f(c, z, y, x);
  }
  return { data, shape, ndim };
}

/** The same displacement everywhere. */
export function constantField(shape: Vec3, value: number[]): Field {
  return functionField(shape, (c) => value[c]!, value.length as 2 | 3);
}

/**
 * A smooth field of amplitude about `amplitude` voxels: a few seeded sinusoids per component, 0.3 to 1 cycle across the grid,
 * tapered to 0 at the borders so that nothing is pushed out of the grid.
 */
export function smoothField(seed: number, shape: Vec3, amplitude: number): Field {
  const rng = seeded(seed);
  const ndim = shape[0] === 1 ? 2 : 3;
  const waves = Array.from({ length: ndim * 3 }, () => ({ k: [rng(), rng(), rng()].map((v) => 0.3 + 0.7 * v), p: [rng(), rng(), rng()].map((v) => 6.3 * v) }));
  const taper = (i: number, n: number): number => (n === 1 ? 1 : Math.sin((Math.PI * i) / (n - 1)));
  return functionField(shape, (c, z, y, x) => {
    let v = 0;
    for (let w = 0; w < 3; w++) {
      const { k, p } = waves[c * 3 + w]!;
      v += Math.sin((2 * Math.PI * k[0]! * z) / shape[0] + p[0]!) * Math.sin((2 * Math.PI * k[1]! * y) / shape[1] + p[1]!) * Math.sin((2 * Math.PI * k[2]! * x) / shape[2] + p[2]!);
    }
    return (amplitude / 1.5) * v * taper(z, shape[0]) * taper(y, shape[1]) * taper(x, shape[2]);
  });
}

/** Largest |a − b| over indices where `keep(i)` (all when omitted). */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, keep?: (i: number) => boolean): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (!keep || keep(i)) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** True when voxel i of `shape` is at least `margin` voxels from every border (z ignored for 2D). */
export function interior(shape: Vec3, margin: number): (i: number) => boolean {
  const [nz, ny, nx] = shape;
  return (i) => {
    const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
    const zOk = nz === 1 || (z >= margin && z < nz - margin);
    return zOk && y >= margin && y < ny - margin && x >= margin && x < nx - margin;
  };
}

/** The bytes of a typed array, for byte-identity checks. */
export function bytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
