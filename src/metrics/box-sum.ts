// Separable box sums over a window of radius r per axis, clipped at the image border, in O(N) whatever r: whole
// images, or streamed slab by slab for local-ncc.ts. Gaussian windows and general smoothing live in kernels/.

import type { Vec3 } from "../core/space.js";

/**
 * Replaces `values` by its box sums: out[z,y,x] = Σ values[z',y',x'] over |z'−z| ≤ r_z, |y'−y| ≤ r_y, |x'−x| ≤ r_x,
 * voxels outside the image left out (so border windows are smaller, not padded).
 * One running sum per axis (add the sample entering, subtract the one leaving), in float64.
 * @param values N = z·y·x float64 values, C-order [z, y, x]; overwritten with the result.
 * @param shape [z, y, x].
 * @param radius half-width per axis [z, y, x] in voxels, non-negative integers.
 * @param scratch N float64 values of working space (contents destroyed).
 * @returns `values`, now holding the sums.
 */
export function boxSum(values: Float64Array, shape: Vec3, radius: Vec3, scratch: Float64Array): Float64Array {
  const result = boxSumInto(values, values, boxPasses(shape, radius), scratch);
  if (result !== values) values.set(result);
  return values;
}

/** One separable pass of a box sum, from one N-value buffer into another. */
type BoxPass = (from: Float64Array, to: Float64Array) => void;

/** The passes of a box sum over `shape` with `radius`: x, then y, then z, skipping axes with nothing to sum. */
function boxPasses(shape: Vec3, radius: Vec3): BoxPass[] {
  const [nz, ny, nx] = shape;
  const passes: BoxPass[] = [];
  if (nx > 1 && radius[2] > 0) passes.push((from, to) => boxPassX(from, to, nz * ny, nx, radius[2]));
  if (ny > 1 && radius[1] > 0) passes.push((from, to) => boxPassStrided(from, to, nz, ny, nx, radius[1]));
  if (nz > 1 && radius[0] > 0) passes.push((from, to) => boxPassStrided(from, to, 1, nz, ny * nx, radius[0]));
  return passes;
}

/**
 * Runs `passes` from `src` into `dst` with as few copies as possible: intermediates alternate between `scratch` and
 * `src` (both destroyed) so that the last pass writes straight into dst. The three must not overlap, except that
 * `dst` may be `src`, and then the result may land in `scratch` instead.
 * @returns the array holding the result: `dst`, or `scratch` when dst is src and the pass count is odd.
 */
function boxSumInto(src: Float64Array, dst: Float64Array, passes: readonly BoxPass[], scratch: Float64Array): Float64Array {
  if (passes.length === 0) {
    if (dst !== src) dst.set(src);
    return dst;
  }
  let from = src;
  for (let k = 0; k < passes.length; k++) {
    const last = k === passes.length - 1;
    const to = last && dst !== src ? dst : from === scratch ? src : scratch;
    passes[k]!(from, to);
    from = to;
  }
  return from;
}

/**
 * Box sum along the fastest axis: `rows` contiguous rows of `len` values each, radius r.
 * Window of position k is [max(0, k−r), min(len−1, k+r)].
 */
function boxPassX(src: Float64Array, dst: Float64Array, rows: number, len: number, r: number): void {
  for (let row = 0; row < rows; row++) {
    const base = row * len;
    let s = 0;
    for (let m = 0; m < Math.min(r, len); m++) s += src[base + m]!; // samples 0 … r−1
    // Three stretches without branches: windows clipped on the left, whole windows, windows clipped on the right.
    const left = Math.min(r, len - r), right = Math.max(left, len - r);
    let k = 0;
    for (; k < left; k++) dst[base + k] = s += src[base + k + r]!;
    for (; k < right; k++) {
      dst[base + k] = s += src[base + k + r]!;
      s -= src[base + k - r]!;
    }
    for (; k < len; k++) {
      if (k + r < len) s += src[base + k + r]!;
      dst[base + k] = s;
      if (k - r >= 0) s -= src[base + k - r]!;
    }
  }
}

/**
 * Box sum along a slower axis: `outer` blocks of `len` slices, each slice `stride` contiguous values, radius r.
 * Vectorised over the slice: dst[k] = dst[k−1] + src[k+r] − src[k−r−1], so memory is read in order.
 */
