// Cubic B-spline lattices over an image grid: evaluation u(x) = Σ_k β³(x/h − k) c_k, its exact adjoint (splatting),
// exact dyadic subdivision, and moving a lattice between pyramid levels. Bending energy lives in bending-energy.ts.

import { OptionError } from "../core/errors.js";
import { voxelCount, type Vec3 } from "../core/space.js";
import { checkField, checkShape, createField, type Field } from "./types.js";

/**
 * A cubic B-spline free-form deformation on an image grid: u(i) = Σ_k c_k Π_a β³((i_a − origin_a)/spacing_a − k_a).
 * For a 2D lattice (coefficients.ndim = 2) the z axis is not splined: shape[0] = 1, and every voxel uses knot plane 0.
 */
export interface BSplineLattice {
  /**
   * Coefficients c_k, vector-first over the knots (DESIGN §2): `ndim` planes of shape[0]·shape[1]·shape[2] values,
   * components [z, y, x] (3D) or [y, x] (2D), in voxel units of the image grid the lattice lives on.
   * `coefficients.shape` is the number of knots per axis.
   */
  coefficients: Field;
  /** Fractional image index of knot [0, 0, 0], per axis [z, y, x] (z is 0 for 2D). */
  origin: Vec3;
  /** Knot spacing h in image voxels per axis [z, y, x] (z is 1 and unused for 2D). */
  spacing: Vec3;
}

/** True when axis `a` of an `ndim` lattice carries B-spline weights (the z axis of a 2D lattice does not). */
export function isSplinedAxis(ndim: 2 | 3, a: number): boolean {
  return ndim === 3 || a > 0;
}

/** Throws an OptionError naming `what` unless the lattice is consistent (positive finite spacing, 2D z axis flat). */
export function checkLattice(what: string, lattice: BSplineLattice): void {
  checkField(`${what}.coefficients`, lattice.coefficients);
  const nd = lattice.coefficients.ndim;
  for (let a = 0; a < 3; a++) {
    if (!isSplinedAxis(nd, a)) continue;
    if (!(lattice.spacing[a]! > 0 && Number.isFinite(lattice.spacing[a]!))) {
      throw new OptionError(`${what}.spacing`, lattice.spacing, "a positive, finite knot spacing (image voxels) on every axis");
    }
    if (!Number.isFinite(lattice.origin[a]!)) throw new OptionError(`${what}.origin`, lattice.origin, "finite image indices");
  }
}

/**
 * Knot indices [lo, hi] (relative to `origin`) whose basis functions are non-zero somewhere on the image extent
 * [−0.5, n − 0.5] along one axis: β³(t − k) ≠ 0 ⇔ |t − k| < 2, so k runs from ⌊t₀⌋ − 1 to ⌈t₁⌉ + 1.
 */
function knotRange(n: number, origin: number, h: number): [number, number] {
  return [Math.floor((-0.5 - origin) / h) - 1, Math.ceil((n - 0.5 - origin) / h) + 1];
}

/**
 * A zero lattice over an image of `shape` with knot spacing `spacingVoxels` (per axis [z, y, x]): a knot sits on the
 * image centre and the knots reach past the image extent [−0.5, n − 0.5] far enough for every voxel to see 4 knots.
 */
export function createLattice(shape: Vec3, spacingVoxels: Vec3, ndim: 2 | 3): BSplineLattice {
  checkShape("createLattice: shape", shape);
  if (ndim === 2 && shape[0] !== 1) throw new OptionError("createLattice: ndim", ndim, `3 for an image of shape [${shape}]`);
  const knots: Vec3 = [1, 1, 1], origin: Vec3 = [0, 0, 0], spacing: Vec3 = [1, 1, 1];
  for (let a = 0; a < 3; a++) {
    if (!isSplinedAxis(ndim, a)) continue;
    const h = spacingVoxels[a]!;
    if (!(h > 0 && Number.isFinite(h))) throw new OptionError("createLattice: spacingVoxels", spacingVoxels, "positive finite knot spacings in voxels");
    const centre = (shape[a]! - 1) / 2;
    const [lo, hi] = knotRange(shape[a]!, centre, h);
    origin[a] = centre + lo * h;
    spacing[a] = h;
    knots[a] = hi - lo + 1;
  }
  return { coefficients: createField(knots, ndim), origin, spacing };
}

