import assert from "node:assert/strict";
import { test } from "node:test";
import { referenceKernels } from "../../src/compute/reference-kernels.js";
import { AbortedError, OptionError } from "../../src/core/errors.js";
import { defaultSpace, voxelCount, type Vec3 } from "../../src/core/space.js";
import { bendingEnergy } from "../../src/kernels/bending-energy.js";
import {
  createLattice, evaluateLattice, fitLattice, mapLattice, splatToLattice, subdivideLattice, type BSplineLattice,
} from "../../src/kernels/bspline-lattice.js";
import { createField, type Field } from "../../src/kernels/types.js";
import { cubicBSpline } from "../../src/metrics/cubic-bspline.js";
import {
  BSPLINE_TOLERANCE, bsplineCost, registerBSpline, type BSplineLevelProblem, type BSplineOptions,
} from "../../src/registration/bspline-stage.js";
import { registerGreedy } from "../../src/registration/greedy-stage.js";
import { shrinkLevelImage, type LevelImage } from "../../src/registration/level-image.js";
import { identity4 } from "../../src/transforms/affine.js";
import { seeded } from "../helpers/rng.js";

const K = referenceKernels;

/** A lattice over `shape` with seeded coefficients uniform in ±amplitude. */
function randomLattice(rng: () => number, shape: Vec3, spacing: Vec3, ndim: 2 | 3, amplitude: number): BSplineLattice {
  const l = createLattice(shape, spacing, ndim);
  for (let i = 0; i < l.coefficients.data.length; i++) l.coefficients.data[i] = amplitude * (2 * rng() - 1);
  return l;
}

/** Brute-force u(p) = Σ_k Π_a β³((p_a − o_a)/h_a − k_a) c_k over every knot: the independent reference. */
function evaluateAt(l: BSplineLattice, p: Vec3): number[] {
  const c = l.coefficients, nd = c.ndim, [kz, ky, kx] = c.shape, n = voxelCount(c.shape);
  const out = new Array<number>(nd).fill(0);
  for (let z = 0; z < kz; z++)
    for (let y = 0; y < ky; y++)
      for (let x = 0; x < kx; x++) {
        const wz = nd === 3 ? cubicBSpline((p[0] - l.origin[0]) / l.spacing[0] - z) : 1;
        const w = wz * cubicBSpline((p[1] - l.origin[1]) / l.spacing[1] - y) * cubicBSpline((p[2] - l.origin[2]) / l.spacing[2] - x);
        if (w === 0) continue;
        for (let comp = 0; comp < nd; comp++) out[comp] += w * c.data[comp * n + (z * ky + y) * kx + x]!;
      }
  return out;
}

