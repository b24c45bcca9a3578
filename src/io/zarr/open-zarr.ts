// Opens an OME-Zarr image (NGFF 0.4 on Zarr v2, NGFF 0.5 on Zarr v3) or a bare Zarr array as a lazy Source.
// Metadata is checked here and in array-metadata.ts / ngff-metadata.ts; chunk decoding is in array-reader.ts.

import { stat } from "node:fs/promises";
import * as zarr from "zarrita";
import { checkRead } from "../../core/check-read.js";
import { AbortedError, InputError } from "../../core/errors.js";
import type { Source } from "../../core/source.js";
import type { ImageMeta, LevelInfo, Space, Vec3 } from "../../core/space.js";
import { parseV2Array, parseV3Array, readJsonFile, type ArrayInfo } from "./array-metadata.js";
import { createArrayReader, type ArrayReader, type AxisIndex } from "./array-reader.js";
import { ChunkCache } from "./chunk-cache.js";
import { FsStore } from "./fs-store.js";
import { channelLabels, findMultiscales, parseMultiscale, readTeraregAttributes, type NgffAxis, type NgffDataset } from "./ngff-metadata.js";

export interface OpenZarrOptions {
  /** Budget of the decoded-chunk cache shared by all levels, in bytes. @default 64 MiB */
  cacheBytes?: number;
}

type Json = Record<string, unknown>;

interface Layout {
  version: 2 | 3;
  format: "ome-zarr" | "zarr";
  /** Where the image attributes came from, for messages. */
  where: string;
  attrs: Json;
  /** Dataset paths with their transforms; a bare array is one dataset with path "". */
  datasets: NgffDataset[];
  axes?: NgffAxis[];
  infos: ArrayInfo[];
}

const AXIS_NAMES = ["t", "c", "z", "y", "x"] as const;

function describe(e: unknown): string {
  const parts: string[] = [];
  for (let x: unknown = e; x instanceof Error && parts.length < 3; x = x.cause) parts.push(x.message);
  return parts.join(": ") || String(e);
}

function checkDatasetPath(root: string, where: string, p: string): void {
  if (p.startsWith("/") || p.split("/").some((s) => s === ".." || s === "")) {
    throw new InputError(root, `invalid multiscales dataset path "${p}" in ${where}: must be relative, inside the image`);
  }
}

async function readArrayInfo(root: string, version: 2 | 3, p: string): Promise<ArrayInfo> {
  checkDatasetPath(root, "multiscales", p);
  if (version === 3) {
    const name = `${p}/zarr.json`;
    const meta = await readJsonFile(root, name);
    if (!meta) throw new InputError(root, `multiscales dataset "${p}" does not exist (no ${name})`);
    return parseV3Array(root, name, meta);
  }
  const name = `${p}/.zarray`;
  const meta = await readJsonFile(root, name);
  if (!meta) throw new InputError(root, `multiscales dataset "${p}" does not exist (no ${name})`);
  return parseV2Array(root, name, meta, (await readJsonFile(root, `${p}/.zattrs`)) ?? {});
}

/** Finds the image layout: a multiscales group or a bare array, v3 first. */
async function readLayout(root: string): Promise<Layout> {
  const v3 = await readJsonFile(root, "zarr.json");
  if (v3) {
    const attrs = (typeof v3.attributes === "object" && v3.attributes !== null ? v3.attributes : {}) as Json;
    if (v3.node_type === "array") {
      const info = parseV3Array(root, "zarr.json", v3);
      return { version: 3, format: "zarr", where: "zarr.json", attrs, datasets: [bare(info)], infos: [info] };
    }
    if (v3.node_type !== "group") throw new InputError(root, `invalid metadata in zarr.json: node_type must be "array" or "group"`);
    return multiscaleLayout(root, 3, "zarr.json", attrs);
  }
  const zattrs = (await readJsonFile(root, ".zattrs")) ?? {};
  const zarray = await readJsonFile(root, ".zarray");
  if (zarray) {
    const info = parseV2Array(root, ".zarray", zarray, zattrs);
    return { version: 2, format: "zarr", where: ".zattrs", attrs: zattrs, datasets: [bare(info)], infos: [info] };
  }
  const zgroup = await readJsonFile(root, ".zgroup");
  if (!zgroup && Object.keys(zattrs).length === 0) {
    throw new InputError(root, "no Zarr metadata found (none of zarr.json, .zarray, .zgroup, .zattrs)");
  }
  return multiscaleLayout(root, 2, ".zattrs", zattrs);
}

