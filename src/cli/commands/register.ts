// `terareg register FIXED MOVING -o RUN`: parses the options, calls registerRun (registration/register-run.ts) and
// prints the summary. Everything the run does and writes is the library's.

import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { OptionError, formatBytes } from "../../core/errors.js";
import { denseBytesPerVoxel, fitsBudget, type DenseMode, type MetricChoice } from "../../registration/register-images.js";
import { registerChunked, type ChunkedRunResult } from "../../chunked/register-chunked.js";
import { PLAN_FILE } from "../../chunked/run-files.js";
import { openImage } from "../../io/open.js";
import { registerRun, type RunResult } from "../../registration/register-run.js";
import { PRESETS, type Preset } from "../../registration/presets.js";
import type { AffineDof } from "../../transforms/affine.js";
import { parseEnum, parseInteger, parseNumber } from "../parse.js";
import type { Regularization } from "../../registration/presets.js";
import { createReporter, registrationProgress, type Reporter } from "../reporter.js";
import type { GlobalOptions } from "../program.js";
import { addChunkOptions, asksForChunks, parseChunkOptions, type RawChunkOptions } from "./chunk-options.js";

interface RawRegister extends RawChunkOptions {
  output: string;
  preset: string;
  metric: string;
  deformable?: string;
  sigmaUpdate?: string;
  sigmaField?: string;
  elastic?: string;
  nccRadius?: string;
  gridSpacing?: string;
  bendingWeight?: string;
  smoothingSigmas?: string;
  dof: string;
  flip?: boolean;
  threads?: string;
  memory: string;
  seed: string;
  fixedLandmarks?: string;
  movingLandmarks?: string;
  fixedChannel?: string;
  movingChannel?: string;
  force?: boolean;
  chunks?: boolean;
  warped?: boolean;
  qc?: boolean;
}

const METRICS: readonly MetricChoice[] = ["auto", "ncc", "mi", "mse"];
const DENSE: readonly DenseMode[] = ["greedy", "svf", "symmetric", "bspline", "bspline-greedy", "none"];
const DOFS: readonly AffineDof[] = ["translation", "rigid", "similarity", "affine"];

/** --elastic MU,LAMBDA: Lamé parameters in voxels², μ > 0 and λ ≥ −μ. */
function parseElastic(text: string): { mu: number; lambda: number } {
  const parts = text.split(",");
  if (parts.length !== 2) throw new OptionError("--elastic", text, "MU,LAMBDA, e.g. 4,4 (Lamé parameters in voxels²)");
  const mu = parseNumber("--elastic (mu)", parts[0]!.trim(), 1e-3, 1e4), lambda = parseNumber("--elastic (lambda)", parts[1]!.trim(), -mu, 1e6);
  return { mu, lambda };
}

/** --smoothing-sigmas S1,S2,…: one σ ≥ 0 per level (voxels), coarsest first, at most 8. */
function parseSigmas(text: string): number[] {
  const parts = text.split(",");
  if (parts.length > 8) throw new OptionError("--smoothing-sigmas", text, "at most 8 values, one per level, coarsest first, e.g. 0,0,0,0.5");
  return parts.map((p, i) => parseNumber(`--smoothing-sigmas (value ${i + 1})`, p.trim(), 0, 64));
}

/** The regularisation flags given (the preset supplies the others). */
function parseRegularization(raw: RawRegister): Regularization {
  return {
    ...(raw.sigmaUpdate !== undefined ? { sigmaUpdate: parseNumber("--sigma-update", raw.sigmaUpdate, 0, 64) } : {}),
    ...(raw.sigmaField !== undefined ? { sigmaField: parseNumber("--sigma-field", raw.sigmaField, 0, 64) } : {}),
    ...(raw.elastic !== undefined ? { elastic: parseElastic(raw.elastic) } : {}),
    ...(raw.nccRadius !== undefined ? { nccRadius: parseInteger("--ncc-radius", raw.nccRadius, 1, 32) } : {}),
    ...(raw.gridSpacing !== undefined ? { gridSpacing: parseNumber("--grid-spacing", raw.gridSpacing, 1, 4096) } : {}),
    ...(raw.bendingWeight !== undefined ? { bendingWeight: parseNumber("--bending-weight", raw.bendingWeight, 0, 1e6) } : {}),
    ...(raw.smoothingSigmas !== undefined ? { smoothingSigmas: parseSigmas(raw.smoothingSigmas) } : {}),
  };
}

