// Anti-aliased 2× reduction of a block: the separable [1 3 3 1]/8 binomial filter, replicate at the image edge.
// Output pixel j on a reduced axis sits at input position 2j + 0.5 (pixel centres), matching levelSpace().

import { allocatePixels, dtypeRange, isFloat, type DType, type PixelArray } from "../core/dtype.js";
import type { Region, Vec3 } from "../core/space.js";

/** Per axis: 2 to halve, 1 to keep. */
export type Factors = [1 | 2, 1 | 2, 1 | 2];

const TAPS = [1 / 8, 3 / 8, 3 / 8, 1 / 8];

/** Shape of the next level: ceil(n / f) per axis. */
export function reducedShape(shape: Vec3, factors: Factors): Vec3 {
  return [Math.ceil(shape[0] / factors[0]), Math.ceil(shape[1] / factors[1]), Math.ceil(shape[2] / factors[2])];
}

/** The input region (clamped to the input level) that the output region `out` needs. */
export function sourceRegionFor(out: Region, factors: Factors, inShape: Vec3): Region {
  const start: Vec3 = [0, 0, 0], size: Vec3 = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    const o0 = out.start[a]!, n = out.size[a]!;
    if (factors[a] === 1) {
      start[a] = o0;
      size[a] = n;
    } else {
      const lo = Math.max(0, 2 * o0 - 1), hi = Math.min(inShape[a]! - 1, 2 * (o0 + n - 1) + 2);
      start[a] = lo;
      size[a] = hi - lo + 1;
    }
  }
  return { start, size };
}

/** Filters one axis of a float block; `get` maps an output index to 4 weighted input rows. */
function passAxis(
  src: Float64Array, srcShape: Vec3, axis: 0 | 1 | 2, outCount: number, outStart: number,
  inStart: number, inFull: number, factor: 1 | 2,
): { data: Float64Array; shape: Vec3 } {
  const shape: Vec3 = [srcShape[0], srcShape[1], srcShape[2]];
  shape[axis] = outCount;
  const data = new Float64Array(shape[0] * shape[1] * shape[2]);
  const stride = axis === 2 ? 1 : axis === 1 ? srcShape[2] : srcShape[1] * srcShape[2];
  const outStride = axis === 2 ? 1 : axis === 1 ? shape[2] : shape[1] * shape[2];
  const outer = axis === 0 ? 1 : axis === 1 ? srcShape[0] : srcShape[0] * srcShape[1];
  const inner = axis === 0 ? srcShape[1] * srcShape[2] : axis === 1 ? srcShape[2] : 1;
  // Local source offsets and weights per output index, computed once per call.
  const offs = new Int32Array(outCount * 4), w = new Float64Array(outCount * 4);
  for (let j = 0; j < outCount; j++) {
    for (let t = 0; t < 4; t++) {
      if (factor === 1) {
        offs[j * 4 + t] = (outStart + j - inStart) * stride;
        w[j * 4 + t] = t === 0 ? 1 : 0;
      } else {
        const g = Math.min(inFull - 1, Math.max(0, 2 * (outStart + j) - 1 + t));
        offs[j * 4 + t] = (g - inStart) * stride;
        w[j * 4 + t] = TAPS[t]!;
      }
    }
  }
  for (let o = 0; o < outer; o++) {
    const srcBase = axis === 0 ? 0 : axis === 1 ? o * srcShape[1] * srcShape[2] : o * srcShape[2];
    const outBase = axis === 0 ? 0 : axis === 1 ? o * shape[1] * shape[2] : o * shape[2];
    for (let j = 0; j < outCount; j++) {
      const k = j * 4;
      const o0 = offs[k]!, o1 = offs[k + 1]!, o2 = offs[k + 2]!, o3 = offs[k + 3]!;
      const w0 = w[k]!, w1 = w[k + 1]!, w2 = w[k + 2]!, w3 = w[k + 3]!;
      const dst = outBase + j * outStride;
      for (let i = 0; i < inner; i++) {
        const s = srcBase + i;
        data[dst + i] = w0 * src[s + o0]! + w1 * src[s + o1]! + w2 * src[s + o2]! + w3 * src[s + o3]!;
      }
    }
  }
  return { data, shape };
}

/**
 * Reduces `input` (the block `inRegion` of a level of shape `inShape`, C-order [z, y, x]) to the output region
 * `out` of the next level. `inRegion` must contain sourceRegionFor(out, factors, inShape).
 * Integer dtypes are rounded to nearest; floats are kept (NaN propagates).
 */
export function reduceBlock(
  input: PixelArray, inRegion: Region, inShape: Vec3, out: Region, factors: Factors, dtype: DType,
): PixelArray {
  let cur: { data: Float64Array; shape: Vec3 } = { data: Float64Array.from(input), shape: [...inRegion.size] as Vec3 };
  for (const axis of [2, 1, 0] as const) {
    cur = passAxis(cur.data, cur.shape, axis, out.size[axis]!, out.start[axis]!, inRegion.start[axis]!, inShape[axis]!, factors[axis]);
  }
  const result = allocatePixels(dtype, cur.data.length);
  if (isFloat(dtype)) {
    result.set(cur.data);
  } else {
    const [lo, hi] = dtypeRange(dtype);
    for (let i = 0; i < cur.data.length; i++) result[i] = Math.min(hi, Math.max(lo, Math.round(cur.data[i]!)));
  }
  return result;
}
