// A procedural Source for synthetic registration pairs: the package's own sample images (assets/demo, ~1 MP each,
// loaded once as normalised gray floats) tiled over any size with mirrored repeats at two scales, a random offset,
// zoom and orientation per cell ("tile of tiles", blended across cell borders so it is not periodic), plus a little
// multi-scale value noise. 3D mixes three such planes along z/y/x with smooth blobs. Every voxel is a pure function
// of (seed, z, y, x), so any region is computed on its own and the whole image is never held.

import { fileURLToPath } from "node:url";
import { join } from "node:path";
import sharp from "sharp";
import { checkRead } from "../core/check-read.js";
import { allocatePixels, type DType } from "../core/dtype.js";
import type { Source } from "../core/source.js";
import { defaultSpace, type ImageMeta, type Space, type Vec3 } from "../core/space.js";
import { InputError } from "../core/errors.js";
import { hash32, hashCoords, unitHash, valueNoise3 } from "./hash.js";

/** One sample texture: gray, zero mean, unit standard deviation, row-major. */
export interface GrayTexture {
  width: number;
  height: number;
  data: Float32Array;
}

/** dist/src/synth → the package root's assets/demo. */
export const SAMPLE_TEXTURE_FILES = ["fixed_he.jpg", "moving_pancytokeratin.jpg"].map((f) =>
  join(fileURLToPath(new URL("../../../assets/demo/", import.meta.url)), f),
);

/** Decodes images (PNG/JPEG) to gray and normalises each to zero mean, unit standard deviation. */
export async function loadGrayTextures(files: readonly string[] = SAMPLE_TEXTURE_FILES): Promise<GrayTexture[]> {
  return Promise.all(files.map(async (file) => {
    let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
    try {
      raw = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
    } catch (e) {
      throw new InputError(file, `cannot decode the sample texture (${(e as Error).message})`, { cause: e });
    }
    const { width, height, channels } = raw.info;
    const n = width * height, data = new Float32Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += data[i] = raw.data[i * channels]! / 255;
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (data[i]! - mean) ** 2;
    const sd = Math.sqrt(ss / n) || 1;
    for (let i = 0; i < n; i++) data[i] = (data[i]! - mean) / sd;
    return { width, height, data };
  }));
}

function mirror(i: number, n: number): number {
  const p = 2 * n;
  i %= p;
  if (i < 0) i += p;
  return i < n ? i : p - 1 - i;
}

/** Bilinear sample of a texture at fractional (row u, column v) with mirrored repeats. */
function sampleMirrored(t: GrayTexture, u: number, v: number): number {
  const iu = Math.floor(u), iv = Math.floor(v), fu = u - iu, fv = v - iv;
  const r0 = mirror(iu, t.height) * t.width, r1 = mirror(iu + 1, t.height) * t.width;
  const c0 = mirror(iv, t.width), c1 = mirror(iv + 1, t.width);
  const d = t.data;
  return (d[r0 + c0]! * (1 - fv) + d[r0 + c1]! * fv) * (1 - fu) + (d[r1 + c0]! * (1 - fv) + d[r1 + c1]! * fv) * fu;
}

/** A layer of the tiling: cells of `cell` pixels, each showing a texture at a zoom drawn from [zoomMin, zoomMax]. */
interface Layer {
  cell: number;
  zoomMin: number;
  zoomMax: number;
  weight: number;
}

const LAYERS: readonly Layer[] = [
  { cell: 1536, zoomMin: 0.8, zoomMax: 1.25, weight: 0.8 },
  { cell: 2816, zoomMin: 2.5, zoomMax: 4, weight: 0.45 },
];
/** Fraction of a cell on each side of a border over which neighbouring cells are blended. */
const BAND = 0.15;
const NOISE: readonly [period: number, amplitude: number][] = [[6, 0.12], [24, 0.18], [96, 0.22], [384, 0.25]];

function smoothstep(t: number): number {
  return t <= 0 ? 0 : t >= 1 ? 1 : t * t * (3 - 2 * t);
}

/** Along one axis: the pixel's cell, the neighbour it blends with (or the same cell) and the neighbour's weight. */
function cellBlend(g: number): [number, number, number] {
  const i = Math.floor(g), t = g - i;
  if (t > 1 - BAND) return [i, i + 1, 0.5 * smoothstep((t - (1 - BAND)) / BAND)];
  if (t < BAND) return [i, i - 1, 0.5 * (1 - smoothstep(t / BAND))];
  return [i, i, 0];
}

