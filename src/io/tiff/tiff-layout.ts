// Which IFDs make up which (level, z, channel) of the image, and the image's channels, levels and physical space,
// from OME-XML, an ImageJ description, or plain page structure. Reading pixels is read-blocks.ts's job.

import { basename } from "node:path";
import type { DType } from "../../core/dtype.js";
import { InputError } from "../../core/errors.js";
import { IDENTITY3, type LevelInfo, type Space, type Vec3 } from "../../core/space.js";
import { isOmeXml, OME_UNITS, parseOmeXml, planeIndex, type OmeLength, type OmePixels } from "./ome-xml.js";
import type { TiffImage } from "./tiff-image.js";

/** One sample of one image: what a channel of one z-plane of one level is stored as. */
export interface PlaneRef {
  image: TiffImage;
  sample: number;
}

/** The image a TIFF file holds, as terareg sees it. */
export interface TiffLayout {
  format: "ome-tiff" | "tiff";
  ndim: 2 | 3;
  dtype: DType;
  channels: string[];
  levels: LevelInfo[];
  /** planes[level][z][channel]. */
  planes: PlaneRef[][][];
  space: Space;
}

/** Main-chain pages per z (rows) and channel group (columns), with channel names and physical space. */
interface PageGrid {
  format: TiffLayout["format"];
  grid: TiffImage[][];
  groupNames: (string | undefined)[];
  space: Space;
}

/**
 * Scale of a level whose size is `n` against a level-0 size `n0`: the power of two 2^k when n is n0 / 2^k rounded
 * up or down (how pyramid writers size levels, so pixel centres sit on the 2^k grid), else the exact ratio n0 / n.
 */
export function levelScale(n0: number, n: number): number {
  const p = 2 ** Math.round(Math.log2(n0 / n));
  return Math.ceil(n0 / p) === n || Math.floor(n0 / p) === n ? p : n0 / n;
}

/**
 * True when `cand` looks like a reduced copy of `base`, smaller than `prev`, with the same samples. Pages found in the
 * chain must also keep the aspect ratio (within rounding), which tells pyramid levels from label and macro images;
 * SubIFDs are reduced levels by declaration and may halve one axis only (anisotropic pyramids).
 */
function isReduction(base: TiffImage, prev: TiffImage, cand: TiffImage, checkAspect: boolean): boolean {
  if (cand.dtype !== base.dtype || cand.samplesPerPixel !== base.samplesPerPixel) return false;
  if (cand.width > prev.width || cand.height > prev.height || (cand.width === prev.width && cand.height === prev.height)) return false;
  if (!checkAspect) return true;
  const rx = base.width / cand.width, ry = base.height / cand.height;
  return Math.abs(rx - ry) <= 0.02 * Math.max(rx, ry) + rx / cand.width + ry / cand.height + 1 / Math.min(cand.width, cand.height);
}

/** Reduced levels of main-chain page `index`: its SubIFDs, or else the reduced pages that follow it in the chain. */
function levelsOf(pages: TiffImage[], index: number, planePages: Set<TiffImage>, lenient: boolean): TiffImage[] {
  const base = pages[index]!;
  const out: TiffImage[] = [];
  const fromSub = base.subImages.length > 0;
  const count = fromSub ? base.subImages.length : pages.length - index - 1;
  for (let k = 0; k < count; k++) {
    const cand = fromSub ? base.subImages[k]! : pages[index + 1 + k]!;
    if (planePages.has(cand)) break;
    const flagged = (cand.subfileType & 1) === 1 || fromSub;
    if ((flagged || (lenient && cand.tiled && base.tiled)) && isReduction(base, out[out.length - 1] ?? base, cand, !fromSub)) out.push(cand);
  }
  return out;
}

function channelNames(group: TiffImage, groupName: string | undefined, groupCount: number, firstIndex: number): string[] {
  const spp = group.samplesPerPixel;
  if (spp === 1) return [groupName ?? `C${firstIndex}`];
  const rgb = (group.photometric === 2 || group.photometric === 6) && spp >= 3;
  const names = Array.from({ length: spp }, (_, s) => {
    if (rgb && s < 3) return "RGB"[s]!;
    if (rgb && s === 3 && group.extraSamples[0] !== undefined && group.extraSamples[0] > 0) return "A";
    return `S${s}`;
  });
  return groupCount === 1 && rgb ? names : names.map((n) => `${groupName ?? `C${firstIndex}`}:${n}`);
}

function pixelSpace(): Space {
  return { spacing: [1, 1, 1], origin: [0, 0, 0], direction: [...IDENTITY3], units: ["pixel", "pixel", "pixel"] };
}

