// Export of a RegistrationTransform T(p) = A(p + d(p)) for ITK / ANTs / SimpleITK: the affine as an Insight Transform
// File (.tfm, axes x first, LPS) and the displacement as an ITK displacement field (vector image, components x, y[, z]);
// a velocity field or B-spline is sampled onto a displacement grid first (to-displacement-grid.ts), as the order file says.

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../core/errors.js";
import type { PixelArray } from "../core/dtype.js";
import { arraySource } from "../io/array-source.js";
import { writeImage } from "../io/write.js";
import { identity4, type Mat4 } from "./affine.js";
import { deformationOf, type Deformation, type DisplacementGrid, type RegistrationTransform } from "./registration-transform.js";
import { samplingGrid, toDisplacementGrid } from "./to-displacement-grid.js";

export const ITK_AFFINE_FILE = "affine.tfm";
export const ITK_FIELD_FILE = "displacement.nii.gz";
export const ITK_ORDER_FILE = "transform-order.txt";

/** An affine listed as ITK lists it, x first: `matrix` row-major (ndim × ndim) and `translation` (ndim). */
export interface ItkAffine {
  ndim: 2 | 3;
  matrix: number[];
  translation: number[];
}

/** Our [z, y, x] Mat4 → ITK's x-first matrix and translation: itk[r][c] = ours[n−1−r][n−1−c] on the last n axes. */
export function affineToItk(m: Mat4, ndim: 2 | 3): ItkAffine {
  const ours = (r: number) => 2 - r; // ITK axis r (x = 0) ↔ our row/column 2 − r
  const axes = ndim === 2 ? [0, 1] : [0, 1, 2];
  return {
    ndim,
    matrix: axes.flatMap((r) => axes.map((c) => m[ours(r) * 4 + ours(c)]! + 0)),
    translation: axes.map((r) => m[ours(r) * 4 + 3]! + 0),
  };
}

/** ITK's x-first affine → our [z, y, x] Mat4 (a 2D one keeps an identity z row and column). */
export function affineFromItk(a: ItkAffine): Mat4 {
  const m = identity4();
  const n = a.ndim;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) m[(2 - r) * 4 + (2 - c)] = a.matrix[r * n + c]!;
    m[(2 - r) * 4 + 3] = a.translation[r]!;
  }
  return m;
}

/** The text of an Insight Transform File V1.0 holding one AffineTransform_double_N_N with centre 0. */
export function formatItkTfm(m: Mat4, ndim: 2 | 3): string {
  const a = affineToItk(m, ndim);
  return [
    "#Insight Transform File V1.0",
    "#Transform 0",
    `Transform: AffineTransform_double_${ndim}_${ndim}`,
    `Parameters: ${[...a.matrix, ...a.translation].map(String).join(" ")}`,
    `FixedParameters: ${Array.from({ length: ndim }, () => "0").join(" ")}`,
    "",
  ].join("\n");
}

/**
 * Reads a .tfm holding one (Matrix)AffineTransform_{double,float}_N_N, applying its centre c
 * (ITK: y = M(x − c) + t + c, so the offset is t + c − M c). Returns our [z, y, x] Mat4.
 */
export function parseItkTfm(text: string, file = "<tfm>"): { ndim: 2 | 3; affine: Mat4 } {
  const field = (name: string) => text.match(new RegExp(`^${name}:\\s*(.*)$`, "m"))?.[1]?.trim();
  const kind = field("Transform");
  const km = kind?.match(/^(?:Matrix)?AffineTransform_(?:double|float)_([23])_\1$/);
  if (!km) throw new InputError(file, `expected one AffineTransform_double_N_N, found ${kind ?? "no Transform line"}`);
  const ndim = Number(km[1]) as 2 | 3;
  const nums = (s: string | undefined) => (s ?? "").split(/\s+/).filter(Boolean).map(Number);
  const p = nums(field("Parameters")), fixed = nums(field("FixedParameters"));
  if (p.length !== ndim * ndim + ndim || !p.every(Number.isFinite)) {
    throw new InputError(file, `Parameters must be ${ndim * ndim + ndim} finite numbers (matrix then translation), found ${p.length}`);
  }
  const c = fixed.length === ndim && fixed.every(Number.isFinite) ? fixed : new Array<number>(ndim).fill(0);
  const matrix = p.slice(0, ndim * ndim);
  const translation = Array.from({ length: ndim }, (_, r) => {
    let mc = 0;
    for (let k = 0; k < ndim; k++) mc += matrix[r * ndim + k]! * c[k]!;
    return p[ndim * ndim + r]! + c[r]! - mc;
  });
  return { ndim, affine: affineFromItk({ ndim, matrix, translation }) };
}

/** The displacement planes listed as ITK's vector components, x first (ours are [dz,] dy, dx). */
export function itkDisplacementPlanes(d: DisplacementGrid): PixelArray[] {
  const n = d.shape[0] * d.shape[1] * d.shape[2];
  const planes = Array.from({ length: d.ndim }, (_, c) => d.data.subarray(c * n, (c + 1) * n));
  return planes.reverse();
}

