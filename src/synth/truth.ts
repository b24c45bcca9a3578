// The known transform of a synthetic pair: T(p) = A(p + d(p)), fixed → moving (the project's pull-back convention).
// A: small rotation, 1–2 % zoom, ~1 % translation. d: a low-frequency B-spline field (~1 % of the size, 4 cells per
// axis) plus a higher-frequency one the global stage cannot capture (up to 32 cells, a few pixels), both sampled onto
// ONE DisplacementGrid fine enough to carry them; that grid (linearly interpolated) IS the truth.

import { defaultSpace, type Space, type Vec3 } from "../core/space.js";
import { affineFromParams, type AffineParams } from "../transforms/affine.js";
import type { DisplacementGrid, RegistrationTransform } from "../transforms/registration-transform.js";
import { seededRandom } from "./hash.js";

export interface TruthParams {
  seed: number;
  ndim: 2 | 3;
  /** Image shape [z, y, x]. */
  shape: Vec3;
  affine: AffineParams;
  /** Rotation centre (physical, [z, y, x]). */
  centre: Vec3;
  globalField: { cells: number; maxAbs: number[] };
  localField: { cells: number; maxAbs: number[] };
  grid: { shape: Vec3; step: number };
  /** Smallest det(I + ∇d) over the grid cells (forward differences). */
  minJacobian: number;
  /** Largest |d| over the grid, in pixels. */
  maxDisplacement: number;
}

export interface SynthTruth {
  transform: RegistrationTransform;
  params: TruthParams;
}

/** Cubic B-spline basis weights at fraction f. */
function bspline(f: number): [number, number, number, number] {
  const g = 1 - f;
  return [(g * g * g) / 6, (3 * f * f * f - 6 * f * f + 4) / 6, (-3 * f * f * f + 3 * f * f + 3 * f + 1) / 6, (f * f * f) / 6];
}

/**
 * One component of a random cubic B-spline field with `cells` cells over each axis of `shape`, sampled at the
 * grid's points and scaled so its largest magnitude there is exactly `amplitude`.
 */
function splineComponent(rand: () => number, ndim: 2 | 3, cells: number, shape: Vec3, grid: Vec3, step: number, amplitude: number): Float64Array {
  const nc = cells + 3;
  const coef = new Float64Array((ndim === 3 ? nc : 1) * nc * nc);
  for (let i = 0; i < coef.length; i++) coef[i] = 2 * rand() - 1;
  const axis = (n: number, size: number) => {
    const idx = new Int32Array(n), w: [number, number, number, number][] = [];
    for (let i = 0; i < n; i++) {
      const t = Math.min(Math.max((i * step) / Math.max(size - 1, 1), 0), 1) * cells;
      const k = Math.min(Math.floor(t), cells - 1);
      idx[i] = k;
      w.push(bspline(t - k));
    }
    return { idx, w };
  };
  const az = ndim === 3 ? axis(grid[0], shape[0]) : { idx: new Int32Array(1), w: [[1, 0, 0, 0] as [number, number, number, number]] };
  const ay = axis(grid[1], shape[1]), ax = axis(grid[2], shape[2]);
  const out = new Float64Array(grid[0] * grid[1] * grid[2]);
  const zTerms = ndim === 3 ? 4 : 1;
  let o = 0, maxAbs = 0;
  for (let z = 0; z < grid[0]; z++) {
    for (let y = 0; y < grid[1]; y++) {
      for (let x = 0; x < grid[2]; x++) {
        let s = 0;
        for (let a = 0; a < zTerms; a++) {
          const cz = ndim === 3 ? az.idx[z]! + a : 0;
          for (let b = 0; b < 4; b++) {
            const row = (cz * nc + ay.idx[y]! + b) * nc + ax.idx[x]!;
            const wzy = az.w[z]![a]! * ay.w[y]![b]!;
            for (let c = 0; c < 4; c++) s += wzy * ax.w[x]![c]! * coef[row + c]!;
          }
        }
        out[o++] = s;
        maxAbs = Math.max(maxAbs, Math.abs(s));
      }
    }
  }
  const k = maxAbs > 0 ? amplitude / maxAbs : 0;
  for (let i = 0; i < out.length; i++) out[i]! *= k;
  return out;
}

/** Smallest det(I + ∇d) over the grid (forward differences, d vector-first in pixels, grid step `step`). */
export function minGridJacobian(grid: DisplacementGrid, step: number): number {
  const [nz, ny, nx] = grid.shape, n = nz * ny * nx, d = grid.data, nd = grid.ndim;
  let min = Infinity;
  for (let z = 0; z < Math.max(nz - 1, 1); z++) {
    for (let y = 0; y < ny - 1; y++) {
      for (let x = 0; x < nx - 1; x++) {
        const i = (z * ny + y) * nx + x;
        // J[a][b] = δab + ∂d_a/∂b, components and axes in [z, y, x] (2D: [y, x]).
        const g = (c: number, di: number) => (d[c * n + i + di]! - d[c * n + i]!) / step;
        if (nd === 2) {
          const det = (1 + g(0, nx)) * (1 + g(1, 1)) - g(0, 1) * g(1, nx);
          min = Math.min(min, det);
        } else {
          const sz = ny * nx;
          const J = [1 + g(0, sz), g(0, nx), g(0, 1), g(1, sz), 1 + g(1, nx), g(1, 1), g(2, sz), g(2, nx), 1 + g(2, 1)];
          const det = J[0]! * (J[4]! * J[8]! - J[5]! * J[7]!) - J[1]! * (J[3]! * J[8]! - J[5]! * J[6]!) + J[2]! * (J[3]! * J[7]! - J[4]! * J[6]!);
          min = Math.min(min, det);
        }
      }
    }
  }
  return min;
}

