// The large-image flow of `terareg register`: plan → global registration at the planned level → chunk jobs at the
// refinement level (resumable, over worker threads) → blend → final transform → tiled warp of every channel → QC.

import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { writeAtomically } from "../core/atomic.js";
import { BudgetError, OptionError } from "../core/errors.js";
import { peakRssBytes } from "../core/memory.js";
import type { ProgressFn } from "../core/progress.js";
import type { Source } from "../core/source.js";
import { voxelCount, type ImageMeta, type LevelInfo, type Vec3 } from "../core/space.js";
import { cpuKernels } from "../compute/cpu/cpu-kernels.js";
import { createPool } from "../compute/cpu/pool.js";
import { jacobianDeterminant } from "../kernels/jacobian-determinant.js";
import { jacobianStats, type JacobianStats } from "../kernels/jacobian-stats.js";
import type { Field, Image } from "../kernels/types.js";
import { readLandmarks } from "../io/landmarks.js";
import { openImage } from "../io/open.js";
import { writeImage } from "../io/write.js";
import { levelsWithPyramid } from "../pyramid/with-pyramid.js";
import { pyramidLevels } from "../pyramid/levels.js";
import { landmarkReport, type LandmarkReport } from "../qc/landmark-tre.js";
import { writeRegistrationQc } from "../qc/registration-qc.js";
import type { ChunkGridQc } from "../qc/chunk-map.js";
import type { RunOutputs } from "../registration/register-run.js";
import { DENSE_BYTES_PER_VOXEL, registerImages, type RegistrationEvent, type RegistrationResult, type StageReport } from "../registration/register-images.js";
import { readLevelImage } from "../registration/level-image.js";
import { loadTransform, saveTransform } from "../transforms/transform-io.js";
import type { RegistrationTransform } from "../transforms/registration-transform.js";
import { warpedSource } from "../warp/warped-source.js";
import { blendResiduals, foldTransform, overlapNodes, seamStats, type SeamStats } from "./blend.js";
import type { ChunkGrid, ChunkSpec } from "./chunk-grid.js";
import type { ChunkRecord } from "./chunk-job.js";
import { foregroundRule } from "./foreground.js";
import { BASE_BYTES, freeMemoryBudget, makePlan, type InputFingerprint, type Plan, type PlanOptions } from "./plan.js";
import { runChunks } from "./run-chunks.js";
import { appendManifest, openPlannedInputs, readChunkResidual, readManifest, readPlan, runPaths } from "./run-files.js";