/** Per-axis tables: for each voxel, the first of `taps` consecutive knots and their weights. */
export interface AxisWeights {
  taps: number;
  first: Int32Array;
  weights: Float64Array;
}

/**
 * β³ weights of the knots around every voxel i ∈ [0, n) of one axis. Knots outside [0, K) get no weight (as if their
 * coefficient were 0), so a lattice that does not cover the image still evaluates, and splatting stays its adjoint.
 */
function axisWeights(n: number, knots: number, origin: number, h: number, splined: boolean): AxisWeights {
  if (!splined) return { taps: 1, first: new Int32Array(n), weights: new Float64Array(n).fill(1) };
  const taps = Math.min(4, knots), first = new Int32Array(n), weights = new Float64Array(n * taps);
  const w = new Float64Array(4);
  for (let i = 0; i < n; i++) {
    const t = (i - origin) / h, f = Math.floor(t), u = t - f;
    cubicWeights(u, w);
    const k0 = f - 1, start = Math.min(Math.max(k0, 0), knots - taps);
    first[i] = start;
    for (let j = 0; j < 4; j++) {
      const k = k0 + j;
      if (k >= 0 && k < knots) weights[i * taps + k - start] = w[j]!;
    }
  }
  return { taps, first, weights };
}

/** β³(u + 1), β³(u), β³(u − 1), β³(u − 2) for u ∈ [0, 1): the weights of knots ⌊t⌋ − 1 … ⌊t⌋ + 2. */
function cubicWeights(u: number, out: Float64Array): void {
  const v = 1 - u, u2 = u * u, u3 = u2 * u;
  out[0] = (v * v * v) / 6;
  out[1] = (3 * u3 - 6 * u2 + 4) / 6;
  out[2] = (-3 * u3 + 3 * u2 + 3 * u + 1) / 6;
  out[3] = u3 / 6;
}

/** The [z, y, x] tables of `lattice` over an image grid of `shape` (evaluateLattice's and splatToLattice's weights). */
export function latticeWeights(lattice: BSplineLattice, shape: Vec3): [AxisWeights, AxisWeights, AxisWeights] {
  const { coefficients: c, origin, spacing } = lattice;
  const w = [0, 1, 2].map((a) => axisWeights(shape[a]!, c.shape[a]!, origin[a]!, spacing[a]!, isSplinedAxis(c.ndim, a)));
  return w as [AxisWeights, AxisWeights, AxisWeights];
}

/** evaluateLattice's argument checks (shared with its wasm version). */
export function checkEvaluateLattice(lattice: BSplineLattice, shape: Vec3): void {
  checkLattice("evaluateLattice: lattice", lattice);
  checkShape("evaluateLattice: shape", shape);
  if (lattice.coefficients.ndim === 2 && shape[0] !== 1) throw new OptionError("evaluateLattice: shape", shape, "shape[0] = 1 for a 2D lattice");
}

/** splatToLattice's argument checks (shared with its wasm version). */
export function checkSplatToLattice(field: Field, lattice: BSplineLattice): void {
  checkLattice("splatToLattice: lattice", lattice);
  checkField("splatToLattice: field", field);
  const nd = lattice.coefficients.ndim;
  if (field.ndim !== nd) throw new OptionError("splatToLattice: field.ndim", field.ndim, `${nd}, the lattice's ndim`);
}

/**
 * The dense displacement of the lattice on an image grid: u(i) = Σ_k β³((i − origin)/h − k) c_k, per component.
 * Separable, one axis at a time: x (K_z·K_y·n_x values), then y (K_z·n_y·n_x), then z (N), 4 taps each, so the cost is
 * about 4 (N + K_z n_y n_x + K_z K_y n_x) per component, never O(N · #knots). Scratch: K_z·n_y·n_x float64.
 * @param shape [z, y, x] of the image grid (2D: shape[0] = 1).
 * @returns a Field of `shape` with the lattice's ndim, in the lattice's (image voxel) units.
 * @see Rueckert et al. (1999) Nonrigid registration using free-form deformations, IEEE TMI 18(8):712–721.
 */
