// The free degrees of freedom of an affine stage as a flat vector, and their scales for the optimiser:
// translations in physical units, rotations/zooms/shears multiplied by the image radius so one unit ≈ one length.

import type { Vec3 } from "../core/space.js";
import type { AffineDof, AffineParams } from "../transforms/affine.js";

type Field = keyof AffineParams;

/** One free parameter: which field and axes of AffineParams it drives (several axes for an isotropic zoom). */
export interface Slot {
  field: Field;
  axes: number[];
}

/** The free parameters of `dof` in `ndim` dimensions. */
export function slotsFor(dof: AffineDof, ndim: 2 | 3): Slot[] {
  const spatial = ndim === 3 ? [0, 1, 2] : [1, 2];
  const slots: Slot[] = spatial.map((a) => ({ field: "translation", axes: [a] }));
  if (dof === "translation") return slots;
  for (const a of ndim === 3 ? [0, 1, 2] : [2]) slots.push({ field: "rotation", axes: [a] });
  if (dof === "rigid") return slots;
  if (dof === "similarity") {
    slots.push({ field: "zoom", axes: spatial });
    return slots;
  }
  for (const a of spatial) slots.push({ field: "zoom", axes: [a] });
  for (const a of ndim === 3 ? [0, 1, 2] : [2]) slots.push({ field: "shear", axes: [a] });
  return slots;
}

/** Reads the vector from params (the first axis of a tied slot; zoom by magnitude so a flip sign stays put). */
export function toVector(slots: Slot[], p: AffineParams): Float64Array {
  return Float64Array.from(slots.map((s) => (s.field === "zoom" ? Math.abs(p.zoom[s.axes[0]!]) : p[s.field][s.axes[0]!]!)));
}

/** Writes the vector into a copy of `base` (zoom keeps the sign of `base`, so flips survive). */
export function fromVector(slots: Slot[], v: Float64Array, base: AffineParams): AffineParams {
  const p: AffineParams = {
    translation: [...base.translation] as Vec3, rotation: [...base.rotation] as Vec3,
    zoom: [...base.zoom] as Vec3, shear: [...base.shear] as Vec3,
  };
  slots.forEach((s, k) => {
    for (const a of s.axes) p[s.field][a] = s.field === "zoom" && base.zoom[a] < 0 ? -v[k]! : v[k]!;
  });
  return p;
}

/** Optimiser scale per slot: 1 for translations, `radius` (physical) for the dimensionless ones. */
export function slotScales(slots: Slot[], radius: number): Float64Array {
  return Float64Array.from(slots.map((s) => (s.field === "translation" ? 1 : radius)));
}
