// `terareg register FIXED MOVING -o RUN`: parses the options, calls registerRun (registration/register-run.ts) and
// prints the summary. Everything the run does and writes is the library's.

import { availableParallelism } from "node:os";
import { stat, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { OptionError, formatBytes } from "../../core/errors.js";
import type { DenseMode, MetricChoice } from "../../registration/register-images.js";
import { registerRun, type RunResult } from "../../registration/register-run.js";
import { PRESETS, type Preset } from "../../registration/presets.js";
import type { AffineDof } from "../../transforms/affine.js";
import { parseBytes, parseEnum, parseInteger } from "../parse.js";
import { createReporter, type Reporter } from "../reporter.js";
import type { GlobalOptions } from "../program.js";

interface RawRegister {
  output: string;
  preset: string;
  metric: string;
  deformable: string;
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
}

const METRICS: readonly MetricChoice[] = ["auto", "ncc", "mi", "mse"];
const DENSE: readonly DenseMode[] = ["greedy", "svf", "bspline", "none"];
const DOFS: readonly AffineDof[] = ["translation", "rigid", "similarity", "affine"];

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
  fields["report"] = join(runDir, "qc", "report.html");
  reporter.summary(title, fields, {
    seconds: run.seconds, peakRssBytes: run.peakRssBytes,
    ...(landmarks ? { treMedianBefore: landmarks.before.median, treMedianAfter: landmarks.after.median } : {}),
  });
}

/** Refuses to overwrite a non-empty run directory unless --force. */
async function checkRunDir(dir: string, force: boolean): Promise<void> {
  const st = await stat(dir).catch(() => undefined);
  if (!st) return;
  if (!st.isDirectory()) throw new OptionError("-o", dir, "a directory path (a file is in the way)");
  if (!force && (await readdir(dir)).length > 0) throw new OptionError("-o", dir, "a new or empty run directory (or pass --force to replace it)");
}

export function registerRegister(program: Command, globals: () => GlobalOptions): void {
  program
    .command("register")
    .description("register MOVING onto FIXED at the finest pyramid level the memory budget allows (the transform maps fixed → moving physical points)")
    .argument("<fixed>", "reference image")
    .argument("<moving>", "image to align")
    .requiredOption("-o, --output <run>", "run directory to create: transform/, warped image, metrics.json, qc/report.html")
    .option("--preset <name>", `parameter set: ${PRESETS.join(", ")}`, "accurate")
    .option("--metric <name>", "similarity: auto (MI for affine, local NCC for deformable), ncc, mi or mse", "auto")
    .option("--deformable <mode>", `dense stage: ${DENSE.join(", ")} (svf: stationary velocity, exact inverse; bspline: free-form deformation with bending energy)`, "greedy")
    .option("--dof <dof>", `parametric stage: ${DOFS.join(", ")}`, "affine")
    .option("--flip", "also try a mirrored moving image during initialisation")
    .option("--fixed-channel <n>", "register on this channel of the fixed image, e.g. DAPI (default: luminance / channel mean)")
    .option("--moving-channel <n>", "register on this channel of the moving image")
    .option("--threads <n>", "worker threads (default: all cores); results are identical for any count")
    .option("--memory <size>", "memory budget for the registration working set, e.g. 2GB", "2GB")
    .option("--seed <n>", "seed of the sampling", "1")
    .option("--fixed-landmarks <csv>", "ANHIR landmarks of the fixed image (pixels), for TRE")
    .option("--moving-landmarks <csv>", "ANHIR landmarks of the moving image (pixels), for TRE")
    .option("--force", "replace a non-empty run directory")
    .action(async (fixedPath: string, movingPath: string, raw: RawRegister) => {
      const preset = parseEnum<Preset>("--preset", raw.preset, PRESETS);
      const metric = parseEnum("--metric", raw.metric, METRICS);
      const deformable = parseEnum("--deformable", raw.deformable, DENSE);
      const dof = parseEnum("--dof", raw.dof, DOFS);
      const threads = raw.threads === undefined ? availableParallelism() : parseInteger("--threads", raw.threads, 1, 256);
      const budgetBytes = parseBytes("--memory", raw.memory);
      const seed = parseInteger("--seed", raw.seed, 0, 2 ** 31);
      if (Boolean(raw.fixedLandmarks) !== Boolean(raw.movingLandmarks)) {
        throw new OptionError(raw.fixedLandmarks ? "--moving-landmarks" : "--fixed-landmarks", "", "both landmark files, or neither");
      }
      const channels = {
        ...(raw.fixedChannel !== undefined ? { fixed: parseInteger("--fixed-channel", raw.fixedChannel, 0, 65535) } : {}),
        ...(raw.movingChannel !== undefined ? { moving: parseInteger("--moving-channel", raw.movingChannel, 0, 65535) } : {}),
      };
      await checkRunDir(raw.output, Boolean(raw.force));
      const reporter = createReporter(globals());
      try {
        const run = await registerRun(fixedPath, movingPath, raw.output, {
          preset, metric, deformable, dof, flips: Boolean(raw.flip), budgetBytes, seed, threads, channels, progress: reporter.progress,
          onProgress: (e) => reporter.progress({ stage: `${e.stage} L${e.level}`, done: e.iteration + 1, total: e.iteration + 1, unit: "iterations" }),
          ...(raw.fixedLandmarks && raw.movingLandmarks ? { landmarks: { fixed: raw.fixedLandmarks, moving: raw.movingLandmarks } } : {}),
        });
        printRunSummary(reporter, `registered ${movingPath} → ${fixedPath}`, raw.output, run);
      } finally {
        reporter.stop();
      }
    });
}
