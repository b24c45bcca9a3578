// Separable Gaussian smoothing of images and vector fields (each component alone), float32 out, replicated borders.
// Sigmas are in voxels of the grid; converting a physical sigma is the caller's job (spacing lives in core/space.ts).

import { OptionError } from "../core/errors.js";
import type { Vec3 } from "../core/space.js";
import { checkField, checkImage, imageNdim, rowCount, type Field, type Image } from "./types.js";

export interface SmoothOptions {
  /** The kernel stops at radius ⌊truncate·σ + 0.5⌋ voxels (as scipy.ndimage). @default 4 */
  truncate?: number;
}

/**
 * One half of a sampled, normalised Gaussian: w[k] = exp(−k²/2σ²) / (w₀ + 2 Σ_{j≥1} w_j), k = 0 … R,
 * R = ⌊truncate·σ + 0.5⌋. Empty when σ = 0 or R = 0 (the pass is the identity).
 */
export function gaussianHalfKernel(sigma: number, truncate: number): Float64Array {
  const radius = sigma > 0 ? Math.floor(truncate * sigma + 0.5) : 0;
  if (radius === 0) return new Float64Array(0);
  const w = new Float64Array(radius + 1);
  let total = 0;
  for (let k = 0; k <= radius; k++) {
    w[k] = Math.exp((-k * k) / (2 * sigma * sigma));
    total += k === 0 ? w[k]! : 2 * w[k]!;
  }
  for (let k = 0; k <= radius; k++) w[k] = w[k]! / total;
  return w;
}

/** One 1D pass over `planes` stacked images of `shape`: src → dst along `axis` with the half kernel `weights`. */
export interface SmoothPassArgs {
  src: Float32Array;
  dst: Float32Array;
  shape: Vec3;
  planes: number;
  axis: 0 | 1 | 2;
  /** Half kernel w₀ … w_R (a plain array: small, and copied rather than shared when sent to a worker). */
  weights: number[];
}

/** One 1D pass of a plan. */
export interface SmoothPass {
  axis: 0 | 1 | 2;
  weights: number[];
}

/** The non-trivial passes, x then y then z (z only in 3D); checks sigma and truncate, naming `fn`. */
export function planSmoothing(fn: string, shape: Vec3, sigma: number | Vec3, options: SmoothOptions = {}): SmoothPass[] {
  const s: Vec3 = typeof sigma === "number" ? [sigma, sigma, sigma] : sigma;
  if (s.length !== 3 || !s.every((v) => Number.isFinite(v) && v >= 0)) {
    throw new OptionError(`${fn}: sigma`, sigma, "a finite number ≥ 0 (voxels) or three of them [z, y, x]");
  }
  const truncate = options.truncate ?? 4;
  if (!(Number.isFinite(truncate) && truncate > 0)) throw new OptionError(`${fn}: truncate`, truncate, "a finite number > 0 (sigmas)");
  const passes: SmoothPass[] = [];
  for (const axis of [2, 1, 0] as const) {
    if (axis === 0 && imageNdim(shape) === 2) continue;
    const weights = gaussianHalfKernel(s[axis], truncate);
    if (weights.length > 0 && shape[axis] > 1) passes.push({ axis, weights: Array.from(weights) });
  }
  return passes;
}

/** Rows of all planes, the split length of a pass: row g = (plane·nz + z)·ny + y. */
export function smoothRows(shape: Vec3, planes: number): number {
  return planes * rowCount(shape);
}

