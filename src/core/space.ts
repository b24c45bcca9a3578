// Image geometry: shapes, regions, levels and the index ↔ physical mapping (DESIGN §2).
// Axis order is always [z, y, x]; 2D images have z = 1. Index i is a pixel *centre*: p = origin + D · (spacing ⊙ i).

/** Three numbers in [z, y, x] order. */
export type Vec3 = [number, number, number];

/** A 3×3 matrix, row-major, rows and columns in [z, y, x] order. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export const IDENTITY3: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** A box of pixels at one level: `start` and `size` in [z, y, x], integer pixel indices. */
export interface Region {
  start: Vec3;
  size: Vec3;
}

/** One resolution level of an image. */
export interface LevelInfo {
  /** Pixels per axis, [z, y, x]. */
  shape: Vec3;
  /** Size of one pixel of this level in level-0 pixels, [z, y, x] (1 for level 0, 2 for a 2× reduction). */
  scale: Vec3;
  /** Native tile or chunk shape, [z, y, x], when the format has one. */
  chunk?: Vec3;
}

/**
 * The physical frame of the full-resolution (level 0) grid.
 * Physical point of index i (pixel centre): p = origin + direction · (spacing ⊙ i), all in [z, y, x] order.
 * For files with a world frame (NIfTI, MHA, NRRD) physical space is ITK's LPS, listed as [z, y, x].
 */
export interface Space {
  /** Physical size of a level-0 pixel per axis, [z, y, x]. */
  spacing: Vec3;
  /** Physical position of the centre of pixel (0, 0, 0), [z, y, x]. */
  origin: Vec3;
  /** Direction cosines; column j is the physical direction of index axis j. */
  direction: Mat3;
  /** Physical unit per axis (e.g. "micrometer", "millimeter", "pixel"). */
  units: [string, string, string];
}

/** Everything known about an image without reading its pixels. */
export interface ImageMeta {
  /** The file or directory it came from. */
  path: string;
  /** Short format name, e.g. "ome-tiff", "tiff", "ome-zarr", "nifti", "metaimage", "nrrd", "png". */
  format: string;
  /** 2 for a single-plane image, 3 for a volume. */
  ndim: 2 | 3;
  dtype: import("./dtype.js").DType;
  /** One name per channel; its length is the channel count. */
  channels: string[];
  /** Level 0 is full resolution; each next level is coarser. */
  levels: LevelInfo[];
  space: Space;
  /**
   * Bytes a reader of this image keeps in memory once any region is read: formats decoded whole (compressed NIfTI,
   * MetaImage and NRRD; PNG, JPEG). Absent when reads touch only the region's tiles, chunks or rows.
   */
  residentBytes?: number;
}

/** Total pixel count of a shape. */
export function voxelCount(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** The whole of a level as a region. */
export function fullRegion(shape: Vec3): Region {
  return { start: [0, 0, 0], size: [shape[0], shape[1], shape[2]] };
}

/** True when `r` has integer, non-negative bounds inside `shape` and a positive size. */
export function regionInside(r: Region, shape: Vec3): boolean {
  for (let a = 0; a < 3; a++) {
    const s = r.start[a]!, n = r.size[a]!;
    if (!Number.isInteger(s) || !Number.isInteger(n) || s < 0 || n <= 0 || s + n > shape[a]!) return false;
  }
  return true;
}

/** Intersection of two regions, or undefined when empty. */
export function intersectRegions(a: Region, b: Region): Region | undefined {
  const start: Vec3 = [0, 0, 0], size: Vec3 = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const lo = Math.max(a.start[i]!, b.start[i]!);
    const hi = Math.min(a.start[i]! + a.size[i]!, b.start[i]! + b.size[i]!);
    if (hi <= lo) return undefined;
    start[i] = lo;
    size[i] = hi - lo;
  }
  return { start, size };
}

/** "z0:z1,y0:y1,x0:x1" for messages. */
export function formatRegion(r: Region): string {
  return r.start.map((s, i) => `${s}:${s + r.size[i]!}`).join(",");
}

