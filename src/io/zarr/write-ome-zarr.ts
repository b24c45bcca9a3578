// Writes a Source as a pyramidal OME-Zarr (NGFF 0.5 on Zarr v3, or 0.4 on v2), chunk by chunk in bounded memory.
// Level 0 comes from the source; each reduced level is filtered out of core from the level just written.

import { mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import * as zarr from "zarrita";
import { allocatePixels, bytesPerSample, type PixelArray } from "../../core/dtype.js";
import { AbortedError, OptionError } from "../../core/errors.js";
import { noProgress, type ProgressFn } from "../../core/progress.js";
import type { Source } from "../../core/source.js";
import type { ImageMeta, LevelInfo, Region, Vec3 } from "../../core/space.js";
import { pyramidLevels } from "../../pyramid/levels.js";
import { reducedReader, type RegionReader } from "../../pyramid/reduced-reader.js";
import type { BlockReducer, Factors } from "../../pyramid/reduce.js";
import type { WriteOptions } from "../write-options.js";
import { parseV2Array, parseV3Array, readJsonFile } from "./array-metadata.js";
import { createArrayReader } from "./array-reader.js";
import { createZarrArrayWriter, writeZarrGroup, type ZarrArrayWriter } from "./array-writer.js";
import { ChunkCache } from "./chunk-cache.js";
import { zarrCompression, type ZarrCompression } from "./chunk-encoder.js";
import { FsStore } from "./fs-store.js";
import { PendingTasks } from "./limit.js";
import { ngffAttributes } from "./ngff-metadata.js";

/** Default chunk edges: 512 × 512 tiles for 2D images; 128³ cubes for volumes (a 512 × 512 × 64 uint16 chunk is 32 MiB). */
export const DEFAULT_TILE_2D = 512, DEFAULT_TILE_3D = 128, DEFAULT_DEPTH_3D = 128;

/** Level 0 is read from the source in row bands of chunks of at most this many bytes (all channels). */
const BAND_BYTES = 32 * 1024 * 1024;
/** Chunk writes in flight: overlaps compression with file-system latency. */
const WRITE_CONCURRENCY = 8;

/** One level of a pyramid plan: its shape and scale, and the factors that made it from the previous level. */
export type PlannedLevel = LevelInfo & { factors: Factors };

/** Everything the out-of-core pyramid writer needs; shared by writeOmeZarr and withPyramid. */
export interface PyramidWrite {
  /** Output directory (created). */
  path: string;
  /** The image's level-0 metadata (dtype, channel count, space). */
  meta: ImageMeta;
  /** The full level plan, level 0 first (from pyramidLevels). */
  levels: PlannedLevel[];
  /** 0: store every level; 1: store levels ≥ 1 only (a pyramid cache next to a source that keeps level 0). */
  firstLevel: 0 | 1;
  /** Reads a region of level 0, all channels. */
  readLevel0: RegionReader;
  channelNames: string[];
  zarrVersion: 2 | 3;
  compression: ZarrCompression;
  /** Chunk shape [z, y, x] before clamping to each level's shape. */
  chunk: Vec3;
  /** Multiscales name. */
  name: string;
  /** Progress stage name of a level. */
  stage: (level: number) => string;
  progress?: ProgressFn;
  signal?: AbortSignal;
  /** Runs the reductions (WriteOptions.reduce). @default reduceBlock on the calling thread */
  reduce?: BlockReducer;
}

/** Dataset path of level `l` inside the image group. */
export function datasetPath(level: number): string {
  return String(level);
}

function dimensionNames(is3d: boolean): string[] {
  return is3d ? ["c", "z", "y", "x"] : ["c", "y", "x"];
}

/** The chunk shape of a level: the planned chunk clamped to the level's shape. */
function levelChunk(chunk: Vec3, shape: Vec3): Vec3 {
  return [Math.min(chunk[0], shape[0]), Math.min(chunk[1], shape[1]), Math.min(chunk[2], shape[2])];
}

/**
 * Writes levels `firstLevel`..end of a pyramid as an OME-Zarr group at `w.path`: array metadata first, then
 * each level's chunks (level 0 from `readLevel0`, level l from level l − 1 through reducedReader, reading level
 * l − 1 back from the files just written), then the group metadata last, so an incomplete directory is not an image.
 * Memory: one band of level-0 chunks (≤ 32 MiB) or one reduced chunk's input window, plus the chunk cache.
 */
export async function writePyramid(w: PyramidWrite): Promise<void> {
  const { meta, levels } = w;
  const is3d = levels[0]!.shape[0] > 1;
  const channelCount = meta.channels.length;
  const progress = w.progress ?? noProgress;
  await mkdir(w.path, { recursive: true });
  const writers: (ZarrArrayWriter | undefined)[] = [];
  for (let l = w.firstLevel; l < levels.length; l++) {
    const shape = levels[l]!.shape, chunk = levelChunk(w.chunk, shape);
    writers[l] = await createZarrArrayWriter(join(w.path, datasetPath(l)), {
      shape: is3d ? [channelCount, ...shape] : [channelCount, shape[1], shape[2]],
      chunks: is3d ? [1, ...chunk] : [1, chunk[1], chunk[2]],
      dtype: meta.dtype, zarrVersion: w.zarrVersion, compression: w.compression, dimensionNames: dimensionNames(is3d),
    });
  }
  for (let l = w.firstLevel; l < levels.length; l++) {
    const lv = levels[l]!;
    let read: RegionReader;
    if (l === 0) read = w.readLevel0;
    else {
      const finer = l - 1 < w.firstLevel ? w.readLevel0 : await readBack(w, l - 1, channelCount);
      read = inSlabs(reducedReader(finer, levels[l - 1]!.shape, lv.factors, meta.dtype, w.reduce), meta.dtype, channelCount);
    }
    await fillLevel(writers[l]!, lv.shape, levelChunk(w.chunk, lv.shape), channelCount, read, {
      bandBytes: l === 0 ? BAND_BYTES : 0, stage: w.stage(l), progress, signal: w.signal, path: w.path,
    });
  }
  const metaLevels: ImageMeta = { ...meta, levels: levels.map((lv) => ({ shape: lv.shape, scale: lv.scale })) };
  await writeZarrGroup(w.path, w.zarrVersion, ngffAttributes({
    version: w.zarrVersion, meta: metaLevels, channelNames: w.channelNames, name: w.name,
    datasets: levels.map((_, l) => ({ level: l, path: datasetPath(l) })).slice(w.firstLevel),
  }));
}

/**
 * Output voxels per reduction call. reduceBlock holds its input window (≈ 8× the output voxels) as float64, so a
 * 128³ chunk in one call would need ~140 MB; slabs of 2^19 voxels keep it near 35 MB. 512² 2D tiles fit in one.
 */
const MAX_REDUCE_VOXELS = 2 ** 19;

/** Splits reads larger than MAX_REDUCE_VOXELS into slabs along z (then y) and assembles the result. */
function inSlabs(read: RegionReader, dtype: ImageMeta["dtype"], channelCount: number): RegionReader {
  return async (region) => {
    const [nz, ny, nx] = region.size;
    if (nz * ny * nx <= MAX_REDUCE_VOXELS) return read(region);
    const axis = nz > 1 ? 0 : 1;
    const step = Math.max(1, Math.floor(MAX_REDUCE_VOXELS / (axis === 0 ? ny * nx : nx)));
    const out = Array.from({ length: channelCount }, () => allocatePixels(dtype, nz * ny * nx));
    for (let s = 0; s < region.size[axis]; s += step) {
      const start: Vec3 = [...region.start], size: Vec3 = [...region.size];
      start[axis] += s;
      size[axis] = Math.min(step, region.size[axis] - s);
      const planes = await read({ start, size });
      // Slabs along z or y are contiguous runs of the C-order output.
      const offset = axis === 0 ? s * ny * nx : s * nx;
      planes.forEach((p, c) => (out[c] as Uint8Array).set(p as Uint8Array, offset));
    }
    return out;
  };
}

/** A reader of a level already written to `w.path`, through the same zarrita path as openZarr. */
async function readBack(w: PyramidWrite, level: number, channelCount: number): Promise<RegionReader> {
  const name = datasetPath(level);
  const info = w.zarrVersion === 3
    ? parseV3Array(w.path, `${name}/zarr.json`, (await readJsonFile(w.path, `${name}/zarr.json`))!)
    : parseV2Array(w.path, `${name}/.zarray`, (await readJsonFile(w.path, `${name}/.zarray`))!);
  const loc = zarr.root(new FsStore(w.path)).resolve(name);
  const array = w.zarrVersion === 3 ? await zarr.open.v3(loc, { kind: "array" }) : await zarr.open.v2(loc, { kind: "array" });
  const is3d = info.shape.length === 4;
  const reader = createArrayReader({
    root: w.path, name, info, array, cache: new ChunkCache(),
    axes: { t: -1, c: 0, z: is3d ? 1 : -1, y: is3d ? 2 : 1, x: is3d ? 3 : 2 },
  });
  const all = Array.from({ length: channelCount }, (_, i) => i);
  return (region) => reader(region, all, w.signal);
}

interface FillOptions {
  /** Read this many bytes of chunks per source read (whole chunks along x); 0 for one chunk per read. */
  bandBytes: number;
  stage: string;
  progress: ProgressFn;
  signal: AbortSignal | undefined;
  path: string;
}

/** Writes every chunk of one level from `read`, in chunk order, a band of chunks per read. */
async function fillLevel(
  arr: ZarrArrayWriter, shape: Vec3, chunk: Vec3, channelCount: number, read: RegionReader, o: FillOptions,
): Promise<void> {
  const [cz, cy, cx] = chunk;
  const grid = [0, 1, 2].map((a) => Math.ceil(shape[a]! / chunk[a]!)) as Vec3;
  const chunkSamples = cz * cy * cx;
  const chunkBytes = chunkSamples * bytesPerSample(arr.dtype) * channelCount;
  const perRead = Math.max(1, Math.floor(o.bandBytes / chunkBytes));
  const total = channelCount * grid[0] * grid[1] * grid[2];
  let done = 0;
  o.progress({ stage: o.stage, done, total, unit: "chunks" });
  const pending = new PendingTasks(WRITE_CONCURRENCY);
  const is3d = arr.shape.length === 4;
  try {
    for (let iz = 0; iz < grid[0]; iz++) {
      for (let iy = 0; iy < grid[1]; iy++) {
        for (let ix0 = 0; ix0 < grid[2]; ix0 += perRead) {
          if (o.signal?.aborted) throw new AbortedError(`write ${o.path}`);
          const ix1 = Math.min(grid[2], ix0 + perRead);
          const region: Region = {
            start: [iz * cz, iy * cy, ix0 * cx],
            size: [Math.min(cz, shape[0] - iz * cz), Math.min(cy, shape[1] - iy * cy), Math.min(ix1 * cx, shape[2]) - ix0 * cx],
          };
          const planes = await read(region);
          for (let c = 0; c < channelCount; c++) {
            for (let ix = ix0; ix < ix1; ix++) {
              const data = chunkOf(planes[c]!, region, ix * cx - region.start[2], chunk, arr.dtype);
              const coords = is3d ? [c, iz, iy, ix] : [c, iy, ix];
              await pending.add(arr.writeChunk(coords, data).then(() => {
                done++;
                o.progress({ stage: o.stage, done, total, unit: "chunks" });
              }));
            }
          }
        }
      }
    }
    await pending.drain();
  } catch (e) {
    await pending.drain().catch(() => undefined);
    throw e;
  }
}

/** The full chunk (zero-padded at the level's edge) starting at column `x0` of a band `plane` read over `region`. */
function chunkOf(plane: PixelArray, region: Region, x0: number, chunk: Vec3, dtype: ImageMeta["dtype"]): PixelArray {
  const [rz, ry, rx] = region.size;
  const [cz, cy, cx] = chunk;
  const n = Math.min(cx, rx - x0);
  if (rz === cz && ry === cy && rx === cx && x0 === 0) return plane;
  const out = allocatePixels(dtype, cz * cy * cx);
  for (let z = 0; z < rz; z++) {
    for (let y = 0; y < ry; y++) {
      const s = (z * ry + y) * rx + x0;
      (out as Uint8Array).set((plane as Uint8Array).subarray(s, s + n), (z * cy + y) * cx);
    }
  }
  return out;
}

function positiveInt(option: string, v: number | undefined, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < lo || v > hi) throw new OptionError(option, v, `an integer from ${lo} to ${hi}`);
  return v;
}

