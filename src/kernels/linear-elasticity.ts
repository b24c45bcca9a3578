// Linear elasticity as a regulariser: the Navier–Cauchy operator L = I − μΔ − (λ + μ)∇(∇·) on a vector field, and the
// solve L w = f by conjugate gradients. The dense stage (registration/greedy-stage.ts) uses it in place of a Gaussian.

import { OptionError } from "../core/errors.js";
import type { Vec3 } from "../core/space.js";
import { createField, type Field } from "./types.js";

export interface ElasticOptions {
  /** Lamé μ (shear), in voxels²: the smoothing length is about √μ voxels. */
  mu: number;
  /** Lamé λ: with λ ≫ μ the update is nearly divergence-free (volume-preserving). */
  lambda: number;
  /** Stop when ‖f − L w‖ ≤ tolerance · ‖f‖ (a registration step is rescaled afterwards: 1e-3 is ample). @default 1e-3 */
  tolerance?: number;
  /** @default 2000 */
  maxIterations?: number;
}

/** Throws an OptionError unless μ > 0, λ ≥ −μ (so L stays positive definite) and both are finite. */
export function checkElastic(what: string, e: ElasticOptions): void {
  if (!(Number.isFinite(e.mu) && e.mu > 0)) throw new OptionError(`${what}: mu`, e.mu, "a number > 0 (voxels²)");
  if (!(Number.isFinite(e.lambda) && e.lambda >= -e.mu)) throw new OptionError(`${what}: lambda`, e.lambda, `a number ≥ −μ = ${-e.mu}`);
}

/** Axes of a field's components: [z, y, x] in 3D, [y, x] in 2D. */
function componentAxes(ndim: 2 | 3): number[] {
  return ndim === 3 ? [0, 1, 2] : [1, 2];
}

/** Element stride of `axis` in a C-order volume of `shape`. */
function strideOf(shape: Vec3, axis: number): number {
  return axis === 0 ? shape[1] * shape[2] : axis === 1 ? shape[2] : 1;
}

/** g = G_a u: u[i + s] − u[i] where the voxel has a neighbour above on `axis`, else 0 (a Neumann border). */
function forwardDifference(u: Float64Array, shape: Vec3, axis: number, g: Float64Array): void {
  const s = strideOf(shape, axis), len = shape[axis]!, outer = u.length / (s * len);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < len; c++) {
      const base = (o * len + c) * s;
      if (c === len - 1) g.fill(0, base, base + s);
      else for (let i = base; i < base + s; i++) g[i] = u[i + s]! - u[i]!;
    }
  }
}

/**
 * out[offset …] += k · G_aᵀ g: (g[i − s] where the voxel has a neighbour below) − (g[i] where it has one above). g need
 * not be a difference along `axis` (the divergence is not), so the top face's own value is dropped explicitly.
 */
function addAdjointDifference(g: Float64Array, shape: Vec3, axis: number, k: number, out: Float64Array, offset: number): void {
  const s = strideOf(shape, axis), len = shape[axis]!, outer = g.length / (s * len);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < len; c++) {
      const base = (o * len + c) * s;
      if (c === 0) for (let i = base; i < base + s; i++) out[offset + i] = out[offset + i]! - k * g[i]!;
      else if (c === len - 1) for (let i = base; i < base + s; i++) out[offset + i] = out[offset + i]! + k * g[i - s]!;
      else for (let i = base; i < base + s; i++) out[offset + i] = out[offset + i]! + k * (g[i - s]! - g[i]!);
    }
  }
}

/**
 * out = L u = u + μ Σ_a G_aᵀG_a u_c (each component c) + (λ + μ) Dᵀ D u, with G_a the forward difference along axis a
 * (0 across the last face: Neumann borders), D u = Σ_c G_(axis of c) u_c the divergence. Every term is AᵀA, so L is
 * symmetric positive definite. `u` and `out`: vector-first float64 planes of voxelCount(shape).
 */
export function applyElastic(u: Float64Array, shape: Vec3, ndim: 2 | 3, e: ElasticOptions, out: Float64Array): void {
  const n = shape[0] * shape[1] * shape[2], axes = componentAxes(ndim);
  const g = new Float64Array(n), div = new Float64Array(n);
  out.set(u.subarray(0, ndim * n));
  axes.forEach((ac, c) => {
    const uc = u.subarray(c * n, (c + 1) * n);
    for (const a of axes) {
      if (shape[a]! < 2) continue;
      forwardDifference(uc, shape, a, g);
      addAdjointDifference(g, shape, a, e.mu, out, c * n);
      if (a === ac) for (let i = 0; i < n; i++) div[i] = div[i]! + g[i]!;
    }
  });
  axes.forEach((ac, c) => {
    if (shape[ac]! >= 2) addAdjointDifference(div, shape, ac, e.lambda + e.mu, out, c * n);
  });
}

/**
 * The field w with L w = f (applyElastic's operator), by conjugate gradients from w = 0 until the residual is below
 * `tolerance` of ‖f‖ (float64 throughout; float32 out). The update of an elastic registration step: a force
 * smoothed over about √μ voxels, and kept nearly divergence-free when λ ≫ μ.
 * @returns the solution and the iterations it took.
 * @throws RangeError when maxIterations pass without reaching the tolerance.
 */
export function solveElastic(f: Field, e: ElasticOptions): { field: Field; iterations: number } {
  checkElastic("solveElastic", e);
  const nd = f.ndim, m = f.data.length, tol = e.tolerance ?? 1e-3, max = e.maxIterations ?? 2000;
  const x = new Float64Array(m), r = Float64Array.from(f.data), p = Float64Array.from(f.data), ap = new Float64Array(m);
  const dot = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < m; i++) s += a[i]! * b[i]!;
    return s;
  };
  const bb = dot(r, r);
  let rr = bb, it = 0;
  while (rr > tol * tol * bb) {
    if (it === max) throw new RangeError(`solveElastic: no convergence in ${max} iterations (residual ${Math.sqrt(rr / bb).toExponential(2)} of ‖f‖; μ ${e.mu}, λ ${e.lambda})`);
    applyElastic(p, f.shape, nd, e, ap);
    const alpha = rr / dot(p, ap);
    for (let i = 0; i < m; i++) {
      x[i] = x[i]! + alpha * p[i]!;
      r[i] = r[i]! - alpha * ap[i]!;
    }
    const next = dot(r, r), beta = next / rr;
    rr = next;
    for (let i = 0; i < m; i++) p[i] = r[i]! + beta * p[i]!;
    it++;
  }
  const field = createField(f.shape, nd);
  field.data.set(x);
  return { field, iterations: it };
}