/** Matrix × vector. */
export function mulMat3Vec(m: Mat3, v: Vec3): Vec3 {
  return [
    m[0] * v[0] + m[1] * v[1] + m[2] * v[2],
    m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
    m[6] * v[0] + m[7] * v[1] + m[8] * v[2],
  ];
}

/**
 * The frame of pixel centres of level `level`: spacing scaled by the level's scale, origin moved to the centre
 * of the level's first pixel (which covers `scale` level-0 pixels, so its centre sits at (scale − 1) / 2).
 */
export function levelSpace(meta: ImageMeta, level: number): Space {
  const lv = meta.levels[level];
  if (!lv) throw new RangeError(`${meta.path}: no level ${level} (the image has ${meta.levels.length})`);
  const s = meta.space;
  const spacing: Vec3 = [s.spacing[0] * lv.scale[0], s.spacing[1] * lv.scale[1], s.spacing[2] * lv.scale[2]];
  const shift = mulMat3Vec(s.direction, [
    (s.spacing[0] * (lv.scale[0] - 1)) / 2,
    (s.spacing[1] * (lv.scale[1] - 1)) / 2,
    (s.spacing[2] * (lv.scale[2] - 1)) / 2,
  ]);
  const origin: Vec3 = [s.origin[0] + shift[0], s.origin[1] + shift[1], s.origin[2] + shift[2]];
  return { spacing, origin, direction: s.direction, units: s.units };
}

/** Physical point of a (fractional) index, [z, y, x]: origin + D · (spacing ⊙ i). */
export function indexToPhysical(space: Space, i: Vec3): Vec3 {
  const d = mulMat3Vec(space.direction, [i[0] * space.spacing[0], i[1] * space.spacing[1], i[2] * space.spacing[2]]);
  return [space.origin[0] + d[0], space.origin[1] + d[1], space.origin[2] + d[2]];
}

/** D · diag(spacing): index-unit vectors of `space` → physical vectors (row-major 3×3 over [z, y, x]). */
export function indexToPhysicalLinear(space: Space): Mat3 {
  return space.direction.map((d, k) => d * space.spacing[k % 3]!) as Mat3;
}

/**
 * out = m · v for every vector of the vector-first array `data` (`ndim` planes of equal length, components
 * [z, y, x] or [y, x]); m is 3×3 over [z, y, x], its z row and column unused in 2D. `out` starts zeroed; returns it.
 */
export function mapVectors<T extends Float32Array | Float64Array>(m: Mat3, data: ArrayLike<number>, ndim: 2 | 3, out: T): T {
  const n = data.length / ndim, first = ndim === 3 ? 0 : 1;
  for (let r = first; r < 3; r++) {
    const o = (r - first) * n;
    for (let c = first; c < 3; c++) {
      const k = m[r * 3 + c]!;
      if (k === 0) continue;
      const s = (c - first) * n;
      for (let i = 0; i < n; i++) out[o + i] = out[o + i]! + k * data[s + i]!;
    }
  }
  return out;
}

/** Inverse of a 3×3 matrix; throws on a singular one. */
export function invertMat3(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new RangeError("singular direction matrix");
  return [
    A / det, -(b * i - c * h) / det, (b * f - c * e) / det,
    B / det, (a * i - c * g) / det, -(a * f - c * d) / det,
    C / det, -(a * h - b * g) / det, (a * e - b * d) / det,
  ];
}

/** Fractional index of a physical point, [z, y, x]: spacing⁻¹ ⊙ D⁻¹ · (p − origin). */
export function physicalToIndex(space: Space, p: Vec3): Vec3 {
  const q = mulMat3Vec(invertMat3(space.direction), [
    p[0] - space.origin[0], p[1] - space.origin[1], p[2] - space.origin[2],
  ]);
  return [q[0] / space.spacing[0], q[1] / space.spacing[1], q[2] / space.spacing[2]];
}

/** A default frame: unit spacing, zero origin, identity direction, pixel units. */
export function defaultSpace(): Space {
  return { spacing: [1, 1, 1], origin: [0, 0, 0], direction: [...IDENTITY3], units: ["pixel", "pixel", "pixel"] };
}
