// The images a registration works on: one scalar float32 plane per input at one level, with its physical frame;
// reading a Source level into one (channels → gray), and 2× shrinking for the in-memory multi-resolution schedule.

import { BudgetError } from "../core/errors.js";
import type { Source } from "../core/source.js";
import { indexToPhysical, levelSpace, voxelCount, type Region, type Space, type Vec3 } from "../core/space.js";
import { select } from "../kernels/quantile.js";
import type { Image } from "../kernels/types.js";
import { nextFactors } from "../pyramid/levels.js";
import { reduceBlock, reducedShape } from "../pyramid/reduce.js";

/** A scalar image and the physical frame of its pixel centres. */
export interface LevelImage {
  image: Image;
  space: Space;
}

/**
 * Reads a whole level of `source` as one float32 plane: RGB becomes luminance (Rec. 601 weights),
 * other multi-channel images the mean of their channels (or the one `channel` asked for).
 * @throws BudgetError when the level needs more than `budgetBytes`.
 */
export async function readLevelImage(
  source: Source, level: number, options: { channel?: number; budgetBytes?: number } = {},
): Promise<LevelImage> {
  const shape = source.meta.levels[level]!.shape;
  return readRegionImage(source, level, { start: [0, 0, 0], size: [...shape] }, options);
}

/** Like readLevelImage, for one region of the level; the frame's origin is the region's first voxel. */
export async function readRegionImage(
  source: Source, level: number, region: Region, options: { channel?: number; budgetBytes?: number } = {},
): Promise<LevelImage> {
  const meta = source.meta;
  const n = voxelCount(region.size);
  const channels = options.channel !== undefined ? [options.channel] : meta.channels.map((_, i) => i);
  const needed = n * (4 + channels.length * 8);
  if (options.budgetBytes !== undefined && needed > options.budgetBytes) {
    throw new BudgetError(`reading level ${level} of ${meta.path}`, needed, options.budgetBytes);
  }
  const planes = await source.read(region, level, { channels });
  const data = new Float32Array(n);
  const rgb = channels.length === 3 && meta.channels.slice(0, 3).join("") === "RGB";
  const weights = rgb ? [0.299, 0.587, 0.114] : channels.map(() => 1 / channels.length);
  planes.forEach((p, c) => {
    const w = weights[c]!;
    for (let i = 0; i < n; i++) data[i] = data[i]! + w * p[i]!;
  });
  const space = levelSpace(meta, level);
  return { image: { data, shape: [...region.size] }, space: { ...space, origin: indexToPhysical(space, region.start) } };
}

/** Halves the image along the axes whose spacing allows it (pyramid rule), with the [1 3 3 1]/8 filter. */
export function shrinkLevelImage(li: LevelImage): LevelImage {
  const shape = li.image.shape;
  const f = nextFactors(shape, li.space.spacing);
  const out = reducedShape(shape, f);
  const data = reduceBlock(li.image.data, { start: [0, 0, 0], size: shape }, shape, { start: [0, 0, 0], size: out }, f, "float32") as Float32Array;
  const s = li.space;
  const spacing: Vec3 = [s.spacing[0] * f[0], s.spacing[1] * f[1], s.spacing[2] * f[2]];
  // The first reduced pixel covers input pixels 0..f−1: its centre is at input index (f − 1) / 2.
  const shift = [0, 1, 2].map((a) => (s.spacing[a]! * (f[a]! - 1)) / 2);
  const origin: Vec3 = [0, 1, 2].map((r) => s.origin[r]! + s.direction[r * 3]! * shift[0]! + s.direction[r * 3 + 1]! * shift[1]! + s.direction[r * 3 + 2]! * shift[2]!) as Vec3;
  return { image: { data, shape: out }, space: { ...s, spacing, origin } };
}

/** Rescales intensities so that the `lo`–`hi` percentiles map to 0–1 (robust to outliers); in place. */
export function normaliseIntensity(image: Image, lo = 0.5, hi = 99.5): Image {
  const d = image.data;
  const step = Math.max(1, Math.floor(d.length / 200_000));
  const sample = new Float64Array(Math.ceil(d.length / step));
  for (let i = 0, k = 0; i < d.length; i += step, k++) sample[k] = d[i]!;
  const kLo = Math.floor(((sample.length - 1) * lo) / 100), kHi = Math.ceil(((sample.length - 1) * hi) / 100);
  select(sample, kLo);
  const a = sample[kLo]!;
  select(sample, kHi);
  const b = sample[kHi]!;
  const scale = b > a ? 1 / (b - a) : 1;
  for (let i = 0; i < d.length; i++) d[i] = (d[i]! - a) * scale;
  return image;
}
