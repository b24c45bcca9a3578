// NIfTI qform/sform (RAS) ↔ terareg Space (LPS, [z, y, x]), choosing between them exactly as ITK's NiftiImageIO does.
// Header bytes live in header.ts; the ITK-order ↔ [z, y, x] bookkeeping in ../metaimage/itk-frame.ts.

import { InputError } from "../../core/errors.js";
import type { Space } from "../../core/space.js";
import { itkFrameToSpace, spaceToItkFrame, type ItkFrame } from "../itk-frame.js";
import type { NiftiHeader } from "./header.js";

/** A 3×4 affine, rows RAS x, y, z; columns i, j, k, translation. */
type Affine = number[][];

/** NIFTI_XFORM_SCANNER_ANAT: what ITK (and our writer) stores in both codes. */
export const NIFTI_XFORM_SCANNER_ANAT = 1;

/** Multiplier from the header's spatial unit to millimetres (unknown is taken as mm, as ITK does). */
export function unitToMillimetres(xyztUnits: number): number {
  switch (xyztUnits & 7) {
    case 1: return 1000; // metre
    case 3: return 0.001; // micron
    default: return 1; // 2 = mm, 0 = unknown
  }
}

/**
 * The voxel sizes along i, j, k as nifti1_io reads them: |pixdim|, and 1 where pixdim is 0 (nifti_convert_nhdr2nim
 * sets bad grid spacings to 1). A non-finite pixdim is a corrupt header.
 */
export function voxelSizes(file: string, h: NiftiHeader): [number, number, number] {
  return [1, 2, 3].map((k) => {
    const p = h.pixdim[k]!;
    if (!Number.isFinite(p)) throw new InputError(file, `pixdim[${k}] is ${p}; the voxel size must be finite`);
    return p === 0 ? 1 : Math.abs(p);
  }) as [number, number, number];
}

/** qto_xyz as nifti_quatern_to_mat44 computes it. */
export function qformAffine(h: NiftiHeader, size: [number, number, number]): Affine {
  let [b, c, d] = h.quatern;
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    a = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= a; c *= a; d *= a;
    a = 0;
  } else a = Math.sqrt(a);
  const qfac = h.pixdim[0]! < 0 ? -1 : 1;
  const [xd, yd, zd0] = size;
  const zd = qfac < 0 ? -zd0 : zd0;
  const r = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  return r.map((row, i) => [row[0]! * xd, row[1]! * yd, row[2]! * zd, h.qoffset[i]!]);
}

const column = (m: Affine, j: number) => [m[0]![j]!, m[1]![j]!, m[2]![j]!];
const norm = (v: number[]) => Math.hypot(...v);

/** True when the 3×3 part, columns normalised, is orthonormal within ITK's tolerance (1e-4). */
function orthonormalColumns(m: Affine): boolean {
  const cols = [0, 1, 2].map((j) => column(m, j));
  const ns = cols.map(norm);
  if (ns.some((n) => !(n > 0) || !Number.isFinite(n))) return false;
  const u = cols.map((c, j) => c.map((x) => x / ns[j]!));
  for (let r = 0; r < 3; r++) {
    for (let s = 0; s < 3; s++) {
      // (R Rᵀ)[r][s] with R's columns u
      const v = u[0]![r]! * u[0]![s]! + u[1]![r]! * u[1]![s]! + u[2]![r]! * u[2]![s]!;
      if (Math.abs(v - (r === s ? 1 : 0)) > 1e-4) return false;
    }
  }
  return true;
}

/** ITK's "sform and qform are very similar": same column lengths, directions and offsets within 1e-4. */
function similar(s: Affine, q: Affine): boolean {
  for (let j = 0; j < 3; j++) {
    const a = column(s, j), b = column(q, j);
    const na = norm(a), nb = norm(b);
    if (Math.abs(na - nb) > 1e-4) return false;
    if (a.some((x, r) => Math.abs(x / na - b[r]! / nb) > 1e-4)) return false;
  }
  return [0, 1, 2].every((r) => Math.abs(s[r]![3]! - q[r]![3]!) <= 1e-4);
}