export interface ChunkedRunOptions extends PlanOptions {
  /** Which optional outputs to write, as registerRun's. @default both */
  write?: RunOutputs;
  landmarks?: { fixed: string; moving: string };
  progress?: ProgressFn;
  /** Iterations of the global registration. */
  onGlobalProgress?: (e: RegistrationEvent) => void;
  parameters?: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface ChunkSummary extends ChunkRecord {
  position: Vec3;
  /** (before − after) / |before|: > 0 better; NaN when not registered. */
  improvement: number;
}

export interface ChunkedRunResult {
  plan: Plan;
  global: { metric: RegistrationResult["metric"]; level: RegistrationResult["level"]; denseRejected: boolean };
  chunks: ChunkSummary[];
  /** Chunks taken from an earlier, interrupted run. */
  resumedChunks: number;
  seams: SeamStats;
  jacobian: JacobianStats;
  landmarks?: { global: LandmarkReport; final: LandmarkReport };
  stages: StageReport[];
  seconds: number;
  peakRssBytes: number;
  outputs: string[];
}

/** What identifies an input on disk. */
export async function fingerprintInput(path: string, source: Source): Promise<InputFingerprint> {
  const st = await stat(path).catch(() => undefined);
  const m = source.meta;
  return {
    path: resolve(path), format: m.format, shape: [...m.levels[0]!.shape], dtype: m.dtype, channels: m.channels.length,
    bytes: st ? st.size : null, mtimeMs: st ? st.mtimeMs : null,
  };
}

/**
 * The levels the fixed image is registered with: its stored ones when they include a level that fits the global
 * budget (or the level asked for), else those of a pyramid cache deep enough to reach one.
 */
function plannedLevels(meta: ImageMeta, budgetBytes: number, asked: number | undefined): LevelInfo[] {
  const stored = meta.levels;
  const fits = (l: LevelInfo) => voxelCount(l.shape) * DENSE_BYTES_PER_VOXEL <= budgetBytes - BASE_BYTES;
  if (asked === undefined ? stored.some(fits) : asked < stored.length) return stored;
  const all = pyramidLevels(stored[0]!.shape, meta.space.spacing, 1, 40);
  const need = asked !== undefined ? asked + 1 : all.findIndex(fits) + 1 || all.length;
  return levelsWithPyramid(meta, { levels: Math.min(Math.max(need, 1), 40) });
}

/** The plan for two image files (opened for their metadata only). */
export async function planFiles(fixedPath: string, movingPath: string, options: PlanOptions = {}): Promise<Plan> {
  const fixed = await openImage(fixedPath), moving = await openImage(movingPath);
  try {
    const levels = plannedLevels(fixed.meta, options.budgetBytes ?? freeMemoryBudget(), options.registrationLevel);
    return makePlan(
      { meta: fixed.meta, levels, fingerprint: await fingerprintInput(fixedPath, fixed) },
      { meta: moving.meta, fingerprint: await fingerprintInput(movingPath, moving) },
      options,
    );
  } finally {
    await fixed.close();
    await moving.close();
  }
}

/** Writes plan.json atomically. */
export async function writePlan(file: string, plan: Plan): Promise<void> {
  await writeAtomically(file, (tmp) => writeFile(tmp, `${JSON.stringify(plan, null, 2)}\n`));
}

/** Lattice displacement (physical) → lattice-voxel units, for finite-difference Jacobians at the lattice spacing. */
function latticeField(t: RegistrationTransform): Field {
  const d = t.displacement!, nd = d.ndim, n = voxelCount(d.shape), first = nd === 3 ? 0 : 1;
  const data = new Float32Array(nd * n);
  const D = d.space.direction, sp = d.space.spacing;
  for (let c = first; c < 3; c++) {
    for (let r = first; r < 3; r++) {
      const k = D[r * 3 + c]! / sp[c]!;
      if (k === 0) continue;
      for (let i = 0; i < n; i++) data[(c - first) * n + i] = data[(c - first) * n + i]! + k * d.data[(r - first) * n + i]!;
    }
  }
  return { data, shape: [...d.shape], ndim: nd };
}

/** The chunk grid of a plan, as chunk-grid.ts describes it. */
function planGrid(plan: Plan): ChunkGrid {
  const c = plan.chunking, r = plan.refinement;
  return { shape: r.shape, size: c.size, halo: c.halo, step: r.latticeStep, latticeShape: r.latticeShape, counts: c.counts, chunks: plan.chunks };
}

/** The mid z-slab of the chunk grid as the QC heat map's input. */
function chunkQc(plan: Plan, summaries: ChunkSummary[]): ChunkGridQc {
  const [cz, rows, cols] = plan.chunking.counts, slab = Math.floor(cz / 2);
  const pick = summaries.filter((s) => s.position[0] === slab);
  return { rows, cols, improvement: pick.map((s) => s.improvement), flagged: pick.map((s) => s.flag !== undefined) };
}

/**
 * Registers `movingPath` onto `fixedPath` in bounded memory through the chunked flow and writes the run into
 * `runDir`. Rerunning it on the same directory resumes: the global stage and finished chunks are read back, and the
 * outputs are byte-identical to an uninterrupted run. A run directory made for other inputs or parameters is refused.
 */
export async function registerChunked(fixedPath: string, movingPath: string, runDir: string, options: ChunkedRunOptions = {}): Promise<ChunkedRunResult> {
  const t0 = performance.now();
  const paths = runPaths(runDir);
  const threads = options.threads ?? 1;
  const stages: StageReport[] = [];
  let mark = performance.now();
  const budget = options.budgetBytes;
  const endStage = (name: string) => {
    const now = performance.now(), peak = peakRssBytes();
    stages.push({ name, seconds: (now - mark) / 1000, peakRssBytes: peak });
    mark = now;
  };
  /** The budget is enforced where it is spent: a stage that went over stops the run with the numbers. */
  const checkMemory = (stage: string) => {
    const rss = process.memoryUsage().rss;
    if (budget !== undefined && rss > budget) throw new BudgetError(`${stage} (resident memory now)`, rss, budget);
  };

  const plan = await planFiles(fixedPath, movingPath, options);
  const old = await readFile(paths.plan, "utf8").then(() => readPlan(paths.plan), () => undefined);
  if (old && old.key !== plan.key) {
    const changed = (["fixed", "moving", "global", "refinement", "chunking"] as const).filter((k) => JSON.stringify({ ...old[k], budgetBytes: 0 }) !== JSON.stringify({ ...plan[k], budgetBytes: 0 }));
    throw new OptionError("-o", runDir, `the run directory of the same inputs and parameters to resume (it was started with a different ${changed.join(", ") || "plan"}); pass --force to restart`);
  }
  await mkdir(paths.chunks, { recursive: true });
  await writePlan(paths.plan, plan);
  endStage("plan");

  const { fixed, moving } = await openPlannedInputs(plan, runDir, options.progress);
  const pool = createPool(threads);
  const kernels = cpuKernels(pool);
  try {
    // Global stage, or its result from an earlier run of the same plan.
    let globalResult: ChunkedRunResult["global"];
    const done = await stat(paths.globalResult).catch(() => undefined);
    if (done) {
      globalResult = JSON.parse(await readFile(paths.globalResult, "utf8")) as ChunkedRunResult["global"];
    } else {
      const g = plan.global;
      const result = await registerImages(fixed, moving, {
        preset: g.preset, metric: g.metric, dof: g.dof, deformable: g.deformable, regularization: g.regularization, flips: g.flips, seed: g.seed, channels: g.channels,
        budgetBytes: g.budgetBytes, level: g.level, kernels, ...(options.onGlobalProgress ? { onProgress: options.onGlobalProgress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const level = await readLevelImage(fixed, g.level, g.channels.fixed !== undefined ? { channel: g.channels.fixed } : {});
      globalResult = { metric: result.metric, level: result.level, denseRejected: result.denseRejected };
      await writeAtomically(paths.global, async (tmp) => {
        await saveTransform(`${tmp}/transform`, result.transform);
        await writeFile(`${tmp}/foreground.json`, `${JSON.stringify(foregroundRule(level.image.data, level.image.shape))}\n`);
        await writeFile(`${tmp}/result.json`, `${JSON.stringify(globalResult, null, 2)}\n`);
      });
    }
    // Chunks and the final transform use T_global as stored, so fresh and resumed runs see the same bits.
    const global = await loadTransform(paths.globalTransform);
    endStage("global");
    checkMemory("global registration");

    const valuesOf = (id: number) => plan.ndim * voxelCount(plan.chunks[id]!.nodes.size);
    const records = await readManifest(runDir, plan.key, valuesOf);
    const resumedChunks = records.size;
    const todo = plan.chunks.map((c) => c.id).filter((id) => !records.has(id));
    let finished = records.size;
    options.progress?.({ stage: "chunks", done: finished, total: plan.chunks.length, unit: "chunks" });
    await runChunks({
      runDir, ids: todo, workers: plan.chunkWorkers, ...(options.signal ? { signal: options.signal } : {}),
      onDone: async (record) => {
        await appendManifest(runDir, plan.key, record);
        records.set(record.id, record);
        finished++;
        options.progress?.({ stage: "chunks", done: finished, total: plan.chunks.length, unit: "chunks" });
        checkMemory(`chunk jobs (${plan.chunkWorkers} at once)`);
      },
    });
    endStage("chunks");

    const grid = planGrid(plan);
    const residuals = new Map<number, Float32Array | null>();
    for (const c of plan.chunks) residuals.set(c.id, records.get(c.id)!.flag ? null : await readChunkResidual(runDir, c.id, valuesOf(c.id)));
    const residualOf = (c: ChunkSpec) => residuals.get(c.id) ?? null;
    const blended = blendResiduals(grid, plan.ndim, residualOf);
    const lattice = { shape: plan.refinement.latticeShape, space: plan.refinement.latticeSpace };
    const transform = foldTransform(global, blended, lattice);
    // Seams are measured on the stitched transform's own lattice d (T(p) = A(p + d(p))), not on the residual alone:
    // where a chunk corrects a wiggle of the global stage's field, r has the wiggle's shape and d has none. The band
    // of one halo along the edge of the data is left out (overlapNodes).
    const edge = grid.halo.map((h, a) => Math.ceil(h / grid.step[a]!)) as Vec3;
    const seams = seamStats(grid, plan.ndim, transform.displacement!.data, residualOf, overlapNodes(transform, moving.meta.space, moving.meta.levels[0]!.shape, edge));
    residuals.clear();
    const detMap: Image = jacobianDeterminant(latticeField(transform));
    const jacobian = jacobianStats(detMap);
    endStage("blend");
    checkMemory("blending");

    let landmarks: ChunkedRunResult["landmarks"];
    let lm: { fixed: Awaited<ReturnType<typeof readLandmarks>>; moving: Awaited<ReturnType<typeof readLandmarks>> } | undefined;
    if (options.landmarks) {
      const l0 = fixed.meta.levels[0]!.shape;
      const diagonal = Math.hypot(l0[1], l0[2], plan.ndim === 3 ? l0[0] : 0);
      lm = { fixed: await readLandmarks(options.landmarks.fixed), moving: await readLandmarks(options.landmarks.moving) };
      landmarks = {
        global: landmarkReport(lm.fixed, lm.moving, global, fixed.meta.space, moving.meta.space, diagonal),
        final: landmarkReport(lm.fixed, lm.moving, transform, fixed.meta.space, moving.meta.space, diagonal),
      };
    }

    const chunks: ChunkSummary[] = plan.chunks.map((c) => {
      const r = records.get(c.id)!;
      return { ...r, position: c.position, improvement: r.flag || !Number.isFinite(r.before) ? NaN : (r.before - r.after) / Math.abs(r.before) };
    });
    const warpedName = plan.ndim === 2 ? "warped.ome.tif" : "warped.ome.zarr", outputs = ["plan.json", "metrics.json"];
    if (options.write?.warped !== false) {
      await writeImage(warpedSource(moving, transform, fixed, { kernels }), `${runDir}/${warpedName}`, { reduce: kernels.reduceBlock, ...(options.progress ? { progress: options.progress } : {}) });
      outputs.push(warpedName);
      endStage("warp");
      checkMemory("final warp");
    }

    const seconds = (performance.now() - t0) / 1000;
    const flagged = chunks.filter((c) => c.flag).length;
    const metrics = {
      fixed: fixedPath, moving: movingPath, mode: "chunked",
      plan: { registrationLevel: plan.global.level, refinementLevel: plan.refinement.level, chunks: plan.chunking.count, chunkWorkers: plan.chunkWorkers, latticeShape: plan.refinement.latticeShape, estimatedPeakBytes: plan.memory.peakBytes },
      global: globalResult, flaggedChunks: flagged, resumedChunks, seams, jacobian, landmarks,
      chunks: chunks.map((c) => ({ ...c, before: Number.isFinite(c.before) ? c.before : null, after: Number.isFinite(c.after) ? c.after : null, improvement: Number.isFinite(c.improvement) ? c.improvement : null })),
      stages, seconds, peakRssBytes: peakRssBytes(), threads, budgetBytes: plan.budgetBytes,
      parameters: { ...plan.global, chunking: plan.chunking, ...options.parameters },
    };
    await writeAtomically(`${runDir}/metrics.json`, (tmp) => writeFile(tmp, `${JSON.stringify(metrics, null, 2)}\n`));
    const registered = chunks.filter((c) => Number.isFinite(c.before)), improved = registered.filter((c) => !c.flag);
    if (options.write?.qc !== false) {
      await writeAtomically(`${runDir}/qc`, (tmp) => writeRegistrationQc(tmp, {
        fixed, moving, fixedPath, movingPath, transform, kernels,
        metric: {
          name: "local NCC per chunk (mean)",
          before: registered.reduce((s, c) => s + c.before, 0) / Math.max(registered.length, 1),
          after: registered.reduce((s, c) => s + (c.flag ? c.before : c.after), 0) / Math.max(registered.length, 1),
        },
        jacobian: { stats: jacobian, map: detMap },
        ...(landmarks && lm ? { landmarks: { ...lm, report: landmarks.final } } : {}),
        chunks: chunkQc(plan, chunks),
        stages: stages.map((st) => ({ name: st.name, seconds: st.seconds, peakBytes: st.peakRssBytes })),
        parameters: { ...metrics.parameters, improvedChunks: improved.length, flaggedChunks: flagged }, metrics,
      }));
      outputs.push("qc/report.html");
    }
    await writeAtomically(`${runDir}/transform`, (tmp) => saveTransform(tmp, transform));
    outputs.push("transform/transform.json");
    endStage(options.write?.qc !== false ? "qc and transform" : "transform");
    checkMemory("QC report");
    return {
      plan, global: globalResult, chunks, resumedChunks, seams, jacobian, ...(landmarks ? { landmarks } : {}), stages,
      seconds: (performance.now() - t0) / 1000, peakRssBytes: peakRssBytes(),
      outputs,
    };
  } finally {
    await pool.close();
    await fixed.close();
    await moving.close();
  }
}
