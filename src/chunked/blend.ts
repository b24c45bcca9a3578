// Stitching the chunks: a partition-of-unity blend of their residual lattices into one seamless field, the seam
// measurements that show it, and folding T = A ∘ (id + d_global) ∘ (id + r) into one lattice T(p) = A(p + d(p)).

import { indexToPhysical, indexToPhysicalLinear, invertMat3, voxelCount, type Space, type Vec3 } from "../core/space.js";
import type { DisplacementGrid, RegistrationTransform } from "../transforms/registration-transform.js";
import { deformationMapper, deformationOf, offsetAdder, withDeformation } from "../transforms/registration-transform.js";
import { chunkNodeWeights, type ChunkGrid, type ChunkSpec } from "./chunk-grid.js";

/**
 * How well neighbouring chunks agree, and whether the stitched field shows their borders. Every measure counts only
 * lattice nodes inside the overlap (overlapNodes) when one is given: beyond it the field is an extrapolation with no
 * image data to register, not a result that could show a seam.
 */
export interface SeamStats {
  /** Largest |r_a − r_b| over the lattice nodes two neighbouring chunks share (what a hard cut would jump by), physical units. */
  neighbourDisagreementMax: number;
  /** 95th percentile of the same over every shared node. */
  neighbourDisagreementP95: number;
  /**
   * The stitched field's jump at chunk borders: over each border segment between two chunks, the mean of
   * (f(b) − f(b−1)) − ½[(f(b−1) − f(b−2)) + (f(b+1) − f(b))], the step across the border beyond the steps beside it;
   * the largest norm over all segments, physical units. A seam (an offset or a kink between chunks) shows up here;
   * per-node registration noise averages out over the segment.
   */
  borderJumpMax: number;
  /**
   * The same measure on the lattice lines through the middle of each chunk core, where no border lies: what
   * registration noise and the field's own shape give. A border jump near this value shows no seam of its own.
   */
  midCoreJumpMax: number;
  /** Per-node second difference |f(k) − 2f(k−1) + f(k−2)| over the lattice, 99th percentile: the field's roughness, for scale. */
  nodeRoughnessP99: number;
}

/**
 * Blends the chunks' residual lattices (vector-first over each chunk's node box; null = the chunk keeps T_global,
 * residual zero) with their ramp weights, in chunk order, normalised by the weight sum. Returns the residual over the
 * whole lattice, vector-first [ndim, lattice z, y, x].
 */
export function blendResiduals(grid: ChunkGrid, ndim: 2 | 3, residualOf: (chunk: ChunkSpec) => Float32Array | null): Float32Array {
  const [lz, ly, lx] = grid.latticeShape, total = lz * ly * lx;
  const sum = new Float64Array(ndim * total), weight = new Float64Array(total);
  for (const chunk of grid.chunks) {
    const w = chunkNodeWeights(grid, chunk), r = residualOf(chunk);
    const [nz, ny, nx] = chunk.nodes.size, m = nz * ny * nx, [sz, sy, sx] = chunk.nodes.start;
    let o = 0;
    for (let z = 0; z < nz; z++) {
      for (let y = 0; y < ny; y++) {
        for (let x = 0; x < nx; x++, o++) {
          const g = ((sz + z) * ly + sy + y) * lx + sx + x;
          weight[g] = weight[g]! + w[o]!;
          if (r) for (let c = 0; c < ndim; c++) sum[c * total + g] = sum[c * total + g]! + w[o]! * r[c * m + o]!;
        }
      }
    }
  }
  const out = new Float32Array(ndim * total);
  for (let g = 0; g < total; g++) {
    const wg = weight[g]!;
    if (wg > 0) for (let c = 0; c < ndim; c++) out[c * total + g] = sum[c * total + g]! / wg;
  }
  return out;
}

function percentile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))]!;
}