/** Which transform defines the frame, following ITK's NiftiImageIO::SetImageIOOrientationFromNIfTI. */
export type FrameSource = "sform" | "qform" | "pixdim";

/**
 * Chooses the voxel → RAS transform the way ITK does: neither code set → pixdim only (identity direction and zero
 * origin, in LPS); else the sform when it is orthonormal up to column scaling and the qform is unset, or
 * sform_code is SCANNER_ANAT, or both agree; else the qform when its code is set. A sheared sform with no qform
 * cannot be represented as spacing + rotation and is an InputError (ITK refuses it too).
 */
export function chooseFrame(file: string, h: NiftiHeader, size: [number, number, number]): { from: FrameSource; affine?: Affine } {
  const q = h.qformCode > 0 ? qformAffine(h, size) : undefined;
  if (h.qformCode <= 0 && h.sformCode <= 0) return { from: "pixdim" };
  if (h.sformCode > 0) {
    const s = h.srow.map((row) => [...row]);
    if (s.some((row) => row.some((x) => !Number.isFinite(x)))) throw new InputError(file, "the sform (srow_x/y/z) has a non-finite entry");
    if (orthonormalColumns(s) && (!q || h.sformCode === NIFTI_XFORM_SCANNER_ANAT || similar(s, q))) return { from: "sform", affine: s };
  }
  if (q) return { from: "qform", affine: q };
  throw new InputError(file, "the sform is sheared (not a rotation times voxel sizes) and there is no qform; no orthonormal frame to read");
}

/**
 * The header's physical frame in LPS, as ITK reads it: spacing from pixdim (in mm), origin and direction columns from
 * the chosen transform with RAS x and y negated, columns normalised. `ndim` 2 keeps only the x/y block, as ITK does
 * for a 2-dimensional file.
 */
export function niftiSpace(file: string, h: NiftiHeader, ndim: 2 | 3): { space: Space; from: FrameSource } {
  const size = voxelSizes(file, h);
  const mm = unitToMillimetres(h.xyztUnits);
  const { from, affine } = chooseFrame(file, h, size);
  const axes = ndim === 2 ? [0, 1] : [0, 1, 2];
  const lps = [-1, -1, 1];
  const frame: ItkFrame = {
    ndim,
    spacing: axes.map((j) => size[j]! * mm),
    origin: axes.map((r) => (affine ? lps[r]! * affine[r]![3]! * mm : 0)),
    columns: axes.map((j) => {
      if (!affine) return axes.map((r) => (r === j ? 1 : 0));
      const c = axes.map((r) => lps[r]! * affine[r]![j]!);
      const n = norm(c);
      return c.map((x) => x / n);
    }),
  };
  return { space: itkFrameToSpace(file, frame), from };
}

/** Nearest rotation (orthonormal) matrix to `m` (rows), by Newton iteration of the polar decomposition. */
function nearestRotation(m: number[][]): number[][] {
  let r = m.map((row) => [...row]);
  for (let it = 0; it < 30; it++) {
    const [a, b, c] = r as [number[], number[], number[]];
    const det = a[0]! * (b[1]! * c[2]! - b[2]! * c[1]!) - a[1]! * (b[0]! * c[2]! - b[2]! * c[0]!) + a[2]! * (b[0]! * c[1]! - b[1]! * c[0]!);
    // inverse transpose = cofactor matrix / det
    const cof = [
      [b[1]! * c[2]! - b[2]! * c[1]!, b[2]! * c[0]! - b[0]! * c[2]!, b[0]! * c[1]! - b[1]! * c[0]!],
      [a[2]! * c[1]! - a[1]! * c[2]!, a[0]! * c[2]! - a[2]! * c[0]!, a[1]! * c[0]! - a[0]! * c[1]!],
      [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!],
    ];
    const next = r.map((row, i) => row.map((x, j) => 0.5 * (x + cof[i]![j]! / det)));
    const change = Math.max(...next.flatMap((row, i) => row.map((x, j) => Math.abs(x - r[i]![j]!))));
    r = next;
    if (change < 1e-15) break;
  }
  return r;
}

