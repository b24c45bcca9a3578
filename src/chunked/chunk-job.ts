// One chunk job of the local refinement, a pure function of the inputs on disk, the plan and T_global: register the
// fixed chunk (core + halo) against the moving image pre-warped through T_global, and sample the residual on the lattice.

import type { Source } from "../core/source.js";
import { levelSpace, voxelCount, type Region, type Vec3 } from "../core/space.js";
import type { Kernels } from "../compute/kernels.js";
import { serialKernels } from "../compute/serial-kernels.js";
import { createField, type Field } from "../kernels/types.js";
import { localNccFast } from "../compute/wasm/local-ncc.js";
import { registerBSpline } from "../registration/bspline-stage.js";
import { registerGreedy } from "../registration/greedy-stage.js";
import { normaliseIntensity, readRegionImage, shrinkLevelImage, type LevelImage } from "../registration/level-image.js";
import { indexToPhysicalMat4, physicalToIndexMat4 } from "../registration/frame.js";
import { toPhysical } from "../registration/register-images.js";
import { identity4, mul4 } from "../transforms/affine.js";
import type { RegistrationTransform } from "../transforms/registration-transform.js";
import { warpedSource } from "../warp/warped-source.js";
import { createTileMapper, mapTileCoordinates } from "../warp/tile-mapper.js";
import type { ChunkSpec } from "./chunk-grid.js";
import type { ForegroundRule } from "./foreground.js";
import { foregroundFraction } from "./foreground.js";
import type { Plan } from "./plan.js";

/** Everything a chunk job reads; the same for every chunk of a run. */
export interface ChunkContext {
  plan: Plan;
  /** Both images with the levels the plan was made for (withPyramid). */
  fixed: Source;
  moving: Source;
  /** T_global, as loaded from RUN/global/transform (never the in-memory result, so resumed runs use the same bits). */
  global: RegistrationTransform;
  foreground: ForegroundRule;
  kernels?: Kernels;
}

export type ChunkFlag = "background" | "worse";

/** What a finished chunk reports (one manifest line) besides its residual. */
export interface ChunkRecord {
  id: number;
  /** Fraction of the fixed core that is foreground. */
  foreground: number;
  /** Local NCC cost over the core, before (T_global) and after the chunk's refinement; NaN when not registered. */
  before: number;
  after: number;
  /** Set when the chunk keeps T_global (its residual is zero). */
  flag?: ChunkFlag;
  /** Largest residual displacement on the chunk's lattice nodes, physical units. */
  maxResidual: number;
  seconds: number;
}

export interface ChunkOutcome {
  record: ChunkRecord;
  /** Residual displacement (physical) at the chunk's lattice nodes, vector-first [ndim, nodes z, y, x]. */
  residual: Float32Array;
}

/** The multi-resolution schedule of a chunk: itself, and one 2× shrink when its sides allow. */
function chunkSchedule(li: LevelImage, levels: number): LevelImage[] {
  const out = [li];
  const s = li.image.shape, sides = s[0] > 1 ? s : [s[1], s[2]];
  if (levels > 1 && Math.min(...sides) >= 64) out.unshift(shrinkLevelImage(li));
  return out;
}

/** Local NCC cost of W(x + u(x)) against F over the voxels of `mask`. */
async function costWith(f: LevelImage, w: LevelImage, u: Field, mask: Uint8Array, radius: number, kernels: Kernels): Promise<number> {
  const b = mul4(physicalToIndexMat4(w.space), indexToPhysicalMat4(f.space));
  const r = await kernels.resampleMapped(w.image, b, u, { interpolation: "linear", mask: true });
  const m = r.mask!;
  for (let i = 0; i < m.length; i++) m[i] = m[i]! & mask[i]!;
  return localNccFast(f.image.data, r.image.data, f.image.shape, { movingMask: m, radius }).value;
}