/** The closing summary of a run: metric, Jacobian, TRE, time per stage, peak RSS and where the report is. */
export function printRunSummary(reporter: Reporter, title: string, runDir: string, run: RunResult): void {
  const { result, landmarks } = run;
  const fields: Record<string, string> = {
    output: runDir,
    [`${result.metric.name} (cost)`]: `${result.metric.before.toFixed(4)} → ${result.metric.afterAffine.toFixed(4)} (affine) → ${result.metric.after.toFixed(4)}`,
  };
  if (result.denseRejected) fields["deformable"] = "dropped: it scored worse than the affine alone on the registration level";
  if (result.jacobian) fields["Jacobian"] = `min ${result.jacobian.min.toFixed(3)}, folding ${(100 * result.jacobian.foldingFraction).toFixed(3)} %`;
  if (landmarks) {
    fields["TRE (median)"] = `${landmarks.before.median.toFixed(2)} → ${landmarks.after.median.toFixed(2)} px (rTRE ${landmarks.after.medianRtre?.toFixed(5)}), ${(100 * landmarks.improvedFraction).toFixed(1)} % of ${landmarks.pairs} improved`;
  }
  fields["time"] = `${run.seconds.toFixed(2)} s (${result.stages.map((s) => `${s.name} ${s.seconds.toFixed(2)}`).join(", ")})`;
  fields["peak RSS"] = formatBytes(run.peakRssBytes);
  if (run.outputs.includes("qc/report.html")) fields["report"] = join(runDir, "qc", "report.html");
  reporter.summary(title, fields, {
    seconds: run.seconds, peakRssBytes: run.peakRssBytes,
    ...(landmarks ? { treMedianBefore: landmarks.before.median, treMedianAfter: landmarks.after.median } : {}),
  });
}

/** The closing summary of a chunked run: TRE global → final, chunks, seams, Jacobian, time per stage. */
export function printChunkedSummary(reporter: Reporter, title: string, runDir: string, run: ChunkedRunResult): void {
  const flagged = run.chunks.filter((c) => c.flag).length;
  const fields: Record<string, string> = {
    output: runDir,
    plan: `global at level ${run.plan.global.level}, ${run.plan.chunking.count} chunks at level ${run.plan.refinement.level} (${run.chunks.length - flagged} refined, ${flagged} flagged${run.resumedChunks ? `, ${run.resumedChunks} resumed` : ""})`,
  };
  if (run.landmarks) {
    const l = run.landmarks;
    fields["TRE (median)"] = `${l.final.before.median.toFixed(2)} → ${l.global.after.median.toFixed(2)} (global) → ${l.final.after.median.toFixed(3)} px, p99 ${l.final.after.p99.toFixed(3)} px`;
  }
  fields["seams"] = `jump at chunk borders ≤ ${run.seams.borderJumpMax.toFixed(3)} (mid-core lines ${run.seams.midCoreJumpMax.toFixed(3)}), neighbours agree within ${run.seams.neighbourDisagreementP95.toFixed(3)} (p95)`;
  fields["Jacobian"] = `min ${run.jacobian.min.toFixed(3)}, folding ${(100 * run.jacobian.foldingFraction).toFixed(3)} %`;
  fields["time"] = `${run.seconds.toFixed(1)} s (${run.stages.map((s) => `${s.name} ${s.seconds.toFixed(1)}`).join(", ")})`;
  fields["peak RSS"] = formatBytes(run.peakRssBytes);
  if (run.outputs.includes("qc/report.html")) fields["report"] = join(runDir, "qc", "report.html");
  reporter.summary(title, fields, {
    seconds: run.seconds, peakRssBytes: run.peakRssBytes, chunks: run.chunks.length, flaggedChunks: flagged, resumedChunks: run.resumedChunks,
    ...(run.landmarks ? { treMedianBefore: run.landmarks.final.before.median, treMedianGlobal: run.landmarks.global.after.median, treMedianAfter: run.landmarks.final.after.median } : {}),
  });
}

