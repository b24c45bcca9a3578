// Cubic B-spline sampling of one row of positions from prefiltered coefficients: locate, gather, gather with gradient.
// The coefficients come from bspline-prefilter.ts; taps past the border use the same mirror extension as the prefilter.

import type { Vec3 } from "../core/space.js";
import type { RowScratch } from "./row-scratch.js";

/** Whole-sample mirror of index i into [0, n): i → −i below 0, 2(n − 1) − i above n − 1, periodic beyond. */
export function mirrorIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n - 2;
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - k;
}

/**
 * Taps and weights of one axis for position c (`original`: before clamping, which decides whether the derivative is live): taps ⌊c⌋ − 1 … ⌊c⌋ + 2 (mirrored, times `stride`) into o[k..k+4],
 * cubic B-spline weights β³ into w, and their derivatives into d (when d has room).
 * With t = c − ⌊c⌋: w = [(1−t)³, 3t³ − 6t² + 4, −3t³ + 3t² + 3t + 1, t³] / 6.
 */
function axisTaps(
  c: number, original: number, n: number, stride: number, o: Int32Array, w: Float64Array, d: Float64Array, k: number,
): void {
  const i0 = Math.floor(c), t = c - i0, u = 1 - t, t2 = t * t, t3 = t2 * t;
  if (i0 >= 1 && i0 + 2 < n) {
    o[k] = (i0 - 1) * stride;
    o[k + 1] = i0 * stride;
    o[k + 2] = (i0 + 1) * stride;
    o[k + 3] = (i0 + 2) * stride;
  } else {
    o[k] = mirrorIndex(i0 - 1, n) * stride;
    o[k + 1] = mirrorIndex(i0, n) * stride;
    o[k + 2] = mirrorIndex(i0 + 1, n) * stride;
    o[k + 3] = mirrorIndex(i0 + 2, n) * stride;
  }
  w[k] = (u * u * u) / 6;
  w[k + 1] = (3 * t3 - 6 * t2 + 4) / 6;
  w[k + 2] = (-3 * t3 + 3 * t2 + 3 * t + 1) / 6;
  w[k + 3] = t3 / 6;
  if (d.length === 0) return;
  const live = n > 1 && original >= 0 && original <= n - 1 ? 1 : 0;
  d[k] = live * (-0.5 * u * u);
  d[k + 1] = live * (1.5 * t2 - 2 * t);
  d[k + 2] = live * (-1.5 * t2 + t + 0.5);
  d[k + 3] = live * (0.5 * t2);
}

/**
 * Taps and weights (and derivative weights when the scratch has them) for positions [0, n).
 * The derivative along an axis is 0 where the position lies outside [0, n − 1] on it, as for linear.
 */
export function locateCubic(s: RowScratch, n: number, shape: Vec3, clamp: boolean): void {
  const [nz, ny, nx] = shape;
  const is3d = nz > 1;
  const { cz, cy, cx, inside, oz, oy, ox, wz, wy, wx, dz, dy, dx } = s;
  for (let i = 0; i < n; i++) {
    let z = is3d ? cz[i]! : 0, y = cy[i]!, x = cx[i]!;
    if (clamp) {
      z = z < 0 ? 0 : z > nz - 1 ? nz - 1 : z;
      y = y < 0 ? 0 : y > ny - 1 ? ny - 1 : y;
      x = x < 0 ? 0 : x > nx - 1 ? nx - 1 : x;
    }
    if (!(z >= -0.5 && z <= nz - 0.5 && y >= -0.5 && y <= ny - 0.5 && x >= -0.5 && x <= nx - 0.5)) {
      inside[i] = 0;
      continue;
    }
    inside[i] = 1;
    const k = 4 * i;
    if (is3d) axisTaps(z, cz[i]!, nz, ny * nx, oz, wz, dz, k);
    axisTaps(y, cy[i]!, ny, nx, oy, wy, dy, k);
    axisTaps(x, cx[i]!, nx, 1, ox, wx, dx, k);
  }
}

/** Taps and weights of one sample, for the fused path: 4 per axis, [z, y, x]. */
export interface CubicTaps {
  oz: Int32Array;
  oy: Int32Array;
  ox: Int32Array;
  wz: Float64Array;
  wy: Float64Array;
  wx: Float64Array;
}

export function createCubicTaps(): CubicTaps {
  return {
    oz: new Int32Array(4), oy: new Int32Array(4), ox: new Int32Array(4),
    wz: new Float64Array(4), wy: new Float64Array(4), wx: new Float64Array(4),
  };
}

const NO_DERIVATIVE = new Float64Array(0);

/**
 * locateCubic and gatherCubic fused for one plane (the cubic warp's hot path): the same arithmetic in the same
 * order, so the same bits, with one sample's taps in `t` instead of a row of them in the scratch. Records `inside`.
 */
