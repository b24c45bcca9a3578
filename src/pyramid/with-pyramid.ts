// Gives any Source a full pyramid: missing reduced levels are built out of core into a cache OME-Zarr once and
// reused by later runs. The tile loop itself is the OME-Zarr writer's (io/zarr/write-ome-zarr.ts writePyramid).

import { createHash } from "node:crypto";
import { mkdir, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { writeAtomically } from "../core/atomic.js";
import { checkRead } from "../core/check-read.js";
import { pixelBytes } from "../core/dtype.js";
import { InputError, OptionError } from "../core/errors.js";
import type { ProgressFn } from "../core/progress.js";
import type { Source } from "../core/source.js";
import type { ImageMeta, LevelInfo, Region, Vec3 } from "../core/space.js";
import { openZarr } from "../io/zarr/open-zarr.js";
import { DEFAULT_DEPTH_3D, DEFAULT_TILE_2D, DEFAULT_TILE_3D, writePyramid, type PlannedLevel } from "../io/zarr/write-ome-zarr.js";
import { pyramidLevels } from "./levels.js";

export interface WithPyramidOptions {
  /** Tile edge in y and x: the coarsest level must fit in one tile; also the cache's chunk edge. @default 512 (2D), 128 (3D) */
  tileSize?: number;
  /** Levels wanted, or "auto" (until one tile). @default "auto" */
  levels?: number | "auto";
  /** Events {stage: "pyramid level N", done, total, unit: "chunks"} while the cache is built. */
  progress?: ProgressFn;
  signal?: AbortSignal;
}

/** Bump when the cache layout or the reduction changes, so old caches are not trusted. */
const CACHE_FORMAT = 1;

/** A few small level-0 samples (corners and centre), so that sources without a file on disk get distinct keys. */
async function fingerprint(source: Source): Promise<string> {
  const shape = source.meta.levels[0]!.shape;
  const size = shape.map((n) => Math.min(n, 16)) as Vec3;
  const starts: Vec3[] = [[0, 0, 0], shape.map((n, a) => n - size[a]!) as Vec3, shape.map((n, a) => Math.floor((n - size[a]!) / 2)) as Vec3];
  const h = createHash("sha256");
  for (const start of starts) {
    for (const p of await source.read({ start, size }, 0)) h.update(pixelBytes(p));
  }
  return h.digest("hex");
}

/** The cache directory name: a hash of the source file's identity (path, size, mtime), shape, dtype and plan. */
async function cacheName(source: Source, plan: PlannedLevel[], tile: number): Promise<string> {
  const m = source.meta;
  const st = await stat(m.path).catch(() => undefined);
  const key = JSON.stringify({
    format: CACHE_FORMAT, path: st ? resolve(m.path) : m.path, size: st?.size ?? null, mtimeMs: st?.mtimeMs ?? null,
    sourceFormat: m.format, shape: m.levels[0]!.shape, dtype: m.dtype, channels: m.channels.length, space: m.space,
    tile, levels: plan.map((l) => l.shape), sample: await fingerprint(source),
  });
  const hash = createHash("sha256").update(key).digest("hex").slice(0, 20);
  const stem = basename(m.path).replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "").slice(0, 60) || "image";
  return `${stem}-${hash}.ome.zarr`;
}

/** True when an opened cache holds exactly the planned levels 1..n. */
function matches(cache: Source, meta: ImageMeta, plan: PlannedLevel[]): boolean {
  const c = cache.meta;
  return c.dtype === meta.dtype && c.channels.length === meta.channels.length && c.levels.length === plan.length - 1
    && c.levels.every((lv, i) => lv.shape.every((n, a) => n === plan[i + 1]!.shape[a]));
}

/** True when `source` already has the levels asked for. */
function hasEnoughLevels(meta: ImageMeta, tile: number, levels: number | "auto"): boolean {
  if (levels !== "auto") return meta.levels.length >= levels;
  const coarsest = meta.levels[meta.levels.length - 1]!.shape;
  return Math.max(coarsest[1], coarsest[2]) <= tile;
}

