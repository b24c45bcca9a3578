// The moving image resampled onto the fixed grid as a lazy Source: each read maps its tile through the transform,
// reads only the moving window it needs, and interpolates. Writing it to a file is io/write.ts's job (writeImage).

import { checkRead } from "../core/check-read.js";
import { bytesPerSample, dtypeRange, isFloat, type PixelArray } from "../core/dtype.js";
import { AbortedError, BudgetError, OptionError } from "../core/errors.js";
import type { ReadOptions, Source } from "../core/source.js";
import { formatRegion, levelSpace, voxelCount, type ImageMeta, type Region, type Vec3 } from "../core/space.js";
import type { Kernels } from "../compute/kernels.js";
import { referenceKernels } from "../compute/reference-kernels.js";
import { INTERPOLATIONS, imageNdim, type Interpolation } from "../kernels/types.js";
import type { RegistrationTransform } from "../transforms/registration-transform.js";
import { castSamples, filledPlane, float32Exact, toFloat32 } from "./cast-samples.js";
import { movingWindow, shiftCoordinates } from "./moving-window.js";
import { gatherNearestExact } from "./nearest-gather.js";
import { selectMovingLevel } from "./select-moving-level.js";
import { createTileMapper, type TileMapper } from "./tile-mapper.js";

/** Default cap on one moving window: 64 Mvoxel (256 MiB as float32 per channel being sampled). */
export const DEFAULT_MAX_WINDOW_VOXELS = 64 * 2 ** 20;

/** Default piece size: a larger read is warped in pieces of at most 2^18 voxels (512 × 512), each with its own window. */
export const DEFAULT_TILE_VOXELS = 2 ** 18;

/**
 * Default extra voxels around a cubic window. The B-spline prefilter runs over the window, not the whole image;
 * the effect of the window's edge decays as |z₁|^k = 0.268^k with the distance k from it, so 16 voxels leave a
 * difference of about 7e-10 of the local coefficient range before float32 rounding: at most one float32 step,
 * and in the tests none at all (measured on a 420×300 float32 warp: margin 8 → max 1.6e-3 of ±1000, 12 → 1.2e-4, 16 → 0).
 */
export const DEFAULT_CUBIC_MARGIN = 16;

export interface WarpOptions {
  /** Level of the fixed (reference) grid to produce; it becomes level 0 of the result. @default 0 */
  level?: number;
  /**
   * How moving samples are interpolated. Nearest and linear are exact under tiling (any tiling gives the same bytes);
   * cubic differs from a whole-image prefilter by at most about one float32 step with the default margin
   * (DEFAULT_CUBIC_MARGIN), so integer outputs can differ by 1 only where a value sits on a rounding boundary.
   * @default "linear", or "nearest" when `labels`
   */
  interpolation?: Interpolation;
  /** The moving image holds labels: interpolation must be (and defaults to) nearest, which keeps values exactly. @default false */
  labels?: boolean;
  /** Moving channels to warp, in the order wanted. @default all */
  channels?: readonly number[];
  /** Value of output voxels that map outside the moving image; must fit the moving dtype. @default 0 */
  fill?: number;
  /** Backend for resampleAt. @default referenceKernels */
  kernels?: Kernels;
  /**
   * Largest moving window one piece may read, in voxels; a larger one is refused with a BudgetError naming the tile.
   * @default DEFAULT_MAX_WINDOW_VOXELS (64 Mvoxel)
   */
  maxWindowVoxels?: number;
  /** A read is warped in pieces of at most this many output voxels. @default DEFAULT_TILE_VOXELS (2^18) */
  tileVoxels?: number;
  /** Cubic only: extra voxels read around each window so the window's prefilter matches the whole image's. @default 16 */
  cubicMargin?: number;
}

/** Everything a read needs, resolved once. */
interface WarpPlan {
  moving: Source;
  movingLevel: number;
  movingShape: Vec3;
  /** Moving channel index of each output channel. */
  channelMap: number[];
  interpolation: Interpolation;
  /** The fill value as the output stores it (float32-rounded where the kernels produce it). */
  storedFill: number;
  /** The fill value as given, for the kernels. */
  kernelFill: number;
  /** Nearest-neighbour warps of dtypes float32 cannot hold are gathered directly (nearest-gather.ts). */
  exactNearest: boolean;
  kernels: Kernels;
  maxWindowVoxels: number;
  tileVoxels: number;
  cubicMargin: number;
  mapper: TileMapper;
}

