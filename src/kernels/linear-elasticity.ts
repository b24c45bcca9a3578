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

/**
 * out = L u = u + μ Σ_a G_aᵀG_a u_c (each component c) + (λ + μ) Dᵀ D u, with G_a the forward difference along axis a
 * (0 across the last face: Neumann borders) and D u = Σ_c G_(axis of c) u_c the divergence. Every term is AᵀA, so L is
 * symmetric positive definite. `u` and `out`: vector-first float64 planes of voxelCount(shape); `div`, n values of
 * scratch. Two passes: the divergence, then per voxel G_aᵀG_a (the Neumann Laplacian: Σ over the neighbours present
 * of u[i] − u[neighbour]) and G_aᵀ of the divergence (d[i − s] where a neighbour below exists, − d[i] where one above does).
 */
export function applyElastic(u: Float64Array, shape: Vec3, ndim: 2 | 3, e: ElasticOptions, out: Float64Array, div = new Float64Array(shape[0] * shape[1] * shape[2])): void {
  const [nz, ny, nx] = shape, n = nz * ny * nx, sy = nx, sz = ny * nx, mu = e.mu, k = e.lambda + e.mu, is3 = ndim === 3;
  const oy = is3 ? n : 0, ox = oy + n;
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        let d = 0;
        if (is3 && z < nz - 1) d += u[i + sz]! - u[i]!;
        if (y < ny - 1) d += u[oy + i + sy]! - u[oy + i]!;
        if (x < nx - 1) d += u[ox + i + 1]! - u[ox + i]!;
        div[i] = d;
      }
    }
  }
  for (let c = 0; c < ndim; c++) {
    const o = c * n, axis = is3 ? c : c + 1, sc = axis === 0 ? sz : axis === 1 ? sy : 1;
    for (let z = 0, i = 0; z < nz; z++) {
      for (let y = 0; y < ny; y++) {
        for (let x = 0; x < nx; x++, i++) {
          const ui = u[o + i]!;
          let lap = 0;
          if (is3) {
            if (z > 0) lap += ui - u[o + i - sz]!;
            if (z < nz - 1) lap += ui - u[o + i + sz]!;
          }
          if (y > 0) lap += ui - u[o + i - sy]!;
          if (y < ny - 1) lap += ui - u[o + i + sy]!;
          if (x > 0) lap += ui - u[o + i - 1]!;
          if (x < nx - 1) lap += ui - u[o + i + 1]!;
          const at = axis === 0 ? z : axis === 1 ? y : x, len = axis === 0 ? nz : axis === 1 ? ny : nx;
          let adj = 0;
          if (at > 0) adj += div[i - sc]!;
          if (at < len - 1) adj -= div[i]!;
          out[o + i] = ui + mu * lap + k * adj;
        }
      }
    }
  }
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
  const div = new Float64Array(m / nd);
  const dot = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < m; i++) s += a[i]! * b[i]!;
    return s;
  };
  const bb = dot(r, r);
  let rr = bb, it = 0;
  while (rr > tol * tol * bb) {
    if (it === max) throw new RangeError(`solveElastic: no convergence in ${max} iterations (residual ${Math.sqrt(rr / bb).toExponential(2)} of ‖f‖; μ ${e.mu}, λ ${e.lambda})`);
    applyElastic(p, f.shape, nd, e, ap, div);
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