/**
 * The lattice nodes of the folded transform `t` (a displacement lattice) whose image T(p) = A(p + d(p)) lies inside
 * the moving image of `movingShape` in `movingSpace` (index range, ends included), and at least `margin` nodes (per
 * axis, [z, y, x]) from any node that does not or from the lattice's end: 1 counted, 0 not. Registration near the edge
 * of the data has only one side to go by (chunks get a halo for the same reason), so a margin of the halo's width
 * keeps that edge band, which no chunk border causes, out of the seam measurements.
 */
export function overlapNodes(t: RegistrationTransform, movingSpace: Space, movingShape: Vec3, margin: Vec3 = [0, 0, 0]): Uint8Array {
  const grid = t.displacement;
  if (!grid) throw new TypeError("overlapNodes: the transform has no displacement lattice");
  const [nz, ny, nx] = grid.shape, n = nz * ny * nx, ndim = t.ndim, first = ndim === 3 ? 0 : 1, a = t.affine;
  // moving index = M · (p + d) + m, with M = (D·S)⁻¹_moving · A's linear part and m its offset; p = lattice origin +
  // (D·S)_lattice · node index. No array is made per node (the lattice can hold millions).
  const toPhysical = indexToPhysicalLinear(grid.space), toMoving = invertMat3(indexToPhysicalLinear(movingSpace));
  const M = new Float64Array(9), m = new Float64Array(3), o = grid.space.origin;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) for (let r = 0; r < 3; r++) M[3 * i + j] = M[3 * i + j]! + toMoving[3 * i + r]! * a[4 * r + j]!;
    for (let r = 0; r < 3; r++) m[i] = m[i]! + toMoving[3 * i + r]! * (a[4 * r + 3]! - movingSpace.origin[r]!);
  }
  const hi = [movingShape[0] - 1, movingShape[1] - 1, movingShape[2] - 1], inside = new Uint8Array(n), p = new Float64Array(3);
  let g = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, g++) {
        for (let k = 0; k < 3; k++) p[k] = o[k]! + toPhysical[3 * k]! * z + toPhysical[3 * k + 1]! * y + toPhysical[3 * k + 2]! * x;
        for (let c = 0; c < ndim; c++) p[first + c] = p[first + c]! + grid.data[c * n + g]!;
        let ok = 1;
        for (let axis = first; axis < 3; axis++) {
          const v = M[3 * axis]! * p[0]! + M[3 * axis + 1]! * p[1]! + M[3 * axis + 2]! * p[2]! + m[axis]!;
          if (!(v >= 0 && v <= hi[axis]!)) ok = 0;
        }
        inside[g] = ok;
      }
    }
  }
  return erodeNodes(inside, grid.shape, margin);
}

/** Box erosion of a 0/1 node mask of `shape` by `radius` nodes per axis, nodes beyond the ends counting as 0. */
function erodeNodes(mask: Uint8Array, shape: Vec3, radius: Vec3): Uint8Array {
  const strides = [shape[1] * shape[2], shape[2], 1];
  for (let axis = 0; axis < 3; axis++) {
    const r = radius[axis]!, n = shape[axis]!, st = strides[axis]!;
    if (r <= 0) continue;
    const before = Uint8Array.from(mask);
    for (let g = 0; g < mask.length; g++) {
      const k = Math.floor(g / st) % n;
      if (k < r || k + r >= n) {
        mask[g] = 0;
        continue;
      }
      for (let j = -r; j <= r && mask[g]; j++) if (!before[g + j * st]) mask[g] = 0;
    }
  }
  return mask;
}

/**
 * Seam measurements of a stitched lattice `field` (vector-first, physical units: the folded transform's d, or a
 * blended residual) and the chunks' own residuals, over the nodes `inside` marks (all nodes when absent).
 */