/**
 * The moving image resampled onto a level of the fixed grid, as a lazy single-level Source: out(x) = moving(c(x)),
 * c(x) = moving index of T(physical(x)), T = `transform` (fixed physical → moving physical, a pull-back).
 *
 * Meta: the fixed grid's shape and Space at `level` (as level 0, the only level: writers build the pyramid), the
 * moving image's dtype, and its channel names (those of `channels`). Reads take any region of that grid.
 *
 * Each read is split into pieces of at most `tileVoxels`; for each piece T is evaluated at every voxel (affine as
 * a matrix, displacement by (bi/tri)linear interpolation of its grid), and the moving image is read over the
 * bounding box of all mapped positions that land inside it, plus the interpolator's support (moving-window.ts), at
 * the moving level chosen by selectMovingLevel (level 0 when `level` is 0). A piece that maps entirely outside
 * reads nothing and is `fill`. Integer outputs are rounded and clamped to the dtype.
 *
 * Memory per piece: the output piece, its coordinates (8 bytes × ndim per voxel) and the moving window (its
 * samples, a float32 copy, and B-spline coefficients for cubic). A transform that distorts wildly, or a coarse
 * output level read from a moving image with no pyramid, makes the window large: windows above `maxWindowVoxels`
 * are refused with a BudgetError rather than read.
 *
 * Precision: positions are float64; samples are interpolated in float32 (the kernels' type), so linear and cubic
 * warps of uint32/int32/float64 images carry float32 rounding; nearest keeps every dtype's values exactly.
 *
 * @param moving the image to warp; only the windows tiles need are read.
 * @param transform fixed physical → moving physical.
 * @param reference the fixed image's metadata (its grid and Space); no pixel of it is read.
 * @throws OptionError on mismatched dimensions, a bad level, channel, fill or option.
 */
export function warpedSource(moving: Source, transform: RegistrationTransform, reference: { meta: ImageMeta }, options: WarpOptions = {}): Source {
  const plan = resolvePlan(moving, transform, reference.meta, options);
  const ref = reference.meta, level = options.level ?? 0;
  const space = levelSpace(ref, level);
  const meta: ImageMeta = {
    path: `warped:${moving.meta.path}`,
    format: "warped",
    ndim: ref.ndim,
    dtype: moving.meta.dtype,
    channels: plan.channelMap.map((c) => moving.meta.channels[c]!),
    levels: [{ shape: [...ref.levels[level]!.shape], scale: [1, 1, 1] }],
    space: { spacing: space.spacing, origin: space.origin, direction: [...space.direction], units: [...space.units] },
  };
  return {
    meta,
    read: (region, lvl, readOptions) => readWarped(plan, meta, region, lvl, readOptions),
    /** Closes the moving source (safe to call again on it). */
    close: () => moving.close(),
  };
}

function resolvePlan(moving: Source, transform: RegistrationTransform, ref: ImageMeta, options: WarpOptions): WarpPlan {
  const mm = moving.meta;
  if (transform.ndim !== mm.ndim || ref.ndim !== mm.ndim) {
    throw new OptionError("transform.ndim", transform.ndim, `the dimension of both images (moving ${mm.path}: ${mm.ndim}D, reference ${ref.path}: ${ref.ndim}D)`);
  }
  const level = options.level ?? 0;
  if (!Number.isInteger(level) || level < 0 || level >= ref.levels.length) {
    throw new OptionError("level", level, `a level of the reference ${ref.path}, 0..${ref.levels.length - 1}`);
  }
  const labels = options.labels ?? false;
  const interpolation = options.interpolation ?? (labels ? "nearest" : "linear");
  if (!INTERPOLATIONS.includes(interpolation)) throw new OptionError("interpolation", interpolation, `one of ${INTERPOLATIONS.join(", ")}`);
  if (labels && interpolation !== "nearest") {
    throw new OptionError("interpolation", interpolation, '"nearest" for a label image (interpolating labels invents labels that do not exist)');
  }
  const channelMap = options.channels ? [...options.channels] : mm.channels.map((_, i) => i);
  if (channelMap.length === 0) throw new OptionError("channels", [], `at least one of 0..${mm.channels.length - 1}`);
  for (const c of channelMap) {
    if (!Number.isInteger(c) || c < 0 || c >= mm.channels.length) throw new OptionError("channels", c, `channel indices 0..${mm.channels.length - 1} of ${mm.path}`);
  }
  const fill = options.fill ?? 0;
  const [lo, hi] = dtypeRange(mm.dtype);
  if (typeof fill !== "number" || (!isFloat(mm.dtype) && !(Number.isInteger(fill) && fill >= lo && fill <= hi))) {
    throw new OptionError("fill", fill, isFloat(mm.dtype) ? "a number" : `an integer in [${lo}, ${hi}] (the moving image is ${mm.dtype})`);
  }
  const maxWindowVoxels = options.maxWindowVoxels ?? DEFAULT_MAX_WINDOW_VOXELS;
  if (!(Number.isInteger(maxWindowVoxels) && maxWindowVoxels > 0)) throw new OptionError("maxWindowVoxels", maxWindowVoxels, "a positive integer");
  const tileVoxels = options.tileVoxels ?? DEFAULT_TILE_VOXELS;
  if (!(tileVoxels > 0 && (Number.isInteger(tileVoxels) || tileVoxels === Infinity))) {
    throw new OptionError("tileVoxels", tileVoxels, "a positive integer (or Infinity: one piece per read)");
  }
  if (options.cubicMargin !== undefined && interpolation !== "cubic") {
    throw new OptionError("cubicMargin", options.cubicMargin, 'no value unless interpolation is "cubic" (it only widens cubic windows)');
  }
  const cubicMargin = options.cubicMargin ?? DEFAULT_CUBIC_MARGIN;
  if (!(Number.isInteger(cubicMargin) && cubicMargin >= 0)) throw new OptionError("cubicMargin", cubicMargin, "an integer ≥ 0 (voxels)");
  const outputSpace = levelSpace(ref, level);
  const movingLevel = selectMovingLevel(mm, outputSpace, level);
  const exactNearest = interpolation === "nearest" && !float32Exact(mm.dtype);
  const storedFill = exactNearest ? fill : castSamples(Float32Array.of(fill), mm.dtype)[0]!;
  return {
    moving, movingLevel, movingShape: [...mm.levels[movingLevel]!.shape], channelMap, interpolation,
    storedFill, kernelFill: fill, exactNearest, kernels: options.kernels ?? referenceKernels,
    maxWindowVoxels, tileVoxels, cubicMargin,
    mapper: createTileMapper(transform, outputSpace, levelSpace(mm, movingLevel)),
  };
}

