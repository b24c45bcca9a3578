// Stitching: the blend reproduces a field every chunk agrees on exactly, hides chunk-to-chunk offsets that a hard
// cut would show at the borders (measured only where the data is: overlapNodes), and the folded transform equals
// T_global(p + r(p)) at the lattice nodes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultSpace, indexToPhysical, physicalToIndex, type Vec3 } from "../../src/core/space.js";
import { chunkGrid, type ChunkSpec } from "../../src/chunked/chunk-grid.js";
import { blendResiduals, foldTransform, overlapNodes, seamStats } from "../../src/chunked/blend.js";
import { affineFromParams } from "../../src/transforms/affine.js";
import { mapPoints, type RegistrationTransform } from "../../src/transforms/registration-transform.js";

const grid = chunkGrid([1, 1024, 800], [1, 256, 256], [0, 40, 40], [1, 8, 8]);
const [, ly, lx] = grid.latticeShape, total = ly * lx;
const smooth = (c: number, y: number, x: number) => (c === 0 ? 2 * Math.sin((y * 8) / 300) : 1.5 * Math.cos((x * 8) / 250 + (y * 8) / 500));

/** The chunk's residual: the smooth field at its nodes plus a per-chunk constant offset. */
function residualWith(offset: (c: ChunkSpec) => [number, number]): (c: ChunkSpec) => Float32Array {
  return (chunk) => {
    const [, ny, nx] = chunk.nodes.size, m = ny * nx, out = new Float32Array(2 * m), o = offset(chunk);
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
      for (let c = 0; c < 2; c++) out[c * m + y * nx + x] = smooth(c, chunk.nodes.start[1] + y, chunk.nodes.start[2] + x) + o[c]!;
    }
    return out;
  };
}

test("blend: chunks that agree give back their field at every node", () => {
  const field = blendResiduals(grid, 2, residualWith(() => [0, 0]));
  for (let y = 0; y < ly; y++) for (let x = 0; x < lx; x++) {
    for (let c = 0; c < 2; c++) assert.ok(Math.abs(field[c * total + y * lx + x]! - smooth(c, y, x)) < 1e-5);
  }
});

test("blend: flagged chunks (null) pull the field smoothly to zero in their core", () => {
  const flagged = grid.chunks.find((c) => c.position[1] === 1 && c.position[2] === 1)!;
  const field = blendResiduals(grid, 2, (c) => (c.id === flagged.id ? null : residualWith(() => [1, 1])(c)));
  const cy = (flagged.core.start[1] + 128) / 8, cx = (flagged.core.start[2] + 128) / 8;
  assert.equal(field[cy * lx + cx], 0, "the flagged core's centre keeps T_global");
});