function omeSpace(path: string, ome: OmePixels): Space {
  const { x, y, z } = ome.physicalSize;
  if (!x && !y) return pixelSpace();
  const unit = (l: OmeLength | undefined, fallback: string): string => {
    if (!l) return fallback;
    const u = OME_UNITS[l.unit];
    if (!u) throw new InputError(path, `OME-XML physical size unit "${l.unit}" is not supported (use one of ${Object.keys(OME_UNITS).join(", ")})`);
    return u;
  };
  const ux = unit(x ?? y, "micrometer"), uy = unit(y ?? x, ux), uz = unit(z, ux);
  const sx = (x ?? y)!.value, sy = (y ?? x)!.value;
  return { spacing: [z?.value ?? 1, sy, sx], origin: [0, 0, 0], direction: [...IDENTITY3], units: [uz, uy, ux] };
}

const OME_TYPES: Record<string, DType> = {
  int8: "int8", uint8: "uint8", int16: "int16", uint16: "uint16", int32: "int32", uint32: "uint32", float: "float32", double: "float64",
};

function omeGrid(path: string, pages: TiffImage[], xml: string): PageGrid {
  let ome: OmePixels;
  try {
    ome = parseOmeXml(xml);
  } catch (e) {
    throw new InputError(path, `OME-XML in IFD 0 is invalid: ${(e as Error).message}`, { cause: e });
  }
  const contradiction = (problem: string): never => { throw new InputError(path, `OME-XML contradicts the IFDs: ${problem}`); };
  const spp = pages[0]!.samplesPerPixel;
  if (ome.sizeC % spp !== 0) contradiction(`SizeC=${ome.sizeC} is not a multiple of IFD 0's SamplesPerPixel ${spp}`);
  const groups = ome.sizeC / spp;
  const sizes = { z: ome.sizeZ, c: groups, t: ome.sizeT };
  const total = sizes.z * sizes.c * sizes.t;
  const ifdOf = new Map<number, number>();
  if (ome.tiffData.length === 0) {
    for (let p = 0; p < total; p++) ifdOf.set(p, p);
  } else {
    for (const td of ome.tiffData) {
      if (td.fileName !== undefined && td.fileName !== basename(path)) {
        throw new InputError(path, `multi-file OME-TIFF is not supported: planes are stored in "${td.fileName}"`);
      }
      const start = planeIndex(ome.dimensionOrder, sizes, td.firstZ, td.firstC, td.firstT);
      const count = Math.min(td.planeCount ?? (td.ifd !== undefined ? 1 : total), total - start);
      for (let k = 0; k < count; k++) ifdOf.set(start + k, (td.ifd ?? 0) + k);
    }
  }
  const type = ome.type !== undefined ? OME_TYPES[ome.type] : undefined;
  if (ome.type !== undefined && type !== pages[0]!.dtype) contradiction(`Pixels Type="${ome.type}" but IFD 0 holds ${pages[0]!.dtype} samples`);
  const grid: TiffImage[][] = [];
  for (let z = 0; z < sizes.z; z++) {
    const row: TiffImage[] = [];
    for (let c = 0; c < groups; c++) {
      const ifd = ifdOf.get(planeIndex(ome.dimensionOrder, sizes, z, c, 0));
      if (ifd === undefined) contradiction(`no TiffData maps plane Z=${z} C=${c} T=0 to an IFD`);
      const page = pages[ifd!];
      if (!page) contradiction(`plane Z=${z} C=${c} maps to IFD ${ifd}, but the file has ${pages.length} IFDs`);
      if (page!.width !== ome.sizeX || page!.height !== ome.sizeY) {
        contradiction(`SizeX=${ome.sizeX} SizeY=${ome.sizeY}, but IFD ${ifd} is ${page!.width}×${page!.height}`);
      }
      row.push(page!);
    }
    grid.push(row);
  }
  const names = Array.from({ length: groups }, (_, g) => (ome.channels.length === groups ? ome.channels[g]?.name : ome.channels[g * spp]?.name));
  return { format: "ome-tiff", grid, groupNames: names, space: omeSpace(path, ome) };
}

