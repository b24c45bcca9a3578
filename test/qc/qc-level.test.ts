// qcLevel: 2D QC images are at most QC_MAX_SIDE on a side; 3D QC volumes, read whole before slicing, at most
// QC_MAX_SIDE_3D along every axis, so a 1024³ volume is not read at full resolution (three float32 copies are 12 GB).

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Source } from "../../src/core/source.js";
import { defaultSpace, type LevelInfo } from "../../src/core/space.js";
import { QC_MAX_SIDE, QC_MAX_SIDE_3D, qcLevel } from "../../src/qc/registration-qc.js";

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
