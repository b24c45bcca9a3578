// The bending energy of a cubic B-spline lattice over its image, in closed form (a quadratic form in the coefficients),
// with its gradient. Evaluation, splatting and subdivision of lattices live in bspline-lattice.ts.

import { voxelCount, type Vec3 } from "../core/space.js";
import { checkLattice, isSplinedAxis, type BSplineLattice } from "./bspline-lattice.js";
import { checkShape, createField, type Field } from "./types.js";

/** Band half-width of a Gram matrix of cubic B-splines: basis k and l overlap only when |k − l| ≤ 3. */
const BAND = 3;
const WIDTH = 2 * BAND + 1;

/** 4-point Gauss–Legendre nodes and weights on [0, 1]: exact for the degree-6 products of two cubic pieces. */
const GAUSS_NODES = [0.0694318442029737, 0.3300094782075719, 0.6699905217924281, 0.9305681557970263];
const GAUSS_WEIGHTS = [0.1739274225687269, 0.3260725774312731, 0.3260725774312731, 0.1739274225687269];

/** d-th derivative (d = 0, 1, 2) of the centred cubic B-spline β³. */
function bsplineDerivative(x: number, d: number): number {
  const a = Math.abs(x);
  if (a >= 2) return 0;
  if (d === 0) return a < 1 ? 2 / 3 - a * a + (a * a * a) / 2 : ((2 - a) * (2 - a) * (2 - a)) / 6;
  if (d === 1) return a < 1 ? -2 * x + 1.5 * x * a : (x < 0 ? 0.5 : -0.5) * (2 - a) * (2 - a);
  return a < 1 ? -2 + 3 * a : 2 - a;
}

/**
 * Banded Gram matrix G_kl = ∫_lo^hi β³⁽ᵈ⁾(t − k) β³⁽ᵈ⁾(t − l) dt for knots k, l ∈ [0, K), stored as G[k·7 + (l − k + 3)].
 * Integrated exactly, piece by piece between knots, by Gauss–Legendre quadrature.
 */
function gramMatrix(knots: number, lo: number, hi: number, d: number): Float64Array {
  const g = new Float64Array(knots * WIDTH);
  const values = new Float64Array(4);
  for (let m = Math.floor(lo); m < hi; m++) {
    const a = Math.max(lo, m), b = Math.min(hi, m + 1);
    if (!(b > a)) continue;
    for (let q = 0; q < GAUSS_NODES.length; q++) {
      const t = a + (b - a) * GAUSS_NODES[q]!, w = (b - a) * GAUSS_WEIGHTS[q]!;
      for (let j = 0; j < 4; j++) values[j] = bsplineDerivative(t - (m - 1 + j), d);
      for (let j = 0; j < 4; j++) {
        const k = m - 1 + j;
        if (k < 0 || k >= knots) continue;
        for (let i = 0; i < 4; i++) {
          const l = m - 1 + i;
          if (l < 0 || l >= knots) continue;
          g[k * WIDTH + l - k + BAND] = g[k * WIDTH + l - k + BAND]! + w * values[j]! * values[i]!;
        }
      }
    }
  }
  return g;
}

/** dst = (G ⊗ along axis a) src for a banded Gram matrix G over a [kz, ky, kx] array. */
function applyAlong(src: Float64Array, shape: Vec3, a: number, g: Float64Array): Float64Array {
  const dst = new Float64Array(src.length), k = shape[a]!;
  const stride = a === 0 ? shape[1] * shape[2] : a === 1 ? shape[2] : 1;
  for (let i = 0; i < src.length; i++) {
    const p = Math.floor(i / stride) % k, base = i - p * stride;
    let s = 0;
    for (let o = -BAND; o <= BAND; o++) {
      const l = p + o;
      if (l >= 0 && l < k) s += g[p * WIDTH + o + BAND]! * src[base + l * stride]!;
    }
    dst[i] = s;
  }
  return dst;
}