/** Key=value lines of an ImageJ description ("ImageJ=1.53t\nimages=6\nchannels=2\n..."), or undefined. */
function imagejFields(description: string | undefined): Map<string, string> | undefined {
  if (!description?.startsWith("ImageJ=")) return undefined;
  const out = new Map<string, string>();
  for (const line of description.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return out;
}

const IMAGEJ_UNITS: Record<string, string> = { micron: "micrometer", um: "micrometer", "µm": "micrometer", "\\u00B5m": "micrometer", nm: "nanometer", mm: "millimeter", cm: "centimeter" };

function plainSpace(first: TiffImage, imagej: Map<string, string> | undefined): Space {
  const r = first.resolution;
  if (!r) return pixelSpace();
  let unit: string | undefined, scale = 1;
  if (r.unit === 2) [unit, scale] = ["micrometer", 25400];
  else if (r.unit === 3) [unit, scale] = ["micrometer", 10000];
  else if (imagej && IMAGEJ_UNITS[imagej.get("unit") ?? ""]) unit = IMAGEJ_UNITS[imagej.get("unit")!];
  if (!unit) return pixelSpace();
  const z = Number(imagej?.get("spacing") ?? 1);
  return { spacing: [Number.isFinite(z) && z > 0 ? z : 1, scale / r.y, scale / r.x], origin: [0, 0, 0], direction: [...IDENTITY3], units: [unit, unit, unit] };
}

function plainGrid(pages: TiffImage[]): PageGrid {
  const full = pages.filter((p) => (p.subfileType & 5) === 0);
  const first = full[0] ?? pages[0]!;
  const same = full.filter((p) => p.width === first.width && p.height === first.height && p.dtype === first.dtype && p.samplesPerPixel === first.samplesPerPixel);
  const imagej = imagejFields(first.description);
  const c = Number(imagej?.get("channels") ?? 1), zs = Number(imagej?.get("slices") ?? 1), t = Number(imagej?.get("frames") ?? 1);
  let grid: TiffImage[][];
  if (imagej && first.samplesPerPixel === 1 && c > 1 && Number.isInteger(c * zs * t) && c * zs * t === same.length) {
    grid = Array.from({ length: zs }, (_, z) => Array.from({ length: c }, (_, ch) => same[ch + c * z]!)); // ImageJ order: CZT
  } else {
    grid = same.map((p) => [p]);
  }
  return { format: "tiff", grid, groupNames: grid[0]!.map(() => undefined), space: plainSpace(first, imagej) };
}

/**
 * Works out the image a TIFF file holds from its main-chain pages (each with its SubIFDs).
 * OME-TIFF: planes from TiffData (or DimensionOrder), T = 0 only. ImageJ hyperstacks: channels and slices.
 * Otherwise same-size full-resolution pages are z-slices. Levels come from SubIFDs or reduced pages in the chain.
 */
export function buildLayout(path: string, pages: TiffImage[]): TiffLayout {
  const pg = isOmeXml(pages[0]!.description) ? omeGrid(path, pages, pages[0]!.description) : plainGrid(pages);
  const { grid } = pg;
  const base = grid[0]![0]!;
  for (const [z, row] of grid.entries()) {
    for (const page of row) {
      if (page.width !== base.width || page.height !== base.height || page.dtype !== base.dtype || page.samplesPerPixel !== base.samplesPerPixel) {
        throw new InputError(path, `${page.name} (plane z=${z}) is ${page.width}×${page.height}×${page.samplesPerPixel} ${page.dtype}, unlike ${base.name} (${base.width}×${base.height}×${base.samplesPerPixel} ${base.dtype})`);
      }
    }
  }
  const planePages = new Set(grid.flat());
  const lenient = pg.format === "tiff" && grid.length === 1 && grid[0]!.length === 1;
  const pageIndex = new Map(pages.map((p, i) => [p, i]));
  const chains = grid.map((row) => row.map((page) => [page, ...levelsOf(pages, pageIndex.get(page)!, planePages, lenient)]));
  // Keep the levels every plane has, with the same size everywhere.
  let levelCount = Math.min(...chains.flat().map((ch) => ch.length));
  for (let l = 1; l < levelCount; l++) {
    const ref = chains[0]![0]![l]!;
    if (chains.flat().some((ch) => ch[l]!.width !== ref.width || ch[l]!.height !== ref.height)) {
      levelCount = l;
      break;
    }
  }
  const channels: string[] = [];
  const sampleOf: [number, number][] = [];
  grid[0]!.forEach((page, g) => {
    const names = channelNames(page, pg.groupNames[g], grid[0]!.length, channels.length);
    names.forEach((n, s) => {
      channels.push(n);
      sampleOf.push([g, s]);
    });
  });
  const levels: LevelInfo[] = [];
  const planes: PlaneRef[][][] = [];
  for (let l = 0; l < levelCount; l++) {
    const img = chains[0]![0]![l]!;
    const scale: Vec3 = [1, levelScale(base.height, img.height), levelScale(base.width, img.width)];
    levels.push({ shape: [grid.length, img.height, img.width], scale, chunk: [1, img.blockHeight, img.blockWidth] });
    planes.push(chains.map((row) => sampleOf.map(([g, s]) => ({ image: row[g]![l]!, sample: s }))));
  }
  return { format: pg.format, ndim: grid.length > 1 ? 3 : 2, dtype: base.dtype, channels, levels, planes, space: pg.space };
}