/** Image name for the multiscales metadata: the source file's name without its extension. */
function imageName(meta: ImageMeta): string {
  return basename(meta.path).replace(/(\.ome)?\.(zarr|tiff?|nii(\.gz)?|nrrd|mh[ad]|png|jpe?g)$/i, "") || "image";
}

/**
 * Writes `source` as a pyramidal OME-Zarr into directory `path` (the caller makes it atomic).
 * Zarr v3 (default): NGFF 0.5, zarr.json group with attributes.ome; arrays with codecs [bytes little-endian,
 * zstd|gzip|blosc] and chunk keys "c/…". Zarr v2: NGFF 0.4, .zgroup/.zattrs/.zarray with dimension_separator "/".
 * Axes are c, y, x (2D) or c, z, y, x (3D). Chunks are [1, tileSize, tileSize] in 2D (default 512) and
 * [1, chunkDepth, tileSize, tileSize] in 3D (default 128³). Chunks that are entirely 0 are not written (they read
 * back as the fill value 0). Levels from pyramidLevels(); each dataset's scale is spacing × level scale and its
 * translation levelSpace().origin; a non-identity direction goes to attributes.terareg.direction.
 * Honours tileSize, chunkDepth, levels, compression ("deflate" = zlib in v2, gzip in v3), zarrVersion,
 * channelNames, reduce, progress (stage "write level N", unit "chunks") and signal (AbortedError).
 */
