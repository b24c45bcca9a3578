// Cubic B-spline prefilter: samples → coefficients c such that Σ_k c_k β³(x − k) passes through every sample.
// Recursive filtering with mirror boundaries (Unser 1993, Thévenaz 2000); evaluating the spline lives in interpolate-cubic.ts.

import type { Vec3 } from "../core/space.js";
import { checkImage, rowCount, type Image } from "./types.js";

/** The pole of the cubic B-spline's direct filter: z₁ = √3 − 2. */
export const BSPLINE3_POLE = Math.sqrt(3) - 2;

/** Overall gain (1 − z₁)(1 − 1/z₁) = 6, applied once before the two recursions. */
const GAIN = (1 - BSPLINE3_POLE) * (1 - 1 / BSPLINE3_POLE);

/** Terms of the causal initial sum: |z₁|^HORIZON < 1e-10, far below float32 resolution. */
const HORIZON = Math.ceil(Math.log(1e-10) / Math.log(Math.abs(BSPLINE3_POLE)));

/** Lines filtered together along y and z: 16 floats = one 64-byte cache line per row touched. */
export const PREFILTER_BLOCK = 16;

/**
 * Filters `w` interleaved lines of length `n` in place: buf[k·w + j] is sample k of line j.
 * Causal pass c⁺_k = s_k + z₁ c⁺_{k−1}, then anticausal c_k = z₁ (c_{k+1} − c⁺_k), with the mirror-symmetric
 * initial values of Thévenaz et al. (s_{−k} = s_k, s_{n−1+k} = s_{n−1−k}).
 * @see M. Unser, "Splines: a perfect fit for signal and image processing", IEEE SPM 16(6), 1999.
 * @see P. Thévenaz, T. Blu, M. Unser, "Interpolation revisited", IEEE TMI 19(7), 2000 (InitialCausalCoefficient).
 */
export function filterLines(buf: Float64Array, n: number, w: number): void {
  if (n < 2) return;
  const z = BSPLINE3_POLE;
  for (let i = 0; i < n * w; i++) buf[i] = buf[i]! * GAIN;
  for (let j = 0; j < w; j++) buf[j] = initialCausal(buf, n, w, j);
  for (let k = 1; k < n; k++) {
    const a = k * w, b = a - w;
    for (let j = 0; j < w; j++) buf[a + j] = buf[a + j]! + z * buf[b + j]!;
  }
  const last = (n - 1) * w;
  for (let j = 0; j < w; j++) buf[last + j] = (z / (z * z - 1)) * (z * buf[last - w + j]! + buf[last + j]!);
  for (let k = n - 2; k >= 0; k--) {
    const a = k * w, b = a + w;
    for (let j = 0; j < w; j++) buf[a + j] = z * (buf[b + j]! - buf[a + j]!);
  }
}

/** c⁺_0 = Σ_k z₁^k s_k over the mirror-extended line: truncated when long, exact (closed form) when short. */
function initialCausal(buf: Float64Array, n: number, w: number, j: number): number {
  const z = BSPLINE3_POLE;
  if (HORIZON < n) {
    let sum = buf[j]!, zn = z;
    for (let k = 1; k < HORIZON; k++) {
      sum += zn * buf[k * w + j]!;
      zn *= z;
    }
    return sum;
  }
  const iz = 1 / z;
  let zn = z, z2n = z ** (n - 1);
  let sum = buf[j]! + z2n * buf[(n - 1) * w + j]!;
  z2n *= z2n * iz;
  for (let k = 1; k <= n - 2; k++) {
    sum += (zn + z2n) * buf[k * w + j]!;
    zn *= z;
    z2n *= iz;
  }
  return sum / (1 - zn * zn);
}

/** Arguments of the band kernels: `data` (C order, `shape`) is filtered in place. */
export interface PrefilterArgs {
  data: Float32Array;
  shape: Vec3;
}

/** Along x: one unit per row r = z·ny + y; split length rowCount(shape). */
export function prefilterXBand(args: PrefilterArgs, start: number, end: number): void {
  const { data, shape } = args;
  const nx = shape[2];
  const line = new Float64Array(nx);
  for (let r = start; r < end; r++) {
    const o = r * nx;
    for (let x = 0; x < nx; x++) line[x] = data[o + x]!;
    filterLines(line, nx, 1);
    for (let x = 0; x < nx; x++) data[o + x] = line[x]!;
  }
}

/** Along y (axis 1) or z (axis 0): units of PREFILTER_BLOCK neighbouring lines; split length prefilterUnits(). */
export interface PrefilterStridedArgs extends PrefilterArgs {
  axis: 0 | 1;
}

/** Number of work units of the strided pass along `axis`. */
export function prefilterUnits(shape: Vec3, axis: 0 | 1): number {
  const blocks = Math.ceil(shape[2] / PREFILTER_BLOCK);
  return (axis === 1 ? shape[0] : shape[1]) * blocks;
}

/** Filters units [start, end) of the strided pass: unit u = outer·blocks + b covers x ∈ [16b, 16b + 16). */
export function prefilterStridedBand(args: PrefilterStridedArgs, start: number, end: number): void {
  const { data, shape, axis } = args;
  const [nz, ny, nx] = shape;
  const blocks = Math.ceil(nx / PREFILTER_BLOCK);
  const n = axis === 1 ? ny : nz;
  const stride = axis === 1 ? nx : ny * nx;
  const outerStride = axis === 1 ? ny * nx : nx;
  const buf = new Float64Array(n * PREFILTER_BLOCK);
  for (let u = start; u < end; u++) {
    const outer = Math.floor(u / blocks), b = u - outer * blocks;
    const x0 = b * PREFILTER_BLOCK, w = Math.min(PREFILTER_BLOCK, nx - x0);
    const base = outer * outerStride + x0;
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < w; j++) buf[k * w + j] = data[base + k * stride + j]!;
    }
    filterLines(buf, n, w);
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < w; j++) data[base + k * stride + j] = buf[k * w + j]!;
    }
  }
}

/**
 * Cubic B-spline coefficients of `image` (float32, same shape), for `interpolation: "cubic"` with `prefiltered: true`.
 * A 2D image (shape[0] = 1) is filtered along y and x only.
 * @see P. Thévenaz, T. Blu, M. Unser, "Interpolation revisited", IEEE TMI 19(7), 2000.
 */
export function bsplineCoefficients(image: Image): Image {
  checkImage("bsplineCoefficients: image", image);
  const args = { data: Float32Array.from(image.data), shape: image.shape };
  prefilterXBand(args, 0, rowCount(image.shape));
  prefilterStridedBand({ ...args, axis: 1 }, 0, prefilterUnits(image.shape, 1));
  if (image.shape[0] > 1) prefilterStridedBand({ ...args, axis: 0 }, 0, prefilterUnits(image.shape, 0));
  return { data: args.data, shape: [...image.shape] };
}
