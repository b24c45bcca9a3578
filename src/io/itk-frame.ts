// ITK's image frame (axes listed x first, physical space LPS) ↔ terareg's Space (axes listed [z, y, x]).
// Shared by the MetaImage, NRRD and NIfTI readers and writers; each format's own fields are parsed elsewhere.

import { InputError, OutputError } from "../core/errors.js";
import type { Mat3, Space, Vec3 } from "../core/space.js";

/**
 * An image frame as ITK lists it, x first: `spacing[j]`, `origin[r]`, and `columns[j][r]` = component r (LPS x, y, z)
 * of the physical direction of index axis j. 2D frames have two of each.
 */
export interface ItkFrame {
  ndim: 2 | 3;
  spacing: number[];
  origin: number[];
  columns: number[][];
}

const MIN_ABS_DET = 1e-6;

/** det of a 3×3 given as columns. */
function det3(c: number[][]): number {
  const [a, b, d] = c as [number[], number[], number[]];
  return (
    a[0]! * (b[1]! * d[2]! - b[2]! * d[1]!) - b[0]! * (a[1]! * d[2]! - a[2]! * d[1]!) + d[0]! * (a[1]! * b[2]! - a[2]! * b[1]!)
  );
}

/**
 * Converts an ITK frame to our Space, validating it: spacing finite and positive, origin and direction finite,
 * direction not singular. A 2D frame is embedded with z spacing 1, origin z 0 and an identity z row/column.
 * @param units  physical unit of every axis @default "millimeter"
 */
export function itkFrameToSpace(file: string, f: ItkFrame, units = "millimeter"): Space {
  const n = f.ndim;
  const names = ["x", "y", "z"];
  for (let j = 0; j < n; j++) {
    const s = f.spacing[j]!;
    if (!Number.isFinite(s) || s <= 0) {
      throw new InputError(file, `spacing along ${names[j]} is ${s}; spacing must be a positive finite number`);
    }
    if (!Number.isFinite(f.origin[j]!)) throw new InputError(file, `origin along ${names[j]} is ${f.origin[j]}; it must be finite`);
  }
  const cols: number[][] = [0, 1, 2].map((j) => [0, 1, 2].map((r) => (j < n && r < n ? f.columns[j]![r]! : j === r ? 1 : 0)));
  if (cols.some((c) => c.some((x) => !Number.isFinite(x)))) {
    throw new InputError(file, "the direction matrix has a non-finite entry");
  }
  if (Math.abs(det3(cols)) < MIN_ABS_DET) {
    throw new InputError(file, `the direction matrix is singular (columns ${cols.map((c) => `(${c.join(", ")})`).join(" ")})`);
  }
  // ours[a][b] = itk[2 − a][2 − b], itk[r][j] = cols[j][r]
  // (x + 0 turns −0 into 0, so that sign flips of zeros do not show up in comparisons)
  const direction = [0, 1, 2].flatMap((a) => [0, 1, 2].map((b) => cols[2 - b]![2 - a]! + 0)) as Mat3;
  const sp = (j: number) => (j < n ? f.spacing[j]! : 1);
  const or = (j: number) => (j < n ? f.origin[j]! + 0 : 0);
  return {
    spacing: [sp(2), sp(1), sp(0)],
    origin: [or(2), or(1), or(0)],
    direction,
    units: [units, units, units],
  };
}

/** True when a Space has nothing along z that a 2D ITK frame would drop: identity z row/column, origin z 0, spacing z 1. */
export function isPlanarSpace(s: Space): boolean {
  const d = s.direction;
  return d[0] === 1 && d[1] === 0 && d[2] === 0 && d[3] === 0 && d[6] === 0 && s.origin[0] === 0 && s.spacing[0] === 1;
}

/**
 * The dimensionality to report for an image: 2 when the file is 2-D, and also for a one-slice volume whose frame is
 * planar (nothing would be lost by treating it as 2D); else 3.
 */
export function reportedNdim(fileNdim: number, shape: readonly number[], space: Space): 2 | 3 {
  return fileNdim <= 2 || (shape[0] === 1 && isPlanarSpace(space)) ? 2 : 3;
}

/**
 * Converts our Space to an ITK frame of `ndim` axes (x first). A 2D frame keeps the x/y block only, so the caller
 * must check {@link isPlanarSpace} first; this throws OutputError when it would lose geometry.
 */
export function spaceToItkFrame(file: string, s: Space, ndim: 2 | 3): ItkFrame {
  if (ndim === 2 && !isPlanarSpace(s)) {
    throw new OutputError(file, "a 2D file cannot hold this frame: its z row/column, z origin or z spacing is not trivial");
  }
  const itk = (r: number, j: number) => s.direction[(2 - r) * 3 + (2 - j)]!;
  const axes = ndim === 2 ? [0, 1] : [0, 1, 2];
  return {
    ndim,
    spacing: axes.map((j) => s.spacing[2 - j]!),
    origin: axes.map((r) => s.origin[2 - r]!),
    columns: axes.map((j) => axes.map((r) => itk(r, j))),
  };
}

/** The point components of a [z, y, x] Vec3 listed x first (for messages and writers). */
export function xFirst(v: Vec3): [number, number, number] {
  return [v[2], v[1], v[0]];
}
