// OME-NGFF image metadata: reading multiscales/omero (0.4 in .zattrs, 0.5 under zarr.json attributes.ome) and
// writing it. Array-level metadata lives in array-metadata.ts; pixel reading in array-reader.ts.

import { dtypeRange, isFloat, type DType } from "../../core/dtype.js";
import { InputError } from "../../core/errors.js";
import { IDENTITY3, levelSpace, type ImageMeta, type Mat3 } from "../../core/space.js";

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export interface NgffAxis {
  name: string;
  type?: string;
  unit?: string;
}

/** One dataset (resolution level): its path and the scale and translation of its index → physical map. */
export interface NgffDataset {
  path: string;
  scale: number[];
  translation: number[];
}

export interface NgffMultiscale {
  /** Undefined for pre-0.4 files, which have no axes (then t, c, z, y, x, right-aligned to the array rank). */
  axes?: NgffAxis[];
  datasets: NgffDataset[];
}

/** The multiscales list of image attributes (0.5: `ome.multiscales`, 0.4 and earlier: `multiscales`), if any. */
export function findMultiscales(attrs: Json): unknown[] | undefined {
  const ome = isObject(attrs.ome) ? attrs.ome : undefined;
  const ms = ome?.multiscales ?? attrs.multiscales;
  return Array.isArray(ms) && ms.length > 0 ? ms : undefined;
}

function numbers(root: string, where: string, what: string, v: unknown, n: number): number[] {
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw new InputError(root, `invalid ${what} in ${where}: ${JSON.stringify(v)} (expected ${n} finite numbers)`);
  }
  return v as number[];
}

/** Applies a coordinateTransformations list (scale, then translation, or identity) to a scale/translation pair. */
function applyTransforms(root: string, where: string, list: unknown, n: number, s: number[], t: number[]): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) throw new InputError(root, `invalid coordinateTransformations in ${where}: expected a list`);
  for (const tr of list) {
    if (!isObject(tr)) throw new InputError(root, `invalid coordinateTransformation ${JSON.stringify(tr)} in ${where}`);
    if (tr.type === "identity") continue;
    if (tr.type === "scale" && "scale" in tr) {
      const k = numbers(root, where, "scale", tr.scale, n);
      for (let i = 0; i < n; i++) { s[i]! *= k[i]!; t[i]! *= k[i]!; }
    } else if (tr.type === "translation" && "translation" in tr) {
      const k = numbers(root, where, "translation", tr.translation, n);
      for (let i = 0; i < n; i++) t[i]! += k[i]!;
    } else {
      throw new InputError(root, `unsupported coordinateTransformation ${JSON.stringify(tr)} in ${where} (terareg reads inline scale and translation)`);
    }
  }
}

/**
 * Parses the first multiscales entry. `rank` is the dataset arrays' rank (for pre-0.4 files without axes).
 * Dataset-level transforms are followed by the multiscale-level ones, as the spec orders them.
 */
export async function parseMultiscale(root: string, where: string, entry: unknown, rank: () => Promise<number>): Promise<NgffMultiscale> {
  if (!isObject(entry)) throw new InputError(root, `invalid multiscales in ${where}: expected an object`);
  let axes: NgffAxis[] | undefined;
  if (entry.axes !== undefined) {
    if (!Array.isArray(entry.axes) || entry.axes.length === 0) throw new InputError(root, `invalid multiscales axes in ${where}`);
    axes = entry.axes.map((a) => {
      if (typeof a === "string") return { name: a };
      if (isObject(a) && typeof a.name === "string") {
        return { name: a.name, ...(typeof a.type === "string" ? { type: a.type } : {}), ...(typeof a.unit === "string" ? { unit: a.unit } : {}) };
      }
      throw new InputError(root, `invalid axis ${JSON.stringify(a)} in ${where}`);
    });
  }
  const n = axes?.length ?? (await rank());
  if (!Array.isArray(entry.datasets) || entry.datasets.length === 0) {
    throw new InputError(root, `invalid multiscales in ${where}: "datasets" must be a non-empty list`);
  }
  const datasets = entry.datasets.map((d): NgffDataset => {
    if (!isObject(d) || typeof d.path !== "string" || d.path === "") {
      throw new InputError(root, `invalid multiscales dataset ${JSON.stringify(d)} in ${where}: needs a "path"`);
    }
    const scale = new Array<number>(n).fill(1), translation = new Array<number>(n).fill(0);
    applyTransforms(root, where, d.coordinateTransformations, n, scale, translation);
    applyTransforms(root, where, entry.coordinateTransformations, n, scale, translation);
    return { path: d.path, scale, translation };
  });
  return { ...(axes ? { axes } : {}), datasets };
}

