// An in-memory Source over typed arrays: for small images, tests, and the output of in-memory stages.
// It holds one plane per channel per level; nothing here is meant for images larger than memory.

import { checkRead } from "../core/check-read.js";
import { allocatePixels, type DType, type PixelArray } from "../core/dtype.js";
import type { Source } from "../core/source.js";
import { defaultSpace, voxelCount, type ImageMeta, type Region, type Space, type Vec3 } from "../core/space.js";

export interface ArraySourceInit {
  /** Level-0 shape [z, y, x]. */
  shape: Vec3;
  dtype: DType;
  /** One plane per channel, C-order [z, y, x]. */
  planes: PixelArray[];
  channels?: string[];
  space?: Space;
  path?: string;
}

/** Copies `region` out of a C-order [z, y, x] plane of `shape`. */
export function cropPlane(plane: PixelArray, shape: Vec3, region: Region, dtype: DType): PixelArray {
  const [, ny, nx] = shape;
  const [z0, y0, x0] = region.start;
  const [dz, dy, dx] = region.size;
  const out = allocatePixels(dtype, dz * dy * dx);
  let o = 0;
  for (let z = 0; z < dz; z++) {
    for (let y = 0; y < dy; y++) {
      const s = ((z0 + z) * ny + (y0 + y)) * nx + x0;
      out.set(plane.subarray(s, s + dx), o);
      o += dx;
    }
  }
  return out;
}

/** A single-level Source over in-memory planes. */
export function arraySource(init: ArraySourceInit): Source {
  const n = voxelCount(init.shape);
  init.planes.forEach((p, i) => {
    if (p.length !== n) throw new RangeError(`plane ${i} has ${p.length} samples; shape [${init.shape.join(", ")}] needs ${n}`);
  });
  const meta: ImageMeta = {
    path: init.path ?? "<memory>",
    format: "memory",
    ndim: init.shape[0] > 1 ? 3 : 2,
    dtype: init.dtype,
    channels: init.channels ?? init.planes.map((_, i) => `C${i}`),
    levels: [{ shape: [...init.shape], scale: [1, 1, 1] }],
    space: init.space ?? defaultSpace(),
  };
  return {
    meta,
    async read(region, level, options) {
      const channels = checkRead(meta, region, level, options?.channels);
      return channels.map((c) => cropPlane(init.planes[c]!, init.shape, region, init.dtype));
    },
    async close() {},
  };
}