function fieldAt(f: Field, i: number): number[] {
  const n = voxelCount(f.shape);
  return Array.from({ length: f.ndim }, (_, c) => f.data[c * n + i]!);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

const CASES: { name: string; shape: Vec3; spacing: Vec3; ndim: 2 | 3 }[] = [
  { name: "2D", shape: [1, 37, 29], spacing: [1, 7.5, 6], ndim: 2 },
  { name: "3D", shape: [9, 11, 13], spacing: [4, 3.5, 5], ndim: 3 },
];

for (const { name, shape, spacing, ndim } of CASES) {
  test(`evaluateLattice matches the brute-force sum over all knots (${name})`, () => {
    const rng = seeded(11), l = randomLattice(rng, shape, spacing, ndim, 2);
    const u = evaluateLattice(l, shape), [, ny, nx] = shape;
    for (let t = 0; t < 30; t++) {
      const i = Math.floor(rng() * voxelCount(shape));
      const p: Vec3 = [Math.floor(i / (ny * nx)), Math.floor(i / nx) % ny, i % nx];
      evaluateAt(l, p).forEach((v, c) => assert.ok(Math.abs(fieldAt(u, i)[c]! - v) < 1e-5, `voxel ${p}, component ${c}`));
    }
  });

  test(`a lattice with equal coefficients gives a constant field (${name})`, () => {
    const l = createLattice(shape, spacing, ndim), n = voxelCount(l.coefficients.shape);
    const value = [2.25, -1.5, 0.75];
    for (let c = 0; c < ndim; c++) l.coefficients.data.fill(value[c]!, c * n, (c + 1) * n);
    const u = evaluateLattice(l, shape), m = voxelCount(shape);
    for (let c = 0; c < ndim; c++) for (let i = 0; i < m; i++) assert.ok(Math.abs(u.data[c * m + i]! - value[c]!) < 1e-6);
  });

  test(`splatToLattice is the adjoint of evaluateLattice (${name})`, () => {
    const rng = seeded(12);
    // An off-centre lattice that does not cover the whole image, to exercise the knots that are missing.
    const l = randomLattice(rng, shape, spacing, ndim, 1);
    const shifted: BSplineLattice = { ...l, origin: [l.origin[0] + (ndim === 3 ? 3.3 : 0), l.origin[1] + 5.2, l.origin[2] - 4.1] };
    const f = createField(shape, ndim);
    for (let i = 0; i < f.data.length; i++) f.data[i] = 2 * rng() - 1;
    for (const lat of [l, shifted]) {
      const lhs = dot(evaluateLattice(lat, shape).data, f.data), rhs = dot(lat.coefficients.data, splatToLattice(f, lat).data);
      assert.ok(Math.abs(lhs - rhs) <= 1e-6 * Math.max(1, Math.abs(lhs)), `⟨eval c, f⟩ = ${lhs}, ⟨c, splat f⟩ = ${rhs}`);
    }
  });

  test(`subdivision and level mapping leave the spline unchanged (${name})`, () => {
    const rng = seeded(13), l = randomLattice(rng, shape, spacing, ndim, 2);
    const u = evaluateLattice(l, shape);
    const fine = subdivideLattice(l, [true, true, true]);
    assert.deepEqual(fine.spacing.slice(3 - ndim), spacing.slice(3 - ndim).map((h) => h / 2));
    const uFine = evaluateLattice(fine, shape);
    for (let i = 0; i < u.data.length; i++) assert.ok(Math.abs(u.data[i]! - uFine.data[i]!) < 1e-5);
    const fitted = evaluateLattice(fitLattice(fine, shape), shape);
    for (let i = 0; i < u.data.length; i++) assert.ok(Math.abs(u.data[i]! - fitted.data[i]!) < 1e-5);
    // A 2× finer grid, i_old = 0.5 i_new − 0.25 (the pyramid's pixel-centre rule): u_new(i) = 2 u_old(0.5 i − 0.25).
    const scale: Vec3 = ndim === 3 ? [0.5, 0.5, 0.5] : [1, 0.5, 0.5], offset: Vec3 = ndim === 3 ? [-0.25, -0.25, -0.25] : [0, -0.25, -0.25];
    const bigShape: Vec3 = ndim === 3 ? [2 * shape[0], 2 * shape[1], 2 * shape[2]] : [1, 2 * shape[1], 2 * shape[2]];
    const mapped = fitLattice(subdivideLattice(mapLattice(l, scale, offset), [true, true, true]), bigShape);
    const uBig = evaluateLattice(mapped, bigShape), [, ny, nx] = bigShape;
    for (let t = 0; t < 30; t++) {
      const i = Math.floor(rng() * voxelCount(bigShape));
      const q: Vec3 = [Math.floor(i / (ny * nx)), Math.floor(i / nx) % ny, i % nx];
      const p = q.map((v, a) => scale[a]! * v + offset[a]!) as Vec3;
      evaluateAt(l, p).forEach((v, c) => assert.ok(Math.abs(fieldAt(uBig, i)[c]! - v / scale[c + 3 - ndim]!) < 1e-4, `voxel ${q}`));
    }
  });

  test(`bending energy: 0 for an affine field, its gradient matches central differences (${name})`, () => {
    const l = createLattice(shape, spacing, ndim), [kz, ky, kx] = l.coefficients.shape, n = kz * ky * kx;
    // B-splines reproduce linear functions: c_k = M · (knot position) gives u(i) = M · i + t exactly.
    for (let z = 0; z < kz; z++)
      for (let y = 0; y < ky; y++)
        for (let x = 0; x < kx; x++) {
          const p = [l.origin[0] + z * l.spacing[0], l.origin[1] + y * l.spacing[1], l.origin[2] + x * l.spacing[2]];
          for (let c = 0; c < ndim; c++) l.coefficients.data[c * n + (z * ky + y) * kx + x] = 0.3 + 0.05 * (c + 1) * p[2]! - 0.02 * p[1]!;
        }
    assert.ok(Math.abs(bendingEnergy(l, shape).value) < 1e-9, `E = ${bendingEnergy(l, shape).value}`);
    const rng = seeded(14), r = randomLattice(rng, shape, spacing, ndim, 2);
    const { value, gradient } = bendingEnergy(r, shape);
    assert.ok(value > 0);
    for (let t = 0; t < 10; t++) {
      const i = Math.floor(rng() * r.coefficients.data.length), c0 = r.coefficients.data[i]!, h = 1e-2;
      r.coefficients.data[i] = c0 + h;
      const plus = bendingEnergy(r, shape).value;
      r.coefficients.data[i] = c0 - h;
      const minus = bendingEnergy(r, shape).value;
      r.coefficients.data[i] = c0;
      const numeric = (plus - minus) / (2 * h); // E is quadratic: central differences are exact up to rounding
      assert.ok(Math.abs(gradient.data[i]! - numeric) <= 1e-4 * Math.max(1e-3, Math.abs(numeric)), `coefficient ${i}: ${gradient.data[i]} vs ${numeric}`);
    }
  });
}

test("bending energy agrees with finite differences of the evaluated field", () => {
  // 2D, knot spacing 8: E ≈ h² · mean over voxels of u_yy² + 2u_xy² + u_xx² (voxel units), borders excluded.
  const shape: Vec3 = [1, 96, 96], h = 8, l = randomLattice(seeded(15), shape, [1, h, h], 2, 2);
  const u = evaluateLattice(l, shape), n = voxelCount(shape), nx = 96;
  let sum = 0, count = 0;
  for (let y = 1; y < 95; y++)
    for (let x = 1; x < 95; x++) {
      const i = y * nx + x;
      for (let c = 0; c < 2; c++) {
        const f = (dy: number, dx: number) => u.data[c * n + i + dy * nx + dx]! / h; // lattice-unit displacement
        const uyy = f(1, 0) - 2 * f(0, 0) + f(-1, 0), uxx = f(0, 1) - 2 * f(0, 0) + f(0, -1);
        const uxy = (f(1, 1) - f(1, -1) - f(-1, 1) + f(-1, -1)) / 4;
        sum += (uyy * uyy + 2 * uxy * uxy + uxx * uxx) * h ** 4; // d/dt = h d/dx
      }
      count++;
    }
  const numeric = sum / count, exact = bendingEnergy(l, shape).value;
  assert.ok(Math.abs(numeric - exact) < 0.05 * exact, `closed form ${exact} vs finite differences ${numeric}`);
});

/** A band-limited texture: seeded sinusoids with wavelengths 8–32 voxels in random directions. */
function texture(rng: () => number, ndim: 2 | 3, waves = 24): (p: number[]) => number {
  const w = Array.from({ length: waves }, () => {
    const k = Array.from({ length: 3 }, () => rng() * 2 - 1);
    if (ndim === 2) k[0] = 0;
    const norm = Math.hypot(...k), freq = (2 * Math.PI) / (8 + 24 * rng());
    return { k: k.map((v) => (v / norm) * freq), phase: 2 * Math.PI * rng(), amp: 0.5 + rng() };
  });
  return (p) => w.reduce((s, q) => s + q.amp * Math.sin(q.k[0]! * p[0]! + q.k[1]! * p[1]! + q.k[2]! * p[2]! + q.phase), 0);
}

/** Image of `shape` sampling `tex` at x + u(x) (u omitted: the identity). */
function sampleImage(tex: (p: number[]) => number, shape: Vec3, u?: Field): LevelImage {
  const data = new Float32Array(voxelCount(shape)), [nz, ny, nx] = shape, n = data.length;
  const nd = u?.ndim ?? 3, first = nd === 3 ? 0 : 1;
  for (let z = 0, i = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        const p = [z, y, x];
        if (u) for (let a = first; a < 3; a++) p[a] = p[a]! + u.data[(a - first) * n + i]!;
        data[i] = tex(p);
      }
  return { image: { data, shape: [...shape] }, space: defaultSpace() };
}

function pyramid(li: LevelImage, levels: number): LevelImage[] {
  const out = [li];
  while (out.length < levels) out.unshift(shrinkLevelImage(out[0]!));
  return out;
}

/** Mean |u − truth| over the interior 96² of 128² fields (16 voxels from each edge). */
function meanErrorInterior(u: Field, truth: Field): number {
  const n = voxelCount(truth.shape);
  let sum = 0, count = 0;
  for (let y = 16; y < 112; y++)
    for (let x = 16; x < 112; x++, count++) sum += Math.hypot(u.data[y * 128 + x]! - truth.data[y * 128 + x]!, u.data[n + y * 128 + x]! - truth.data[n + y * 128 + x]!);
  return sum / count;
}

const GRADIENT_CASES: { metric: "ncc" | "mse" | "mi"; shape: Vec3; spacing: Vec3; ndim: 2 | 3 }[] = [
  { metric: "ncc", shape: [1, 40, 48], spacing: [1, 10, 10], ndim: 2 },
  { metric: "mse", shape: [1, 40, 48], spacing: [1, 10, 10], ndim: 2 },
  { metric: "mi", shape: [1, 40, 48], spacing: [1, 10, 10], ndim: 2 },
  { metric: "ncc", shape: [10, 12, 14], spacing: [5, 5, 6], ndim: 3 },
];

for (const { metric, shape, spacing, ndim } of GRADIENT_CASES)
  test(`bsplineCost gradient w.r.t. coefficients matches central differences (${ndim}D, ${metric}, with bending)`, async () => {
    const rng = seeded(21);
    const tex = texture(rng, ndim);
    const fixed = sampleImage(tex, shape, evaluateLattice(randomLattice(rng, shape, spacing, ndim, 1.5), shape));
    const moving = sampleImage(tex, shape);
    const problem: BSplineLevelProblem = {
      fixed, moving, fixedToMovingIndex: identity4(), metric, radius: 2, movingRange: [-12, 12], bendingWeight: 0.05,
    };
    // |u| < 0.5 voxel everywhere, so no sample leaves the moving image and the cost stays smooth in c.
    const lattice = randomLattice(rng, shape, spacing, ndim, 0.4);
    const { gradient } = await bsplineCost(problem, lattice, K);
    const c = lattice.coefficients.data;
    let scale = 0;
    for (const g of gradient.data) scale = Math.max(scale, Math.abs(g));
    for (let t = 0; t < 8; t++) {
      const i = Math.floor(rng() * c.length), c0 = c[i]!, h = 1e-3;
      c[i] = c0 + h;
      const plus = c[i]!, vPlus = (await bsplineCost(problem, lattice, K)).value;
      c[i] = c0 - h;
      const minus = c[i]!, vMinus = (await bsplineCost(problem, lattice, K)).value;
      c[i] = c0;
      const numeric = (vPlus - vMinus) / (plus - minus);
      const err = Math.abs(gradient.data[i]! - numeric) / Math.max(Math.abs(numeric), 0.05 * scale);
      assert.ok(err < 2e-3, `coefficient ${i}: analytic ${gradient.data[i]} vs central difference ${numeric} (relative error ${err.toExponential(2)})`);
    }
  });

test("bsplineCost with a fixed mask ignores what the moving image holds outside it (value and gradient), and without one does not", async () => {
  const rng = seeded(23), shape: Vec3 = [1, 40, 48], ndim = 2;
  const tex = texture(rng, ndim);
  const fixed = sampleImage(tex, shape, evaluateLattice(randomLattice(rng, shape, [1, 10, 10], ndim, 1.5), shape));
  const moving = sampleImage(tex, shape);
  // Masked out: rows 20..39; altered: rows 22..39. With u = 0 every sample sits on a grid point, and the moving
  // gradient at the last counted row reaches one row further (a one-sided difference), so no counted voxel sees the
  // altered rows; the NCC windows hold only counted voxels.
  const mask = new Uint8Array(voxelCount(shape)).fill(1).fill(0, 20 * 48);
  const altered = { ...moving, image: { ...moving.image, data: Float32Array.from(moving.image.data, (v, i) => (i >= 22 * 48 ? 5 * v + 3 : v)) } };
  const lattice = createLattice(shape, [1, 10, 10], ndim);
  const base = { fixed, fixedToMovingIndex: identity4(), metric: "ncc" as const, radius: 2, movingRange: [-12, 12] as [number, number], bendingWeight: 0 };
  const a = await bsplineCost({ ...base, moving, fixedMask: mask }, lattice, K);
  const b = await bsplineCost({ ...base, moving: altered, fixedMask: mask }, lattice, K);
  assert.equal(b.value, a.value);
  assert.deepEqual(b.gradient.data, a.gradient.data);
  assert.equal(a.count, 20 * 48);
  const c = await bsplineCost({ ...base, moving: altered }, lattice, K);
  assert.notEqual(c.value, a.value);
});

test("registerBSpline recovers a known smooth B-spline deformation (2D, 128², ~3 px) without folding", async () => {
  const t0 = performance.now();
  const rng = seeded(31), shape: Vec3 = [1, 128, 128];
  // Knots every 18 voxels: not the stage's 16, so the truth is not exactly in the space the stage searches.
  const truthLattice = randomLattice(rng, shape, [1, 18, 18], 2, 4);
  const truth = evaluateLattice(truthLattice, shape);
  const tex = texture(rng, 2);
  // F(x) = T(x + u(x)) and M = T, so the registration must find u: F ≈ M∘(x + u).
  const fixed = pyramid(sampleImage(tex, shape, truth), 3), moving = pyramid(sampleImage(tex, shape), 3);
  const result = await registerBSpline(fixed, moving, identity4(), 2, { iterations: [40, 40, 40] }, K);
  const n = voxelCount(shape), u = result.displacement;
  let sum = 0, count = 0, maxTruth = 0;
  for (let y = 16; y < 112; y++)
    for (let x = 16; x < 112; x++) {
      const i = y * 128 + x;
      sum += Math.hypot(u.data[i]! - truth.data[i]!, u.data[n + i]! - truth.data[n + i]!);
      maxTruth = Math.max(maxTruth, Math.hypot(truth.data[i]!, truth.data[n + i]!));
      count++;
    }
  const meanError = sum / count;
  const det = await K.jacobianDeterminant(u);
  const minDet = det.data.reduce((m, v) => Math.min(m, v), Infinity);
  const info = `mean error ${meanError.toFixed(3)} px (truth up to ${maxTruth.toFixed(2)} px), min det ${minDet.toFixed(3)}, ` +
    `levels ${JSON.stringify(result.levels)}, ${(performance.now() - t0).toFixed(0)} ms`;
  assert.ok(maxTruth > 2.5, info);
  assert.ok(meanError < 0.3, info);
  assert.ok(minDet > 0, info);
  for (const lv of result.levels) assert.ok(lv.valueAfter < lv.valueBefore, info);
  assert.deepEqual(result.displacement.shape, shape);
  assert.deepEqual(result.lattice.spacing.slice(1), [16, 16]);
});

test("registerBSpline stops a level early at the default tolerance (BSPLINE_TOLERANCE), as close to the truth as a run to the iteration cap", async () => {
  const rng = seeded(31), shape: Vec3 = [1, 128, 128];
  const truth = evaluateLattice(randomLattice(rng, shape, [1, 18, 18], 2, 4), shape);
  const tex = texture(rng, 2);
  // Independent noise on each image, σ 0.4: about 2 % of the texture's range, as on the peers' pairs (../shared/peers).
  // With it, iterating on past the tolerance fits noise rather than the truth.
  const noisy = (li: LevelImage) => {
    for (let i = 0; i < li.image.data.length; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - rng())), t = 2 * Math.PI * rng();
      li.image.data[i] += 0.4 * r * Math.cos(t);
      if (i + 1 < li.image.data.length) li.image.data[i + 1] += 0.4 * r * Math.sin(t);
    }
    return li;
  };
  const fixed = pyramid(noisy(sampleImage(tex, shape, truth)), 3), moving = pyramid(noisy(sampleImage(tex, shape)), 3);
  const meanError = (u: Field) => meanErrorInterior(u, truth);
  const cap = [150, 150, 150];
  const early = await registerBSpline(fixed, moving, identity4(), 2, { iterations: cap }, K);
  const full = await registerBSpline(fixed, moving, identity4(), 2, { iterations: cap, tolerance: 1e-5 }, K);
  const ran = (r: typeof early) => r.levels.reduce((s, l) => s + l.iterations, 0);
  const info = `default: ${ran(early)} iterations, ${meanError(early.displacement).toFixed(4)} px; ` +
    `1e-5: ${ran(full)} iterations, ${meanError(full.displacement).toFixed(4)} px`;
  assert.ok(BSPLINE_TOLERANCE > 1e-5, info);
  assert.ok(early.levels.some((l) => l.iterations < 150), info);
  assert.ok(ran(early) < ran(full), info);
  assert.ok(meanError(early.displacement) < 0.3, info);
  assert.ok(meanError(early.displacement) < meanError(full.displacement) + 0.01, info);
});

