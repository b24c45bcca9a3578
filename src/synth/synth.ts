// Synthetic registration pairs with a known truth, of any size, in bounded memory: moving = a procedural texture
// (texture-source.ts), fixed = the moving resampled through the truth T (truth.ts) on the same grid, so that
// fixed(x) = moving(T(x)) exactly, with landmark CSVs (fixed → moving) and the transform written beside them.

import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ProgressFn } from "../core/progress.js";
import type { Vec3 } from "../core/space.js";
import { formatLandmarks, type Landmarks } from "../io/landmarks.js";
import { writeImage } from "../io/write.js";
import { saveTransform } from "../transforms/transform-io.js";
import { mapPoints } from "../transforms/registration-transform.js";
import { warpedSource } from "../warp/warped-source.js";
import { seededRandom } from "./hash.js";
import { loadGrayTextures, textureSource, type GrayTexture } from "./texture-source.js";
import { makeTruth, type SynthTruth } from "./truth.js";

export interface SynthOptions {
  /** Image shape [z, y, x]; z = 1 for a 2D pair. */
  shape: Vec3;
  /** @default "uint8" */
  dtype?: "uint8" | "uint16";
  /** @default 1 */
  seed?: number;
  /** Number of landmark pairs. @default 200 */
  landmarks?: number;
  /** Textures to tile; @default the package's sample images (assets/demo). */
  textures?: readonly GrayTexture[];
  progress?: ProgressFn;
  /** Keep a pair already in `outDir` whose truth.json says the same shape, seed, dtype and landmark count. @default false */
  reuse?: boolean;
}

export interface SynthResult {
  fixed: string;
  moving: string;
  fixedLandmarks: string;
  movingLandmarks: string;
  /** truth.json: the transform's parameters. */
  truthJson: string;
  /** A terareg transform directory (transform.json + displacement.ome.zarr) of the truth, for transform-points/warp. */
  truthTransform: string;
  truth: SynthTruth;
  /** Median distance between paired fixed and moving landmarks (pixels): the TRE of the identity. */
  identityTreMedian: number;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Seeded random fixed points at integer pixels, at least 8 % of each axis from the border, and their images
 * under T (moving pixels; the frame is the unit-spacing pixel frame). Points whose image leaves the moving
 * image are redrawn.
 */
export function synthLandmarks(truth: SynthTruth, shape: Vec3, count: number, seed: number): { fixed: Landmarks; moving: Landmarks } {
  const rand = seededRandom(seed * 7919 + 3);
  const ndim = truth.transform.ndim;
  const fixed: Landmarks = new Map(), moving: Landmarks = new Map();
  let id = 0;
  for (let tries = 0; fixed.size < count && tries < count * 100; tries++) {
    const p = [0, 1, 2].map((a) => {
      if (a === 0 && ndim === 2) return 0;
      const m = Math.ceil(0.08 * shape[a]!);
      return m + Math.floor(rand() * Math.max(shape[a]! - 2 * m, 1));
    });
    const q = mapPoints(truth.transform, Float64Array.from(p));
    if ([0, 1, 2].some((a) => q[a]! < 0 || q[a]! > shape[a]! - 1)) continue;
    id++;
    fixed.set(String(id), ndim === 3 ? [p[2]!, p[1]!, p[0]!] : [p[2]!, p[1]!]);
    moving.set(String(id), ndim === 3 ? [q[2]!, q[1]!, q[0]!] : [q[2]!, q[1]!]);
  }
  return { fixed, moving };
}

/** Writes a synthetic pair with its truth into `outDir` (created). Memory does not grow with the image size. */
export async function synthesize(outDir: string, options: SynthOptions): Promise<SynthResult> {
  const shape = options.shape;
  const seed = options.seed ?? 1, dtype = options.dtype ?? "uint8", count = options.landmarks ?? 200;
  const ext = shape[0] > 1 ? ".ome.zarr" : ".ome.tif";
  await mkdir(outDir, { recursive: true });
  const textures = options.textures ?? (await loadGrayTextures());
  const truth = makeTruth(shape, seed);
  const moving = textureSource({ shape, dtype, seed, textures });
  const fixed = warpedSource(moving, truth.transform, moving, { interpolation: "linear" });
  const p = options.progress;
  const tagged = (name: string): ProgressFn | undefined => (p ? (e) => p({ ...e, stage: `${name}: ${e.stage}` }) : undefined);
  const out: SynthResult = {
    fixed: join(outDir, `fixed${ext}`),
    moving: join(outDir, `moving${ext}`),
    fixedLandmarks: join(outDir, "fixed_landmarks.csv"),
    movingLandmarks: join(outDir, "moving_landmarks.csv"),
    truthJson: join(outDir, "truth.json"),
    truthTransform: join(outDir, "truth_transform"),
    truth,
    identityTreMedian: NaN,
  };
  if (options.reuse) {
    const old = await readFile(out.truthJson, "utf8").then((t) => JSON.parse(t) as Record<string, unknown>, () => undefined);
    const same = old && JSON.stringify(old["shape"]) === JSON.stringify(shape) && old["seed"] === seed && old["dtype"] === dtype
      && (old["landmarks"] as { count?: number } | undefined)?.count !== undefined;
    if (same && (await Promise.all([out.fixed, out.moving, out.fixedLandmarks, out.movingLandmarks].map((f) => stat(f).then(() => true, () => false)))).every(Boolean)) {
      out.identityTreMedian = (old["landmarks"] as { identityTreMedian: number }).identityTreMedian;
      return out;
    }
  }
  const lm = synthLandmarks(truth, shape, count, seed);
  const d = [...lm.fixed.keys()].map((k) => Math.hypot(...lm.fixed.get(k)!.map((v, i) => v - lm.moving.get(k)![i]!)));
  out.identityTreMedian = median(d);
  await writeFile(out.fixedLandmarks, formatLandmarks(lm.fixed));
  await writeFile(out.movingLandmarks, formatLandmarks(lm.moving));
  const rows = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => truth.transform.affine[r * 4 + c]!));
  const json = {
    format: "terareg-synth-truth",
    version: 1,
    convention: "T maps fixed physical [z, y, x] to moving physical (pull-back): T(p) = A · (p + d(p)); physical = pixels (unit spacing)",
    fixed: `fixed${ext}`,
    moving: `moving${ext}`,
    dtype,
    ...truth.params,
    affineMatrix: rows,
    transformDirectory: "truth_transform",
    landmarks: { count: lm.fixed.size, identityTreMedian: out.identityTreMedian },
  };
  await writeFile(out.truthJson, `${JSON.stringify(json, null, 2)}\n`);
  await saveTransform(out.truthTransform, truth.transform);
  await writeImage(moving, out.moving, { progress: tagged("moving") });
  await writeImage(fixed, out.fixed, { progress: tagged("fixed") });
  return out;
}
