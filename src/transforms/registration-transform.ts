// The transform a registration produces: T(p) = A(φ(p)), fixed physical → moving physical (pull-back), with A an
// affine and φ one deformation kind: p + d(p) (displacement grid), exp(v) (velocity field) or p + B-spline FFD.

import { OptionError } from "../core/errors.js";
import { indexToPhysical, physicalToIndex, type Space, type Vec3 } from "../core/space.js";
import { invertAffine, mapPointsAffine, type Mat4 } from "./affine.js";
import { addBSplineAtKnot, bsplineScratch, checkBSplineGrid, type BSplineGrid } from "./bspline-field.js";
import { flowIndex, flowScratch, velocityFlow, type VelocityGrid } from "./velocity-field.js";

export type { BSplineGrid } from "./bspline-field.js";
export type { VelocityGrid } from "./velocity-field.js";

/** A displacement field d(p) in physical units, vector-first [ndim, z, y, x], components in [z, y, x] / [y, x] order. */
export interface DisplacementGrid {
  ndim: 2 | 3;
  shape: Vec3;
  space: Space;
  data: Float32Array;
}

/**
 * T(p) = A(φ(p)). At most one of `displacement`, `velocity` and `bspline` is set (none: φ = id); deformationOf
 * checks that and is how consumers should read φ, so that no kind is ever silently ignored.
 */
export interface RegistrationTransform {
  ndim: 2 | 3;
  /** Fixed physical → moving physical, applied after the deformation. */
  affine: Mat4;
  /** φ(p) = p + d(p), d linearly interpolated. */
  displacement?: DisplacementGrid;
  /** φ = exp(v), the time-1 flow of a stationary velocity field (what `--deformable svf` computes). */
  velocity?: VelocityGrid;
  /** φ(p) = p + Σ β³ c_k, a cubic B-spline FFD (what `--deformable bspline` computes). */
  bspline?: BSplineGrid;
  /** Level-0 frames of the images it was computed for, so pixel landmarks can be converted without the images. */
  fixedSpace?: Space;
  movingSpace?: Space;
  /** Level-0 shape [z, y, x] of the fixed image (the grid exports such as elastix's record). */
  fixedShape?: Vec3;
}

/** d(p) by (bi/tri)linear interpolation, clamped to the grid (constant extrapolation beyond it). Adds into `out`. */
export function addDisplacementAt(grid: DisplacementGrid, p: Vec3, out: Vec3): void {
  const [nz, ny, nx] = grid.shape, n = nz * ny * nx;
  const i = physicalToIndex(grid.space, p);
  const clampAxis = (v: number, size: number) => Math.min(Math.max(v, 0), size - 1);
  const z = clampAxis(i[0], nz), y = clampAxis(i[1], ny), x = clampAxis(i[2], nx);
  const z0 = Math.min(Math.floor(z), Math.max(nz - 2, 0)), y0 = Math.min(Math.floor(y), Math.max(ny - 2, 0)), x0 = Math.min(Math.floor(x), Math.max(nx - 2, 0));
  const fz = nz > 1 ? z - z0 : 0, fy = ny > 1 ? y - y0 : 0, fx = nx > 1 ? x - x0 : 0;
  const z1 = Math.min(z0 + 1, nz - 1), y1 = Math.min(y0 + 1, ny - 1), x1 = Math.min(x0 + 1, nx - 1);
  const first = grid.ndim === 3 ? 0 : 1;
  for (let a = first; a < 3; a++) {
    const d = grid.data, o = (a - first) * n;
    const at = (zz: number, yy: number, xx: number) => d[o + (zz * ny + yy) * nx + xx]!;
    const c00 = at(z0, y0, x0) * (1 - fx) + at(z0, y0, x1) * fx, c01 = at(z0, y1, x0) * (1 - fx) + at(z0, y1, x1) * fx;
    const c10 = at(z1, y0, x0) * (1 - fx) + at(z1, y0, x1) * fx, c11 = at(z1, y1, x0) * (1 - fx) + at(z1, y1, x1) * fx;
    out[a] = out[a]! + (c00 * (1 - fy) + c01 * fy) * (1 - fz) + (c10 * (1 - fy) + c11 * fy) * fz;
  }
}

/** The deformation φ of a transform, tagged by kind. */
export type Deformation =
  | { kind: "displacement"; grid: DisplacementGrid }
  | { kind: "velocity"; grid: VelocityGrid }
  | { kind: "bspline"; grid: BSplineGrid };

export type DeformationKind = Deformation["kind"];

/** φ of `t`, or null for an affine-only transform; throws an OptionError when more than one kind is set. */
export function deformationOf(t: RegistrationTransform): Deformation | null {
  const found: Deformation[] = [];
  if (t.displacement) found.push({ kind: "displacement", grid: t.displacement });
  if (t.velocity) found.push({ kind: "velocity", grid: t.velocity });
  if (t.bspline) found.push({ kind: "bspline", grid: t.bspline });
  if (found.length > 1) {
    throw new OptionError("transform", found.map((f) => f.kind).join(" + "), "at most one deformation (displacement, velocity or bspline) before the affine");
  }
  const d = found[0] ?? null;
  if (d && d.grid.ndim !== t.ndim) throw new OptionError(`transform.${d.kind}.ndim`, d.grid.ndim, `${t.ndim}, the transform's ndim`);
  return d;
}