test("seams: per-chunk offsets jump at the borders when cut hard, not when blended", () => {
  const offsets = new Map(grid.chunks.map((c) => [c.id, [((c.id * 7919) % 13) / 13 - 0.5, ((c.id * 104729) % 11) / 11 - 0.5] as [number, number]]));
  const residualOf = residualWith((c) => offsets.get(c.id)!);
  const blended = blendResiduals(grid, 2, residualOf);
  // Hard cut: each node takes the residual of the chunk whose core holds it.
  const hard = new Float32Array(2 * total);
  for (const c of grid.chunks) {
    const r = residualOf(c), [, ny, nx] = c.nodes.size, m = ny * nx;
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
      const gy = c.nodes.start[1] + y, gx = c.nodes.start[2] + x;
      const vy = Math.min(gy * 8, 1023), vx = Math.min(gx * 8, 799);
      if (vy < c.core.start[1] || vy >= c.core.start[1] + c.core.size[1] || vx < c.core.start[2] || vx >= c.core.start[2] + c.core.size[2]) continue;
      for (let k = 0; k < 2; k++) hard[k * total + gy * lx + gx] = r[k * m + y * nx + x]!;
    }
  }
  const s = seamStats(grid, 2, blended, residualOf);
  const h = seamStats(grid, 2, hard, residualOf);
  assert.ok(s.neighbourDisagreementMax > 0.3, `neighbours disagree by up to ${s.neighbourDisagreementMax}`);
  assert.ok(h.borderJumpMax > 0.3, `a hard cut jumps by ${h.borderJumpMax}`);
  assert.ok(s.borderJumpMax < 0.05, `the blended field's border jump ${s.borderJumpMax} px`);
  // Mid-core lines cross no border: the hard cut's field is smooth there, so the control stays at the smooth level.
  assert.ok(h.midCoreJumpMax < 0.01, `the hard cut away from borders: ${h.midCoreJumpMax} px`);
  assert.ok(s.midCoreJumpMax < 0.01, `the blended field away from borders: ${s.midCoreJumpMax} px`);

  // Beyond the overlap (here the lattice columns past x = 600 px) the field is an extrapolation: noise there is
  // not measured once the overlap is given, while the hard cut's seams inside it still are.
  const inside = new Uint8Array(total);
  for (let y = 0; y < ly; y++) for (let x = 0; x < lx; x++) inside[y * lx + x] = x * 8 <= 600 ? 1 : 0;
  const noisy = Float32Array.from(blended);
  for (let g = 0; g < total; g++) if (!inside[g]) for (let k = 0; k < 2; k++) noisy[k * total + g] = 5 * Math.sin(g * 12.9898 + k);
  const n = seamStats(grid, 2, noisy, residualOf), nm = seamStats(grid, 2, noisy, residualOf, inside);
  assert.ok(n.borderJumpMax > 0.3 && n.midCoreJumpMax > 0.3, `noise beyond the overlap, unmasked: ${n.borderJumpMax}, ${n.midCoreJumpMax}`);
  assert.ok(nm.borderJumpMax < 0.05 && nm.midCoreJumpMax < 0.01, `noise beyond the overlap, masked: ${nm.borderJumpMax}, ${nm.midCoreJumpMax}`);
  assert.ok(nm.nodeRoughnessP99 < 0.1, `masked roughness ${nm.nodeRoughnessP99}`);
  const hm = seamStats(grid, 2, hard, residualOf, inside);
  assert.ok(hm.borderJumpMax > 0.3, `a hard cut inside the overlap still jumps by ${hm.borderJumpMax}`);
});

test("overlapNodes: the lattice nodes whose T(p) = A(p + d(p)) lands inside the moving image", () => {
  const lattice = { shape: grid.latticeShape, space: { ...defaultSpace(), spacing: [1, 8, 8] as Vec3 } };
  // A shifts by +100 px in x; d pushes one node 40 px up, out through the top edge.
  const data = new Float32Array(2 * total);
  const pushed = 3 * lx + 10;
  data[pushed] = -40;
  const t: RegistrationTransform = {
    ndim: 2, affine: affineFromParams({ translation: [0, 0, 100], rotation: [0, 0, 0], zoom: [1, 1, 1], shear: [0, 0, 0] }, [0, 0, 0], 2),
    displacement: { ndim: 2, shape: lattice.shape, space: lattice.space, data }, fixedSpace: defaultSpace(), movingSpace: defaultSpace(),
  };
  const inside = overlapNodes(t, defaultSpace(), [1, 1024, 800]);
  for (let y = 0; y < ly; y++) for (let x = 0; x < lx; x++) {
    const g = y * lx + x, my = y * 8 + (g === pushed ? -40 : 0), mx = x * 8 + 100;
    assert.equal(inside[g], my >= 0 && my <= 1023 && mx <= 799 ? 1 : 0, `node ${y}, ${x}`);
  }
  // A margin of [0, 2, 3] nodes: counted only where every node within ±2 rows and ±3 columns is inside, ends included.
  const eroded = overlapNodes(t, defaultSpace(), [1, 1024, 800], [0, 2, 3]);
  for (let y = 0; y < ly; y++) for (let x = 0; x < lx; x++) {
    let all = 1;
    for (let dy = -2; dy <= 2; dy++) for (let dx = -3; dx <= 3; dx++) {
      const yy = y + dy, xx = x + dx;
      if (yy < 0 || yy >= ly || xx < 0 || xx >= lx || !inside[yy * lx + xx]) all = 0;
    }
    assert.equal(eroded[y * lx + x], all, `eroded node ${y}, ${x}`);
  }
});