/** The drawn parameters of one cell of one layer. */
interface Cell {
  tex: GrayTexture;
  zoom: number;
  oy: number;
  ox: number;
  swap: boolean;
  flipY: number;
  flipX: number;
}

/** Per-pixel interpolation along one axis of a lattice of `period` pixels: lattice index and smoothed fraction. */
function latticeAxis(start: number, count: number, period: number): { first: number; n: number; idx: Int32Array; f: Float64Array } {
  const first = Math.floor(start / period), n = Math.floor((start + count - 1) / period) + 2 - first;
  const idx = new Int32Array(count), f = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const g = (start + i) / period, k = Math.floor(g), t = g - k;
    idx[i] = k - first;
    f[i] = t * t * (3 - 2 * t);
  }
  return { first, n, idx, f };
}

/** A 2D texture plane: value (about zero mean, unit-ish spread) at any (row, column), from one seed. */
export class TexturePlane {
  constructor(private readonly textures: readonly GrayTexture[], private readonly seed: number) {
    if (textures.length === 0) throw new RangeError("TexturePlane needs at least one texture");
  }

  private cell(layer: number, cy: number, cx: number): Cell {
    const h = hashCoords(this.seed, layer + 1, cy, cx);
    const L = LAYERS[layer]!;
    const tex = this.textures[h % this.textures.length]!;
    return {
      tex,
      zoom: L.zoomMin + (L.zoomMax - L.zoomMin) * unitHash(h, 1),
      oy: unitHash(h, 2) * 2 * tex.height,
      ox: unitHash(h, 3) * 2 * tex.width,
      swap: ((h >>> 8) & 1) === 1,
      flipY: (h >>> 9) & 1 ? -1 : 1,
      flipX: (h >>> 10) & 1 ? -1 : 1,
    };
  }

  private static sample(c: Cell, y: number, x: number): number {
    const a = (c.flipY * y) / c.zoom, b = (c.flipX * x) / c.zoom;
    return c.swap ? sampleMirrored(c.tex, c.oy + b, c.ox + a) : sampleMirrored(c.tex, c.oy + a, c.ox + b);
  }

  /** Values of rows [r0, r0 + nr) × columns [c0, c0 + nc), row-major; each value depends only on its (row, column). */
  plane(r0: number, c0: number, nr: number, nc: number): Float32Array {
    const out = new Float32Array(nr * nc);
    for (let k = 0; k < NOISE.length; k++) {
      const [period, amp] = NOISE[k]!, s = this.seed + 101 * (k + 1);
      const ay = latticeAxis(r0, nr, period), ax = latticeAxis(c0, nc, period);
      const lat = new Float64Array(ay.n * ax.n);
      for (let i = 0; i < ay.n; i++) for (let j = 0; j < ax.n; j++) lat[i * ax.n + j] = amp * (2 * unitHash(s, ay.first + i, ax.first + j) - 1);
      let o = 0;
      for (let r = 0; r < nr; r++) {
        const row = ay.idx[r]! * ax.n, fy = ay.f[r]!;
        for (let c = 0; c < nc; c++) {
          const i = row + ax.idx[c]!, fx = ax.f[c]!;
          const top = lat[i]! + (lat[i + 1]! - lat[i]!) * fx, bottom = lat[i + ax.n]! + (lat[i + ax.n + 1]! - lat[i + ax.n]!) * fx;
          out[o++]! += top + (bottom - top) * fy;
        }
      }
    }
    for (let l = 0; l < LAYERS.length; l++) {
      const L = LAYERS[l]!;
      const cy0 = Math.floor(r0 / L.cell) - 1, cx0 = Math.floor(c0 / L.cell) - 1;
      const ncy = Math.floor((r0 + nr - 1) / L.cell) + 2 - cy0, ncx = Math.floor((c0 + nc - 1) / L.cell) + 2 - cx0;
      const cells: Cell[] = [];
      for (let i = 0; i < ncy; i++) for (let j = 0; j < ncx; j++) cells.push(this.cell(l, cy0 + i, cx0 + j));
      const bx = Array.from({ length: nc }, (_, c) => cellBlend((c0 + c) / L.cell));
      let o = 0;
      for (let r = 0; r < nr; r++) {
        const y = r0 + r, [ya, yb, wy] = cellBlend(y / L.cell);
        const rowA = (ya - cy0) * ncx - cx0, rowB = (yb - cy0) * ncx - cx0;
        for (let c = 0; c < nc; c++) {
          const x = c0 + c, [xa, xb, wx] = bx[c]!;
          let v = (1 - wy) * (1 - wx) * TexturePlane.sample(cells[rowA + xa]!, y, x);
          if (wx > 0) v += (1 - wy) * wx * TexturePlane.sample(cells[rowA + xb]!, y, x);
          if (wy > 0) {
            v += wy * (1 - wx) * TexturePlane.sample(cells[rowB + xa]!, y, x);
            if (wx > 0) v += wy * wx * TexturePlane.sample(cells[rowB + xb]!, y, x);
          }
          out[o++]! += L.weight * v;
        }
      }
    }
    return out;
  }
}

