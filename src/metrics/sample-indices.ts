// Seeded choice of voxel indices for the parametric stages: the same seed gives the same samples on every machine.
// The metrics take the result as `samples`; which seed each level or iteration uses is the registration layer's call.

import { OptionError } from "../core/errors.js";

/**
 * `count` distinct voxel indices out of [0, total), or out of the voxels where `mask` ≠ 0, sorted ascending.
 * Uniform without replacement by Floyd's algorithm driven by mulberry32, so O(candidates) time and one byte of
 * working memory per candidate, and the result depends only on (count, total, seed, mask).
 * When `count` ≥ the number of candidates, every candidate is returned (coarse levels smaller than the sample size).
 * @param count how many samples, integer ≥ 0.
 * @param total N, the voxel count of the image (C-order [z, y, x] indices).
 * @param seed any integer (taken modulo 2³²).
 * @param mask N bytes; only voxels with mask ≠ 0 are candidates. @default every voxel
 * @returns sorted distinct voxel indices, Int32Array of min(count, candidates) values.
 * @see Bentley & Floyd (1987) Programming pearls: a sample of brilliance, Commun. ACM 30(9):754–757.
 */
export function sampleIndices(count: number, total: number, seed: number, mask?: Uint8Array): Int32Array {
  if (!Number.isInteger(count) || count < 0) throw new OptionError("count", count, "an integer ≥ 0");
  if (!Number.isInteger(total) || total < 0 || total > 2 ** 31 - 1)
    throw new OptionError("total", total, "an integer voxel count in [0, 2³¹ − 1]");
  if (!Number.isInteger(seed)) throw new OptionError("seed", seed, "an integer");
  if (mask && mask.length !== total) throw new OptionError("mask", `${mask.length} values`, `${total} values, one per voxel`);
  const candidates = mask ? maskedIndices(mask) : undefined;
  const m = candidates ? candidates.length : total;
  if (count >= m) return candidates ?? Int32Array.from({ length: total }, (_, i) => i);
  const chosen = new Uint8Array(m);
  const random = mulberry32(seed);
  for (let j = m - count; j < m; j++) {
    const t = Math.floor(random() * (j + 1)); // uniform in [0, j]
    if (chosen[t]) chosen[j] = 1;
    else chosen[t] = 1;
  }
  const out = new Int32Array(count);
  for (let c = 0, k = 0; c < m; c++) if (chosen[c]) out[k++] = candidates ? candidates[c]! : c;
  return out;
}

/** The voxel indices where `mask` ≠ 0, ascending. */
function maskedIndices(mask: Uint8Array): Int32Array {
  let m = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) m++;
  const out = new Int32Array(m);
  for (let i = 0, k = 0; i < mask.length; i++) if (mask[i] !== 0) out[k++] = i;
  return out;
}

/**
 * mulberry32 (Tommy Ettinger, public domain), two 32-bit draws combined into one uniform double in [0, 1) with 53
 * random bits, so that indices stay uniform for candidate counts far above 2³².
 */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992; // (27 bits · 2²⁶ + 26 bits) / 2⁵³
}
