// Limited-memory BFGS with a backtracking (Armijo) line search and a cap on the size of each step, for the
// parametric stages with many parameters (B-spline lattices). The cost function and the step norm come from the caller.

import { AbortedError } from "../core/errors.js";

export interface LbfgsOptions {
  /** Most iterations (accepted steps). */
  iterations: number;
  /** Largest step, measured by `stepNorm`; a steepest-descent step (the first, or after a reset) has exactly this size. */
  maxStep: number;
  /** Size of a step, in the units of maxStep (e.g. the largest displacement of a knot, in voxels). */
  stepNorm: (d: Float64Array) => number;
  /** (s, y) pairs kept. @default 7 */
  memory?: number;
  /** Stop when the cost improved less than this (relative) over the last `window` iterations. @default 1e-5 */
  tolerance?: number;
  /** @default 10 */
  window?: number;
  /** Called after every accepted step. */
  onIteration?: (e: { iteration: number; value: number; step: number }) => void;
  signal?: AbortSignal;
  /** Cost and gradient at x0 when the caller already has them (saves one evaluation). */
  initial?: { value: number; gradient: Float64Array };
  /** Names the stage in an AbortedError. @default "optimisation" */
  what?: string;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  /** Accepted steps. */
  iterations: number;
  /** Calls of the cost function. */
  evaluations: number;
  stop: "iterations" | "tolerance" | "no-descent" | "zero-gradient";
}

export type CostFunction = (x: Float64Array) => Promise<{ value: number; gradient: Float64Array }>;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** −H·g by the two-loop recursion, H₀ = γI with γ = sᵀy / yᵀy of the newest pair. */
function direction(g: Float64Array, s: Float64Array[], y: Float64Array[], rho: number[]): Float64Array {
  const q = Float64Array.from(g), alpha = new Float64Array(s.length);
  for (let i = s.length - 1; i >= 0; i--) {
    alpha[i] = rho[i]! * dot(s[i]!, q);
    for (let j = 0; j < q.length; j++) q[j] = q[j]! - alpha[i]! * y[i]![j]!;
  }
  if (s.length > 0) {
    const last = s.length - 1, gamma = dot(s[last]!, y[last]!) / dot(y[last]!, y[last]!);
    for (let j = 0; j < q.length; j++) q[j] = q[j]! * gamma;
  }
  for (let i = 0; i < s.length; i++) {
    const beta = rho[i]! * dot(y[i]!, q);
    for (let j = 0; j < q.length; j++) q[j] = q[j]! + (alpha[i]! - beta) * s[i]![j]!;
  }
  for (let j = 0; j < q.length; j++) q[j] = -q[j]!;
  return q;
}

/**
 * Minimises `cost` from `x0`. Each iteration takes the L-BFGS direction (steepest descent, scaled to `maxStep`, when
 * there is no history or the direction does not descend), caps it at `maxStep`, and backtracks along it (quadratic
 * interpolation, factor clamped to [0.1, 0.5]) until the Armijo condition f(x + αd) ≤ f(x) + 10⁻⁴ α ∇fᵀd holds.
 * A failed line search drops the history and retries once along steepest descent before stopping.
 * @see Nocedal & Wright (2006) Numerical Optimization, 2nd ed., algorithms 7.4 (two-loop recursion) and 3.1/3.5.
 */
export async function minimizeLbfgs(x0: Float64Array, cost: CostFunction, options: LbfgsOptions): Promise<LbfgsResult> {
  const memory = options.memory ?? 7, tol = options.tolerance ?? 1e-5, window = options.window ?? 10;
  let x: Float64Array = Float64Array.from(x0);
  let { value: f, gradient: g } = options.initial ?? (await cost(x));
  let evaluations = options.initial ? 0 : 1;
  const s: Float64Array[] = [], y: Float64Array[] = [], rho: number[] = [];
  const history = [f];
  let it = 0;
  let stop: LbfgsResult["stop"] = "iterations";
  while (it < options.iterations) {
    if (options.signal?.aborted) throw new AbortedError(options.what ?? "optimisation");
    let d = direction(g, s, y, rho);
    let gd = dot(g, d);
    const steepest = s.length === 0 || !(gd < 0);
    if (steepest) {
      s.length = y.length = rho.length = 0;
      d = g.map((v) => -v);
    }
    const norm = options.stepNorm(d);
    if (!(norm > 0)) {
      stop = "zero-gradient";
      break;
    }
    if (steepest || norm > options.maxStep) d = d.map((v) => (v * options.maxStep) / norm);
    gd = dot(g, d);
    let alpha = 1, accepted: { x: Float64Array; value: number; gradient: Float64Array } | undefined;
    for (let tries = 0; tries < 12; tries++) {
      const xn = x.map((v, i) => v + alpha * d[i]!);
      const r = await cost(xn);
      evaluations++;
      if (r.value <= f + 1e-4 * alpha * gd) {
        accepted = { x: xn, ...r };
        break;
      }
      const curvature = r.value - f - gd * alpha;
      const next = curvature > 0 ? (-gd * alpha * alpha) / (2 * curvature) : 0.5 * alpha;
      alpha = Math.min(0.5 * alpha, Math.max(0.1 * alpha, next));
    }
    if (!accepted) {
      if (steepest) {
        stop = "no-descent";
        break;
      }
      s.length = y.length = rho.length = 0;
      continue;
    }
    const sk = accepted.x.map((v, i) => v - x[i]!), yk = accepted.gradient.map((v, i) => v - g[i]!);
    const sy = dot(sk, yk);
    if (sy > 1e-12 * Math.sqrt(dot(sk, sk) * dot(yk, yk))) {
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
      if (s.length > memory) {
        s.shift();
        y.shift();
        rho.shift();
      }
    }
    x = accepted.x;
    f = accepted.value;
    g = accepted.gradient;
    it++;
    history.push(f);
    options.onIteration?.({ iteration: it - 1, value: f, step: alpha * options.stepNorm(d) });
    if (history.length > window) {
      const old = history[history.length - 1 - window]!;
      if (old - f < tol * Math.abs(old)) {
        stop = "tolerance";
        break;
      }
    }
  }
  return { x, value: f, iterations: it, evaluations, stop };
}