test("registerGreedy starts from a given displacement (a B-spline stage's result): kept with no iterations, refined with some", async () => {
  const rng = seeded(33), shape: Vec3 = [1, 128, 128];
  const truth = evaluateLattice(randomLattice(rng, shape, [1, 24, 24], 2, 3), shape);
  const tex = texture(rng, 2);
  const fixed = pyramid(sampleImage(tex, shape, truth), 3), moving = pyramid(sampleImage(tex, shape), 3);
  const finest = fixed[2]!;
  const meanError = (u: Field) => meanErrorInterior(u, truth);
  const kept = await registerGreedy(fixed, moving, identity4(), 2, { iterations: [0, 0, 0], initial: { displacement: truth, level: finest } }, K);
  assert.ok(meanError(kept.displacement) < 0.1, `resampled through the coarse grid: ${meanError(kept.displacement).toFixed(3)} px`);
  const zero = await registerGreedy(fixed, moving, identity4(), 2, { iterations: [0, 0, 0] }, K);
  assert.ok(meanError(zero.displacement) > 1, "the truth is not small");
  const refined = await registerGreedy(fixed, moving, identity4(), 2, { iterations: [0, 0, 20], initial: { displacement: truth, level: finest } }, K);
  assert.ok(meanError(refined.displacement) < 0.3, `greedy from the truth stays near it: ${meanError(refined.displacement).toFixed(3)} px`);
  await assert.rejects(
    registerGreedy(fixed, moving, identity4(), 2, { iterations: [0, 0, 0], mode: "svf", initial: { displacement: truth, level: finest } }, K),
    OptionError,
  );
});

