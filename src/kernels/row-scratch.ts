// Per-row scratch of the samplers: the positions of one output row and, once located, their taps and weights.
// Allocated once per band, never per voxel; what fills and reads it lives in interpolate-*.ts and sample-row.ts.

import { createCubicTaps, type CubicTaps } from "./interpolate-cubic.js";
import type { Interpolation } from "./types.js";

/** Scratch for up to `capacity` samples. Arrays an interpolation does not use have length 0. */
export interface RowScratch {
  /** Sample positions in image index units, [z, y, x] (cz unused for 2D images). */
  cz: Float64Array;
  cy: Float64Array;
  cx: Float64Array;
  /** 1 where the sample is inside (see Boundary), else 0. */
  inside: Uint8Array;
  /** nearest, linear: flat index of the (lower) tap. */
  base: Int32Array;
  /** linear: fraction along each axis, in [0, 1]. */
  tz: Float64Array;
  ty: Float64Array;
  tx: Float64Array;
  /** cubic: 4 tap offsets per sample and axis (already multiplied by the axis stride), sample i at [4i, 4i + 4). */
  oz: Int32Array;
  oy: Int32Array;
  ox: Int32Array;
  /** cubic: 4 B-spline weights per sample and axis. */
  wz: Float64Array;
  wy: Float64Array;
  wx: Float64Array;
  /** cubic with gradient: 4 derivative weights per sample and axis. */
  dz: Float64Array;
  dy: Float64Array;
  dx: Float64Array;
  /** cubic: the taps of one sample, for the fused path. */
  taps: CubicTaps;
}

/** Scratch for rows of up to `capacity` samples. */
export function createRowScratch(capacity: number, interpolation: Interpolation, gradient: boolean): RowScratch {
  const f = (n: number): Float64Array => new Float64Array(n);
  const linear = interpolation === "linear" ? capacity : 0;
  const cubic = interpolation === "cubic" ? 4 * capacity : 0;
  const cubicGrad = gradient ? cubic : 0;
  return {
    cz: f(capacity), cy: f(capacity), cx: f(capacity),
    inside: new Uint8Array(capacity),
    base: new Int32Array(interpolation === "cubic" ? 0 : capacity),
    tz: f(linear), ty: f(linear), tx: f(linear),
    oz: new Int32Array(cubic), oy: new Int32Array(cubic), ox: new Int32Array(cubic),
    wz: f(cubic), wy: f(cubic), wx: f(cubic),
    dz: f(cubicGrad), dy: f(cubicGrad), dx: f(cubicGrad),
    taps: createCubicTaps(),
  };
}
