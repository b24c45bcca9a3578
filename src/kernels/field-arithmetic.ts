// Voxel-wise arithmetic on vector fields: scale and add. Composition, which resamples, lives in compose-fields.ts.
// Trivially parallel and memory-bound, so they stay serial (a pool would only add copies).

import { checkField, checkSameGrid, type Field } from "./types.js";

/** s · u, a new field (float32). */
export function scaleField(u: Field, s: number): Field {
  checkField("scaleField: u", u);
  const out = new Float32Array(u.data.length);
  for (let i = 0; i < out.length; i++) out[i] = s * u.data[i]!;
  return { data: out, shape: [...u.shape], ndim: u.ndim };
}

/** u + v on the same grid, a new field (float32). */
export function addFields(u: Field, v: Field): Field {
  checkField("addFields: u", u);
  checkField("addFields: v", v);
  checkSameGrid("addFields: u", u, "addFields: v", v);
  const out = new Float32Array(u.data.length);
  for (let i = 0; i < out.length; i++) out[i] = u.data[i]! + v.data[i]!;
  return { data: out, shape: [...u.shape], ndim: u.ndim };
}

/** max over voxels of |u(x)| (Euclidean norm of the vector), in the field's units. */
export function maxNorm(u: Field): number {
  return maxVectorNorm(u.data, u.ndim);
}

/** Largest Euclidean norm over the vectors of a vector-first array with `ndim` components (planes of equal length). */
export function maxVectorNorm(data: ArrayLike<number>, ndim: number): number {
  const plane = data.length / ndim;
  let best = 0;
  for (let i = 0; i < plane; i++) {
    let sq = 0;
    for (let c = 0; c < ndim; c++) sq += data[c * plane + i]! ** 2;
    if (sq > best) best = sq;
  }
  return Math.sqrt(best);
}
