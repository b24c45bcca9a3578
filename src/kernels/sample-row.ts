// One row of samples at a time: a sampler picks the interpolator once per band, then locates a row of positions and
// gathers any number of planes at them. The resample and compose kernels fill the positions; the math is in interpolate-*.ts.

import type { Vec3 } from "../core/space.js";
import { gatherCubic, gatherCubicGradient, locateCubic, sampleCubic } from "./interpolate-cubic.js";
import { gatherLinear, gatherLinearGradient, locateLinear, sampleLinear } from "./interpolate-linear.js";
import { gatherNearest, locateNearest } from "./interpolate-nearest.js";
import { createRowScratch, type RowScratch } from "./row-scratch.js";
import type { Boundary, Interpolation } from "./types.js";

/** A sampler for rows of up to `capacity` positions on a grid of `shape`. Fill `scratch.cz/cy/cx`, then locate. */
export interface RowSampler {
  scratch: RowScratch;
  shape: Vec3;
  interpolation: Interpolation;
  clamp: boolean;
  fill: number;
}

export function createRowSampler(
  shape: Vec3, interpolation: Interpolation, boundary: Boundary, fill: number, capacity: number, gradient: boolean,
): RowSampler {
  return { scratch: createRowScratch(capacity, interpolation, gradient), shape, interpolation, clamp: boundary === "clamp", fill };
}

/** Locates the first `n` positions of the scratch. */
export function locateRow(s: RowSampler, n: number): void {
  if (s.interpolation === "linear") locateLinear(s.scratch, n, s.shape, s.clamp);
  else if (s.interpolation === "cubic") locateCubic(s.scratch, n, s.shape, s.clamp);
  else locateNearest(s.scratch, n, s.shape, s.clamp);
}

/** Samples `plane` (of the sampler's shape; B-spline coefficients for cubic) at the located positions into out[off …]. */
export function gatherRow(s: RowSampler, n: number, plane: Float32Array, out: Float32Array, off: number): void {
  if (s.interpolation === "linear") gatherLinear(s.scratch, n, plane, s.shape, s.fill, out, off);
  else if (s.interpolation === "cubic") gatherCubic(s.scratch, n, plane, s.shape, s.fill, out, off);
  else gatherNearest(s.scratch, n, plane, s.fill, out, off);
}

/** locateRow then gatherRow of one plane, fused for linear and cubic (the same bits, faster). */
export function sampleRow(s: RowSampler, n: number, plane: Float32Array, out: Float32Array, off: number): void {
  if (s.interpolation === "linear") {
    sampleLinear(s.scratch, n, plane, s.shape, s.clamp, s.fill, out, off);
  } else if (s.interpolation === "cubic") {
    sampleCubic(s.scratch, s.scratch.taps, n, plane, s.shape, s.clamp, s.fill, out, off);
  } else {
    locateRow(s, n);
    gatherRow(s, n, plane, out, off);
  }
}

/** gatherRow plus ∂/∂c of the interpolant into the planes `grad` ([z, y, x] or [y, x]) at `off`; linear and cubic only. */
export function gatherRowWithGradient(
  s: RowSampler, n: number, plane: Float32Array, out: Float32Array, off: number, grad: Float32Array[],
): void {
  if (s.interpolation === "linear") gatherLinearGradient(s.scratch, n, plane, s.shape, s.fill, out, off, grad);
  else if (s.interpolation === "cubic") gatherCubicGradient(s.scratch, n, plane, s.shape, s.fill, out, off, grad);
  else throw new RangeError("nearest-neighbour sampling has no gradient");
}

/** mask[off + i] = 1 where position i was inside, else 0. */
export function maskRow(s: RowSampler, n: number, mask: Uint8Array, off: number): void {
  mask.set(s.scratch.inside.subarray(0, n), off);
}