test("the bending penalty prevents folding where the metric alone folds (2D noise, 4-voxel knots)", async () => {
  // Two unrelated noise images: the metric can only improve by fitting noise, which with knots every 4 voxels and
  // no penalty folds the grid. Measured (seeds 1–5): λ = 0.1 keeps min det ≥ 0.48 on every seed; λ = 0 folds on some.
  const rng = seeded(3), shape: Vec3 = [1, 48, 48];
  const noise = (): LevelImage => ({ image: { data: new Float32Array(48 * 48).map(() => rng()), shape }, space: defaultSpace() });
  const fixed = noise(), moving = noise();
  const run = async (bendingWeight: number) => {
    const r = await registerBSpline([fixed], [moving], identity4(), 2, { iterations: [150], gridSpacingVoxels: 4, maxStepVoxels: 2, bendingWeight }, K);
    const det = (await K.jacobianDeterminant(r.displacement)).data;
    return { folded: det.filter((v) => v <= 0).length, minDet: det.reduce((m, v) => Math.min(m, v), Infinity), bending: bendingEnergy(r.lattice, shape).value };
  };
  const free = await run(0), penalised = await run(0.1);
  const info = `λ = 0: ${JSON.stringify(free)}; λ = 0.1: ${JSON.stringify(penalised)}`;
  assert.ok(free.folded > 0, info);
  assert.equal(penalised.folded, 0, info);
  assert.ok(penalised.minDet > 0.3 && penalised.bending < 0.5 * free.bending, info);
});