function bare(info: ArrayInfo): NgffDataset {
  return { path: "", scale: info.shape.map(() => 1), translation: info.shape.map(() => 0) };
}

async function multiscaleLayout(root: string, version: 2 | 3, where: string, attrs: Json): Promise<Layout> {
  const ms = findMultiscales(attrs);
  if (!ms) {
    const hcs = "plate" in attrs || "well" in attrs || (typeof attrs.ome === "object" && attrs.ome !== null && ("plate" in attrs.ome || "well" in attrs.ome));
    throw new InputError(root, `a Zarr group without OME multiscales metadata in ${where}${hcs ? " (HCS plates and wells are not images; open one image inside)" : ""}`);
  }
  const infos: ArrayInfo[] = [];
  const first = async (): Promise<number> => {
    const d = (ms[0] as Json | undefined)?.datasets;
    const p = Array.isArray(d) && typeof (d[0] as Json | undefined)?.path === "string" ? (d[0] as Json).path as string : "0";
    return (await readArrayInfo(root, version, p)).shape.length;
  };
  const m = await parseMultiscale(root, where, ms[0], first);
  for (const d of m.datasets) infos.push(await readArrayInfo(root, version, d.path));
  return { version, format: "ome-zarr", where, attrs, datasets: m.datasets, ...(m.axes ? { axes: m.axes } : {}), infos };
}

/** Assigns each array dimension to t, c, z, y or x: by NGFF axis name, then type, then dimension names, then rank. */
function axisIndex(root: string, layout: Layout): AxisIndex {
  const info0 = layout.infos[0]!;
  const rank = info0.shape.length;
  const axes: NgffAxis[] = layout.axes
    ?? (info0.dimensionNames?.every((n) => (AXIS_NAMES as readonly string[]).includes(n.toLowerCase()))
      ? info0.dimensionNames.map((name) => ({ name: name.toLowerCase() }))
      : rank <= 5 ? AXIS_NAMES.slice(5 - rank).map((name) => ({ name })) : []);
  if (axes.length !== rank) {
    throw new InputError(root, `${layout.where}: ${axes.length === 0 ? "no axes for" : `${axes.length} axes for`} arrays of rank ${rank}`);
  }
  const idx: AxisIndex = { t: -1, c: -1, z: -1, y: -1, x: -1 };
  const space: number[] = [], rest: number[] = [];
  axes.forEach((a, i) => {
    const n = a.name.toLowerCase() as keyof AxisIndex;
    if ((AXIS_NAMES as readonly string[]).includes(n) && idx[n] < 0) idx[n] = i;
    else if (a.type === "time" && idx.t < 0) idx.t = i;
    else if (a.type === "channel" && idx.c < 0) idx.c = i;
    else if (a.type === "space") space.push(i);
    else rest.push(i);
  });
  // Unnamed spatial axes fill x, then y, then z from the right.
  for (const key of ["x", "y", "z"] as const) if (idx[key] < 0 && space.length > 0) idx[key] = space.pop()!;
  rest.push(...space);
  if (idx.y < 0 || idx.x < 0) throw new InputError(root, `${layout.where}: needs two spatial axes (y and x); axes are ${axes.map((a) => a.name).join(", ")}`);
  for (const i of rest) {
    for (const info of layout.infos) {
      if (info.shape[i] !== 1) throw new InputError(root, `unsupported axis "${axes[i]!.name}" of size ${info.shape[i]} (terareg reads t, c, z, y, x)`);
    }
  }
  return idx;
}

function nearInteger(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - r) <= 1e-6 * Math.max(1, Math.abs(v)) ? r : v;
}

/**
 * Opens the Zarr at `path` (OME-Zarr v2/v3 image or bare array) as a Source.
 * Level 0's `scale` gives the spacing and its `translation` the origin (the centre of pixel (0, 0, 0), as in NGFF);
 * `attributes.terareg.direction` gives a non-identity direction. The t axis is read at index 0.
 * @throws InputError naming `path` for missing or invalid metadata, unsupported dtypes or codecs, absent datasets,
 *   and, on read, corrupt chunks and missing chunks of arrays without a fill value.
 */