/** Channel labels from omero metadata (0.5: `ome.omero`), falling back to C0, C1, ... */
export function channelLabels(attrs: Json, count: number): string[] {
  const ome = isObject(attrs.ome) ? attrs.ome : undefined;
  const omero = ome?.omero ?? attrs.omero;
  const list = isObject(omero) && Array.isArray(omero.channels) ? omero.channels : [];
  return Array.from({ length: count }, (_, i) => {
    const c = list[i];
    return isObject(c) && typeof c.label === "string" && c.label !== "" ? c.label : `C${i}`;
  });
}

/** What terareg stores in `attributes.terareg` because NGFF 0.4/0.5 cannot express it. */
export interface TeraregAttributes {
  /** Direction cosines, [z, y, x] row-major. @default identity */
  direction: Mat3;
  /** z spacing and origin of a 2D image (which has no z axis), when not 1 and 0. */
  z?: { spacing: number; origin: number };
}

/** Reads `attributes.terareg` (direction; z frame of 2D images). */
export function readTeraregAttributes(root: string, where: string, attrs: Json): TeraregAttributes {
  const t = attrs.terareg;
  if (!isObject(t)) return { direction: [...IDENTITY3] };
  const direction = t.direction === undefined ? [...IDENTITY3] as Mat3 : numbers(root, where, "terareg.direction", t.direction, 9) as Mat3;
  if (t.z === undefined) return { direction };
  const z = isObject(t.z) ? t.z : {};
  const [spacing, origin] = numbers(root, where, "terareg.z", [z.spacing, z.origin], 2);
  if (!(spacing! > 0)) throw new InputError(root, `invalid terareg.z in ${where}: spacing ${spacing} must be positive`);
  return { direction, z: { spacing: spacing!, origin: origin! } };
}

const COLORS = ["FF0000", "00FF00", "0000FF", "FF00FF", "00FFFF", "FFFF00", "FFFFFF"];

export interface NgffWriteInit {
  version: 2 | 3;
  /** The image's level-0 metadata; `meta.levels` must list every level, stored or not, for levelSpace(). */
  meta: ImageMeta;
  /** Indices into meta.levels of the levels stored, with their dataset paths. */
  datasets: { level: number; path: string }[];
  channelNames: string[];
  name: string;
}

/** The OME-NGFF group attributes: 0.4 (`multiscales`, `omero`) for Zarr v2, 0.5 (`ome: {...}`) for v3. */
export function ngffAttributes(init: NgffWriteInit): Json {
  const { meta, version } = init;
  const is3d = meta.levels[0]!.shape[0] > 1;
  const spatial = is3d ? [0, 1, 2] : [1, 2];
  const names = ["z", "y", "x"];
  const axes: Json[] = [
    { name: "c", type: "channel" },
    ...spatial.map((a) => ({
      name: names[a], type: "space",
      ...(meta.space.units[a] && meta.space.units[a] !== "pixel" ? { unit: meta.space.units[a] } : {}),
    })),
  ];
  const datasets = init.datasets.map(({ level, path }) => {
    const s = levelSpace(meta, level);
    return {
      path,
      coordinateTransformations: [
        { type: "scale", scale: [1, ...spatial.map((a) => s.spacing[a]!)] },
        { type: "translation", translation: [0, ...spatial.map((a) => s.origin[a]!)] },
      ],
    };
  });
  const multiscale: Json = {
    ...(version === 2 ? { version: "0.4" } : {}),
    name: init.name,
    axes,
    datasets,
    type: "binomial",
    metadata: { description: "each level is the previous one filtered by the separable [1 3 3 1]/8 binomial kernel and halved (pixel centres at 2j + 0.5)", method: "terareg reduceBlock" },
  };
  const omero: Json = {
    ...(version === 2 ? { version: "0.4" } : {}),
    channels: init.channelNames.map((label, i) => channelInfo(label, i, init.channelNames.length, meta.dtype)),
    rdefs: { model: init.channelNames.length > 1 ? "color" : "greyscale" },
  };
  // What NGFF cannot say: a direction, and for 2D images (no z axis) the z spacing and origin.
  const direction = meta.space.direction;
  const identity = direction.every((v, i) => v === IDENTITY3[i]);
  const zKept = !is3d && (meta.space.spacing[0] !== 1 || meta.space.origin[0] !== 0);
  const extra: Json = {
    ...(identity ? {} : { direction: [...direction] }),
    ...(zKept ? { z: { spacing: meta.space.spacing[0], origin: meta.space.origin[0] } } : {}),
  };
  const terareg = Object.keys(extra).length > 0 ? { terareg: extra } : {};
  return version === 2
    ? { multiscales: [multiscale], omero, ...terareg }
    : { ome: { version: "0.5", multiscales: [multiscale], omero }, ...terareg };
}

function channelInfo(label: string, i: number, count: number, dtype: DType): Json {
  const [lo, hi] = isFloat(dtype) ? [0, 1] : dtypeRange(dtype);
  return {
    label,
    color: count === 1 ? "FFFFFF" : COLORS[i % COLORS.length],
    window: { min: lo, max: hi, start: lo, end: hi },
    active: true,
  };
}
