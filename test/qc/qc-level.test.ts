// qcLevel: 2D QC images are at most QC_MAX_SIDE on a side; 3D QC volumes, read whole before slicing, at most
// QC_MAX_SIDE_3D along every axis, so a 1024³ volume is not read at full resolution (three float32 copies are 12 GB).

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Source } from "../../src/core/source.js";
import { defaultSpace, type LevelInfo } from "../../src/core/space.js";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { arraySource } from "../../src/io/array-source.js";
import { jacobianStats } from "../../src/kernels/jacobian-stats.js";
import { QC_MAX_SIDE, QC_MAX_SIDE_3D, qcLevel, writeRegistrationQc } from "../../src/qc/registration-qc.js";
import { identity4 } from "../../src/transforms/affine.js";

function pyramid(ndim: 2 | 3, side: number, levels: number): Source {
  const ls: LevelInfo[] = Array.from({ length: levels }, (_, k) => {
    const s = side / 2 ** k;
    return { shape: [ndim === 3 ? s : 1, s, s], scale: [ndim === 3 ? 2 ** k : 1, 2 ** k, 2 ** k] };
  });
  return {
    meta: { path: "p", format: "test", ndim, dtype: "uint16", channels: ["C0"], levels: ls, space: defaultSpace() },
    read: () => Promise.reject(new Error("not read")),
    close: async () => {},
  };
}

test("2D: the finest level with both in-plane sides ≤ QC_MAX_SIDE", () => {
  assert.equal(qcLevel(pyramid(2, 4 * QC_MAX_SIDE, 4)), 2);
  assert.equal(qcLevel(pyramid(2, QC_MAX_SIDE, 2)), 0);
});

test("3D: the finest level with every side ≤ QC_MAX_SIDE_3D, not the in-plane rule (1024³ → 256³)", () => {
  assert.equal(QC_MAX_SIDE_3D, 256);
  assert.equal(qcLevel(pyramid(3, 1024, 4)), 2);
  assert.equal(qcLevel(pyramid(3, 128, 2)), 0);
  assert.equal(qcLevel(pyramid(3, 2048, 2)), 1, "the coarsest level when none fits");
});

test("an image stored without a small level gets one on the fly: every QC figure stays within QC_MAX_SIDE", async () => {
  const shape: [number, number, number] = [1, 1100, 1300];
  const plane = Float32Array.from({ length: 1100 * 1300 }, (_, i) => Math.sin(i * 0.001) + ((i % 1300) % 17));
  const src = () => arraySource({ shape, dtype: "float32", planes: [plane] });
  const dir = await mkdtemp(join(tmpdir(), "terareg-qc-"));
  try {
    const det = { data: new Float32Array(1100 * 1300).fill(1), shape };
    await writeRegistrationQc(dir, {
      fixed: src(), moving: src(), fixedPath: "f", movingPath: "m", transform: { ndim: 2, affine: identity4() },
      metric: { name: "ncc", before: -0.5, after: -0.9 }, jacobian: { stats: jacobianStats(det), map: det },
      stages: [], parameters: {}, metrics: {},
    });
    for (const name of ["overlay", "checkerboard", "difference", "jacobian"]) {
      const png = await readFile(join(dir, `${name}.png`));
      const w = png.readUInt32BE(16), h = png.readUInt32BE(20);
      assert.ok(Math.max(w, h) <= QC_MAX_SIDE + 40, `${name}.png is ${w}×${h}`);
      assert.ok(w >= 600, `${name}.png is ${w}×${h}: level 1 (650 wide), not a coarser one`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
