// Dice overlap of label maps, a quality number for qc/ (no gradient, not a registration cost).
// Warping the labels (nearest neighbour) is warp/'s job; this only counts.

import { OptionError } from "../core/errors.js";

/** Label maps of any integer (or integer-valued float) type, C-order [z, y, x]; 0 is background. */
export type LabelArray =
  | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/**
 * Dice = 2 |A ∩ B| / (|A| + |B|) ∈ [0, 1], 1 when both sets are empty.
 * With `label`: A = {F = label}, B = {W = label}. Without: A = {F ≠ 0}, B = {W ≠ 0} and A ∩ B = {F = W ≠ 0}
 * (voxels must agree on the label; for binary masks this is the ordinary Dice).
 * @param fixedLabels labels on the fixed grid.
 * @param warpedLabels warped moving labels on the same grid, same length.
 * @see Dice (1945) Measures of the amount of ecologic association between species, Ecology 26(3):297–302.
 */
export function dice(fixedLabels: LabelArray, warpedLabels: LabelArray, label?: number): number {
  checkLabels(fixedLabels, warpedLabels);
  let inFixed = 0, inWarped = 0, both = 0;
  for (let i = 0; i < fixedLabels.length; i++) {
    const f = fixedLabels[i]!, w = warpedLabels[i]!;
    const a = label === undefined ? f !== 0 : f === label;
    const b = label === undefined ? w !== 0 : w === label;
    if (a) inFixed++;
    if (b) inWarped++;
    if (a && b && f === w) both++;
  }
  return inFixed + inWarped === 0 ? 1 : (2 * both) / (inFixed + inWarped);
}

/**
 * Dice of every non-zero label present in either map, in one pass.
 * @returns label → Dice, labels in ascending order.
 */
export function diceByLabel(fixedLabels: LabelArray, warpedLabels: LabelArray): Map<number, number> {
  checkLabels(fixedLabels, warpedLabels);
  const inFixed = new Map<number, number>(), inWarped = new Map<number, number>(), both = new Map<number, number>();
  for (let i = 0; i < fixedLabels.length; i++) {
    const f = fixedLabels[i]!, w = warpedLabels[i]!;
    if (f !== 0) inFixed.set(f, (inFixed.get(f) ?? 0) + 1);
    if (w !== 0) inWarped.set(w, (inWarped.get(w) ?? 0) + 1);
    if (f !== 0 && f === w) both.set(f, (both.get(f) ?? 0) + 1);
  }
  const labels = [...new Set([...inFixed.keys(), ...inWarped.keys()])].sort((a, b) => a - b);
  return new Map(labels.map((l) => [l, (2 * (both.get(l) ?? 0)) / ((inFixed.get(l) ?? 0) + (inWarped.get(l) ?? 0))]));
}

function checkLabels(fixedLabels: LabelArray, warpedLabels: LabelArray): void {
  if (fixedLabels.length !== warpedLabels.length)
    throw new OptionError("warpedLabels", `${warpedLabels.length} values`, `${fixedLabels.length} values, as many as fixedLabels`);
}