export function evaluateLattice(lattice: BSplineLattice, shape: Vec3): Field {
  checkEvaluateLattice(lattice, shape);
  const c = lattice.coefficients, nd = c.ndim;
  const [wz, wy, wx] = latticeWeights(lattice, shape);
  const [kz, ky, kx] = c.shape, [nz, ny, nx] = shape, plane = ny * nx;
  const nKnots = voxelCount(c.shape), n = voxelCount(shape);
  const out = createField(shape, nd);
  const rows = new Float64Array(kz * ky * nx), planes = new Float64Array(kz * plane);
  for (let comp = 0; comp < nd; comp++) {
    const coef = c.data.subarray(comp * nKnots, (comp + 1) * nKnots), dst = out.data.subarray(comp * n, (comp + 1) * n);
    for (let r = 0; r < kz * ky; r++) { // x: rows[kz, ky, x]
      const co = r * kx, ro = r * nx;
      for (let x = 0; x < nx; x++) {
        const f = co + wx.first[x]!, wo = x * wx.taps;
        let s = 0;
        for (let j = 0; j < wx.taps; j++) s += wx.weights[wo + j]! * coef[f + j]!;
        rows[ro + x] = s;
      }
    }
    planes.fill(0);
    for (let z = 0; z < kz; z++) { // y: planes[kz, y, x]
      for (let y = 0; y < ny; y++) {
        const po = z * plane + y * nx;
        for (let j = 0; j < wy.taps; j++) {
          const w = wy.weights[y * wy.taps + j]!;
          if (w === 0) continue;
          const ro = (z * ky + wy.first[y]! + j) * nx;
          for (let x = 0; x < nx; x++) planes[po + x] = planes[po + x]! + w * rows[ro + x]!;
        }
      }
    }
    for (let z = 0; z < nz; z++) { // z: out[z, y, x]
      const o = z * plane;
      for (let j = 0; j < wz.taps; j++) {
        const w = wz.weights[z * wz.taps + j]!;
        if (w === 0) continue;
        const po = (wz.first[z]! + j) * plane;
        for (let i = 0; i < plane; i++) dst[o + i] = dst[o + i]! + w * planes[po + i]!;
      }
    }
  }
  return out;
}

/**
 * The adjoint of {@link evaluateLattice}: c_k = Σ_i β³((i − origin)/h − k) f(i), i.e. a dense field (e.g. ∂C/∂u) pulled
 * back onto the knots with the same separable weights, the three passes transposed in reverse order, so
 * ⟨evaluate(c), f⟩ = ⟨c, splat(f)⟩. Sums in float64.
 * @param field a Field on the image grid with the lattice's ndim.
 * @returns a Field over the knots (shape = lattice.coefficients.shape).
 */
export function splatToLattice(field: Field, lattice: BSplineLattice): Field {
  checkSplatToLattice(field, lattice);
  const c = lattice.coefficients, nd = c.ndim;
  const shape = field.shape;
  const [wz, wy, wx] = latticeWeights(lattice, shape);
  const [kz, ky, kx] = c.shape, [nz, ny, nx] = shape, plane = ny * nx;
  const nKnots = voxelCount(c.shape), n = voxelCount(shape);
  const out = createField(c.shape, nd);
  const rows = new Float64Array(kz * ky * nx), planes = new Float64Array(kz * plane), coef = new Float64Array(nKnots);
  for (let comp = 0; comp < nd; comp++) {
    const src = field.data.subarray(comp * n, (comp + 1) * n);
    planes.fill(0);
    rows.fill(0);
    coef.fill(0);
    for (let z = 0; z < nz; z++) { // zᵀ: planes[kz, y, x]
      const o = z * plane;
      for (let j = 0; j < wz.taps; j++) {
        const w = wz.weights[z * wz.taps + j]!;
        if (w === 0) continue;
        const po = (wz.first[z]! + j) * plane;
        for (let i = 0; i < plane; i++) planes[po + i] = planes[po + i]! + w * src[o + i]!;
      }
    }
    for (let z = 0; z < kz; z++) { // yᵀ: rows[kz, ky, x]
      for (let y = 0; y < ny; y++) {
        const po = z * plane + y * nx;
        for (let j = 0; j < wy.taps; j++) {
          const w = wy.weights[y * wy.taps + j]!;
          if (w === 0) continue;
          const ro = (z * ky + wy.first[y]! + j) * nx;
          for (let x = 0; x < nx; x++) rows[ro + x] = rows[ro + x]! + w * planes[po + x]!;
        }
      }
    }
    for (let r = 0; r < kz * ky; r++) { // xᵀ: coef[kz, ky, kx]
      const co = r * kx, ro = r * nx;
      for (let x = 0; x < nx; x++) {
        const v = rows[ro + x]!;
        if (v === 0) continue;
        const f = co + wx.first[x]!, wo = x * wx.taps;
        for (let j = 0; j < wx.taps; j++) coef[f + j] = coef[f + j]! + wx.weights[wo + j]! * v;
      }
    }
    out.data.set(coef, comp * nKnots);
  }
  return out;
}

