// The Navier–Cauchy operator is symmetric positive definite with the right null behaviour, its CG solve meets the
// tolerance, and its parameters do what they say: μ smooths, λ ≫ μ suppresses divergence.

import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../../src/core/errors.js";
import type { Vec3 } from "../../src/core/space.js";
import { applyElastic, solveElastic } from "../../src/kernels/linear-elasticity.js";
import type { Field } from "../../src/kernels/types.js";
import { seeded } from "../helpers/rng.js";

const SHAPES: [Vec3, 2 | 3][] = [[[1, 37, 29], 2], [[9, 13, 11], 3]];

function random(seed: number, n: number): Float64Array {
  const rng = seeded(seed);
  return Float64Array.from({ length: n }, () => rng() - 0.5);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** A force: a few smooth blobs per component (random centres and signs). */
function blobs(shape: Vec3, ndim: 2 | 3, seed: number): Field {
  const rng = seeded(seed), n = shape[0] * shape[1] * shape[2], data = new Float32Array(ndim * n);
  for (let c = 0; c < ndim; c++) {
    for (let b = 0; b < 3; b++) {
      const [cz, cy, cx] = shape.map((s) => rng() * s), sign = rng() < 0.5 ? -1 : 1;
      for (let z = 0; z < shape[0]; z++) for (let y = 0; y < shape[1]; y++) for (let x = 0; x < shape[2]; x++) {
        const d2 = (z - cz!) ** 2 + (y - cy!) ** 2 + (x - cx!) ** 2;
        data[c * n + (z * shape[1] + y) * shape[2] + x] += sign * Math.exp(-d2 / 8);
      }
    }
  }
  return { data, shape, ndim };
}

/** Σ (∇·w)² with forward differences, and Σ |∇w|² over every component and axis: how divergent and how rough w is. */
function divergenceAndRoughness(w: Field): { divergence: number; roughness: number } {
  const [nz, ny, nx] = w.shape, n = nz * ny * nx, axes = w.ndim === 3 ? [0, 1, 2] : [1, 2], st = [ny * nx, nx, 1];
  let divergence = 0, roughness = 0;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const i = (z * ny + y) * nx + x, at = [z, y, x];
    let div = 0;
    axes.forEach((a, c) => {
      for (const b of axes) {
        if (at[b]! + 1 >= w.shape[b]!) continue;
        const d = w.data[c * n + i + st[b]!]! - w.data[c * n + i]!;
        roughness += d * d;
        if (b === a) div += d;
      }
    });
    divergence += div * div;
  }
  return { divergence, roughness };
}

/** The operator written term by term, the slow way: u + μ Σ G_aᵀG_a u_c + (λ + μ) G_acᵀ (Σ_b G_b u_b). */
function elasticOracle(u: Float64Array, shape: Vec3, ndim: 2 | 3, mu: number, lambda: number): Float64Array {
  const n = shape[0] * shape[1] * shape[2], axes = ndim === 3 ? [0, 1, 2] : [1, 2], st = [shape[1] * shape[2], shape[2], 1];
  const coord = (i: number, a: number) => Math.floor(i / st[a]!) % shape[a]!;
  const G = (v: (i: number) => number, a: number) => (i: number) => (coord(i, a) < shape[a]! - 1 ? v(i + st[a]!) - v(i) : 0);
  const Gt = (g: (i: number) => number, a: number) => (i: number) => (coord(i, a) > 0 ? g(i - st[a]!) : 0) - (coord(i, a) < shape[a]! - 1 ? g(i) : 0);
  const comp = (c: number) => (i: number) => u[c * n + i]!;
  const div = (i: number) => axes.reduce((s, a, c) => s + G(comp(c), a)(i), 0);
  const out = new Float64Array(ndim * n);
  axes.forEach((ac, c) => {
    for (let i = 0; i < n; i++) {
      let v = u[c * n + i]!;
      for (const a of axes) v += mu * Gt(G(comp(c), a), a)(i);
      out[c * n + i] = v + (lambda + mu) * Gt(div, ac)(i);
    }
  });
  return out;
}