export interface TextureSourceInit {
  /** Level-0 shape [z, y, x]; z = 1 for 2D. */
  shape: Vec3;
  /** uint8 or uint16 (values scaled to the full range), or float32 (0..1). */
  dtype: "uint8" | "uint16" | "float32";
  seed: number;
  textures: readonly GrayTexture[];
  /** Standard deviation of the per-pixel noise, as a fraction of the range. @default 0.01 */
  pixelNoise?: number;
  space?: Space;
}

/** The synthetic texture as a lazy single-channel Source (deterministic per seed; any region on its own). */
export function textureSource(init: TextureSourceInit): Source {
  const [nz] = init.shape;
  const ndim: 2 | 3 = nz > 1 ? 3 : 2;
  const dtype: DType = init.dtype;
  const meta: ImageMeta = {
    path: `<synth seed ${init.seed}>`,
    format: "synth",
    ndim,
    dtype,
    channels: ["gray"],
    levels: [{ shape: [...init.shape], scale: [1, 1, 1] }],
    space: init.space ?? defaultSpace(),
  };
  const seed = init.seed >>> 0;
  const planes = [0, 1, 2].map((k) => new TexturePlane(init.textures, hashCoords(seed, 7000 + k)));
  const noiseSeed = hashCoords(seed, 9001), blobSeed = hashCoords(seed, 9002);
  const pixelNoise = (init.pixelNoise ?? 0.01) * Math.sqrt(12);
  const scale = dtype === "uint8" ? 255 : dtype === "uint16" ? 65535 : 1;
  const round = dtype !== "float32";
  /** Maps the texture value s (about unit spread) and the voxel's hashed noise to the output range. */
  const finish = (s: number, z: number, y: number, x: number) => {
    let v = 0.5 + 0.16 * s + pixelNoise * (hash32((hash32(noiseSeed ^ Math.imul(z, 0x27d4eb2d)) ^ Math.imul(y, 0x165667b1)) + Math.imul(x, 0x61c88647)) / 4294967296 - 0.5);
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    return round ? Math.round(v * scale) : v;
  };
  return {
    meta,
    async read(region, level, options) {
      const channels = checkRead(meta, region, level, options?.channels);
      const [z0, y0, x0] = region.start;
      const [dz, dy, dx] = region.size;
      const out = allocatePixels(dtype, dz * dy * dx);
      if (ndim === 2) {
        const yx = planes[0]!.plane(y0, x0, dy, dx);
        let o = 0;
        for (let y = 0; y < dy; y++) for (let x = 0; x < dx; x++, o++) out[o] = finish(yx[o]!, 0, y0 + y, x0 + x);
      } else {
        const yx = planes[0]!.plane(y0, x0, dy, dx), zx = planes[1]!.plane(z0, x0, dz, dx), zy = planes[2]!.plane(z0, y0, dz, dy);
        let o = 0;
        for (let z = 0; z < dz; z++) {
          for (let y = 0; y < dy; y++) {
            for (let x = 0; x < dx; x++) {
              const gz = z0 + z, gy = y0 + y, gx = x0 + x;
              const blob = smoothstep((valueNoise3(blobSeed, gz, gy, gx, 20) - 0.15) / 0.35);
              const s = 0.6 * (yx[y * dx + x]! + zx[z * dx + x]! + zy[z * dy + y]!) + 2.2 * blob - 0.6;
              out[o++] = finish(s, gz, gy, gx);
            }
          }
        }
      }
      return channels.map(() => out);
    },
    async close() {},
  };
}