/** Applies `fn(src, srcStride, dst, dstStride, count)` along axis `a` of a [kz, ky, kx] array for every line. */
function alongAxis(
  src: Float32Array, shape: Vec3, a: number, outLength: number,
  fn: (src: Float32Array, so: number, ss: number, dst: Float32Array, dO: number, ds: number) => void,
): { data: Float32Array; shape: Vec3 } {
  const outShape: Vec3 = [...shape];
  outShape[a] = outLength;
  const dst = new Float32Array(voxelCount(outShape));
  const inStride = a === 0 ? shape[1] * shape[2] : a === 1 ? shape[2] : 1;
  const outStride = a === 0 ? outShape[1] * outShape[2] : a === 1 ? outShape[2] : 1;
  const [n0, n1] = a === 0 ? [shape[1], shape[2]] : a === 1 ? [shape[0], shape[2]] : [shape[0], shape[1]];
  for (let p = 0; p < n0; p++) {
    for (let q = 0; q < n1; q++) {
      const so = a === 0 ? p * shape[2] + q : a === 1 ? p * shape[1] * shape[2] + q : (p * shape[1] + q) * shape[2];
      const dO = a === 0 ? p * outShape[2] + q : a === 1 ? p * outShape[1] * outShape[2] + q : (p * outShape[1] + q) * outShape[2];
      fn(src, so, inStride, dst, dO, outStride);
    }
  }
  return { data: dst, shape: outShape };
}

/**
 * Exact dyadic refinement: the same spline on a lattice of half the spacing along each axis where `axes[a]` is true.
 * Uses the two-scale relation β³(t) = Σ_j m_j β³(2t − j), m = [1, 4, 6, 4, 1]/8 (j = −2…2), so the fine coefficients
 * are c'_{2k} = (c_{k−1} + 6c_k + c_{k+1})/8 and c'_{2k+1} = (c_k + c_{k+1})/2 (missing neighbours count as 0, as they
 * do in evaluation). K knots become 2K + 3 (fine knots −2 … 2K), so the refined lattice equals the original everywhere.
 * @see Unser (1999) Splines: a perfect fit for signal and image processing, IEEE Signal Process. Mag. 16(6):22–38.
 */
export function subdivideLattice(lattice: BSplineLattice, axes: readonly [boolean, boolean, boolean]): BSplineLattice {
  checkLattice("subdivideLattice: lattice", lattice);
  const c = lattice.coefficients, nd = c.ndim, nKnots = voxelCount(c.shape);
  const origin: Vec3 = [...lattice.origin], spacing: Vec3 = [...lattice.spacing];
  let planes: Float32Array[] = Array.from({ length: nd }, (_, comp) => c.data.slice(comp * nKnots, (comp + 1) * nKnots));
  let shape: Vec3 = [...c.shape];
  for (let a = 0; a < 3; a++) {
    if (!axes[a] || !isSplinedAxis(nd, a)) continue;
    const k = shape[a]!, fine = 2 * k + 3;
    const refine = (src: Float32Array, so: number, ss: number, dst: Float32Array, dO: number, ds: number) => {
      const at = (i: number) => (i >= 0 && i < k ? src[so + i * ss]! : 0);
      for (let j = 0; j < fine; j++) {
        const jj = j - 2; // fine knot jj sits at coarse position jj / 2
        const v = jj % 2 === 0
          ? (at(jj / 2 - 1) + 6 * at(jj / 2) + at(jj / 2 + 1)) / 8
          : (at((jj - 1) / 2) + at((jj + 1) / 2)) / 2;
        dst[dO + j * ds] = v;
      }
    };
    let outShape: Vec3 = shape;
    planes = planes.map((p) => {
      const r = alongAxis(p, shape, a, fine, refine);
      outShape = r.shape;
      return r.data;
    });
    shape = outShape;
    spacing[a] = spacing[a]! / 2;
    origin[a] = origin[a]! - 2 * spacing[a]!;
  }
  const out = createField(shape, nd);
  planes.forEach((p, comp) => out.data.set(p, comp * voxelCount(shape)));
  return { coefficients: out, origin, spacing };
}

