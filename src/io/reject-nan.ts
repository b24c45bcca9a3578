// A Source wrapper that refuses float data containing NaN, naming the file and where the first NaN is.
// Registration inputs and conversions use it by default; `--allow-nan` skips it.

import { isFloat } from "../core/dtype.js";
import { InputError } from "../core/errors.js";
import type { Source } from "../core/source.js";
import { formatRegion } from "../core/space.js";

/** Wraps `src` so that any read returning a NaN throws an InputError. Integer sources are returned unchanged. */
export function rejectNaN(src: Source): Source {
  if (!isFloat(src.meta.dtype)) return src;
  return {
    meta: src.meta,
    async read(region, level, options) {
      const planes = await src.read(region, level, options);
      for (const [c, p] of planes.entries()) {
        const i = p.findIndex((v) => Number.isNaN(v));
        if (i >= 0) {
          const [, dy, dx] = region.size;
          const z = region.start[0] + Math.floor(i / (dy * dx)), y = region.start[1] + Math.floor(i / dx) % dy, x = region.start[2] + (i % dx);
          throw new InputError(
            src.meta.path,
            `contains NaN (channel ${options?.channels?.[c] ?? c}, level ${level}, pixel x=${x} y=${y} z=${z}, in region ${formatRegion(region)}); replace NaNs, or pass --allow-nan to keep them`,
          );
        }
      }
      return planes;
    },
    close: () => src.close(),
  };
}