/** 1 inside `core` (absolute voxels), 0 elsewhere, over `extended`. */
function coreMask(extended: Region, core: Region): Uint8Array {
  const [nz, ny, nx] = extended.size, m = new Uint8Array(nz * ny * nx);
  const lo = core.start.map((v, a) => v - extended.start[a]!), hi = lo.map((v, a) => v + core.size[a]!);
  for (let z = lo[0]!; z < hi[0]!; z++) for (let y = lo[1]!; y < hi[1]!; y++) m.fill(1, (z * ny + y) * nx + lo[2]!, (z * ny + y) * nx + hi[2]!);
  return m;
}

/**
 * 1 where T_global maps the voxel of `extended` (refinement level) inside the moving image with a voxel to spare:
 * elsewhere the pre-warped moving image is fill, and its edge must not pull the registration.
 */
function insideMoving(ctx: ChunkContext, extended: Region): Uint8Array {
  const ndim = ctx.plan.ndim, n = voxelCount(extended.size);
  const mapper = createTileMapper(ctx.global, levelSpace(ctx.fixed.meta, ctx.plan.refinement.level), levelSpace(ctx.moving.meta, 0));
  const coords = new Float64Array(ndim * n);
  mapTileCoordinates(mapper, extended, coords);
  const shape = ctx.moving.meta.levels[0]!.shape, first = ndim === 3 ? 0 : 1;
  const out = new Uint8Array(n).fill(1);
  for (let c = 0; c < ndim; c++) {
    const hi = shape[first + c]! - 2;
    for (let i = 0; i < n; i++) {
      const v = coords[c * n + i]!;
      if (!(v >= 1 && v <= hi)) out[i] = 0;
    }
  }
  return out;
}

/** A mask on the grid of a 2×-shrunk level: a coarse voxel counts when every fine voxel it covers does. */
function shrinkMask(mask: Uint8Array, fine: Vec3, coarse: Vec3): Uint8Array {
  const f = coarse.map((c, a) => (c === fine[a] ? 1 : 2));
  const out = new Uint8Array(coarse[0] * coarse[1] * coarse[2]);
  let o = 0;
  for (let z = 0; z < coarse[0]; z++) {
    for (let y = 0; y < coarse[1]; y++) {
      for (let x = 0; x < coarse[2]; x++, o++) {
        let v = 1;
        for (let dz = 0; dz < f[0]! && v; dz++) {
          for (let dy = 0; dy < f[1]! && v; dy++) {
            for (let dx = 0; dx < f[2]! && v; dx++) {
              const zz = Math.min(z * f[0]! + dz, fine[0] - 1), yy = Math.min(y * f[1]! + dy, fine[1] - 1), xx = Math.min(x * f[2]! + dx, fine[2] - 1);
              v = mask[(zz * fine[1] + yy) * fine[2] + xx]!;
            }
          }
        }
        out[o] = v;
      }
    }
  }
  return out;
}

/** Samples a physical displacement field over `extended` at the chunk's lattice nodes (clamped to the chunk). */
function sampleNodes(d: Float32Array, extended: Region, nodes: Region, step: Vec3, ndim: 2 | 3): Float32Array {
  const [ez, ey, ex] = extended.size, n = ez * ey * ex;
  const [kz, ky, kx] = nodes.size, m = kz * ky * kx;
  const out = new Float32Array(ndim * m);
  const at = (a: number, k: number, size: number) => Math.min(Math.max((nodes.start[a]! + k) * step[a]! - extended.start[a]!, 0), size - 1);
  let o = 0;
  for (let z = 0; z < kz; z++) {
    const vz = at(0, z, ez);
    for (let y = 0; y < ky; y++) {
      const vy = at(1, y, ey);
      for (let x = 0; x < kx; x++, o++) {
        const i = (vz * ey + vy) * ex + at(2, x, ex);
        for (let c = 0; c < ndim; c++) out[c * m + o] = d[c * n + i]!;
      }
    }
  }
  return out;
}