/** Draws the truth transform for an image of `shape` in the unit-spacing pixel frame (physical = pixels). */
export function makeTruth(shape: Vec3, seed: number): SynthTruth {
  const space = defaultSpace();
  const ndim: 2 | 3 = shape[0] > 1 ? 3 : 2;
  const rand = seededRandom(seed * 2654435761 + 17);
  const sign = () => (rand() < 0.5 ? -1 : 1);
  const between = (a: number, b: number) => a + (b - a) * rand();
  const deg = Math.PI / 180;
  const maxDim = Math.max(...shape);
  const zoom = 1 + sign() * between(0.01, 0.02);
  const affine: AffineParams = {
    rotation: ndim === 3 ? [sign() * between(0.5, 2) * deg, sign() * between(0.5, 2) * deg, sign() * between(1, 2) * deg] : [0, 0, sign() * between(1.5, 2.5) * deg],
    zoom: [ndim === 3 ? zoom * between(0.995, 1.005) : 1, zoom * between(0.995, 1.005), zoom],
    translation: [ndim === 3 ? sign() * between(0.005, 0.015) * shape[0] : 0, sign() * between(0.005, 0.015) * shape[1], sign() * between(0.005, 0.015) * shape[2]],
    shear: [0, 0, 0],
  };
  const centre: Vec3 = [(shape[0] - 1) / 2, (shape[1] - 1) / 2, (shape[2] - 1) / 2];
  // Local lattice: cells of at least 128 px, at most 32 per axis; its amplitude ≤ 8 px and ≤ 4 % of a cell.
  const localCells = Math.min(32, Math.max(4, Math.round(maxDim / 128)));
  const localCell = maxDim / localCells;
  // The truth grid: a node every localCell / 16, at most 8 px, so that the piecewise-linear truth is smooth at the
  // scale of the registration lattices (a node every 8 px or more): its kinks sit on their nodes, and its slope changes
  // there by under 0.01 px/px from 2048² up (0.02 at 128³). A coarser grid (32–64 px, before) made the truth itself
  // show 0.09 px "seams" at chunk borders.
  const step = Math.min(8, Math.max(2, Math.floor(localCell / 16)));
  const grid: Vec3 = [ndim === 3 ? Math.ceil((shape[0] - 1) / step) + 1 : 1, Math.ceil((shape[1] - 1) / step) + 1, Math.ceil((shape[2] - 1) / step) + 1];
  const n = grid[0] * grid[1] * grid[2];
  const globalCells = 4;
  const comps = ndim;
  const globals: Float64Array[] = [], locals: Float64Array[] = [];
  const globalAmp: number[] = [], localAmp0: number[] = [];
  for (let c = 0; c < comps; c++) {
    const axisLen = shape[3 - comps + c]!;
    globalAmp.push(between(0.7, 1) * 0.01 * axisLen);
    localAmp0.push(Math.min(8, 0.04 * localCell) * between(0.7, 1));
    globals.push(splineComponent(rand, ndim, globalCells, shape, grid, step, 1));
    locals.push(splineComponent(rand, ndim, localCells, shape, grid, step, 1));
  }
  const spacingPhys = space.spacing;
  const gridSpace: Space = {
    ...space,
    spacing: [spacingPhys[0] * (ndim === 3 ? step : 1), spacingPhys[1] * step, spacingPhys[2] * step],
    origin: [...space.origin],
    direction: [...space.direction],
    units: [...space.units],
  };
  // Keep it diffeomorphic: shrink the local part until det(I + ∇d) > 0.5 everywhere on the grid.
  let localScale = 1, displacement: DisplacementGrid, minJ: number, maxD: number;
  for (;;) {
    const data = new Float32Array(comps * n);
    maxD = 0;
    for (let c = 0; c < comps; c++) {
      const px = spacingPhys[3 - comps + c]!;
      for (let i = 0; i < n; i++) data[c * n + i] = (globalAmp[c]! * globals[c]![i]! + localScale * localAmp0[c]! * locals[c]![i]!) * px;
    }
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < comps; c++) s += (data[c * n + i]! / spacingPhys[3 - comps + c]!) ** 2;
      maxD = Math.max(maxD, Math.sqrt(s));
    }
    displacement = { ndim, shape: grid, space: gridSpace, data };
    // The Jacobian in pixel units: divide by the physical spacing (equal per axis in the default frame).
    minJ = minGridJacobian(displacement, step * spacingPhys[2]);
    if (minJ > 0.5 || localScale < 0.01) break;
    localScale *= 0.7;
  }
  const transform: RegistrationTransform = { ndim, affine: affineFromParams(affine, centre, ndim), displacement, fixedSpace: space, movingSpace: space };
  const params: TruthParams = {
    seed, ndim, shape: [...shape], affine, centre,
    globalField: { cells: globalCells, maxAbs: globalAmp },
    localField: { cells: localCells, maxAbs: localAmp0.map((a) => a * localScale) },
    grid: { shape: grid, step },
    minJacobian: minJ,
    maxDisplacement: maxD,
  };
  return { transform, params };
}