/** Writes `d` as an ITK displacement field (vector image, components x, y[, z], LPS physical units) at `path`. */
export async function writeItkDisplacement(d: DisplacementGrid, path: string): Promise<void> {
  const channels = ["dx", "dy", "dz"].slice(0, d.ndim);
  await writeImage(arraySource({ shape: d.shape, dtype: "float32", planes: itkDisplacementPlanes(d), channels, space: d.space }), path);
}

/**
 * A line saying how a non-displacement deformation became the exported displacement field, or none for a displacement.
 * Shared by the ITK, NGFF and elastix exports.
 */
export function sampledNote(d: Deformation | null): string[] {
  if (!d || d.kind === "displacement") return [];
  const g = samplingGrid(d);
  const what = d.kind === "velocity"
    ? "terareg stores a stationary velocity field v (phi = exp(v), integrated by RK4); exp(v)"
    : "terareg stores a cubic B-spline FFD (coefficient lattice); its displacement";
  return [`Sampled: ${what} was sampled onto a ${g.shape.join("x")} displacement grid (exact at the grid nodes, linearly interpolated between them, so an approximation of the stored transform between nodes).`];
}

function orderText(t: RegistrationTransform): string {
  const lines = [
    "terareg transform exported for ITK / ANTs / SimpleITK",
    "",
    "Direction: maps FIXED physical points to MOVING physical points (pull-back), as ITK resampling transforms do.",
    "Space: ITK physical space (LPS), coordinates listed x first; displacement components (x, y[, z]) in physical units.",
    "",
    "terareg's transform is T(p) = A(p + d(p)): the displacement d first, then the affine A.",
  ];
  const def = deformationOf(t);
  lines.push(...sampledNote(def));
  if (def) {
    lines.push(
      "",
      `Files: ${ITK_AFFINE_FILE} (A, AffineTransform_double_${t.ndim}_${t.ndim}) and ${ITK_FIELD_FILE} (d, displacement field).`,
      "",
      "ITK applies a composite transform's LAST-added transform to a point FIRST, so add the affine first and the field",
      "last (ANTs lists transforms the same way: the last -t is applied first):",
      "",
      `  antsApplyTransforms -d ${t.ndim} -i moving.nii.gz -r fixed.nii.gz -o warped.nii.gz -t ${ITK_AFFINE_FILE} -t ${ITK_FIELD_FILE}`,
      `  antsApplyTransformsToPoints -d ${t.ndim} -i fixed_points.csv -o moving_points.csv -t ${ITK_AFFINE_FILE} -t ${ITK_FIELD_FILE}`,
      "",
      "SimpleITK:",
      "",
      `  affine = sitk.ReadTransform("${ITK_AFFINE_FILE}")`,
      `  field = sitk.DisplacementFieldTransform(sitk.Cast(sitk.ReadImage("${ITK_FIELD_FILE}"), sitk.sitkVectorFloat64))`,
      "  T = sitk.CompositeTransform([affine, field])  # the field (last) is applied first: T(p) = A(p + d(p))",
      "  warped = sitk.Resample(moving, fixed, T, sitk.sitkLinear, 0.0)",
      "  q = T.TransformPoint(p)  # p: fixed physical point (LPS, x first) -> moving physical point",
    );
  } else {
    lines.push(
      "",
      `Files: ${ITK_AFFINE_FILE} (A, AffineTransform_double_${t.ndim}_${t.ndim}); this transform has no displacement field.`,
      "",
      `  antsApplyTransforms -d ${t.ndim} -i moving.nii.gz -r fixed.nii.gz -o warped.nii.gz -t ${ITK_AFFINE_FILE}`,
      "",
      "SimpleITK:",
      "",
      `  T = sitk.ReadTransform("${ITK_AFFINE_FILE}")`,
      "  warped = sitk.Resample(moving, fixed, T, sitk.sitkLinear, 0.0)",
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Writes `t` for ITK into the existing or new directory `dir`: affine.tfm, displacement.nii.gz (when t has a
 * deformation; a velocity field or B-spline sampled by toDisplacementGrid) and transform-order.txt (how to compose them). Returns the names written. Atomicity of the whole
 * directory is the caller's job (each file is still written under a temporary name).
 */
export async function exportItk(t: RegistrationTransform, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written = [ITK_AFFINE_FILE];
  await writeFile(join(dir, ITK_AFFINE_FILE), formatItkTfm(t.affine, t.ndim));
  const def = deformationOf(t);
  if (def) {
    await writeItkDisplacement(toDisplacementGrid(def), join(dir, ITK_FIELD_FILE));
    written.push(ITK_FIELD_FILE);
  }
  await writeFile(join(dir, ITK_ORDER_FILE), orderText(t));
  written.push(ITK_ORDER_FILE);
  return written;
}