export async function writeOmeZarr(source: Source, path: string, options: WriteOptions = {}): Promise<void> {
  const meta = source.meta;
  const version = options.zarrVersion ?? 3;
  if (version !== 2 && version !== 3) throw new OptionError("--zarr-version", version, "2 or 3");
  const compression = zarrCompression(options.compression, version);
  const shape0 = meta.levels[0]!.shape;
  const is3d = shape0[0] > 1;
  const tile = positiveInt("--tile-size", options.tileSize, 16, 65536) ?? (is3d ? DEFAULT_TILE_3D : DEFAULT_TILE_2D);
  const depth = positiveInt("--chunk-depth", options.chunkDepth, 1, 65536) ?? (is3d ? DEFAULT_DEPTH_3D : 1);
  const channelNames = options.channelNames ?? meta.channels;
  if (channelNames.length !== meta.channels.length) {
    throw new OptionError("--channel-names", channelNames.join(","), `${meta.channels.length} names, one per channel of ${meta.path}`);
  }
  const levels = pyramidLevels(shape0, meta.space.spacing, tile, options.levels ?? "auto");
  const signal = options.signal;
  await writePyramid({
    path, meta, levels, firstLevel: 0, channelNames, zarrVersion: version, compression,
    chunk: [depth, tile, tile], name: imageName(meta), stage: (l) => `write level ${l}`,
    readLevel0: (region) => source.read(region, 0, signal ? { signal } : {}),
    ...(options.progress ? { progress: options.progress } : {}),
    ...(signal ? { signal } : {}),
    ...(options.reduce ? { reduce: options.reduce } : {}),
  });
}