/** Pieces of one read in flight at once: mapped, their windows being read, or being sampled. */
const PIECES_IN_FLIGHT = 4;

async function readWarped(plan: WarpPlan, meta: ImageMeta, region: Region, level: number, options?: ReadOptions): Promise<PixelArray[]> {
  const channels = checkRead(meta, region, level, options?.channels);
  const movingChannels = channels.map((c) => plan.channelMap[c]!);
  const signal = options?.signal;
  const pieces = splitRegion(region, plan.tileVoxels);
  const warpPiece = async (piece: Region): Promise<PixelArray[]> => {
    const prepared = await preparePiece(plan, piece, movingChannels, signal);
    try {
      return await samplePiece(plan, prepared, prepared.planes ? await prepared.planes : undefined, movingChannels.length);
    } finally {
      if (prepared.coords) plan.kernels.release(prepared.coords);
    }
  };
  if (pieces.length === 1) return warpPiece(pieces[0]!);
  const outs = movingChannels.map(() => filledPlane(meta.dtype, voxelCount(region.size), 0));
  // A few pieces at once: while one is sampled (on the pool's workers when the kernels have them), the next ones are
  // mapped and their windows read and decoded (on the thread pool). Each piece lands in its own part of `outs`, so
  // the order they finish in changes nothing.
  const inFlight: Promise<void>[] = [];
  try {
    for (const piece of pieces) {
      if (signal?.aborted) throw new AbortedError(`reading ${meta.path}`);
      const job = warpPiece(piece).then((sampled) => {
        sampled.forEach((p, c) => pastePiece(outs[c]!, region, p, piece));
        plan.kernels.release(...sampled);
      });
      job.catch(() => undefined); // raised by the awaits below, not as an unhandled rejection
      inFlight.push(job);
      if (inFlight.length >= PIECES_IN_FLIGHT) await inFlight.shift();
    }
    await Promise.all(inFlight);
  } finally {
    await Promise.allSettled(inFlight);
  }
  return outs;
}

/** A piece whose positions are mapped and whose moving window is being read. */
interface PreparedPiece {
  piece: Region;
  /**
   * Positions (NaN outside the moving image), vector-first, in moving index units for the fused sampler (it subtracts
   * the window's start) and in window units for the others; undefined when none is inside.
   */
  coords?: Float64Array;
  window?: Region;
  planes?: Promise<PixelArray[]>;
}

