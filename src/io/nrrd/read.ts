// Reads NRRD images (.nrrd with attached data, or .nhdr + detached "data file") into a lazily decoded Source.
// Header text is parsed in header.ts; this module maps axes to [z, y, x] + channels and the frame to LPS.

import { open as openFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { bytesPerSample } from "../../core/dtype.js";
import { InputError } from "../../core/errors.js";
import type { Source } from "../../core/source.js";
import type { ImageMeta, Space, Vec3 } from "../../core/space.js";
import { itkFrameToSpace, reportedNdim, type ItkFrame } from "../itk-frame.js";
import { checkDataFits, checkVolumeSize, lazyPlanesSource, readHead, readPlanes, statRegularFile, type DataLocation } from "../volume-data.js";
import { rawWindowSource, windowedLayout } from "../raw-window.js";
import { MAX_NRRD_HEADER_BYTES, parseNrrdHeader, type NrrdHeader } from "./header.js";

/** Sign that takes each world axis of a named NRRD space to LPS (x, y, z). */
const SPACE_TO_LPS: ReadonlyMap<string, number[]> = new Map([
  ["left-posterior-superior", [1, 1, 1]],
  ["lps", [1, 1, 1]],
  ["right-anterior-superior", [-1, -1, 1]],
  ["ras", [-1, -1, 1]],
  ["left-anterior-superior", [1, -1, 1]],
  ["las", [1, -1, 1]],
  ["scanner-xyz", [1, 1, 1]],
  ["3d-right-handed", [1, 1, 1]],
  ["3d-left-handed", [1, 1, 1]],
]);

/** Kinds of axes that index space (or are unlabelled); every other kind (vector, RGB-color, list, ...) is channels. */
const SPATIAL_KINDS = new Set(["domain", "space", "time", "???", "none"]);

const UNIT_NAMES: Record<string, string> = { mm: "millimeter", millimeter: "millimeter", um: "micrometer", micron: "micrometer", "µm": "micrometer", micrometer: "micrometer", m: "meter", meter: "meter", cm: "centimeter" };

/** Which axes are spatial, and which single axis (if any) holds channels. */
function classifyAxes(file: string, h: NrrdHeader): { spatial: number[]; channel?: number } {
  const isSpatial = (k: number) => (h.spaceDirections ? h.spaceDirections[k] !== null : !h.kinds || SPATIAL_KINDS.has(h.kinds[k]!));
  const spatial: number[] = [], other: number[] = [];
  for (let k = 0; k < h.dimension; k++) (isSpatial(k) ? spatial : other).push(k);
  if (spatial.length < 1 || spatial.length > 3) {
    throw new InputError(file, `${spatial.length} spatial axes; terareg reads images with 1 to 3 (plus at most one channel axis)`);
  }
  if (other.length > 1) {
    throw new InputError(file, `${other.length} non-spatial axes (${other.map((k) => `axis ${k}`).join(", ")}); at most one channel axis is supported`);
  }
  return other.length ? { spatial, channel: other[0]! } : { spatial };
}

/** The spatial frame in LPS, as ITK's NrrdImageIO reads it (RAS and LAS converted, named spaces only). */
function nrrdSpace(file: string, h: NrrdHeader, spatial: number[]): { space: Space; ndim: 2 | 3 } {
  const nsp = spatial.length;
  const unit = h.spaceUnits?.find((u) => u !== "") ?? "mm";
  const units = UNIT_NAMES[unit.toLowerCase()] ?? unit;
  if (!h.spaceDirections) {
    // no world frame: per-axis "spacings" (NaN or missing → 1), zero origin, identity
    const ndim: 2 | 3 = nsp === 3 ? 3 : 2;
    const spacing = Array.from({ length: ndim }, (_, j) => {
      const s = j < nsp ? h.spacings?.[spatial[j]!] : undefined;
      return s === undefined || Number.isNaN(s) ? 1 : Math.abs(s);
    });
    const frame: ItkFrame = { ndim, spacing, origin: spacing.map(() => 0), columns: spacing.map((_, j) => spacing.map((__, r) => (r === j ? 1 : 0))) };
    return { space: itkFrameToSpace(file, frame, units), ndim };
  }
  let sign: number[];
  let sdim: number;
  if (h.space !== undefined) {
    const s = SPACE_TO_LPS.get(h.space);
    if (!s) throw new InputError(file, `space "${h.space}" is not supported; expected one of ${[...SPACE_TO_LPS.keys()].join(", ")}`);
    sign = s;
    sdim = 3;
  } else if (h.spaceDimension !== undefined) {
    sdim = h.spaceDimension;
    if (!Number.isInteger(sdim) || sdim < 1 || sdim > 3) throw new InputError(file, `space dimension is ${sdim}; terareg reads 1 to 3`);
    sign = [1, 1, 1];
  } else {
    throw new InputError(file, '"space directions" is given without "space" or "space dimension"');
  }
  const vectors = spatial.map((k) => h.spaceDirections![k]!);
  for (const v of vectors) {
    if (v.length !== sdim) throw new InputError(file, `a space direction has ${v.length} components; the space has ${sdim}`);
  }
  if (nsp > sdim) throw new InputError(file, `${nsp} spatial axes in a ${sdim}-dimensional space`);
  const origin = h.spaceOrigin ?? Array<number>(sdim).fill(0);
  if (origin.length !== sdim) throw new InputError(file, `space origin has ${origin.length} components; the space has ${sdim}`);
  const ndim: 2 | 3 = sdim === 3 ? 3 : 2;
  const pad = (v: number[]) => Array.from({ length: ndim }, (_, r) => (r < v.length ? sign[r]! * v[r]! : 0));
  const spacing = vectors.map((v) => Math.hypot(...v));
  spacing.forEach((s, j) => {
    if (!(s > 0) || !Number.isFinite(s)) throw new InputError(file, `space direction of axis ${spatial[j]} has length ${s}; spacing must be positive and finite`);
  });
  const columns = vectors.map((v, j) => pad(v).map((x) => x / spacing[j]!));
  // axes the file lacks (a 1-D line, or a 2-D slice in 3-D space) get unit spacing and a completing direction
  while (columns.length < ndim) {
    if (ndim === 3 && columns.length === 2) {
      const [a, b] = columns as [number[], number[]];
      const c = [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
      const n = Math.hypot(...c);
      columns.push(c.map((x) => x / n));
    } else {
      const used = columns.length;
      columns.push(Array.from({ length: ndim }, (_, r) => (r === used ? 1 : 0)));
    }
    spacing.push(1);
  }
  return { space: itkFrameToSpace(file, { ndim, spacing, origin: pad(origin), columns }, units), ndim };
}

/** Skips `lines` newline-terminated lines from `offset` in `path`; returns the offset after them. */
async function skipLines(file: string, path: string, offset: number, lines: number): Promise<number> {
  if (lines <= 0) return offset;
  const fh = await openFile(path, "r");
  try {
    const b = Buffer.alloc(MAX_NRRD_HEADER_BYTES);
    const { bytesRead } = await fh.read(b, 0, b.length, offset);
    let at = 0;
    for (let i = 0; i < lines; i++) {
      const nl = b.subarray(0, bytesRead).indexOf(0x0a, at);
      if (nl < 0) throw new InputError(file, `"line skip: ${lines}" runs past the data (or past 1 MiB)`);
      at = nl + 1;
    }
    return offset + at;
  } finally {
    await fh.close();
  }
}

/**
 * Opens a NRRD image as a single-level Source.
 *
 * - Encodings "raw" and "gzip"; attached data (.nrrd) or a single detached "data file" (.nhdr), with "line skip" and
 *   "byte skip" (−1 for raw data at the end of the file). Types: every teem alias of int8 … float64.
 * - Axes: those whose space direction is "none" (or, without space directions, whose kind is not domain/space/time)
 *   form the channel axis (at most one; channels C0, C1, ... or R, G, B(, A) for RGB(A)-color); 1–3 spatial axes.
 * - Geometry: "space directions" give spacing (their lengths) and direction; "space origin" the origin; spaces
 *   right-anterior-superior / left-anterior-superior are converted to LPS, LPS and scanner spaces taken as is;
 *   "space dimension" N without a named space is taken as is. A 2-D space gives a 2D image (ndim 2); a 2-D slice in
 *   3-D space is a one-slice volume with its normal completing the frame (ndim 3 unless that frame is planar). Without space directions,
 *   "spacings" (else 1), zero origin and identity direction are used.
 * @throws InputError naming the file and the problem
 */
export async function openNrrd(path: string): Promise<Source> {
  const st = await statRegularFile(path);
  const h = parseNrrdHeader(path, await readHead(path, Math.min(st.size, MAX_NRRD_HEADER_BYTES)));
  const payload = checkVolumeSize(path, h.sizes.map((size, k) => ({ name: `size of axis ${k}`, size })), h.dtype);
  const { spatial, channel } = classifyAxes(path, h);
  const { space, ndim } = nrrdSpace(path, h, spatial);
  const size = (j: number) => (j < spatial.length ? h.sizes[spatial[j]!]! : 1);
  const shape: Vec3 = [size(2), size(1), size(0)];

  let dataPath = path;
  let dataSize = st.size;
  let offset = h.dataOffset;
  if (h.dataFile !== undefined) {
    if (/^LIST(\s|$)/i.test(h.dataFile) || h.dataFile.includes("%")) {
      throw new InputError(path, `data file "${h.dataFile}" (a list or pattern of files) is not supported`);
    }
    dataPath = resolve(dirname(path), h.dataFile);
    const ds = await stat(dataPath).catch(() => undefined);
    if (!ds?.isFile()) throw new InputError(path, `data file "${h.dataFile}" is missing (looked for ${dataPath})`);
    dataSize = ds.size;
    offset = 0;
  }
  offset = await skipLines(path, dataPath, offset, h.lineSkip);
  let skip = 0;
  if (h.byteSkip === -1) {
    if (h.encoding !== "raw") throw new InputError(path, '"byte skip: -1" is only valid with raw encoding');
    offset = dataSize - payload;
  } else if (h.byteSkip < -1) {
    throw new InputError(path, `byte skip is ${h.byteSkip}; it must be -1 or non-negative`);
  } else if (h.encoding === "raw") offset += h.byteSkip;
  else skip = h.byteSkip;
  if (offset < 0 || offset > dataSize) throw new InputError(path, `data is truncated: the data would start at byte ${offset} of a ${dataSize}-byte file`);
  const loc: DataLocation = {
    path: dataPath,
    offset,
    encoding: h.encoding === "gzip" ? "deflate" : "raw",
    ...(skip ? { skip } : {}),
    bigEndian: h.bigEndian && bytesPerSample(h.dtype) > 1,
  };
  checkDataFits(path, loc, payload, dataSize);

  const nch = channel === undefined ? 1 : h.sizes[channel]!;
  const kind = channel === undefined ? undefined : h.kinds?.[channel];
  const channels =
    kind === "rgb-color" && nch === 3 ? ["R", "G", "B"] : kind === "rgba-color" && nch === 4 ? ["R", "G", "B", "A"] : Array.from({ length: nch }, (_, c) => `C${c}`);
  const prod = (a: number[]) => a.reduce((x, y) => x * y, 1);
  const layout =
    channel === undefined
      ? { inner: prod(h.sizes), channels: 1, outer: 1 }
      : { inner: prod(h.sizes.slice(0, channel)), channels: nch, outer: prod(h.sizes.slice(channel + 1)) };
  const meta: ImageMeta = {
    path,
    format: "nrrd",
    ndim: reportedNdim(ndim, shape, space),
    dtype: h.dtype,
    channels,
    levels: [{ shape, scale: [1, 1, 1] }],
    space,
  };
  if (loc.encoding === "raw" && windowedLayout(layout)) return rawWindowSource(meta, loc, h.dtype, layout);
  return lazyPlanesSource({ ...meta, residentBytes: payload }, () => readPlanes(path, loc, h.dtype, layout));
}