/** quatern_b/c/d and qfac of a rotation, as nifti_mat44_to_quatern computes them. */
function toQuaternion(rIn: number[][]): { quatern: [number, number, number]; qfac: number } {
  let r = nearestRotation(rIn);
  const det =
    r[0]![0]! * (r[1]![1]! * r[2]![2]! - r[1]![2]! * r[2]![1]!) -
    r[0]![1]! * (r[1]![0]! * r[2]![2]! - r[1]![2]! * r[2]![0]!) +
    r[0]![2]! * (r[1]![0]! * r[2]![1]! - r[1]![1]! * r[2]![0]!);
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) r = r.map((row) => [row[0]!, row[1]!, -row[2]!]);
  const [r11, r12, r13] = r[0]!, [r21, r22, r23] = r[1]!, [r31, r32, r33] = r[2]!;
  let a = r11! + r22! + r33! + 1, b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32! - r23!)) / a;
    c = (0.25 * (r13! - r31!)) / a;
    d = (0.25 * (r21! - r12!)) / a;
  } else {
    const xd = 1 + r11! - (r22! + r33!), yd = 1 + r22! - (r11! + r33!), zd = 1 + r33! - (r11! + r22!);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12! + r21!)) / b;
      d = (0.25 * (r13! + r31!)) / b;
      a = (0.25 * (r32! - r23!)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12! + r21!)) / c;
      d = (0.25 * (r23! + r32!)) / c;
      a = (0.25 * (r13! - r31!)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13! + r31!)) / d;
      c = (0.25 * (r23! + r32!)) / d;
      a = (0.25 * (r21! - r12!)) / d;
    }
    if (a < 0) [b, c, d] = [-b, -c, -d];
  }
  return { quatern: [b, c, d], qfac };
}

/** The orientation fields of a header describing `space` (LPS) in RAS: pixdim[0..3], quaternion, qoffset, srows. */
export interface NiftiOrientationFields {
  pixdim: [number, number, number, number];
  quatern: [number, number, number];
  qoffset: [number, number, number];
  srow: number[][];
}

/**
 * Encodes our Space as both qform and sform (RAS, millimetres), as ITK writes them: the sform holds
 * direction × spacing exactly (up to the header's float precision); the qform holds the nearest rotation.
 * For `ndim` 2 the space must be planar (see isPlanarSpace); z is then the identity axis.
 */
export function niftiOrientation(file: string, space: Space, ndim: 2 | 3): NiftiOrientationFields {
  const f = spaceToItkFrame(file, space, ndim);
  const col = (j: number) => (j < ndim ? f.columns[j]! : [0, 0, 1]);
  const sp = (j: number) => (j < ndim ? f.spacing[j]! : 1);
  const org = (r: number) => (r < ndim ? f.origin[r]! : 0);
  const pad = (c: number[]) => [c[0]!, c[1]!, c[2] ?? 0];
  const ras = [-1, -1, 1];
  // R[r][j]: RAS component r of index axis j's direction
  const rot = [0, 1, 2].map((r) => [0, 1, 2].map((j) => ras[r]! * pad(col(j))[r]!));
  const offset = [0, 1, 2].map((r) => ras[r]! * org(r));
  const srow = rot.map((row, r) => [row[0]! * sp(0), row[1]! * sp(1), row[2]! * sp(2), offset[r]!]);
  const { quatern, qfac } = toQuaternion(rot);
  return {
    pixdim: [qfac, sp(0), sp(1), sp(2)],
    quatern,
    qoffset: offset as [number, number, number],
    srow,
  };
}