/** Maps one piece (on the kernels' threads), bounds its window (refusing one over the budget) and starts reading it. */
async function preparePiece(plan: WarpPlan, piece: Region, movingChannels: number[], signal?: AbortSignal): Promise<PreparedPiece> {
  const { mapper, movingShape } = plan;
  const dtype = plan.moving.meta.dtype, ndim = mapper.ndim;
  const n = voxelCount(piece.size);
  const { coords, bounds } = await plan.kernels.mapTile(mapper, piece, movingShape);
  if (!bounds) return { piece };
  const window = movingWindow(bounds, movingShape, plan.interpolation, plan.cubicMargin);
  const windowVoxels = voxelCount(window.size);
  if (windowVoxels > plan.maxWindowVoxels) {
    const perVoxel = movingChannels.length * bytesPerSample(dtype) + (plan.interpolation === "cubic" ? 8 : 4);
    throw new BudgetError(
      `warp: tile ${formatRegion(piece)} needs moving window ${formatRegion(window)} at level ${plan.movingLevel} of ${plan.moving.meta.path} `
        + `(${windowVoxels} voxels, over maxWindowVoxels ${plan.maxWindowVoxels}; the transform stretches this tile a lot, or the moving image `
        + "lacks a pyramid level near the output's resolution: give it one (withPyramid), lower tileVoxels, or raise maxWindowVoxels)",
      windowVoxels * perVoxel, plan.maxWindowVoxels * perVoxel,
    );
  }
  // The fused sampler moves positions into the window itself (on the pool's threads); the other paths need them moved here.
  if (plan.exactNearest || plan.interpolation === "cubic") shiftCoordinates(coords, n, ndim, window.start);
  const planes = plan.moving.read(window, plan.movingLevel, { channels: movingChannels, ...(signal ? { signal } : {}) });
  planes.catch(() => undefined); // a read ahead whose piece is never reached (an earlier error) must not go unhandled
  return { piece, coords, window, planes };
}

/** Samples every channel of a prepared piece from its window's `planes`. */
async function samplePiece(plan: WarpPlan, prepared: PreparedPiece, planes: PixelArray[] | undefined, channelCount: number): Promise<PixelArray[]> {
  const dtype = plan.moving.meta.dtype, ndim = plan.mapper.ndim;
  const { piece, coords, window } = prepared;
  const n = voxelCount(piece.size);
  if (!coords || !window || !planes) return Array.from({ length: channelCount }, () => filledPlane(dtype, n, plan.storedFill));
  if (plan.exactNearest) {
    return planes.map((p) => gatherNearestExact(p, window.size, coords, n, ndim, dtype, plan.storedFill));
  }
  // A 3D window one plane thick (nearest on a plane) is a 2D image to the kernels: pass the [y, x] planes only.
  // Positions off that plane were set to NaN by clipToImage, so they still get the fill.
  const sampleNdim = imageNdim(window.size);
  const data = sampleNdim === ndim ? coords : coords.subarray(n);
  if (plan.interpolation !== "cubic") {
    // Nearest and linear of float32-exact dtypes: all channels at once, straight into the output dtype (kernels/sample-window.ts).
    return plan.kernels.sampleWindow({
      planes, shape: window.size, coords: data, n, ndim: sampleNdim, interpolation: plan.interpolation, fill: plan.kernelFill, dtype, offset: window.start,
    });
  }
  const out: PixelArray[] = [];
  for (const p of planes) {
    const r = await plan.kernels.resampleAt(
      { data: toFloat32(p), shape: window.size }, { data, shape: piece.size, ndim: sampleNdim },
      { interpolation: plan.interpolation, fill: plan.kernelFill },
    );
    out.push(castSamples(r.image.data, dtype));
  }
  return out;
}

/**
 * Splits `region` into pieces of at most `maxVoxels` voxels by halving its longest axis (the slower one on ties,
 * so rows stay long) until a piece fits; the pieces tile the region in C order.
 */
export function splitRegion(region: Region, maxVoxels: number): Region[] {
  const piece: Vec3 = [...region.size];
  while (voxelCount(piece) > maxVoxels) {
    let a = 0;
    for (let b = 1; b < 3; b++) if (piece[b]! > piece[a]!) a = b;
    if (piece[a]! === 1) break;
    piece[a] = Math.ceil(piece[a]! / 2);
  }
  const out: Region[] = [];
  const [z0, y0, x0] = region.start, [dz, dy, dx] = region.size;
  for (let z = 0; z < dz; z += piece[0]) {
    for (let y = 0; y < dy; y += piece[1]) {
      for (let x = 0; x < dx; x += piece[2]) {
        out.push({
          start: [z0 + z, y0 + y, x0 + x],
          size: [Math.min(piece[0], dz - z), Math.min(piece[1], dy - y), Math.min(piece[2], dx - x)],
        });
      }
    }
  }
  return out;
}

/** Copies `plane` (C order over piece.size) into `out` (C order over region.size) at the piece's place. */
function pastePiece(out: PixelArray, region: Region, plane: PixelArray, piece: Region): void {
  const [, ry, rx] = region.size, [pz, py, px] = piece.size;
  const oz = piece.start[0] - region.start[0], oy = piece.start[1] - region.start[1], ox = piece.start[2] - region.start[2];
  for (let z = 0; z < pz; z++) {
    for (let y = 0; y < py; y++) {
      const s = (z * py + y) * px, d = ((oz + z) * ry + oy + y) * rx + ox;
      out.set(plane.subarray(s, s + px), d);
    }
  }
}