/** Writes rows [start, end) of dst: out = w₀·a + Σ_{k=1..R} w_k (a₋ₖ + a₊ₖ), neighbours clamped to the plane. */
export function smoothPassBand(args: SmoothPassArgs, start: number, end: number): void {
  const { src, dst, shape, axis, weights } = args;
  const [nz, ny, nx] = shape;
  const radius = weights.length - 1, w0 = weights[0]!;
  if (axis === 2) {
    const pad = new Float64Array(nx + 2 * radius);
    for (let g = start; g < end; g++) {
      const o = g * nx;
      for (let k = 0; k < radius; k++) {
        pad[k] = src[o]!;
        pad[radius + nx + k] = src[o + nx - 1]!;
      }
      for (let x = 0; x < nx; x++) pad[radius + x] = src[o + x]!;
      for (let x = 0; x < nx; x++) {
        const c = radius + x;
        let acc = w0 * pad[c]!;
        for (let k = 1; k <= radius; k++) acc += weights[k]! * (pad[c - k]! + pad[c + k]!);
        dst[o + x] = acc;
      }
    }
    return;
  }
  const acc = new Float64Array(nx);
  const n = axis === 1 ? ny : nz, stride = axis === 1 ? nx : ny * nx;
  for (let g = start; g < end; g++) {
    const o = g * nx;
    const q = g % (nz * ny);
    const i = axis === 1 ? q % ny : Math.floor(q / ny);
    for (let x = 0; x < nx; x++) acc[x] = w0 * src[o + x]!;
    for (let k = 1; k <= radius; k++) {
      const a = o + (Math.max(i - k, 0) - i) * stride, b = o + (Math.min(i + k, n - 1) - i) * stride, wk = weights[k]!;
      for (let x = 0; x < nx; x++) acc[x] = acc[x]! + wk * (src[a + x]! + src[b + x]!);
    }
    for (let x = 0; x < nx; x++) dst[o + x] = acc[x]!;
  }
}

/**
 * Runs `passes` over `input` (planes stacked images of `shape`), ending in `out`; `tmp` is the ping-pong buffer.
 * `run` executes one pass over its rows (the CPU pool passes one that splits them across workers).
 */
export async function runSmoothing(
  input: Float32Array, out: Float32Array, tmp: Float32Array, shape: Vec3, planes: number,
  passes: SmoothPass[], run: (args: SmoothPassArgs, rows: number) => void | Promise<void>,
): Promise<void> {
  if (passes.length === 0) out.set(input);
  let src = input;
  for (let i = 0; i < passes.length; i++) {
    const dst = (passes.length - 1 - i) % 2 === 0 ? out : tmp;
    await run({ src, dst, shape, planes, axis: passes[i]!.axis, weights: passes[i]!.weights }, smoothRows(shape, planes));
    src = dst;
  }
}

/** One pass's band kernel: smoothPassBand, or a faster one with its bytes (compute/wasm/smooth-pass.ts). */
export type SmoothBand = (args: SmoothPassArgs, start: number, end: number) => void;

/** runSmoothing synchronously on the calling thread, each pass by `band`; returns a new array. */
function smoothInline(input: Float32Array, shape: Vec3, planes: number, passes: SmoothPass[], band: SmoothBand): Float32Array {
  const out = new Float32Array(input.length);
  const tmp = passes.length > 1 ? new Float32Array(input.length) : out;
  if (passes.length === 0) out.set(input);
  let src = input;
  for (let i = 0; i < passes.length; i++) {
    const dst = (passes.length - 1 - i) % 2 === 0 ? out : tmp;
    band({ src, dst, shape, planes, axis: passes[i]!.axis, weights: passes[i]!.weights }, 0, smoothRows(shape, planes));
    src = dst;
  }
  return out;
}

/**
 * Gaussian smoothing with σ in voxels per axis [z, y, x] (or one σ for all), separable, replicated borders,
 * float64 sums, float32 output. σ = 0 leaves an axis alone; a 2D image (shape[0] = 1) ignores σ_z. `band` runs each
 * pass: smoothPassBand, or a faster one with its bytes (compute/wasm/smooth-pass.ts).
 * @returns a new image of the same shape.
 */
export function gaussianSmooth(image: Image, sigma: number | Vec3, options: SmoothOptions = {}, band: SmoothBand = smoothPassBand): Image {
  checkImage("gaussianSmooth: image", image);
  const passes = planSmoothing("gaussianSmooth", image.shape, sigma, options);
  return { data: smoothInline(image.data, image.shape, 1, passes, band), shape: [...image.shape] };
}

/** gaussianSmooth applied to each component of a vector field (components are not mixed). */
export function gaussianSmoothField(field: Field, sigma: number | Vec3, options: SmoothOptions = {}, band: SmoothBand = smoothPassBand): Field {
  checkField("gaussianSmoothField: field", field);
  const passes = planSmoothing("gaussianSmoothField", field.shape, sigma, options);
  return { data: smoothInline(field.data, field.shape, field.ndim, passes, band), shape: [...field.shape], ndim: field.ndim };
}