export function sampleCubic(
  s: RowScratch, t: CubicTaps, n: number, coef: Float32Array, shape: Vec3, clamp: boolean, fill: number, out: Float32Array, off: number,
): void {
  const nz = shape[0], ny = shape[1], nx = shape[2];
  const is3d = nz > 1;
  const { cz, cy, cx, inside } = s;
  const { oz, oy, ox, wz, wy, wx } = t;
  for (let i = 0; i < n; i++) {
    let z = is3d ? cz[i]! : 0, y = cy[i]!, x = cx[i]!;
    if (clamp) {
      z = z < 0 ? 0 : z > nz - 1 ? nz - 1 : z;
      y = y < 0 ? 0 : y > ny - 1 ? ny - 1 : y;
      x = x < 0 ? 0 : x > nx - 1 ? nx - 1 : x;
    }
    if (!(z >= -0.5 && z <= nz - 0.5 && y >= -0.5 && y <= ny - 0.5 && x >= -0.5 && x <= nx - 0.5)) {
      inside[i] = 0;
      out[off + i] = fill;
      continue;
    }
    inside[i] = 1;
    if (is3d) axisTaps(z, z, nz, ny * nx, oz, wz, NO_DERIVATIVE, 0);
    axisTaps(y, y, ny, nx, oy, wy, NO_DERIVATIVE, 0);
    axisTaps(x, x, nx, 1, ox, wx, NO_DERIVATIVE, 0);
    const x0 = ox[0]!, x1 = ox[1]!, x2 = ox[2]!, x3 = ox[3]!;
    const w0 = wx[0]!, w1 = wx[1]!, w2 = wx[2]!, w3 = wx[3]!;
    let v = 0;
    for (let a = 0; a < (is3d ? 4 : 1); a++) {
      const za = is3d ? oz[a]! : 0, wza = is3d ? wz[a]! : 1;
      let plane = 0;
      for (let b = 0; b < 4; b++) {
        const r = za + oy[b]!;
        plane += wy[b]! * (w0 * coef[r + x0]! + w1 * coef[r + x1]! + w2 * coef[r + x2]! + w3 * coef[r + x3]!);
      }
      v += wza * plane;
    }
    out[off + i] = v;
  }
}

/** out[off + i] = Σ_{a,b,c} wz_a wy_b wx_c · coef[tap], or `fill` outside. */
export function gatherCubic(s: RowScratch, n: number, coef: Float32Array, shape: Vec3, fill: number, out: Float32Array, off: number): void {
  const { inside, oz, oy, ox, wz, wy, wx } = s;
  const is3d = shape[0] > 1;
  for (let i = 0; i < n; i++) {
    if (!inside[i]) {
      out[off + i] = fill;
      continue;
    }
    const k = 4 * i;
    const x0 = ox[k]!, x1 = ox[k + 1]!, x2 = ox[k + 2]!, x3 = ox[k + 3]!;
    const w0 = wx[k]!, w1 = wx[k + 1]!, w2 = wx[k + 2]!, w3 = wx[k + 3]!;
    let v = 0;
    for (let a = 0; a < (is3d ? 4 : 1); a++) {
      const za = is3d ? oz[k + a]! : 0, wza = is3d ? wz[k + a]! : 1;
      let plane = 0;
      for (let b = 0; b < 4; b++) {
        const r = za + oy[k + b]!;
        plane += wy[k + b]! * (w0 * coef[r + x0]! + w1 * coef[r + x1]! + w2 * coef[r + x2]! + w3 * coef[r + x3]!);
      }
      v += wza * plane;
    }
    out[off + i] = v;
  }
}

/**
 * Like gatherCubic, and also the analytic gradient of the spline, ∂I/∂c per axis (intensity per image voxel), into
 * `grad` (planes [gz, gy, gx] in 3D, [gy, gx] in 2D) at `off`; 0 outside.
 */
export function gatherCubicGradient(
  s: RowScratch, n: number, coef: Float32Array, shape: Vec3, fill: number, out: Float32Array, off: number, grad: Float32Array[],
): void {
  const { inside, oz, oy, ox, wz, wy, wx, dz, dy, dx } = s;
  const is3d = shape[0] > 1;
  const gzOut = is3d ? grad[0]! : undefined, gyOut = grad[is3d ? 1 : 0]!, gxOut = grad[is3d ? 2 : 1]!;
  for (let i = 0; i < n; i++) {
    if (!inside[i]) {
      out[off + i] = fill;
      if (gzOut) gzOut[off + i] = 0;
      gyOut[off + i] = 0;
      gxOut[off + i] = 0;
      continue;
    }
    const k = 4 * i;
    const x0 = ox[k]!, x1 = ox[k + 1]!, x2 = ox[k + 2]!, x3 = ox[k + 3]!;
    const w0 = wx[k]!, w1 = wx[k + 1]!, w2 = wx[k + 2]!, w3 = wx[k + 3]!;
    const d0 = dx[k]!, d1 = dx[k + 1]!, d2 = dx[k + 2]!, d3 = dx[k + 3]!;
    let v = 0, gz = 0, gy = 0, gx = 0;
    for (let a = 0; a < (is3d ? 4 : 1); a++) {
      const za = is3d ? oz[k + a]! : 0, wza = is3d ? wz[k + a]! : 1, dza = is3d ? dz[k + a]! : 0;
      let pv = 0, pdy = 0, pdx = 0;
      for (let b = 0; b < 4; b++) {
        const r = za + oy[k + b]!;
        const c0 = coef[r + x0]!, c1 = coef[r + x1]!, c2 = coef[r + x2]!, c3 = coef[r + x3]!;
        const sx = w0 * c0 + w1 * c1 + w2 * c2 + w3 * c3;
        const sdx = d0 * c0 + d1 * c1 + d2 * c2 + d3 * c3;
        pv += wy[k + b]! * sx;
        pdy += dy[k + b]! * sx;
        pdx += wy[k + b]! * sdx;
      }
      v += wza * pv;
      gz += dza * pv;
      gy += wza * pdy;
      gx += wza * pdx;
    }
    out[off + i] = v;
    if (gzOut) gzOut[off + i] = gz;
    gyOut[off + i] = gy;
    gxOut[off + i] = gx;
  }
}
