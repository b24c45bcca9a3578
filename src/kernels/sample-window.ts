// The warp's fused sampler: every channel of a moving window at one set of positions, located once and written
// straight into the output dtype. Same arithmetic as kernels/interpolate-{nearest,linear}.ts + cast-samples.ts, so the same bytes.

import { allocatePixels, dtypeRange, type DType, type PixelArray } from "../core/dtype.js";
import type { Vec3 } from "../core/space.js";
import { locateLinear } from "./interpolate-linear.js";
import { locateNearest } from "./interpolate-nearest.js";
import { createRowScratch, type RowScratch } from "./row-scratch.js";

/** Positions located per chunk: the scratch stays in the L1 cache. */
const CHUNK = 1024;

/** How a float32 sample becomes a stored one (castSamples' three cases). */
type CastKind = "float" | "unsigned" | "signed";

/**
 * Arguments of one sampling job: plain typed arrays and numbers, so a band can run anywhere. `planes` are the
 * window's channels (C order over `shape`, any float32-exact dtype), `coords` the positions in window index units (in
 * the image's with `offset`; `ndim` planes of `n` values, [z, y, x] or [y, x]; NaN = outside, as clipToImage leaves
 * them), `outs` one plane of `n` samples per channel, of `dtype`.
 */
export interface WindowSampling {
  planes: readonly PixelArray[];
  shape: Vec3;
  coords: Float64Array;
  n: number;
  ndim: 2 | 3;
  interpolation: "nearest" | "linear";
  /** The fill as the kernels take it (rounded to float32, then cast, where it lands). */
  fill: number;
  /**
   * Where the window starts in the image the positions are in ([z, y, x]): each position is moved into window units
   * as c − start on the axes whose start is not 0, as shiftCoordinates does. @default [0, 0, 0] (positions already in window units)
   */
  offset?: Vec3;
  dtype: DType;
  outs: PixelArray[];
}

/** A sampling job without its outputs: what Kernels.sampleWindow takes. */
export type WindowSamplingInput = Omit<WindowSampling, "outs">;

/** Every position of `a` sampled (sampleWindowBand over [0, n)) into new planes of `a.dtype`, one per window plane. */
export function sampleWindow(a: WindowSamplingInput, allocate: (dtype: DType, n: number) => PixelArray = allocatePixels): PixelArray[] {
  const outs = a.planes.map(() => allocate(a.dtype, a.n));
  sampleWindowBand({ ...a, outs }, 0, a.n);
  return outs;
}

/** What the gathers read of a located chunk (locateNearest / locateLinear fill it). */
type Located = Pick<RowScratch, "inside" | "base" | "tz" | "ty" | "tx">;

/**
 * Samples positions [start, end) of `a` into every output plane. For each position:
 * - nearest: the voxel at round(c) per axis (capped at size − 1), as locateNearest + gatherNearest;
 * - linear: (bi/tri)linear with the lower tap clamped to [0, n − 2] and fractions to [0, 1], as sampleLinear;
 * then rounded to float32 and cast to `dtype` as castSamples does (integers: halves up, saturated, NaN → 0).
 * A position outside −0.5 ≤ c ≤ size − 0.5 (or NaN) gets `fill`, cast the same way.
 */
export function sampleWindowBand(a: WindowSampling, start: number, end: number): void {
  // The kernels' own locate functions, reading this chunk's positions through views of `coords`.
  const s = createRowScratch(CHUNK, a.interpolation, false);
  const is3d = a.shape[0] > 1, n = a.n, oy = a.ndim === 3 ? n : 0, ox = oy + n;
  const [sz, sy, sx] = a.offset ?? [0, 0, 0];
  const moved = [new Float64Array(CHUNK), new Float64Array(CHUNK), new Float64Array(CHUNK)];
  // This chunk's positions on one axis, in window units: a view when the window starts at 0 there, else c − start.
  const axis = (from: number, m: number, start: number, buf: Float64Array): Float64Array => {
    if (start === 0) return a.coords.subarray(from, from + m);
    for (let k = 0; k < m; k++) buf[k] = a.coords[from + k]! - start;
    return buf.subarray(0, m);
  };
  const float = a.dtype === "float32" || a.dtype === "float64";
  const [lo, hi] = float ? [0, 0] : dtypeRange(a.dtype);
  const kind: CastKind = float ? "float" : lo === 0 && hi < 2 ** 31 ? "unsigned" : "signed";
  for (let i0 = start; i0 < end; i0 += CHUNK) {
    const m = Math.min(CHUNK, end - i0);
    if (is3d) s.cz = axis(i0, m, sz, moved[0]!);
    s.cy = axis(oy + i0, m, sy, moved[1]!);
    s.cx = axis(ox + i0, m, sx, moved[2]!);
    if (a.interpolation === "linear") locateLinear(s, m, a.shape, false);
    else locateNearest(s, m, a.shape, false);
    for (let c = 0; c < a.planes.length; c++) {
      const plane = a.planes[c]!, out = a.outs[c]!;
      if (a.interpolation === "nearest") gatherNearestChunk(plane, s, m, a.fill, out, i0, kind, lo, hi);
      else if (a.shape[0] > 1) gatherTrilinearChunk(plane, a.shape, s, m, a.fill, out, i0, kind, lo, hi);
      else gatherBilinearChunk(plane, a.shape, s, m, a.fill, out, i0, kind, lo, hi);
    }
  }
}