/** The same transform with its deformation replaced by `d` (null: affine only); the other kinds are removed. */
export function withDeformation(t: RegistrationTransform, d: Deformation | null): RegistrationTransform {
  const { displacement: _d, velocity: _v, bspline: _b, ...rest } = t;
  if (!d) return rest;
  return d.kind === "displacement" ? { ...rest, displacement: d.grid } : d.kind === "velocity" ? { ...rest, velocity: d.grid } : { ...rest, bspline: d.grid };
}

/**
 * d(p) = φ(p) − p of a displacement grid or B-spline as a function that adds d at one physical point [z, y, x] into
 * `out` (the kinds whose φ is id + d; a velocity field has no closed-form d, see deformationMapper).
 */
export function offsetAdder(d: Exclude<Deformation, { kind: "velocity" }>): (p: Vec3, out: Vec3) => void {
  if (d.kind === "displacement") {
    const grid = d.grid;
    return (p, out) => addDisplacementAt(grid, p, out);
  }
  checkBSplineGrid(d.grid);
  const grid = d.grid, w = bsplineScratch(), acc = new Float64Array(3);
  return (p, out) => {
    const t = physicalToIndex(grid.space, p);
    acc.set(out);
    addBSplineAtKnot(grid, t[0], t[1], t[2], acc, w);
    out[0] = acc[0]!;
    out[1] = acc[1]!;
    out[2] = acc[2]!;
  };
}

/**
 * φ (or, with inverse = true, φ⁻¹ = exp(−v) of a velocity field) as a function that maps one physical point
 * [z, y, x] in place. Prepared once per batch, so many points pay the set-up (e.g. v in index units) once.
 */
export function deformationMapper(d: Deformation, inverse = false): (p: Float64Array) => void {
  if (d.kind === "velocity") {
    const flow = velocityFlow(d.grid), space = d.grid.space, scratch = flowScratch(), i = new Float64Array(3);
    return (p) => {
      i.set(physicalToIndex(space, [p[0]!, p[1]!, p[2]!]));
      flowIndex(flow, i, inverse ? -1 : 1, scratch);
      p.set(indexToPhysical(space, [i[0]!, i[1]!, i[2]!]));
    };
  }
  if (inverse) throw new OptionError("deformationMapper: inverse", true, "a velocity field (other kinds invert by iteration, mapPointsInverse)");
  const add = offsetAdder(d);
  return (p) => {
    const q: Vec3 = [p[0]!, p[1]!, p[2]!];
    add([p[0]!, p[1]!, p[2]!], q);
    p.set(q);
  };
}

/** T(p) for n points ([z, y, x] triples, physical), returning new coordinates. */
export function mapPoints(t: RegistrationTransform, points: Float64Array): Float64Array {
  const out = Float64Array.from(points);
  const d = deformationOf(t);
  if (d) {
    const phi = deformationMapper(d);
    for (let o = 0; o + 2 < out.length; o += 3) phi(out.subarray(o, o + 3));
  }
  return mapPointsAffine(t.affine, out);
}

/**
 * T⁻¹(q) for n points. A velocity field inverts exactly: p = exp(−v)(A⁻¹ q), integrated like the forward flow.
 * A displacement grid or B-spline solves p = A⁻¹(q) − d(p) by fixed-point iteration p ← A⁻¹q − d(p), which converges
 * where id + d is invertible with |∇d| < 1. Points that do not reach `tolerance` (physical units) within
 * `maxIterations` are returned as NaN, so a failure is never silent.
 */
export function mapPointsInverse(t: RegistrationTransform, points: Float64Array, tolerance = 1e-4, maxIterations = 200): Float64Array {
  if (!(tolerance > 0)) throw new OptionError("tolerance", tolerance, "a positive length");
  const target = mapPointsAffine(invertAffine(t.affine), Float64Array.from(points));
  const def = deformationOf(t);
  if (!def) return target;
  if (def.kind === "velocity") {
    const phiInverse = deformationMapper(def, true);
    for (let o = 0; o + 2 < target.length; o += 3) phiInverse(target.subarray(o, o + 3));
    return target;
  }
  const add = offsetAdder(def);
  const out = new Float64Array(target.length);
  for (let o = 0; o < target.length; o += 3) {
    const a: Vec3 = [target[o]!, target[o + 1]!, target[o + 2]!];
    let p: Vec3 = [...a];
    let ok = false;
    for (let k = 0; k < maxIterations; k++) {
      const d: Vec3 = [0, 0, 0];
      add(p, d);
      const next: Vec3 = [a[0] - d[0], a[1] - d[1], a[2] - d[2]];
      const step = Math.hypot(next[0] - p[0], next[1] - p[1], next[2] - p[2]);
      p = next;
      if (step < tolerance) {
        ok = true;
        break;
      }
    }
    out.set(ok ? p : [NaN, NaN, NaN], o);
  }
  return out;
}