export function seamStats(grid: ChunkGrid, ndim: 2 | 3, field: Float32Array, residualOf: (chunk: ChunkSpec) => Float32Array | null, inside?: Uint8Array): SeamStats {
  const [lz, ly, lx] = grid.latticeShape, total = lz * ly * lx, L = grid.latticeShape;
  const counts = inside ? (g: number) => inside[g] === 1 : () => true;
  // Neighbour disagreement: every pair of chunks adjacent along an axis, over the nodes both cover.
  const byPosition = new Map(grid.chunks.map((c) => [c.position.join(","), c]));
  const disagreement: number[] = [];
  for (const a of grid.chunks) {
    const ra = residualOf(a) ?? new Float32Array(ndim * voxelCount(a.nodes.size));
    for (let axis = 0; axis < 3; axis++) {
      const pos = [...a.position] as Vec3;
      pos[axis]! += 1;
      const b = byPosition.get(pos.join(","));
      if (!b) continue;
      const rb = residualOf(b) ?? new Float32Array(ndim * voxelCount(b.nodes.size));
      const lo = [0, 1, 2].map((k) => Math.max(a.nodes.start[k]!, b.nodes.start[k]!));
      const hi = [0, 1, 2].map((k) => Math.min(a.nodes.start[k]! + a.nodes.size[k]!, b.nodes.start[k]! + b.nodes.size[k]!));
      const ma = voxelCount(a.nodes.size), mb = voxelCount(b.nodes.size);
      const idx = (c: ChunkSpec, z: number, y: number, x: number) => ((z - c.nodes.start[0]) * c.nodes.size[1] + y - c.nodes.start[1]) * c.nodes.size[2] + x - c.nodes.start[2];
      for (let z = lo[0]!; z < hi[0]!; z++) {
        for (let y = lo[1]!; y < hi[1]!; y++) {
          for (let x = lo[2]!; x < hi[2]!; x++) {
            if (!counts((z * ly + y) * lx + x)) continue;
            const ia = idx(a, z, y, x), ib = idx(b, z, y, x);
            let s = 0;
            for (let c = 0; c < ndim; c++) s += (ra[c * ma + ia]! - rb[c * mb + ib]!) ** 2;
            disagreement.push(Math.sqrt(s));
          }
        }
      }
    }
  }
  const borderJumpMax = segmentJumpMax(grid, ndim, field, 0, counts);
  // The same estimator on the lines through the middle of the cores, where no chunk border lies: its noise floor.
  const midCoreJumpMax = segmentJumpMax(grid, ndim, field, 0.5, counts);
  const strides = [ly * lx, lx, 1];
  // Node-level second differences away from borders, for scale: registration noise, not seams.
  const interior: number[] = [];
  for (let axis = 0; axis < 3; axis++) {
    if (L[axis]! < 3) continue;
    const st = strides[axis]!;
    for (let z = 0; z < lz; z++) {
      for (let y = 0; y < ly; y++) {
        for (let x = 0; x < lx; x++) {
          const k = [z, y, x][axis]!;
          if (k < 2 || (x + y + z) % 7 !== 0) continue;
          const g = (z * ly + y) * lx + x;
          if (!counts(g) || !counts(g - st) || !counts(g - 2 * st)) continue;
          let s2 = 0;
          for (let comp = 0; comp < ndim; comp++) {
            const o = comp * total + g;
            s2 += (field[o]! - 2 * field[o - st]! + field[o - 2 * st]!) ** 2;
          }
          interior.push(Math.sqrt(s2));
        }
      }
    }
  }
  return {
    neighbourDisagreementMax: disagreement.reduce((m, v) => Math.max(m, v), 0),
    neighbourDisagreementP95: percentile(disagreement, 0.95),
    borderJumpMax,
    midCoreJumpMax,
    nodeRoughnessP99: percentile(interior, 0.99),
  };
}

/**
 * Over each segment of lattice line between two neighbouring chunks — on their core border (`at` = 0) or at a
 * fraction `at` of the core past it — the mean of (f(b) − f(b−1)) − ½[(f(b−1) − f(b−2)) + (f(b+1) − f(b))] (the step
 * across the line beyond the steps beside it); the largest norm over all segments, physical units. Node-level noise
 * averages out over a segment; a systematic offset or kink between two chunks does not. Only nodes whose four-node
 * stencil `counts` enter the mean, and only segments with at least half their nodes counted are measured.
 */
