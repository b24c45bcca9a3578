// Reduced levels added to a Source on the fly, for small reads of an image stored without a pyramid (QC figures):
// each read filters just the region of the level above it that it needs (reducedReader). Nothing is cached on disk.

import { checkRead } from "../core/check-read.js";
import type { ReadOptions, Source } from "../core/source.js";
import type { LevelInfo, Region, Vec3 } from "../core/space.js";
import { nextFactors } from "./levels.js";
import { reducedShape, type Factors } from "./reduce.js";
import { reducedReader, type RegionReader } from "./reduced-reader.js";

/**
 * `source` with levels appended below its coarsest one (same 2× rule as pyramidLevels: an axis is halved while its
 * spacing stays within 2× of the finest) until one satisfies `fits`; the source itself when a stored level already
 * does, or when no axis can be halved further.
 *
 * A read of an added level reads the region of the level above it that the filter needs (about 2× per halved axis),
 * recursively down to the coarsest stored level: reading a whole added level reads the whole coarsest stored level,
 * so this suits images whose stored levels fit in memory. Values equal those of a pyramid built by the writers
 * (the same reduceBlock). close() closes `source`.
 */
export function withReducedLevels(source: Source, fits: (shape: Vec3) => boolean): Source {
  const meta = source.meta, stored = meta.levels.length;
  if (meta.levels.some((l) => fits(l.shape))) return source;
  const levels: LevelInfo[] = [...meta.levels], factors: Factors[] = [];
  let cur = levels[stored - 1]!;
  while (!fits(cur.shape)) {
    const spacing = [0, 1, 2].map((a) => meta.space.spacing[a]! * cur.scale[a]!) as Vec3;
    const f = nextFactors(cur.shape, spacing);
    if (f.every((x) => x === 1)) break;
    cur = { shape: reducedShape(cur.shape, f), scale: [cur.scale[0] * f[0], cur.scale[1] * f[1], cur.scale[2] * f[2]] };
    levels.push(cur);
    factors.push(f);
  }
  if (levels.length === stored) return source;
  const view = { ...meta, levels };
  const readerAt = (level: number, options?: ReadOptions): RegionReader =>
    level < stored
      ? (region: Region) => source.read(region, level, options)
      : reducedReader(readerAt(level - 1, options), levels[level - 1]!.shape, factors[level - stored]!, meta.dtype);
  return {
    meta: view,
    async read(region, level, options) {
      if (level < stored) return source.read(region, level, options);
      checkRead(view, region, level, options?.channels);
      return readerAt(level, options)(region);
    },
    close: () => source.close(),
  };
}
