// Which levels a pyramid has: per-level reduction factors and shapes, from the level-0 shape and spacing.
// An axis is halved only while its spacing stays within 2× of the finest axis (thick slices are kept).

import { OptionError } from "../core/errors.js";
import type { LevelInfo, Vec3 } from "../core/space.js";
import { reducedShape, type Factors } from "./reduce.js";

/** Factors that take a level of `shape` and `spacing` to the next one. */
export function nextFactors(shape: Vec3, spacing: Vec3): Factors {
  const active = [0, 1, 2].filter((a) => shape[a]! > 1);
  const finest = Math.min(...active.map((a) => spacing[a]!));
  return [0, 1, 2].map((a) => (shape[a]! > 1 && spacing[a]! < finest * 2 * 0.999 + 1e-12 ? 2 : 1)) as Factors;
}

/**
 * The level list of a pyramid over a level-0 `shape` with `spacing` (both [z, y, x]).
 * `levels` "auto" adds levels until the coarsest fits in one `tile` × `tile` tile (in y and x).
 */
export function pyramidLevels(shape: Vec3, spacing: Vec3, tile: number, levels: number | "auto"): (LevelInfo & { factors: Factors })[] {
  if (levels !== "auto" && (!Number.isInteger(levels) || levels < 1 || levels > 40)) {
    throw new OptionError("--levels", levels, '"auto" or an integer from 1 to 40');
  }
  const out: (LevelInfo & { factors: Factors })[] = [{ shape: [...shape], scale: [1, 1, 1], factors: [1, 1, 1] }];
  let cur = out[0]!;
  let sp: Vec3 = [...spacing];
  for (;;) {
    const want = levels === "auto" ? Math.max(cur.shape[1], cur.shape[2]) > tile : out.length < levels;
    if (!want) break;
    const f = nextFactors(cur.shape, sp);
    if (f.every((x) => x === 1)) break;
    sp = [sp[0] * f[0], sp[1] * f[1], sp[2] * f[2]];
    cur = { shape: reducedShape(cur.shape, f), scale: [cur.scale[0] * f[0], cur.scale[1] * f[1], cur.scale[2] * f[2]], factors: f };
    out.push(cur);
  }
  return out;
}
