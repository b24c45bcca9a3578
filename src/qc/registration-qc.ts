// The QC of one registration run: reads both images at a reduced "QC level", warps the moving one before (identity)
// and after, and writes qc/*.png, qc/metrics.json and the self-contained qc/report.html. Memory ∝ the QC level.

import { join } from "node:path";
import type { Source } from "../core/source.js";
import type { Kernels } from "../compute/kernels.js";
import type { Image } from "../kernels/types.js";
import type { JacobianStats } from "../kernels/jacobian-stats.js";
import type { Vec3 } from "../core/space.js";
import { withReducedLevels } from "../pyramid/reduced-levels.js";
import { readLevelImage } from "../registration/level-image.js";
import { identity4 } from "../transforms/affine.js";
import { mapPointsInverse, type RegistrationTransform } from "../transforms/registration-transform.js";
import { physicalToPixels, pixelsToPhysical } from "../transforms/pixel-points.js";
import { commonIds, type Landmarks } from "../io/landmarks.js";
import { warpedSource } from "../warp/warped-source.js";
import { checkerboard } from "./checkerboard.js";
import { chunkMap, type ChunkGridQc } from "./chunk-map.js";
import { differencePair } from "./difference-map.js";
import { encodePng } from "./encode-png.js";
import { jacobianMap, shrinkKeepingFolds } from "./jacobian-map.js";
import { landmarkArrows } from "./landmark-arrows.js";
import { overlay } from "./overlay.js";
import { memoisedRanges } from "./robust-range.js";
import type { Rgb } from "./rgb.js";
import type { QcFigure, SummarySection } from "./qc-report.js";
import { jacobianSection, metricSection, stagesSection, treSection, type StageTiming } from "./summary-sections.js";
import type { LandmarkReport } from "./landmark-tre.js";
import { writeFigures } from "./write-figures.js";
import { writeQcMetrics } from "./write-qc-metrics.js";
import { writeReport } from "./write-report.js";

/** Longest side of the QC images (pixels): the finest fixed level at or under it is used. */
export const QC_MAX_SIDE = 1024;

export interface RegistrationQcInput {
  fixed: Source;
  moving: Source;
  fixedPath: string;
  movingPath: string;
  transform: RegistrationTransform;
  metric: { name: string; before: number; after: number };
  jacobian?: { stats: JacobianStats; map: Image };
  landmarks?: { fixed: Landmarks; moving: Landmarks; report: LandmarkReport };
  /** Per-chunk improvement and flags of a chunked run (its mid z-slab for 3D). */
  chunks?: ChunkGridQc;
  stages: StageTiming[];
  parameters: Record<string, unknown>;
  /** Everything else for qc/metrics.json. */
  metrics: Record<string, unknown>;
  kernels?: Kernels;
}

/** Longest side of a 3D QC volume (voxels): three float32 volumes of 256³ are 200 MB, of 1024³ 12 GB. */
export const QC_MAX_SIDE_3D = 256;

/**
 * The finest level of `source` whose sides are all ≤ QC_MAX_SIDE in-plane (2D) or ≤ QC_MAX_SIDE_3D along every axis
 * (3D, where the QC reads whole volumes before taking mid-slices); the coarsest level if none is.
 */
export function qcLevel(source: Source): number {
  const fits = qcFits(source.meta.ndim);
  const i = source.meta.levels.findIndex((l) => fits(l.shape));
  return i >= 0 ? i : source.meta.levels.length - 1;
}

/** Whether a level of that shape is small enough for the QC (see qcLevel). */
function qcFits(ndim: 2 | 3): (shape: Vec3) => boolean {
  return ndim === 3 ? (shape) => Math.max(...shape) <= QC_MAX_SIDE_3D : (shape) => Math.max(shape[1], shape[2]) <= QC_MAX_SIDE;
}

/** A figure whose PNG is still encoding. */
type PendingFigure = Omit<QcFigure, "png"> & { png: Promise<Buffer> };

/** encodePng, started now and awaited later; a failure is kept for that await, never left unhandled meanwhile. */
function encode(rgb: Rgb): Promise<Buffer> {
  const png = encodePng(rgb);
  png.catch(() => undefined);
  return png;
}

/**
 * Writes dir/*.png, dir/metrics.json and dir/report.html. Images stored without a level small enough for the QC
 * (a 4096² MetaImage, say) get reduced levels on the fly (withReducedLevels), so figures stay at most QC_MAX_SIDE.
 */