export async function openZarr(path: string, options: OpenZarrOptions = {}): Promise<Source> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new InputError(path, "does not exist");
  if (!st.isDirectory()) throw new InputError(path, "is not a directory (a Zarr store is a directory)");
  const layout = await readLayout(path);
  const axes = axisIndex(path, layout);
  const info0 = layout.infos[0]!;
  const ds0 = layout.datasets[0]!;
  layout.infos.forEach((info, l) => {
    if (info.dtype !== info0.dtype) throw new InputError(path, `level ${l} ("${layout.datasets[l]!.path}") has dtype ${info.dtype} but level 0 has ${info0.dtype}`);
    if (info.shape.length !== info0.shape.length) throw new InputError(path, `level ${l} ("${layout.datasets[l]!.path}") has rank ${info.shape.length} but level 0 has ${info0.shape.length}`);
    if (axes.c >= 0 && info.shape[axes.c] !== info0.shape[axes.c]) throw new InputError(path, `level ${l} has ${info.shape[axes.c]} channels but level 0 has ${info0.shape[axes.c]}`);
    if (info.shape.some((s) => s === 0)) throw new InputError(path, `level ${l} ("${layout.datasets[l]!.path}") is empty: shape [${info.shape.join(", ")}]`);
  });
  const dims = [axes.z, axes.y, axes.x];
  const pick = (v: number[], d: number, dflt: number): number => (d < 0 ? dflt : v[d]!);
  const extra = readTeraregAttributes(path, layout.where, layout.attrs);
  const spacing = dims.map((d) => pick(ds0.scale, d, 1)) as Vec3;
  const origin = dims.map((d) => pick(ds0.translation, d, 0)) as Vec3;
  if (axes.z < 0 && extra.z) {
    spacing[0] = extra.z.spacing;
    origin[0] = extra.z.origin;
  }
  if (spacing.some((s) => !(s > 0))) throw new InputError(path, `invalid scale in ${layout.where}: spacing [${spacing.join(", ")}] must be positive`);
  const unitOf = (d: number): string => (d < 0 ? undefined : layout.axes?.[d]?.unit) ?? "pixel";
  const units = [axes.z < 0 ? unitOf(axes.y) : unitOf(axes.z), unitOf(axes.y), unitOf(axes.x)] as [string, string, string];
  const space: Space = { spacing, origin, direction: extra.direction, units };
  const levels: LevelInfo[] = layout.infos.map((info, l) => ({
    shape: dims.map((d) => pick(info.shape, d, 1)) as Vec3,
    scale: dims.map((d, a) => (d < 0 ? 1 : nearInteger(layout.datasets[l]!.scale[d]! / spacing[a]!))) as Vec3,
    chunk: dims.map((d) => pick(info.chunks, d, 1)) as Vec3,
  }));
  const channelCount = axes.c < 0 ? 1 : info0.shape[axes.c]!;
  const meta: ImageMeta = {
    path, format: layout.format, ndim: levels[0]!.shape[0] > 1 ? 3 : 2, dtype: info0.dtype,
    channels: channelLabels(layout.attrs, channelCount), levels, space,
  };
  const cache = new ChunkCache(options.cacheBytes);
  const readers: ArrayReader[] = [];
  for (let l = 0; l < layout.infos.length; l++) {
    const info = layout.infos[l]!, p = layout.datasets[l]!.path;
    const store = new FsStore(path, { missingChunkIsError: !info.hasFillValue });
    const loc = p === "" ? zarr.root(store) : zarr.root(store).resolve(p);
    let array: zarr.Array<zarr.DataType, FsStore>;
    try {
      array = layout.version === 3 ? await zarr.open.v3(loc, { kind: "array" }) : await zarr.open.v2(loc, { kind: "array" });
    } catch (e) {
      throw new InputError(path, `cannot open array "${p || "."}": ${describe(e)}`, { cause: e });
    }
    readers.push(createArrayReader({ root: path, name: p, info, array, axes, cache }));
  }
  let closed = false;
  return {
    meta,
    async read(region, level, opts) {
      if (closed) throw new InputError(path, "read after close()");
      const channels = checkRead(meta, region, level, opts?.channels);
      if (opts?.signal?.aborted) throw new AbortedError(`read ${path}`);
      return readers[level]!(region, channels, opts?.signal);
    },
    async close() {
      closed = true;
      cache.clear();
    },
  };
}