/** Runs chunk `chunk` of the plan. Deterministic: the same bytes whichever worker or thread count runs it. */
export async function runChunk(ctx: ChunkContext, chunk: ChunkSpec): Promise<ChunkOutcome> {
  const t0 = performance.now();
  const { plan } = ctx, ndim = plan.ndim, p = plan.chunking.parameters, level = plan.refinement.level;
  const kernels = ctx.kernels ?? serialKernels;
  const nodeCount = voxelCount(chunk.nodes.size);
  const zero = (record: Omit<ChunkRecord, "seconds" | "maxResidual">): ChunkOutcome => ({
    record: { ...record, maxResidual: 0, seconds: (performance.now() - t0) / 1000 }, residual: new Float32Array(ndim * nodeCount),
  });
  const channels = plan.global.channels;
  const f = await readRegionImage(ctx.fixed, level, chunk.extended, channels.fixed !== undefined ? { channel: channels.fixed } : {});
  const mask = coreMask(chunk.extended, chunk.core);
  const foreground = foregroundFraction(f.image.data, mask, ctx.foreground);
  if (foreground < p.minForeground) return zero({ id: chunk.id, foreground, before: NaN, after: NaN, flag: "background" });

  // The moving image through T_global on the chunk's grid: warpedSource reads the bounding box of T_global over
  // every voxel of the extended chunk plus the interpolator's support, not just the chunk's corners.
  const warped = warpedSource(ctx.moving, ctx.global, ctx.fixed, {
    level, interpolation: "linear", ...(channels.moving !== undefined ? { channels: [channels.moving] } : {}), kernels,
  });
  const w = await readRegionImage(warped, 0, chunk.extended);
  const valid = insideMoving(ctx, chunk.extended);
  for (let i = 0; i < mask.length; i++) mask[i] = mask[i]! & valid[i]!;
  normaliseIntensity(f.image);
  normaliseIntensity(w.image);
  const fixedLevels = chunkSchedule(f, p.iterations.length);
  const movingLevels = fixedLevels.length > 1 ? [shrinkLevelImage(w), w] : [w];
  const iterations = p.iterations.slice(p.iterations.length - fixedLevels.length);
  const zeroField = createField(f.image.shape, ndim);
  const before = await costWith(f, w, zeroField, mask, p.nccRadius, kernels);
  const fixedMasks = fixedLevels.length > 1 ? [shrinkMask(valid, f.image.shape, fixedLevels[0]!.image.shape), valid] : [valid];
  const common = { fixedMasks, metric: "ncc" as const, radius: p.nccRadius, iterations };
  const dense = p.deformable === "bspline"
    ? await registerBSpline(fixedLevels, movingLevels, identity4(), ndim, { ...common, gridSpacingVoxels: p.gridSpacing, bendingWeight: p.bendingWeight }, kernels)
    : await registerGreedy(fixedLevels, movingLevels, identity4(), ndim, {
      ...common, sigmaUpdate: p.sigmaUpdate, sigmaField: p.sigmaField, stepVoxels: p.stepVoxels, mode: "greedy",
    }, kernels);
  const after = await costWith(f, w, dense.displacement, mask, p.nccRadius, kernels);
  if (!(after <= before)) return zero({ id: chunk.id, foreground, before, after, flag: "worse" });
  // The lattice keeps one node every `step` voxels: low-pass the field first (σ = step / 2) so it is sampled, not aliased.
  const step = plan.refinement.latticeStep;
  const smooth = p.latticeSmoothing ? await kernels.gaussianSmoothField(dense.displacement, (ndim === 3 ? step : [0, step[1], step[2]]).map((s) => s * p.latticeSmoothing) as Vec3) : dense.displacement;
  const d = toPhysical(smooth, f.space);
  const residual = sampleNodes(d.data, chunk.extended, chunk.nodes, plan.refinement.latticeStep, ndim);
  let maxResidual = 0;
  for (let i = 0; i < nodeCount; i++) {
    let s = 0;
    for (let c = 0; c < ndim; c++) s += residual[c * nodeCount + i]! ** 2;
    maxResidual = Math.max(maxResidual, Math.sqrt(s));
  }
  return { record: { id: chunk.id, foreground, before, after, maxResidual, seconds: (performance.now() - t0) / 1000 }, residual };
}