export async function writeRegistrationQc(dir: string, input: RegistrationQcInput): Promise<void> {
  // The views are not closed here: closing them would close the caller's sources.
  const q = { ...input, fixed: withReducedLevels(input.fixed, qcFits(input.fixed.meta.ndim)), moving: withReducedLevels(input.moving, qcFits(input.moving.meta.ndim)) };
  const level = qcLevel(q.fixed);
  const opts = { level, ...(q.kernels ? { kernels: q.kernels } : {}) };
  const fixed = (await readLevelImage(q.fixed, level)).image;
  const identity: RegistrationTransform = { ndim: q.transform.ndim, affine: identity4() };
  // warpedSource closes the moving source with itself; these views are read once and not closed.
  const before = (await readLevelImage(warpedSource(q.moving, identity, q.fixed, opts), 0)).image;
  const after = (await readLevelImage(warpedSource(q.moving, q.transform, q.fixed, opts), 0)).image;
  // Display windows are ranked once per image for all figures; each PNG encodes (libvips threads) while the next
  // figure is drawn, and all are awaited before anything is written.
  const panel = { rangeOf: memoisedRanges() };
  const diff = differencePair(fixed, before, after, panel);
  const figures: PendingFigure[] = [
    { name: "overlay_before", caption: "Before: fixed in green, moving in magenta (aligned structure looks grey)", png: encode(overlay(fixed, before, panel)) },
    { name: "overlay", caption: "After: fixed in green, warped moving in magenta", png: encode(overlay(fixed, after, panel)) },
    { name: "checkerboard", caption: "Checkerboard of fixed and warped moving: edges should continue across squares", png: encode(checkerboard(fixed, after, undefined, panel)) },
    { name: "difference_before", caption: `|fixed − moving| before (same scale as after, max ${diff.max.toFixed(3)})`, png: encode(diff.before) },
    { name: "difference", caption: "|fixed − warped moving| after", png: encode(diff.after) },
  ];
  if (q.jacobian) {
    figures.push({ name: "jacobian", caption: "Jacobian determinant: blue contraction (0.5×) … white 1 … red expansion (2×); folds in green", png: encode(jacobianMap(shrinkKeepingFolds(q.jacobian.map, QC_MAX_SIDE))) });
  }
  if (q.chunks) {
    const side = Math.max(fixed.shape[1], fixed.shape[2]);
    const scale = Math.max(1, Math.ceil(256 / Math.max(q.chunks.rows, q.chunks.cols)));
    const w = Math.max(q.chunks.cols * scale, Math.round((fixed.shape[2] / side) * 512)), h = Math.max(q.chunks.rows * scale, Math.round((fixed.shape[1] / side) * 512));
    figures.push({ name: "chunks", caption: "Local refinement per chunk: metric improvement (green better, magenta worse, grey not run); flagged chunks hatched red keep the global transform", png: encode(chunkMap(q.chunks, w, h)) });
  }
  if (q.landmarks) {
    const ids = commonIds(q.landmarks.fixed, q.landmarks.moving);
    const fixedPts = ids.map((id) => q.landmarks!.fixed.get(id)!);
    const dims = fixedPts[0]?.length === 3 ? 3 : 2;
    const movingPhys = pixelsToPhysical(ids.map((id) => q.landmarks!.moving.get(id)!), q.moving.meta.space);
    // Where the moving landmarks land in the fixed image: identity (physical) before, T⁻¹ after.
    const beforePts = physicalToPixels(movingPhys, q.fixed.meta.space, dims);
    const afterPts = physicalToPixels(mapPointsInverse(q.transform, movingPhys), q.fixed.meta.space, dims);
    const scale = [2, 1, 0].slice(3 - dims).map((a) => 1 / q.fixed.meta.levels[level]!.scale[a]!);
    figures.push({ name: "landmarks", caption: "Landmarks: fixed (dots) to the moving landmark before (red) and after (green) registration", png: encode(landmarkArrows(fixed, fixedPts, beforePts, afterPts, scale, panel)) });
  }
  const summary: SummarySection[] = [metricSection(q.metric.name, q.metric.before, q.metric.after)];
  const tre = q.landmarks ? treSection(q.landmarks.report.before, q.landmarks.report.after) : undefined;
  if (tre) summary.unshift(tre);
  if (q.jacobian) summary.push(jacobianSection(q.jacobian.stats));
  summary.push(stagesSection(q.stages));
  const done: QcFigure[] = await Promise.all(figures.map(async (f) => ({ ...f, png: await f.png })));
  await writeFigures(dir, done);
  await writeQcMetrics(join(dir, "metrics.json"), q.metrics);
  await writeReport(join(dir, "report.html"), {
    title: `terareg registration: ${q.movingPath} → ${q.fixedPath}`, inputs: { fixed: q.fixedPath, moving: q.movingPath },
    summary, images: done, parameters: q.parameters, created: new Date().toISOString(),
  });
}
