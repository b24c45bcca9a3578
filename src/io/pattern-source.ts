// A procedural Source: a deterministic texture computed on the fly for any region, of any size.
// It lets `terareg generate`, the scale tests and the benchmarks make 400 MP images without holding them.

import { checkRead } from "../core/check-read.js";
import { allocatePixels, dtypeRange, isFloat, type DType } from "../core/dtype.js";
import type { Source } from "../core/source.js";
import { defaultSpace, type ImageMeta, type Space, type Vec3 } from "../core/space.js";

export interface PatternInit {
  /** Level-0 shape [z, y, x]. */
  shape: Vec3;
  dtype: DType;
  /** @default 1 */
  channelCount?: number;
  /** @default 1 */
  seed?: number;
  space?: Space;
  /** Native chunk shape to report (affects nothing but metadata). */
  chunk?: Vec3;
}

/** 32-bit integer hash (a variant of the "lowbias32" mixer), deterministic across platforms. */
function hash32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A value in [0, 1): smooth stripes and rings at several scales plus per-pixel hashed noise. */
function tables(n: number, start: number, count: number, seed: number, period: number): Float64Array {
  const t = new Float64Array(count);
  const phase = (hash32(seed * 7919 + n) % 1000) / 159.15;
  for (let i = 0; i < count; i++) {
    const v = start + i;
    t[i] = 0.5 + 0.25 * Math.sin(v / period + phase) + 0.25 * Math.sin(v / (period * 0.137) + 2 * phase);
  }
  return t;
}

/** A deterministic textured image that reads any region without storing anything. */
export function patternSource(init: PatternInit): Source {
  const channelCount = init.channelCount ?? 1;
  const seed = init.seed ?? 1;
  const meta: ImageMeta = {
    path: "<pattern>",
    format: "pattern",
    ndim: init.shape[0] > 1 ? 3 : 2,
    dtype: init.dtype,
    channels: Array.from({ length: channelCount }, (_, i) => `C${i}`),
    levels: [{ shape: [...init.shape], scale: [1, 1, 1], ...(init.chunk ? { chunk: init.chunk } : {}) }],
    space: init.space ?? defaultSpace(),
  };
  const [lo, hi] = dtypeRange(init.dtype);
  const amplitude = isFloat(init.dtype) ? 1 : Math.min(hi - Math.max(lo, 0), 60000);
  return {
    meta,
    async read(region, level, options) {
      const channels = checkRead(meta, region, level, options?.channels);
      const [z0, y0, x0] = region.start;
      const [dz, dy, dx] = region.size;
      return channels.map((c) => {
        const s = seed * 31 + c;
        const tx = tables(1, x0, dx, s, 97), ty = tables(2, y0, dy, s, 131), tz = tables(3, z0, dz, s, 53);
        const out = allocatePixels(init.dtype, dz * dy * dx);
        let o = 0;
        for (let z = 0; z < dz; z++) {
          for (let y = 0; y < dy; y++) {
            const gy = y0 + y, gz = z0 + z, ry = ty[y]!, rz = tz[z]!;
            for (let x = 0; x < dx; x++) {
              const noise = hash32((((gz * 73856093) ^ (gy * 19349663)) + (x0 + x) * 83492791) ^ s) / 4294967296;
              const v = 0.45 * tx[x]! * ry + 0.25 * (tx[x]! + ry) * rz + 0.3 * noise * 0.5;
              out[o++] = isFloat(init.dtype) ? v : Math.round(v * amplitude);
            }
          }
        }
        return out;
      });
    },
    async close() {},
  };
}
