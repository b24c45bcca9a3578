// Validation shared by every Source.read: the level exists, the region lies inside it, the channels exist.
// Each reader calls checkRead first so that a bad request gets the same clear message whatever the format.

import { OptionError } from "./errors.js";
import { formatRegion, regionInside, type ImageMeta, type Region } from "./space.js";

/** Validates a read request and returns the channel list to read (all channels when none given). */
export function checkRead(meta: ImageMeta, region: Region, level: number, channels?: readonly number[]): number[] {
  const lv = meta.levels[level];
  if (!lv) throw new OptionError("level", level, `0..${meta.levels.length - 1} for ${meta.path}`);
  if (!regionInside(region, lv.shape)) {
    throw new OptionError("region", formatRegion(region), `a non-empty integer box inside level ${level} of ${meta.path}, shape [${lv.shape.join(", ")}]`);
  }
  const list = channels ? [...channels] : meta.channels.map((_, i) => i);
  for (const c of list) {
    if (!Number.isInteger(c) || c < 0 || c >= meta.channels.length) {
      throw new OptionError("channels", c, `0..${meta.channels.length - 1} for ${meta.path}`);
    }
  }
  return list;
}