/** Float32 rounding then castSamples' rule for one value. */
function cast(v: number, kind: CastKind, lo: number, hi: number): number {
  const x = Math.fround(v);
  if (kind === "float") return x;
  if (kind === "unsigned") return x >= hi ? hi : x > 0 ? (x + 0.5) | 0 : 0;
  return x >= hi ? hi : x <= lo ? lo : x === x ? Math.floor(x + 0.5) : 0;
}

function gatherNearestChunk(
  plane: PixelArray, s: Located, m: number, fill: number, out: PixelArray, i0: number, kind: CastKind, lo: number, hi: number,
): void {
  const { inside, base } = s;
  const f = cast(fill, kind, lo, hi);
  for (let k = 0; k < m; k++) out[i0 + k] = inside[k] ? cast(plane[base[k]!]!, kind, lo, hi) : f;
}

/** gatherLinear's 2D branch (written as sampleLinear writes it), cast. */
function gatherBilinearChunk(
  plane: PixelArray, shape: Vec3, s: Located, m: number, fill: number, out: PixelArray, i0: number, kind: CastKind, lo: number, hi: number,
): void {
  const sy = shape[1] > 1 ? shape[2] : 0, sx = shape[2] > 1 ? 1 : 0;
  const { inside, base, ty, tx } = s;
  const f = cast(fill, kind, lo, hi);
  for (let k = 0; k < m; k++) {
    if (!inside[k]) {
      out[i0 + k] = f;
      continue;
    }
    const b = base[k]!, fy = ty[k]!, fx = tx[k]!, gx = 1 - fx;
    const c00 = gx * plane[b]! + fx * plane[b + sx]!;
    const c01 = gx * plane[b + sy]! + fx * plane[b + sy + sx]!;
    out[i0 + k] = cast((1 - fy) * c00 + fy * c01, kind, lo, hi);
  }
}

/** gatherLinear's 3D branch (written as sampleLinear writes it), cast. */
function gatherTrilinearChunk(
  plane: PixelArray, shape: Vec3, s: Located, m: number, fill: number, out: PixelArray, i0: number, kind: CastKind, lo: number, hi: number,
): void {
  const sz = shape[1] * shape[2], sy = shape[1] > 1 ? shape[2] : 0, sx = shape[2] > 1 ? 1 : 0;
  const { inside, base, tz, ty, tx } = s;
  const f = cast(fill, kind, lo, hi);
  for (let k = 0; k < m; k++) {
    if (!inside[k]) {
      out[i0 + k] = f;
      continue;
    }
    const b = base[k]!, fz = tz[k]!, fy = ty[k]!, fx = tx[k]!, gx = 1 - fx, gy = 1 - fy;
    const b1 = b + sz;
    const c00 = gx * plane[b]! + fx * plane[b + sx]!;
    const c01 = gx * plane[b + sy]! + fx * plane[b + sy + sx]!;
    const c10 = gx * plane[b1]! + fx * plane[b1 + sx]!;
    const c11 = gx * plane[b1 + sy]! + fx * plane[b1 + sy + sx]!;
    out[i0 + k] = cast((1 - fz) * (gy * c00 + fy * c01) + fz * (gy * c10 + fy * c11), kind, lo, hi);
  }
}
