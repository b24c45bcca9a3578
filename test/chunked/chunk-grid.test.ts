// The chunk grid: cores tile the level exactly, extended regions are cores plus the halo clipped to the level,
// node boxes sit inside extended regions, and the blending weights are a partition of unity at every lattice node.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Vec3 } from "../../src/core/space.js";
import { chunkGrid, chunkNodeWeights, rampWeight } from "../../src/chunked/chunk-grid.js";

const cases: { shape: Vec3; size: Vec3; halo: Vec3; step: Vec3 }[] = [
  { shape: [1, 1000, 777], size: [1, 256, 256], halo: [0, 38, 38], step: [8, 8, 8] },
  { shape: [1, 2048, 2048], size: [1, 256, 256], halo: [0, 40, 40], step: [8, 8, 8] },
  { shape: [1, 300, 90], size: [1, 64, 64], halo: [0, 20, 20], step: [1, 1, 1] },
  { shape: [130, 97, 64], size: [64, 40, 32], halo: [10, 6, 5], step: [4, 4, 4] },
  { shape: [128, 128, 128], size: [64, 64, 64], halo: [10, 10, 10], step: [8, 8, 8] },
];

for (const c of cases) {
  const name = `${c.shape.join("×")} in ${c.size.join("×")} chunks, halo ${c.halo.join("/")}, step ${c.step[2]}`;
  test(`chunk grid ${name}: cores tile the level, extended = core + halo ∩ level, nodes inside`, () => {
    const g = chunkGrid(c.shape, c.size, c.halo, c.step);
    const cover = new Uint8Array(c.shape[0] * c.shape[1] * c.shape[2]);
    for (const ch of g.chunks) {
      for (let a = 0; a < 3; a++) {
        if (c.shape[a]! > 1) assert.equal(ch.core.start[a]! % g.step[a]!, 0, "cores start on lattice nodes");
        assert.equal(ch.extended.start[a], Math.max(0, ch.core.start[a]! - g.halo[a]!));
        assert.equal(ch.extended.start[a]! + ch.extended.size[a]!, Math.min(c.shape[a]!, ch.core.start[a]! + ch.core.size[a]! + g.halo[a]!));
        const first = ch.nodes.start[a]! * g.step[a]!, last = (ch.nodes.start[a]! + ch.nodes.size[a]! - 1) * g.step[a]!;
        assert.ok(first >= ch.extended.start[a]!, "first node inside the extended region");
        assert.ok(last <= ch.extended.start[a]! + ch.extended.size[a]! - 1 || ch.nodes.start[a]! + ch.nodes.size[a]! === g.latticeShape[a], "last node inside, or the lattice's last");
      }
      const [z0, y0, x0] = ch.core.start, [dz, dy, dx] = ch.core.size;
      for (let z = z0; z < z0 + dz; z++) for (let y = y0; y < y0 + dy; y++) for (let x = x0; x < x0 + dx; x++) cover[(z * c.shape[1] + y) * c.shape[2] + x]! += 1;
    }
    assert.ok(cover.every((v) => v === 1), "every voxel in exactly one core");
    for (let a = 0; a < 3; a++) assert.ok((g.latticeShape[a]! - 1) * g.step[a]! >= c.shape[a]! - 1, "the lattice reaches the last voxel");
  });

  test(`chunk grid ${name}: blending weights sum to 1 at every lattice node`, () => {
    const g = chunkGrid(c.shape, c.size, c.halo, c.step);
    const [lz, ly, lx] = g.latticeShape;
    const sum = new Float64Array(lz * ly * lx);
    for (const ch of g.chunks) {
      const w = chunkNodeWeights(g, ch);
      let o = 0;
      for (let z = 0; z < ch.nodes.size[0]; z++) for (let y = 0; y < ch.nodes.size[1]; y++) for (let x = 0; x < ch.nodes.size[2]; x++) {
        sum[((ch.nodes.start[0] + z) * ly + ch.nodes.start[1] + y) * lx + ch.nodes.start[2] + x]! += w[o++]!;
      }
    }
    for (let i = 0; i < sum.length; i++) assert.ok(Math.abs(sum[i]! - 1) < 1e-12, `node ${i}: weights sum to ${sum[i]}`);
  });
}

test("rampWeight: 0 at core start − halo, ½ at the border, 1 from core start + halo; none at the level's edges", () => {
  assert.equal(rampWeight(60, 100, 200, 40, 1000), 0);
  assert.equal(rampWeight(100, 100, 200, 40, 1000), 0.5);
  assert.equal(rampWeight(140, 100, 200, 40, 1000), 1);
  assert.equal(rampWeight(200, 100, 200, 40, 1000), 0.5);
  assert.equal(rampWeight(0, 0, 200, 40, 1000), 1);
  assert.equal(rampWeight(999, 900, 1000, 40, 1000), 1);
  // Neighbours' ramps are complementary over the overlap.
  for (let x = 60; x <= 140; x += 7) assert.ok(Math.abs(rampWeight(x, 0, 100, 40, 1000) + rampWeight(x, 100, 200, 40, 1000) - 1) < 1e-15);
});