for (const kind of ["displacement", "velocity", "bspline"] as const) test(`foldTransform: T(p) = T_global(p + r(p)) at every lattice node (global ${kind})`, () => {
  const space = defaultSpace();
  const g = chunkGrid([1, 200, 160], [1, 64, 64], [0, 8, 8], [1, 4, 4]);
  const [, gy, gx] = g.latticeShape, n = gy * gx;
  const globalField = new Float32Array(2 * 11 * 9);
  for (let i = 0; i < globalField.length; i++) globalField[i] = Math.sin(i * 0.37) * 3;
  const global: RegistrationTransform = {
    ndim: 2, affine: affineFromParams({ rotation: [0, 0, 0.05], zoom: [1, 1.02, 0.99], translation: [0, 3, -2], shear: [0, 0, 0] }, [0, 100, 80], 2),
  };
  global[kind] = { ndim: 2, shape: [1, 11, 9], space: { ...space, spacing: [1, 20, 20] }, data: globalField };
  const residual = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    residual[i] = Math.cos(i * 0.11);
    residual[n + i] = Math.sin(i * 0.07) * 0.5;
  }
  const latticeSpace = { ...space, spacing: [1, 4, 4] as Vec3 };
  const folded = foldTransform(global, residual, { shape: g.latticeShape, space: latticeSpace });
  let worst = 0;
  for (let y = 0; y < gy; y++) for (let x = 0; x < gx; x++) {
    const p = indexToPhysical(latticeSpace, [0, y, x]);
    const i = y * gx + x;
    const expected = mapPoints(global, Float64Array.from([p[0], p[1] + residual[i]!, p[2] + residual[n + i]!]));
    const got = mapPoints(folded, Float64Array.from(p));
    worst = Math.max(worst, Math.hypot(got[1]! - expected[1]!, got[2]! - expected[2]!));
  }
  assert.ok(worst < 1e-4, `${kind}: largest difference ${worst} (float32 storage)`);
  // The fold is an explicit conversion to a displacement grid: the global kind is not carried along beside it.
  assert.deepEqual((["displacement", "velocity", "bspline"] as const).filter((k) => folded[k] !== undefined), ["displacement"]);
});

test("overlapNodes equals mapPoints + physicalToIndex at every node (rotation, zoom, spacing, origin, flipped direction)", () => {
  const lattice = { ...defaultSpace(), spacing: [1, 8, 8] as Vec3, origin: [0, 3, -5] as Vec3 };
  const data = new Float32Array(2 * total);
  for (let g = 0; g < total; g++) (data[g] = 6 * Math.sin(g * 0.37)), (data[total + g] = 6 * Math.cos(g * 0.11));
  const movingSpace = { ...defaultSpace(), spacing: [1, 0.8, 1.3] as Vec3, origin: [0, 900, 40] as Vec3, direction: [1, 0, 0, 0, -1, 0, 0, 0, 1] as [number, number, number, number, number, number, number, number, number] };
  const shape: Vec3 = [1, 1100, 560];
  const t: RegistrationTransform = {
    ndim: 2, affine: affineFromParams({ translation: [0, -20, 30], rotation: [0, 0, 0.3], zoom: [1, 1.05, 0.97], shear: [0, 0, 0] }, [0, 500, 400], 2),
    displacement: { ndim: 2, shape: grid.latticeShape, space: lattice, data }, fixedSpace: defaultSpace(), movingSpace,
  };
  const inside = overlapNodes(t, movingSpace, shape);
  const pts = new Float64Array(3 * total);
  for (let y = 0; y < ly; y++) for (let x = 0; x < lx; x++) pts.set(indexToPhysical(lattice, [0, y, x]), 3 * (y * lx + x));
  const q = mapPoints(t, pts);
  let counted = 0;
  for (let g = 0; g < total; g++) {
    const k = physicalToIndex(movingSpace, [q[3 * g]!, q[3 * g + 1]!, q[3 * g + 2]!]);
    const expected = k[1] >= 0 && k[1] <= shape[1] - 1 && k[2] >= 0 && k[2] <= shape[2] - 1 ? 1 : 0;
    assert.equal(inside[g], expected, `node ${g}: moving index ${k[1]}, ${k[2]}`);
    counted += expected;
  }
  assert.ok(counted > total / 4 && counted < total, `${counted} of ${total} nodes inside: both kinds are tested`);
});
