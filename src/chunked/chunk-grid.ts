// The chunk grid of the local refinement: core regions tiling the refinement level, extended regions (core + halo),
// the residual lattice (a node every `step` voxels) and each chunk's partition-of-unity blending weights.

import { OptionError } from "../core/errors.js";
import type { Region, Vec3 } from "../core/space.js";

export interface ChunkSpec {
  id: number;
  /** Position in the chunk grid, [z, y, x]. */
  position: Vec3;
  /** The voxels this chunk is responsible for (they tile the level). */
  core: Region;
  /** Core + halo, clipped to the level: what the chunk job registers. */
  extended: Region;
  /** The lattice nodes inside the extended region (node k sits at voxel k · step). */
  nodes: Region;
}

export interface ChunkGrid {
  /** Shape of the refinement level, [z, y, x]. */
  shape: Vec3;
  /** Core size (a multiple of `step` on every axis with more than one voxel). */
  size: Vec3;
  halo: Vec3;
  /** Lattice step in voxels of the refinement level. */
  step: Vec3;
  /** Lattice nodes per axis: node k at voxel k · step; the last node sits at or beyond the last voxel. */
  latticeShape: Vec3;
  /** Chunks per axis. */
  counts: Vec3;
  chunks: ChunkSpec[];
}

/** Nodes per axis of a lattice with `step` over `n` voxels. */
function nodesAlong(n: number, step: number): number {
  return n <= 1 ? 1 : Math.ceil((n - 1) / step) + 1;
}

/**
 * Splits a level of `shape` into chunks of `size` voxels (rounded up to whole lattice steps) with `halo` voxels of
 * overlap on each side (rounded to whole steps, at most half a chunk). Axes of one voxel (z of a 2D image) get one
 * chunk and no halo.
 */
export function chunkGrid(shape: Vec3, size: Vec3, halo: Vec3, step: Vec3): ChunkGrid {
  const s = shape.map((n, a) => (n <= 1 ? 1 : Math.max(1, Math.round(step[a]!)))) as Vec3;
  const core = shape.map((n, a) => {
    if (n <= 1) return 1;
    if (!(size[a]! >= 1)) throw new OptionError("chunk size", size, "at least one voxel per axis");
    return Math.min(Math.ceil(size[a]! / s[a]!) * s[a]!, Math.ceil(n / s[a]!) * s[a]!);
  }) as Vec3;
  const h = shape.map((n, a) => {
    if (n <= 1) return 0;
    if (!(halo[a]! >= 0)) throw new OptionError("chunk overlap", halo, "a non-negative halo");
    return Math.min(Math.round(halo[a]! / s[a]!) * s[a]!, Math.floor(core[a]! / 2 / s[a]!) * s[a]!);
  }) as Vec3;
  const counts = shape.map((n, a) => Math.ceil(n / core[a]!)) as Vec3;
  const latticeShape = shape.map((n, a) => nodesAlong(n, s[a]!)) as Vec3;
  const chunks: ChunkSpec[] = [];
  for (let cz = 0; cz < counts[0]; cz++) {
    for (let cy = 0; cy < counts[1]; cy++) {
      for (let cx = 0; cx < counts[2]; cx++) {
        const position: Vec3 = [cz, cy, cx];
        const start = position.map((c, a) => c * core[a]!) as Vec3;
        const end = start.map((v, a) => Math.min(v + core[a]!, shape[a]!)) as Vec3;
        const eStart = start.map((v, a) => Math.max(0, v - h[a]!)) as Vec3;
        const eEnd = end.map((v, a) => Math.min(shape[a]!, v + h[a]!)) as Vec3;
        // Nodes at voxels within [eStart, eEnd − 1]; the chunk that reaches the level's end also owns the last node.
        const k0 = eStart.map((v, a) => Math.ceil(v / s[a]!)) as Vec3;
        const k1 = eEnd.map((v, a) => (v === shape[a] ? latticeShape[a]! - 1 : Math.floor((v - 1) / s[a]!))) as Vec3;
        chunks.push({
          id: chunks.length, position,
          core: { start, size: end.map((v, a) => v - start[a]!) as Vec3 },
          extended: { start: eStart, size: eEnd.map((v, a) => v - eStart[a]!) as Vec3 },
          nodes: { start: k0, size: k1.map((v, a) => v - k0[a]! + 1) as Vec3 },
        });
      }
    }
  }
  return { shape: [...shape], size: core, halo: h, step: s, latticeShape, counts, chunks };
}

/**
 * Blending weight of a chunk along one axis at voxel x: a linear ramp from 0 at core start − halo to 1 at core
 * start + halo (none at the level's start), and the mirror ramp at the core's end (none at the level's end).
 * Neighbours' ramps sum to 1 over their shared overlap, so the products over axes form a partition of unity.
 */
export function rampWeight(x: number, coreStart: number, coreEnd: number, halo: number, n: number): number {
  let w = 1;
  if (coreStart > 0) w *= halo > 0 ? Math.min(1, Math.max(0, (x - (coreStart - halo)) / (2 * halo))) : x >= coreStart ? 1 : 0;
  if (coreEnd < n) w *= halo > 0 ? Math.min(1, Math.max(0, (coreEnd + halo - x) / (2 * halo))) : x < coreEnd ? 1 : 0;
  return w;
}

/** The chunk's blending weight at each of its lattice nodes, C order over `chunk.nodes`. */
export function chunkNodeWeights(grid: ChunkGrid, chunk: ChunkSpec): Float64Array {
  const [nz, ny, nx] = chunk.nodes.size;
  const along = (a: number, count: number): Float64Array => {
    const w = new Float64Array(count);
    const c0 = chunk.core.start[a]!, c1 = c0 + chunk.core.size[a]!;
    for (let i = 0; i < count; i++) {
      const x = Math.min((chunk.nodes.start[a]! + i) * grid.step[a]!, grid.shape[a]! - 1);
      w[i] = rampWeight(x, c0, c1, grid.halo[a]!, grid.shape[a]!);
    }
    return w;
  };
  const wz = along(0, nz), wy = along(1, ny), wx = along(2, nx);
  const out = new Float64Array(nz * ny * nx);
  let o = 0;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) out[o++] = wz[z]! * wy[y]! * wx[x]!;
  return out;
}
