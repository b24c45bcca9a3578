// Affine maps of physical space as 4×4 homogeneous matrices in [z, y, x] order, and their parameterisation
// by translation / rotation / zoom / shear about a centre (torchreg's degrees of freedom, with our axis order).

import { invertMat3, type Mat3, type Vec3 } from "../core/space.js";

/** A 4×4 row-major homogeneous matrix acting on [z, y, x, 1] physical points. */
export type Mat4 = Float64Array;

export type AffineDof = "translation" | "rigid" | "similarity" | "affine";

/**
 * The degrees of freedom of an affine map T(p) = c + t + R · Z · S · (p − c).
 * 2D images use rotation[0] only (in the y–x plane) and ignore the z entries.
 */
export interface AffineParams {
  /** Physical translation t, [z, y, x]. */
  translation: Vec3;
  /** Rotation angles in radians: about x (z–y plane), about y (z–x plane), about z (y–x plane); 2D uses index 2. */
  rotation: Vec3;
  /** Scale per axis Z, [z, y, x]; 1 is none. */
  zoom: Vec3;
  /** Shear S: [zy, zx, yx] entries of a unit upper-triangular matrix; 0 is none. */
  shear: Vec3;
}

export function identityParams(): AffineParams {
  return { translation: [0, 0, 0], rotation: [0, 0, 0], zoom: [1, 1, 1], shear: [0, 0, 0] };
}

export function identity4(): Mat4 {
  return Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
}

/** a · b (apply b first). */
export function mul4(a: Mat4, b: Mat4): Mat4 {
  const r = new Float64Array(16);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[i * 4 + k]! * b[k * 4 + j]!;
      r[i * 4 + j] = s;
    }
  }
  return r;
}

/** Rotation matrix R = Rz(γ)·Ry(β)·Rx(α) written on [z, y, x] coordinates (a positive rotation[2] turns +x toward +y). */
function rotation3(angles: Vec3): number[] {
  const [a, b, g] = angles;
  const ca = Math.cos(a), sa = Math.sin(a), cb = Math.cos(b), sb = Math.sin(b), cg = Math.cos(g), sg = Math.sin(g);
  // In (x, y, z) order: Rz(g) Ry(b) Rx(a); then permuted to (z, y, x) rows and columns.
  const xyz = [
    [cg * cb, cg * sb * sa - sg * ca, cg * sb * ca + sg * sa],
    [sg * cb, sg * sb * sa + cg * ca, sg * sb * ca - cg * sa],
    [-sb, cb * sa, cb * ca],
  ];
  const out: number[] = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out.push(xyz[2 - i]![2 - j]!);
  return out;
}

/**
 * The matrix of T(p) = c + t + R · Z · S · (p − c) for `ndim` 2 or 3.
 * In 2D only rotation[2], zoom[1..2], shear[2] and translation[1..2] are used; the z row stays identity.
 */
export function affineFromParams(p: AffineParams, centre: Vec3, ndim: 2 | 3): Mat4 {
  const rot = ndim === 3 ? rotation3(p.rotation) : rotation3([0, 0, p.rotation[2]]);
  const zoom = ndim === 3 ? p.zoom : ([1, p.zoom[1], p.zoom[2]] as Vec3);
  const sh = ndim === 3 ? p.shear : ([0, 0, p.shear[2]] as Vec3);
  // S is unit upper triangular on [z, y, x]: z' = z + s_zy·y + s_zx·x, y' = y + s_yx·x.
  const S = [1, sh[0], sh[1], 0, 1, sh[2], 0, 0, 1];
  const A = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += rot[i * 3 + k]! * zoom[k]! * S[k * 3 + j]!;
      A[i * 3 + j] = s;
    }
  }
  const t = ndim === 3 ? p.translation : ([0, p.translation[1], p.translation[2]] as Vec3);
  const m = identity4();
  for (let i = 0; i < 3; i++) {
    let ac = 0;
    for (let j = 0; j < 3; j++) {
      m[i * 4 + j] = A[i * 3 + j]!;
      ac += A[i * 3 + j]! * centre[j]!;
    }
    m[i * 4 + 3] = centre[i]! + t[i]! - ac;
  }
  return m;
}

/** Inverse of an affine 4×4 (last row [0 0 0 1]); throws on a singular linear part. */
export function invertAffine(m: Mat4): Mat4 {
  const lin: Mat3 = [m[0]!, m[1]!, m[2]!, m[4]!, m[5]!, m[6]!, m[8]!, m[9]!, m[10]!];
  const inv = invertMat3(lin);
  const r = identity4();
  for (let i = 0; i < 3; i++) {
    let s = 0;
    for (let k = 0; k < 3; k++) {
      r[i * 4 + k] = inv[i * 3 + k]!;
      s += inv[i * 3 + k]! * m[k * 4 + 3]!;
    }
    r[i * 4 + 3] = -s;
  }
  return r;
}

/** Maps points in place: `points` holds n consecutive [z, y, x] triples. */
export function mapPointsAffine(m: Mat4, points: Float64Array): Float64Array {
  for (let o = 0; o + 2 < points.length; o += 3) {
    const z = points[o]!, y = points[o + 1]!, x = points[o + 2]!;
    points[o] = m[0]! * z + m[1]! * y + m[2]! * x + m[3]!;
    points[o + 1] = m[4]! * z + m[5]! * y + m[6]! * x + m[7]!;
    points[o + 2] = m[8]! * z + m[9]! * y + m[10]! * x + m[11]!;
  }
  return points;
}