function segmentJumpMax(grid: ChunkGrid, ndim: 2 | 3, field: Float32Array, at: number, counts: (node: number) => boolean): number {
  const [lz, ly, lx] = grid.latticeShape, total = lz * ly * lx, L = grid.latticeShape;
  const strides = [ly * lx, lx, 1];
  let max = 0;
  for (const a of grid.chunks) {
    for (let axis = 0; axis < 3; axis++) {
      const c = a.core.start[axis]!;
      if (c === 0) continue; // a segment belongs to the chunk after the border
      const k = Math.round((c + at * a.core.size[axis]!) / grid.step[axis]!);
      if (k < 2 || k + 1 >= L[axis]!) continue;
      const lo = [0, 1, 2].map((d) => (d === axis ? k : Math.ceil(a.core.start[d]! / grid.step[d]!)));
      const hi = [0, 1, 2].map((d) => (d === axis ? k + 1 : Math.min(L[d]!, Math.ceil((a.core.start[d]! + a.core.size[d]!) / grid.step[d]!))));
      const st = strides[axis]!, mean = new Float64Array(ndim);
      let count = 0, nodes = 0;
      for (let z = lo[0]!; z < hi[0]!; z++) {
        for (let y = lo[1]!; y < hi[1]!; y++) {
          for (let x = lo[2]!; x < hi[2]!; x++) {
            const g = (z * ly + y) * lx + x;
            nodes++;
            if (!counts(g - 2 * st) || !counts(g - st) || !counts(g) || !counts(g + st)) continue;
            for (let comp = 0; comp < ndim; comp++) {
              const o = comp * total + g;
              const across = field[o]! - field[o - st]!, before = field[o - st]! - field[o - 2 * st]!, after = field[o + st]! - field[o]!;
              mean[comp] = mean[comp]! + across - (before + after) / 2;
            }
            count++;
          }
        }
      }
      if (count > 0 && 2 * count >= nodes) max = Math.max(max, Math.hypot(...mean) / count);
    }
  }
  return max;
}

/**
 * The final transform T(p) = T_global(p + r(p)) as one lattice: d(p) = φ_g(p + r(p)) − p evaluated exactly at each
 * node p (T_global's own deformation, whatever its kind: displacement, velocity or B-spline, is evaluated at the
 * displaced point, never resampled grid to grid), so that T(p) = A(p + d(p)) with d linearly interpolated between
 * nodes. The result is always a displacement grid: a global velocity or B-spline is sampled into it, explicitly here.
 */
export function foldTransform(global: RegistrationTransform, residual: Float32Array, lattice: { shape: Vec3; space: DisplacementGrid["space"] }): RegistrationTransform {
  const ndim = global.ndim, [nz, ny, nx] = lattice.shape, n = nz * ny * nx, first = ndim === 3 ? 0 : 1;
  const data = new Float32Array(ndim * n);
  // Kinds with φ = id + d add d_g at the displaced point (exact, no p + … − p round trip); a velocity field has no
  // closed-form d, so it is flowed and differenced.
  const def = deformationOf(global);
  const add = def && def.kind !== "velocity" ? offsetAdder(def) : undefined;
  const phi = def?.kind === "velocity" ? deformationMapper(def) : undefined, q = new Float64Array(3);
  let g = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, g++) {
        const p = indexToPhysical(lattice.space, [z, y, x]);
        const r: Vec3 = [0, 0, 0];
        for (let c = 0; c < ndim; c++) r[first + c] = residual[c * n + g]!;
        const d: Vec3 = [...r];
        if (add) {
          add([p[0] + r[0], p[1] + r[1], p[2] + r[2]], d);
        } else if (phi) {
          q[0] = p[0] + r[0];
          q[1] = p[1] + r[1];
          q[2] = p[2] + r[2];
          phi(q);
          d[0] = q[0]! - p[0];
          d[1] = q[1]! - p[1];
          d[2] = q[2]! - p[2];
        }
        for (let c = 0; c < ndim; c++) data[c * n + g] = d[first + c]!;
      }
    }
  }
  return withDeformation(global, { kind: "displacement", grid: { ndim, shape: [...lattice.shape], space: lattice.space, data } });
}
