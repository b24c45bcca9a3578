// Stationary velocity fields as transforms: φ = exp(v), evaluated at any point by integrating dp/dt = v(p) over t ∈ [0, 1]
// (RK4, a fixed step count stored with the field); points and warp tiles both call flowIndex, and exp(−v) is the inverse.

import { OptionError } from "../core/errors.js";
import { indexToPhysicalLinear, invertMat3, mapVectors, voxelCount, type Space, type Vec3 } from "../core/space.js";
import { maxVectorNorm } from "../kernels/field-arithmetic.js";

/**
 * A stationary velocity field v in physical units per unit time, laid out like a DisplacementGrid: vector-first
 * [ndim, z, y, x], components [z, y, x] / [y, x], on a regular grid (the registration level), linear interpolation
 * between nodes and constant beyond the grid. The transform it stands for is φ = exp(v), the time-1 flow of v.
 */
export interface VelocityGrid {
  ndim: 2 | 3;
  shape: Vec3;
  space: Space;
  data: Float32Array;
  /** RK4 steps over t ∈ [0, 1]. @default velocitySteps(data, space): each step moves at most VELOCITY_STEP_VOXELS */
  steps?: number;
}

/**
 * Largest distance one RK4 step may move a point, in voxels of the velocity grid. Measured on smooth 2D fields
 * (sinusoids of one grid period, test/transforms/velocity-field.test.ts and the README's transform notes): the round
 * trip exp(−v)(exp(v)(p)) stays under 6e-5 grid voxel for max |v| = 5 … 20 voxels on 64², under 8e-4 for 10 voxels
 * on 32²; the kinks of the linear interpolation, not the RK4 order, set that floor. Each step costs 4 interpolations
 * per point, so this is also the warp's cost knob: a grid's `steps` can be raised for more accuracy.
 */
export const VELOCITY_STEP_VOXELS = 1;

/** The integration of one velocity grid, ready to evaluate: v in grid-index units per unit time, and the step count. */
export interface VelocityFlow {
  ndim: 2 | 3;
  shape: Vec3;
  /** v in voxels of the grid, vector-first [ndim, z, y, x] (v_index = (D · diag(spacing))⁻¹ v_physical). */
  index: Float64Array;
  steps: number;
}

/** v converted to grid-index units ((D · diag(spacing))⁻¹ v), vector-first [ndim, z, y, x] float64. */
function velocityInIndexUnits(grid: VelocityGrid): Float64Array {
  return mapVectors(invertMat3(indexToPhysicalLinear(grid.space)), grid.data, grid.ndim, new Float64Array(grid.data.length));
}

/** Smallest step count with max |v| / steps ≤ VELOCITY_STEP_VOXELS (at least 1), from v in index units. */
function stepsFor(index: Float64Array, ndim: 2 | 3): number {
  return Math.max(1, Math.ceil(maxVectorNorm(index, ndim) / VELOCITY_STEP_VOXELS));
}

/** The step count a velocity grid integrates with: its own `steps`, or the default for its largest velocity. */
export function velocitySteps(grid: VelocityGrid): number {
  return grid.steps ?? stepsFor(velocityInIndexUnits(grid), grid.ndim);
}

/** Checks `grid` and prepares its flow; throws an OptionError naming `what` on an inconsistent grid. */
export function velocityFlow(grid: VelocityGrid, what = "transform.velocity"): VelocityFlow {
  const n = voxelCount(grid.shape);
  if (grid.ndim === 2 && grid.shape[0] !== 1) throw new OptionError(`${what}.shape`, grid.shape, "[1, ny, nx] for a 2D velocity field");
  if (grid.data.length !== grid.ndim * n) {
    throw new OptionError(`${what}.data`, `length ${grid.data.length}`, `${grid.ndim}·${n} values for shape [${grid.shape}]`);
  }
  if (grid.steps !== undefined && !(Number.isInteger(grid.steps) && grid.steps >= 1 && grid.steps <= 100000)) {
    throw new OptionError(`${what}.steps`, grid.steps, "an integer number of RK4 steps, 1 … 100000");
  }
  const index = velocityInIndexUnits(grid);
  return { ndim: grid.ndim, shape: [...grid.shape], index, steps: grid.steps ?? stepsFor(index, grid.ndim) };
}