/**
 * The same lattice seen from another grid whose indices relate by i_old = scale ⊙ i_new + offset (per axis, a
 * pyramid level change with the same direction): knots and spacing are re-expressed in new indices, and displacement
 * component a is multiplied by 1/scale_a (old voxels → new voxels). Exact: no resampling happens.
 */
export function mapLattice(lattice: BSplineLattice, scale: Vec3, offset: Vec3): BSplineLattice {
  checkLattice("mapLattice: lattice", lattice);
  const c = lattice.coefficients, nd = c.ndim, nKnots = voxelCount(c.shape), first = nd === 3 ? 0 : 1;
  const origin: Vec3 = [...lattice.origin], spacing: Vec3 = [...lattice.spacing];
  const data = new Float32Array(c.data.length);
  for (let a = first; a < 3; a++) {
    const s = scale[a]!;
    if (!(s > 0 && Number.isFinite(s))) throw new OptionError("mapLattice: scale", scale, "positive finite index scale factors");
    origin[a] = (origin[a]! - offset[a]!) / s;
    spacing[a] = spacing[a]! / s;
    const o = (a - first) * nKnots;
    for (let i = 0; i < nKnots; i++) data[o + i] = c.data[o + i]! / s;
  }
  return { coefficients: { data, shape: [...c.shape], ndim: nd }, origin, spacing };
}

/**
 * The lattice trimmed (or zero-padded) to exactly the knots that reach an image of `shape`: the evaluation on that
 * grid is unchanged wherever the input lattice already covered it; knots that no voxel sees are dropped.
 */
export function fitLattice(lattice: BSplineLattice, shape: Vec3): BSplineLattice {
  checkLattice("fitLattice: lattice", lattice);
  checkShape("fitLattice: shape", shape);
  const c = lattice.coefficients, nd = c.ndim;
  const lo: Vec3 = [0, 0, 0], knots: Vec3 = [1, 1, 1], origin: Vec3 = [...lattice.origin];
  for (let a = 0; a < 3; a++) {
    if (!isSplinedAxis(nd, a)) continue;
    const [l, h] = knotRange(shape[a]!, lattice.origin[a]!, lattice.spacing[a]!);
    lo[a] = l;
    knots[a] = h - l + 1;
    origin[a] = lattice.origin[a]! + l * lattice.spacing[a]!;
  }
  const out = createField(knots, nd);
  const nIn = voxelCount(c.shape), nOut = voxelCount(knots), [kz, ky, kx] = c.shape;
  for (let comp = 0; comp < nd; comp++) {
    for (let z = 0; z < knots[0]; z++) {
      const sz = z + lo[0];
      if (sz < 0 || sz >= kz) continue;
      for (let y = 0; y < knots[1]; y++) {
        const sy = y + lo[1];
        if (sy < 0 || sy >= ky) continue;
        for (let x = 0; x < knots[2]; x++) {
          const sx = x + lo[2];
          if (sx < 0 || sx >= kx) continue;
          out.data[comp * nOut + (z * knots[1] + y) * knots[2] + x] = c.data[comp * nIn + (sz * ky + sy) * kx + sx]!;
        }
      }
    }
  }
  return { coefficients: out, origin, spacing: [...lattice.spacing] };
}