/** Bending energy of a lattice and ∂E/∂c. */
export interface BendingEnergy {
  /** E ≥ 0, dimensionless (lattice units); 0 exactly for affine displacements. */
  value: number;
  /** ∂E/∂c_k, over the knots (shape and ndim of lattice.coefficients), per image voxel of displacement. */
  gradient: Field;
}

/**
 * Thin-plate bending energy of the spline over the image extent Ω = [−0.5, n − 0.5] per axis, in lattice units
 * (positions t = (i − origin)/h, displacements ũ_a = u_a/h_a), averaged over Ω:
 *
 *   E = (1/|Ω|) ∫_Ω Σ_a Σ_{p,q} (∂²ũ_a / ∂t_p ∂t_q)² dt
 *     = (1/|Ω|) Σ_a c̃_aᵀ [ Σ_p G²_p ⊗ G⁰_rest + 2 Σ_{p<q} G¹_p ⊗ G¹_q ⊗ G⁰_rest ] c̃_a,
 *
 * with G^d the 1D Gram matrices of the d-th derivatives of β³ over Ω (exact, banded), so the closed form costs
 * O(7 · d · #knots) per term and no image-sized work. Lattice units make E independent of the voxel size, of the
 * level, and of the knot spacing for a deformation of fixed shape; ∂E/∂c_a = (2/(h_a |Ω|)) Q c̃_a.
 * @param shape the image grid the lattice lives on, [z, y, x].
 * @see Rueckert et al. (1999) IEEE TMI 18(8):712–721, eq. 7 (the penalty); Wahba (1990) Spline models for
 *      observational data (thin-plate energy); Unser (1999) for β³ and its derivatives.
 */
export function bendingEnergy(lattice: BSplineLattice, shape: Vec3): BendingEnergy {
  checkLattice("bendingEnergy: lattice", lattice);
  checkShape("bendingEnergy: shape", shape);
  const c = lattice.coefficients, nd = c.ndim, knots = c.shape, nKnots = voxelCount(knots);
  const axes = [0, 1, 2].filter((a) => isSplinedAxis(nd, a));
  const grams = [0, 1, 2].map((a) => {
    if (!isSplinedAxis(nd, a)) return [] as Float64Array[];
    const lo = (-0.5 - lattice.origin[a]!) / lattice.spacing[a]!, hi = (shape[a]! - 0.5 - lattice.origin[a]!) / lattice.spacing[a]!;
    return [0, 1, 2].map((d) => gramMatrix(knots[a]!, lo, hi, d));
  });
  const volume = axes.reduce((v, a) => v * shape[a]! / lattice.spacing[a]!, 1);
  // Terms: derivative orders per splined axis summing to 2, with multiplicity 1 (pure) or 2 (mixed).
  const terms: { orders: number[]; weight: number }[] = [];
  for (const p of axes) terms.push({ orders: axes.map((a) => (a === p ? 2 : 0)), weight: 1 });
  for (let i = 0; i < axes.length; i++)
    for (let j = i + 1; j < axes.length; j++) terms.push({ orders: axes.map((_, k) => (k === i || k === j ? 1 : 0)), weight: 2 });
  const gradient = createField(knots, nd);
  let value = 0;
  const first = nd === 3 ? 0 : 1;
  for (let comp = 0; comp < nd; comp++) {
    const h = lattice.spacing[comp + first]!;
    const ct = new Float64Array(nKnots);
    for (let i = 0; i < nKnots; i++) ct[i] = c.data[comp * nKnots + i]! / h;
    const qc = new Float64Array(nKnots);
    for (const term of terms) {
      let v: Float64Array = ct;
      axes.forEach((a, k) => (v = applyAlong(v, knots, a, grams[a]![term.orders[k]!]!)));
      for (let i = 0; i < nKnots; i++) qc[i] = qc[i]! + term.weight * v[i]!;
    }
    let e = 0;
    for (let i = 0; i < nKnots; i++) e += ct[i]! * qc[i]!;
    value += e / volume;
    for (let i = 0; i < nKnots; i++) gradient.data[comp * nKnots + i] = (2 * qc[i]!) / (h * volume);
  }
  return { value, gradient };
}