/** The levels `withPyramid(source)` gives an image of `meta`: its own, or those of the cache it would build. */
export function levelsWithPyramid(meta: ImageMeta, options: Pick<WithPyramidOptions, "tileSize" | "levels"> = {}): LevelInfo[] {
  const shape0 = meta.levels[0]!.shape;
  const tile = options.tileSize ?? (shape0[0] > 1 ? DEFAULT_TILE_3D : DEFAULT_TILE_2D);
  const levels = options.levels ?? "auto";
  const plan = pyramidLevels(shape0, meta.space.spacing, tile, levels);
  if (hasEnoughLevels(meta, tile, levels) || plan.length <= 1) return meta.levels;
  return plan.map((p) => ({ shape: p.shape, scale: p.scale }));
}

/**
 * `source` with a complete pyramid. When the source lacks levels (its coarsest level is larger than one tile, or
 * it has fewer than `levels`), levels 1..n are built tile by tile from the source's level 0 into an OME-Zarr v3
 * under `cacheDir` (written atomically, named by a hash of the source's path, size, mtime, shape, dtype and a few
 * pixel samples, so a later run reuses it and a changed file invalidates it). Existing reduced levels of the source
 * are not used: the cache always holds levels 1..n of pyramidLevels().
 * @returns the source itself when it has enough levels; otherwise a Source whose level 0 reads from `source` and
 *   whose levels ≥ 1 read from the cache. Its close() closes both.
 */
export async function withPyramid(source: Source, cacheDir: string, options: WithPyramidOptions = {}): Promise<Source> {
  const meta = source.meta;
  const shape0 = meta.levels[0]!.shape;
  const is3d = shape0[0] > 1;
  const t = options.tileSize;
  if (t !== undefined && (!Number.isInteger(t) || t < 16 || t > 65536)) throw new OptionError("--tile-size", t, "an integer from 16 to 65536");
  const tile = t ?? (is3d ? DEFAULT_TILE_3D : DEFAULT_TILE_2D);
  const levels = options.levels ?? "auto";
  const plan = pyramidLevels(shape0, meta.space.spacing, tile, levels); // validates `levels`
  if (hasEnoughLevels(meta, tile, levels) || plan.length <= 1) return source;
  const dir = join(cacheDir, await cacheName(source, plan, tile));
  let cache = await openZarr(dir).catch(() => undefined);
  if (cache && !matches(cache, meta, plan)) {
    await cache.close();
    cache = undefined;
  }
  if (!cache) {
    await mkdir(cacheDir, { recursive: true });
    const signal = options.signal;
    await writeAtomically(dir, (tmp) => writePyramid({
      path: tmp, meta, levels: plan, firstLevel: 1, channelNames: meta.channels, zarrVersion: 3, compression: "zstd",
      chunk: [is3d ? DEFAULT_DEPTH_3D : 1, tile, tile], name: basename(meta.path), stage: (l) => `pyramid level ${l}`,
      readLevel0: (region) => source.read(region, 0, signal ? { signal } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
      ...(signal ? { signal } : {}),
    }));
    cache = await openZarr(dir);
    if (!matches(cache, meta, plan)) throw new InputError(dir, "the pyramid cache just written does not match its plan");
  }
  return composite(source, cache, plan);
}

/** Level 0 from `source`, levels ≥ 1 from `cache` (whose level l − 1 is level l). */
function composite(source: Source, cache: Source, plan: PlannedLevel[]): Source {
  const meta: ImageMeta = {
    ...source.meta,
    levels: [
      source.meta.levels[0]!,
      ...plan.slice(1).map((p, i) => ({ shape: p.shape, scale: p.scale, ...(cache.meta.levels[i]!.chunk ? { chunk: cache.meta.levels[i]!.chunk } : {}) })),
    ],
  };
  return {
    meta,
    async read(region: Region, level, options) {
      if (level === 0) return source.read(region, 0, options);
      checkRead(meta, region, level, options?.channels);
      return cache.read(region, level - 1, options);
    },
    async close() {
      await cache.close();
      await source.close();
    },
  };
}