test("the elastic operator equals its term-by-term definition (2D, 3D, odd sizes)", () => {
  for (const [shape, ndim] of SHAPES) {
    const m = ndim * shape[0] * shape[1] * shape[2], u = random(4, m), got = new Float64Array(m);
    applyElastic(u, shape, ndim, { mu: 1.5, lambda: 3 }, got);
    const want = elasticOracle(u, shape, ndim, 1.5, 3);
    let worst = 0;
    for (let i = 0; i < m; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    assert.ok(worst < 1e-12, `${ndim}D: max difference ${worst}`);
  }
});

test("the elastic operator is symmetric, positive, and leaves constant fields alone (L c = c)", () => {
  for (const [shape, ndim] of SHAPES) {
    const m = ndim * shape[0] * shape[1] * shape[2], e = { mu: 2.5, lambda: 7 };
    const u = random(1, m), v = random(2, m), lu = new Float64Array(m), lv = new Float64Array(m);
    applyElastic(u, shape, ndim, e, lu);
    applyElastic(v, shape, ndim, e, lv);
    const a = dot(lu, v), b = dot(u, lv);
    assert.ok(Math.abs(a - b) <= 1e-12 * Math.abs(a), `${ndim}D: <Lu, v> ${a} vs <u, Lv> ${b}`);
    assert.ok(dot(lu, u) > dot(u, u), `${ndim}D: <Lu, u> > <u, u> for a rough u`);
    const c = new Float64Array(m).fill(0.75), lc = new Float64Array(m);
    applyElastic(c, shape, ndim, e, lc);
    assert.ok(lc.every((x) => Math.abs(x - 0.75) < 1e-12), `${ndim}D: L c = c`);
  }
});

test("solveElastic meets its tolerance, and μ smooths while λ ≫ μ keeps the update nearly divergence-free", () => {
  for (const [shape, ndim] of SHAPES) {
    const f = blobs(shape, ndim, 5), m = f.data.length;
    const { field, iterations } = solveElastic(f, { mu: 4, lambda: 4, tolerance: 1e-6 });
    const lw = new Float64Array(m);
    applyElastic(Float64Array.from(field.data), shape, ndim, { mu: 4, lambda: 4 }, lw);
    let res = 0, norm = 0;
    for (let i = 0; i < m; i++) {
      res += (lw[i]! - f.data[i]!) ** 2;
      norm += f.data[i]! ** 2;
    }
    // float32 rounding of the stored solution bounds what the check can see.
    assert.ok(Math.sqrt(res / norm) < 1e-5, `${ndim}D: relative residual ${Math.sqrt(res / norm)} after ${iterations} iterations`);
    const soft = divergenceAndRoughness(solveElastic(f, { mu: 1, lambda: 0 }).field);
    const stiff = divergenceAndRoughness(solveElastic(f, { mu: 16, lambda: 0 }).field);
    const incompressible = divergenceAndRoughness(solveElastic(f, { mu: 1, lambda: 200 }).field);
    assert.ok(stiff.roughness < 0.2 * soft.roughness, `${ndim}D roughness: μ 16 ${stiff.roughness} vs μ 1 ${soft.roughness}`);
    assert.ok(incompressible.divergence < 0.05 * soft.divergence, `${ndim}D divergence: λ 200 ${incompressible.divergence} vs λ 0 ${soft.divergence}`);
  }
});

test("solveElastic refuses bad Lamé parameters and says when it does not converge", () => {
  const f = blobs([1, 9, 9], 2, 1);
  assert.throws(() => solveElastic(f, { mu: 0, lambda: 1 }), OptionError);
  assert.throws(() => solveElastic(f, { mu: 1, lambda: -2 }), OptionError);
  assert.throws(() => solveElastic(f, { mu: 1e4, lambda: 1e4, maxIterations: 2 }), /no convergence in 2 iterations/);
  const zero = { ...f, data: new Float32Array(f.data.length) };
  assert.deepEqual(solveElastic(zero, { mu: 1, lambda: 1 }).iterations, 0);
});