/**
 * Refuses to overwrite a non-empty run directory unless --force (which empties it). A chunked run's directory
 * (it has a plan.json) is accepted as is: the run resumes from it.
 */
async function checkRunDir(dir: string, force: boolean, resumable: boolean): Promise<void> {
  const st = await stat(dir).catch(() => undefined);
  if (!st) return;
  if (!st.isDirectory()) throw new OptionError("-o", dir, "a directory path (a file is in the way)");
  const entries = await readdir(dir);
  if (entries.length === 0) return;
  if (force) {
    await Promise.all(entries.map((e) => rm(join(dir, e), { recursive: true, force: true })));
    return;
  }
  if (resumable && entries.includes(PLAN_FILE)) return;
  throw new OptionError("-o", dir, "a new or empty run directory (or pass --force to replace it)");
}

/** True when the fixed image's full resolution does not fit the registration budget at `bytesPerVoxel`. */
async function exceedsBudget(fixedPath: string, budgetBytes: number, bytesPerVoxel: number): Promise<boolean> {
  const src = await openImage(fixedPath);
  try {
    return !fitsBudget(src.meta.levels[0]!.shape, budgetBytes, bytesPerVoxel);
  } finally {
    await src.close();
  }
}

export function registerRegister(program: Command, globals: () => GlobalOptions): void {
  const command = program
    .command("register")
    .description("register MOVING onto FIXED (the transform maps fixed → moving physical points): in memory at the finest level the budget allows, or, when the full resolution does not fit (or --chunk is given), globally at a coarse level then refined in overlapping chunks, resumable")
    .argument("<fixed>", "reference image")
    .argument("<moving>", "image to align")
    .requiredOption("-o, --output <run>", "run directory to create: transform/, warped image, metrics.json, qc/report.html")
    .option("--preset <name>", `parameter set: ${PRESETS.join(", ")}`, "accurate")
    .option("--metric <name>", "similarity: auto (MI for affine, local NCC for deformable), ncc, mi or mse", "auto")
    .option("--deformable <mode>", `dense stage: ${DENSE.join(", ")} (svf: stationary velocity, diffeomorphic by scaling and squaring; symmetric: a stationary velocity driven from both images towards their midpoint, so swapping them inverts it; bspline: free-form deformation with bending energy; bspline-greedy: a B-spline on the coarse levels, then greedy from it; default: greedy in memory, bspline for the global stage of the chunked flow)`)
    .option("--sigma-update <voxels>", "greedy: Gaussian σ of each update, the fluid term (default 1.732 fast, 3 accurate)")
    .option("--sigma-field <voxels>", "greedy: Gaussian σ of the whole field after each update, the elastic term (default 0.707 fast, 1.5 accurate)")
    .option("--elastic <mu,lambda>", "greedy, svf, symmetric: regularise each update by linear elasticity instead of --sigma-update: solve (I − μΔ − (λ+μ)∇∇·) w = force by conjugate gradients (Lamé μ, λ in voxels²; smoothing over about √μ voxels, nearly volume-preserving when λ ≫ μ; in memory and for the chunked flow's global stage)")
    .option("--ncc-radius <voxels>", "local NCC window radius (default 2 fast, 3 accurate)")
    .option("--grid-spacing <voxels>", "bspline: knot spacing in voxels of the registration level (default 16)")
    .option("--bending-weight <w>", "bspline: weight of the bending energy against the metric (default 0.01)")
    .option("--smoothing-sigmas <list>", "extra Gaussian σ of each pyramid level, in voxels of that level, coarsest first and matched from the finest level: one value smooths the registration level only (0.5, as elastix's pyramid does, helps noisy same-modality pairs; default 0; in memory and for the chunked flow's global stage)")
    .option("--dof <dof>", `parametric stage: ${DOFS.join(", ")}`, "affine")
    .option("--flip", "also try a mirrored moving image during initialisation")
    .option("--fixed-channel <n>", "register on this channel of the fixed image, e.g. DAPI (default: luminance / channel mean)")
    .option("--moving-channel <n>", "register on this channel of the moving image")
    .option("--threads <n>", "worker threads (default: all cores); results are identical for any count")
    .option("--memory <size>", 'memory budget, e.g. 2GB, or "auto" (70 % of the memory free now)', "2GB")
    .option("--seed <n>", "seed of the sampling", "1")
    .option("--fixed-landmarks <csv>", "ANHIR landmarks of the fixed image (pixels), for TRE")
    .option("--moving-landmarks <csv>", "ANHIR landmarks of the moving image (pixels), for TRE")
    .option("--force", "replace a non-empty run directory (a chunked run's directory is otherwise resumed)")
    .option("--no-chunks", "never use the chunked flow: register in memory at a coarser level instead")
    .option("--no-warped", "do not write the warped moving image (the transform, metrics.json and qc/ still are)")
    .option("--no-qc", "do not write qc/ (figures and report.html)");
  addChunkOptions(command).action(async (fixedPath: string, movingPath: string, raw: RawRegister) => {
      const preset = parseEnum<Preset>("--preset", raw.preset, PRESETS);
      const metric = parseEnum("--metric", raw.metric, METRICS);
      const deformable = raw.deformable === undefined ? undefined : parseEnum("--deformable", raw.deformable, DENSE);
      const dof = parseEnum("--dof", raw.dof, DOFS);
      const regularization = parseRegularization(raw);
      // Every flag is checked before any file is touched, whichever flow runs; --memory and --threads serve both.
      const chunkOptions = parseChunkOptions(raw), { budgetBytes, threads } = chunkOptions;
      const seed = parseInteger("--seed", raw.seed, 0, 2 ** 31);
      if (Boolean(raw.fixedLandmarks) !== Boolean(raw.movingLandmarks)) {
        throw new OptionError(raw.fixedLandmarks ? "--moving-landmarks" : "--fixed-landmarks", "", "both landmark files, or neither");
      }
      const channels = {
        ...(raw.fixedChannel !== undefined ? { fixed: parseInteger("--fixed-channel", raw.fixedChannel, 0, 65535) } : {}),
        ...(raw.movingChannel !== undefined ? { moving: parseInteger("--moving-channel", raw.movingChannel, 0, 65535) } : {}),
      };
      const chunked = raw.chunks !== false && (asksForChunks(raw) || (await exceedsBudget(fixedPath, budgetBytes, denseBytesPerVoxel(deformable))));
      await checkRunDir(raw.output, Boolean(raw.force), chunked);
      const reporter = createReporter(globals());
      const landmarks = raw.fixedLandmarks && raw.movingLandmarks ? { landmarks: { fixed: raw.fixedLandmarks, moving: raw.movingLandmarks } } : {};
      const write = { warped: raw.warped !== false, qc: raw.qc !== false };
      try {
        if (chunked) {
          const run = await registerChunked(fixedPath, movingPath, raw.output, {
            ...chunkOptions, preset, metric, ...(deformable ? { deformable } : {}), regularization, dof, flips: Boolean(raw.flip), seed, channels, ...landmarks, write,
            progress: reporter.progress,
            onGlobalProgress: registrationProgress(reporter, "global "),
          });
          printChunkedSummary(reporter, `registered ${movingPath} → ${fixedPath} (chunked)`, raw.output, run);
          return;
        }
        const run = await registerRun(fixedPath, movingPath, raw.output, {
          preset, metric, ...(deformable ? { deformable } : {}), regularization, dof, flips: Boolean(raw.flip), budgetBytes, seed, threads, channels, write, progress: reporter.progress,
          onProgress: registrationProgress(reporter),
          ...landmarks,
        });
        printRunSummary(reporter, `registered ${movingPath} → ${fixedPath}`, raw.output, run);
      } finally {
        reporter.stop();
      }
    });
}