function boxPassStrided(
  src: Float64Array, dst: Float64Array, outer: number, len: number, stride: number, r: number,
): void {
  for (let o = 0; o < outer; o++) {
    const base = o * len * stride;
    const head = Math.min(r, len - 1);
    for (let e = 0; e < stride; e++) {
      let s = 0;
      for (let m = 0; m <= head; m++) s += src[base + m * stride + e]!; // slice 0's window: 0 … r
      dst[base + e] = s;
    }
    for (let k = 1; k < len; k++) {
      const at = base + k * stride, prev = at - stride;
      const add = k + r < len ? base + (k + r) * stride : -1;
      const sub = k - r - 1 >= 0 ? base + (k - r - 1) * stride : -1;
      if (add >= 0 && sub >= 0) for (let e = 0; e < stride; e++) dst[at + e] = dst[prev + e]! + src[add + e]! - src[sub + e]!;
      else if (add >= 0) for (let e = 0; e < stride; e++) dst[at + e] = dst[prev + e]! + src[add + e]!;
      else if (sub >= 0) for (let e = 0; e < stride; e++) dst[at + e] = dst[prev + e]! - src[sub + e]!;
      else for (let e = 0; e < stride; e++) dst[at + e] = dst[prev + e]!;
    }
  }
}

/**
 * How an image is streamed slab by slab along its slowest non-trivial axis: planes along z for a volume,
 * rows along y for a 2D image (z = 1). Within a slab the window is summed by {@link boxSum}.
 */
export interface SlabGeometry {
  /** Number of slabs (nz for a volume, ny for a 2D image). */
  length: number;
  /** Window radius along the streamed axis. */
  radius: number;
  /** Shape of one slab, [1, ny, nx] or [1, 1, nx]. */
  slabShape: Vec3;
  /** Window radius within a slab, [0, ry, rx] or [0, 0, rx]. */
  slabRadius: Vec3;
  /** Values per slab. */
  slabSize: number;
}

/** The slab geometry of `shape` and window `radius` (both [z, y, x]). */
export function slabGeometry(shape: Vec3, radius: Vec3): SlabGeometry {
  const [nz, ny, nx] = shape;
  return nz > 1
    ? { length: nz, radius: radius[0], slabShape: [1, ny, nx], slabRadius: [0, radius[1], radius[2]], slabSize: ny * nx }
    : { length: ny, radius: radius[1], slabShape: [1, 1, nx], slabRadius: [0, 0, radius[2]], slabSize: nx };
}

/** A box sum over several channels that consumes one slab at a time and keeps only 2r + 1 slabs. */
export interface SlidingBoxSum {
  /**
   * Advances by one slab. `fill` writes the raw values of the next slab, channel-major [channel][slab], every entry;
   * pass undefined for the r steps past the last slab. Returns the window sums of slab t − r (channel-major, owned by
   * the stream: read it before the next step) once t ≥ r, else undefined.
   */
  step(fill: ((slab: Float64Array) => void) | undefined): Float64Array | undefined;
}

/**
 * Streaming box sums: step t adds slab t (box-summed within the slab) to a running sum and subtracts slab t − 2r − 1,
 * so the running sum is the clipped window sum of slab t − r. Memory (2r + 4) · channels · slab float64 values
 * instead of whole images: rows stay in cache for 2D images, and volumes need a few planes only.
 * Call `step` exactly length + r times.
 * @param channels quantities summed side by side.
 * @param geometry from {@link slabGeometry}.
 */
export function slidingBoxSum(channels: number, geometry: SlabGeometry): SlidingBoxSum {
  const size = geometry.slabSize, slots = 2 * geometry.radius + 1;
  const passes = boxPasses(geometry.slabShape, geometry.slabRadius);
  const ring = Array.from({ length: slots }, () => channelViews(channels, size));
  const running = new Float64Array(channels * size), raw = channelViews(channels, size), scratch = new Float64Array(size);
  let fresh = channelViews(channels, size);
  let t = 0;
  return {
    step(fill) {
      const slot = t % slots, old = ring[slot]!; // holds slab t − 2r − 1 (zeros before the first lap)
      if (fill) {
        fill(raw.all);
        for (let c = 0; c < channels; c++) boxSumInto(raw.views[c]!, fresh.views[c]!, passes, scratch);
      } else fresh.all.fill(0);
      const add = fresh.all, remove = old.all;
      for (let k = 0; k < running.length; k++) running[k] += add[k]! - remove[k]!;
      ring[slot] = fresh;
      fresh = old;
      t++;
      return t - 1 >= geometry.radius ? running : undefined;
    },
  };
}

/** A channel-major buffer of `channels` × `size` float64 values, with one view per channel. */
interface ChannelViews {
  all: Float64Array;
  views: Float64Array[];
}

function channelViews(channels: number, size: number): ChannelViews {
  const all = new Float64Array(channels * size);
  return { all, views: Array.from({ length: channels }, (_, c) => all.subarray(c * size, (c + 1) * size)) };
}