test("registerBSpline improves the metric on a 3D volume (32³ smoke test)", async () => {
  const rng = seeded(41), shape: Vec3 = [32, 32, 32];
  const truth = evaluateLattice(randomLattice(rng, shape, [8, 8, 8], 3, 1.5), shape);
  const tex = texture(rng, 3, 16);
  const fixed = pyramid(sampleImage(tex, shape, truth), 2), moving = pyramid(sampleImage(tex, shape), 2);
  const result = await registerBSpline(fixed, moving, identity4(), 3, { iterations: [10, 10], gridSpacingVoxels: 8, metric: "mse" }, K);
  assert.equal(result.displacement.ndim, 3);
  assert.deepEqual(result.displacement.shape, shape);
  for (const lv of result.levels) assert.ok(lv.valueAfter < 0.5 * lv.valueBefore, JSON.stringify(result.levels));
});

test("registerBSpline rejects bad options, naming them", async () => {
  const li: LevelImage = { image: { data: new Float32Array(64), shape: [1, 8, 8] }, space: defaultSpace() };
  const run = (o: Partial<BSplineOptions>, ndim: 2 | 3 = 2) => registerBSpline([li], [li], identity4(), ndim, { iterations: [1], ...o }, K);
  const cases: [Partial<BSplineOptions>, string, string][] = [
    [{ iterations: [1, 2] }, "iterations", "one iteration count per level, coarsest first (1 entries)"],
    [{ metric: "nmi" as never }, "metric", 'one of "ncc", "mse", "mi"'],
    [{ metric: "mse", radius: 3 }, "radius", 'no radius with metric "mse"'],
    [{ gridSpacingVoxels: 0 }, "gridSpacingVoxels", "at least 1 voxel"],
    [{ bendingWeight: -1 }, "bendingWeight", "≥ 0"],
    [{ maxStepVoxels: 0 }, "maxStepVoxels", "a positive step in voxels"],
  ];
  for (const [o, option, phrase] of cases)
    await assert.rejects(run(o), (e: unknown) => e instanceof OptionError && e.option === option && e.message.includes(phrase));
  await assert.rejects(run({}, 3), (e: unknown) => e instanceof OptionError && e.option === "ndim" && e.message.includes("fixed level 0"));
});

test("registerBSpline reports progress and honours an AbortSignal", async () => {
  const rng = seeded(51), shape: Vec3 = [1, 32, 32], tex = texture(rng, 2);
  const fixed = sampleImage(tex, shape, evaluateLattice(randomLattice(rng, shape, [1, 8, 8], 2, 1), shape)), moving = sampleImage(tex, shape);
  const controller = new AbortController(), seen: { level: number; iteration: number; value: number; cost: number }[] = [];
  const onIteration = (e: (typeof seen)[number]) => {
    seen.push(e);
    if (seen.length === 3) controller.abort();
  };
  await assert.rejects(
    registerBSpline([fixed], [moving], identity4(), 2, { iterations: [50], gridSpacingVoxels: 8, onIteration, signal: controller.signal }, K),
    (e: unknown) => e instanceof AbortedError && e.message === "B-spline registration: aborted",
  );
  assert.equal(seen.length, 3);
  assert.ok(seen.every((e, i) => e.level === 0 && e.iteration === i && e.cost >= e.value));
  assert.ok(seen[2]!.value < seen[0]!.value);
});
