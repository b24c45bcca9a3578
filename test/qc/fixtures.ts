// Small synthetic images and a complete sample report for the qc/ tests (not a test file itself).
// Everything is seeded and a few kilobytes, so the tests stay fast.

import type { Vec3 } from "../../src/core/space.js";
import type { Image } from "../../src/kernels/types.js";
import { jacobianDeterminant } from "../../src/kernels/jacobian-determinant.js";
import { jacobianStats } from "../../src/kernels/jacobian-stats.js";
import { checkerboard } from "../../src/qc/checkerboard.js";
import { chunkMap } from "../../src/qc/chunk-map.js";
import { differencePair } from "../../src/qc/difference-map.js";
import { encodePng } from "../../src/qc/encode-png.js";
import { jacobianMap } from "../../src/qc/jacobian-map.js";
import { landmarkArrows } from "../../src/qc/landmark-arrows.js";
import { overlay } from "../../src/qc/overlay.js";
import type { QcReport } from "../../src/qc/qc-report.js";
import { jacobianSection, metricSection, stagesSection, treSection } from "../../src/qc/summary-sections.js";
import { pointDistances, treStats } from "../../src/qc/tre.js";
import { seeded } from "../helpers/rng.js";

/** An image of `shape` whose value at (z, y, x) is f(z, y, x). */
export function imageFrom(shape: Vec3, f: (z: number, y: number, x: number) => number): Image {
  const [nz, ny, nx] = shape, data = new Float32Array(nz * ny * nx);
  for (let z = 0, i = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) data[i] = f(z, y, x);
  return { data, shape: [nz, ny, nx] };
}

/** A smooth blob pattern with seeded noise, shifted by (dy, dx). */
export function blobs(ny: number, nx: number, dy = 0, dx = 0, seed = 1): Image {
  const rng = seeded(seed);
  return imageFrom([1, ny, nx], (_z, y, x) => {
    const u = (x - dx) / nx, v = (y - dy) / ny;
    return 100 * (Math.sin(6 * u) * Math.cos(5 * v) + Math.exp(-((u - 0.4) ** 2 + (v - 0.5) ** 2) * 40)) + 3 * rng();
  });
}

/** A complete report over 48×64 synthetic images, with every kind of figure and section; `title` may hold markup. */
export async function sampleReport(title = "QC <b>&</b> \"quotes\""): Promise<QcReport> {
  const fixed = blobs(48, 64), before = blobs(48, 64, 3, -4, 2), after = blobs(48, 64, 0, 0, 3);
  const field = { data: new Float32Array(2 * 48 * 64), shape: [1, 48, 64] as Vec3, ndim: 2 as const };
  for (let y = 0; y < 48; y++) for (let x = 0; x < 64; x++) field.data[48 * 64 + y * 64 + x] = 3 * Math.sin(x / 6) * Math.cos(y / 9);
  const det = jacobianDeterminant(field);
  const fixedPts = [[10, 10], [50, 30], [30, 40]], pBefore = [[14, 7], [54, 27], [34, 37]], pAfter = [[10.4, 10], [50, 31], [30, 40]];
  const trB = treStats(pointDistances(fixedPts, pBefore), 80), trA = treStats(pointDistances(fixedPts, pAfter), 80);
  const difference = differencePair(fixed, before, after);
  const improvement = Array.from({ length: 12 }, (_, k) => (k % 5 === 0 ? -0.05 : 0.02 * k));
  const figures = [
    ["overlay", "fixed (green) and warped moving (magenta)", overlay(fixed, after)],
    ["checkerboard", "8 squares along the longest side", checkerboard(fixed, after)],
    ["difference-before", "|F − W| before registration", difference.before],
    ["difference-after", "|F − W| after registration, same scale", difference.after],
    ["jacobian", "log2 Jacobian, 0.5× blue … 2× red; folds green", jacobianMap(det)],
    ["chunks", "relative improvement per chunk; flagged chunks hatched red", chunkMap({ rows: 3, cols: 4, improvement, flagged: improvement.map((v) => v < 0) }, 128, 96)],
    ["landmarks", "landmarks before (red) and after (green)", landmarkArrows(fixed, fixedPts, pBefore, pAfter, 1)],
  ] as const;
  const images = [];
  for (const [name, caption, rgb] of figures) images.push({ name, caption, png: await encodePng(rgb) });
  return {
    title,
    inputs: { fixed: "fixed <slide>.ome.tif", moving: "moving & co.ome.zarr" },
    summary: [
      treSection(trB, trA)!,
      metricSection("local NCC", -0.41, -0.87),
      jacobianSection(jacobianStats(det)),
      stagesSection([{ name: "affine", seconds: 1.234, peakBytes: 123456789 }, { name: "deformable", seconds: 12.5 }]),
    ],
    images,
    parameters: { metric: "lncc", iterations: [100, 50], "sigma <update>": "1.7vox", nested: { a: 1, b: "</pre>" } },
    created: "2026-01-02T03:04:05Z",
  };
}