/**
 * v at grid index (z, y, x) in index units, by (bi/tri)linear interpolation with the index clamped to the grid (as
 * addDisplacementAt does), written into out[o..o+2] as [vz, vy, vx] (vz = 0 in 2D).
 */
function velocityAt(f: VelocityFlow, z: number, y: number, x: number, out: Float64Array, o: number): void {
  const nz = f.shape[0], ny = f.shape[1], nx = f.shape[2], d = f.index;
  const cy = y < 0 ? 0 : y > ny - 1 ? ny - 1 : y, cx = x < 0 ? 0 : x > nx - 1 ? nx - 1 : x;
  let y0 = Math.floor(cy), x0 = Math.floor(cx);
  if (y0 > ny - 2) y0 = ny > 1 ? ny - 2 : 0;
  if (x0 > nx - 2) x0 = nx > 1 ? nx - 2 : 0;
  const fy = ny > 1 ? cy - y0 : 0, fx = nx > 1 ? cx - x0 : 0, hy = 1 - fy, hx = 1 - fx;
  const sy = ny > 1 ? nx : 0, sx = nx > 1 ? 1 : 0;
  if (f.ndim === 2) {
    const b = y0 * nx + x0, e = b + ny * nx;
    out[o] = 0;
    out[o + 1] = (d[b]! * hx + d[b + sx]! * fx) * hy + (d[b + sy]! * hx + d[b + sy + sx]! * fx) * fy;
    out[o + 2] = (d[e]! * hx + d[e + sx]! * fx) * hy + (d[e + sy]! * hx + d[e + sy + sx]! * fx) * fy;
    return;
  }
  const n = nz * ny * nx, cz = z < 0 ? 0 : z > nz - 1 ? nz - 1 : z;
  let z0 = Math.floor(cz);
  if (z0 > nz - 2) z0 = nz > 1 ? nz - 2 : 0;
  const fz = nz > 1 ? cz - z0 : 0, hz = 1 - fz, sz = nz > 1 ? ny * nx : 0;
  const base = (z0 * ny + y0) * nx + x0;
  for (let c = 0; c < 3; c++) {
    const b = base + c * n;
    out[o + c] = ((d[b]! * hx + d[b + sx]! * fx) * hy + (d[b + sy]! * hx + d[b + sy + sx]! * fx) * fy) * hz
      + ((d[b + sz]! * hx + d[b + sz + sx]! * fx) * hy + (d[b + sz + sy]! * hx + d[b + sz + sy + sx]! * fx) * fy) * fz;
  }
}

/** Scratch for flowIndex: four RK4 stages of three components each. */
export function flowScratch(): Float64Array {
  return new Float64Array(12);
}

/**
 * exp(sign · v) at grid index p (in place, [z, y, x]): `steps` classical RK4 steps of h = 1/steps for dp/dt = sign·v(p).
 * The flow of −v undoes the flow of v exactly; the numerical round trip is limited by the integration error only.
 * Both mapPoints and the warp's tile path call this, so points and images see the same φ to the last bit.
 * @see V. Arsigny et al., "A Log-Euclidean framework for statistics on diffeomorphisms", MICCAI 2006 (φ = exp(v)).
 */
export function flowIndex(f: VelocityFlow, p: Float64Array, sign: 1 | -1, scratch: Float64Array): void {
  const h = sign / f.steps, k = scratch;
  let z = p[0]!, y = p[1]!, x = p[2]!;
  for (let s = 0; s < f.steps; s++) {
    velocityAt(f, z, y, x, k, 0);
    velocityAt(f, z + 0.5 * h * k[0]!, y + 0.5 * h * k[1]!, x + 0.5 * h * k[2]!, k, 3);
    velocityAt(f, z + 0.5 * h * k[3]!, y + 0.5 * h * k[4]!, x + 0.5 * h * k[5]!, k, 6);
    velocityAt(f, z + h * k[6]!, y + h * k[7]!, x + h * k[8]!, k, 9);
    z += (h / 6) * (k[0]! + 2 * k[3]! + 2 * k[6]! + k[9]!);
    y += (h / 6) * (k[1]! + 2 * k[4]! + 2 * k[7]! + k[10]!);
    x += (h / 6) * (k[2]! + 2 * k[5]! + 2 * k[8]! + k[11]!);
  }
  p[0] = z;
  p[1] = y;
  p[2] = x;
}
