// `terareg register FIXED MOVING -o RUN`: in-memory registration at the level the memory budget allows, writing
// RUN/transform/, RUN/metrics.json and, with landmarks, TRE before and after. Parsing and reporting only.

import { availableParallelism } from "node:os";
import { stat, writeFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { openImage } from "../../io/open.js";
import { rejectNaN } from "../../io/reject-nan.js";
import { readLandmarks, type Landmarks } from "../../io/landmarks.js";
import { writeImage } from "../../io/write.js";
import { warpedSource } from "../../warp/warped-source.js";
import { writeRegistrationQc } from "../../qc/registration-qc.js";
import { OptionError, formatBytes } from "../../core/errors.js";
import { writeAtomically } from "../../core/atomic.js";
import { createPool } from "../../compute/cpu/pool.js";
import { cpuKernels } from "../../compute/cpu/cpu-kernels.js";
import { fitsBudget, registerImages, type DenseMode, type MetricChoice } from "../../registration/register-images.js";
import { withPyramid } from "../../pyramid/with-pyramid.js";
import type { Source } from "../../core/source.js";
import type { ProgressFn } from "../../core/progress.js";
import { PRESETS, type Preset } from "../../registration/presets.js";
import { saveTransform } from "../../transforms/transform-io.js";
import { landmarkReport, type LandmarkReport } from "../../qc/landmark-tre.js";
import type { AffineDof } from "../../transforms/affine.js";
import { parseBytes, parseEnum, parseInteger } from "../parse.js";
import { createReporter, peakRssBytes } from "../reporter.js";
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
  force?: boolean;
}

const METRICS: readonly MetricChoice[] = ["auto", "ncc", "mi", "mse"];
const DENSE: readonly DenseMode[] = ["greedy", "svf", "bspline", "none"];
const DOFS: readonly AffineDof[] = ["translation", "rigid", "similarity", "affine"];

/** `source`, or a view of it with reduced levels built out of core when none of its stored levels fits the budget. */
async function registrable(source: Source, budgetBytes: number, cacheDir: string, progress: ProgressFn): Promise<Source> {
  const coarsest = source.meta.levels[source.meta.levels.length - 1]!;
  return fitsBudget(coarsest.shape, budgetBytes) ? source : withPyramid(source, cacheDir, { progress });
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
    .description("register MOVING onto FIXED (fits-in-memory images; the transform maps fixed → moving physical points)")
    .argument("<fixed>", "reference image")
    .argument("<moving>", "image to align")
    .requiredOption("-o, --output <run>", "run directory to create: transform/, warped image, metrics.json, qc/report.html")
    .option("--preset <name>", `parameter set: ${PRESETS.join(", ")}`, "accurate")
    .option("--metric <name>", "similarity: auto (MI for affine, local NCC for deformable), ncc, mi or mse", "auto")
    .option("--deformable <mode>", `dense stage: ${DENSE.join(", ")} (svf: stationary velocity, exact inverse; bspline: free-form deformation with bending energy)`, "greedy")
    .option("--dof <dof>", `parametric stage: ${DOFS.join(", ")}`, "affine")
    .option("--flip", "also try a mirrored moving image during initialisation")
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
      await checkRunDir(raw.output, Boolean(raw.force));
      const reporter = createReporter(globals());
      // Inputs too large for the budget at every stored level get their missing levels built into RUN/pyramid/.
      const pyramidCache = join(raw.output, "pyramid");
      const fixed = await registrable(rejectNaN(await openImage(fixedPath)), budgetBytes, pyramidCache, reporter.progress);
      const moving = await registrable(rejectNaN(await openImage(movingPath)), budgetBytes, pyramidCache, reporter.progress);
      const pool = createPool(threads);
      const kernels = cpuKernels(pool);
      const t0 = performance.now();
      try {
        const result = await registerImages(fixed, moving, {
          preset, metric, deformable, dof, flips: Boolean(raw.flip), budgetBytes, seed, kernels,
          onProgress: (e) => reporter.progress({ stage: `${e.stage} L${e.level}`, done: e.iteration + 1, total: e.iteration + 1, unit: "iterations" }),
        });
        let landmarks: LandmarkReport | undefined;
        let fixedLm: Landmarks | undefined, movingLm: Landmarks | undefined;
        if (raw.fixedLandmarks && raw.movingLandmarks) {
          const l0 = fixed.meta.levels[0]!.shape;
          const diagonal = Math.hypot(l0[1], l0[2], fixed.meta.ndim === 3 ? l0[0] : 0);
          fixedLm = await readLandmarks(raw.fixedLandmarks);
          movingLm = await readLandmarks(raw.movingLandmarks);
          landmarks = landmarkReport(fixedLm, movingLm, result.transform, fixed.meta.space, moving.meta.space, diagonal);
        }
        const seconds = (performance.now() - t0) / 1000;
        const metrics = {
          fixed: fixedPath, moving: movingPath, preset, metric: result.metric, level: result.level, jacobian: result.jacobian,
          landmarks, stages: result.stages, seconds, peakRssBytes: peakRssBytes(), threads,
          parameters: { preset, metric, deformable, dof, flip: Boolean(raw.flip), seed, budgetBytes },
        };
        const warpedName = fixed.meta.ndim === 2 ? "warped.ome.tif" : /nifti|metaimage|nrrd/.test(fixed.meta.format) ? "warped.nii.gz" : "warped.ome.zarr";
        // Each output appears atomically under its final name (transform/ last), so a crash leaves no half file.
        await writeAtomically(join(raw.output, "metrics.json"), (tmp) => writeFile(tmp, `${JSON.stringify(metrics, null, 2)}\n`));
        await writeImage(warpedSource(moving, result.transform, fixed, { kernels }), join(raw.output, warpedName), { progress: reporter.progress });
        await writeAtomically(join(raw.output, "qc"), (tmp) => writeRegistrationQc(tmp, {
          fixed, moving, fixedPath, movingPath, transform: result.transform, kernels,
          metric: { name: result.metric.name, before: result.metric.before, after: result.metric.after },
          ...(result.jacobian && result.jacobianMap ? { jacobian: { stats: result.jacobian, map: result.jacobianMap } } : {}),
          ...(landmarks && fixedLm && movingLm ? { landmarks: { fixed: fixedLm, moving: movingLm, report: landmarks } } : {}),
          stages: result.stages.map((st) => ({ name: st.name, seconds: st.seconds, peakBytes: st.peakRssBytes })),
          parameters: metrics.parameters, metrics,
        }));
        await writeAtomically(join(raw.output, "transform"), (tmp) => saveTransform(tmp, result.transform));
        const fields: Record<string, string> = {
          output: raw.output,
          [`${result.metric.name} (cost)`]: `${result.metric.before.toFixed(4)} → ${result.metric.afterAffine.toFixed(4)} (affine) → ${result.metric.after.toFixed(4)}`,
        };
        if (result.jacobian) fields["Jacobian"] = `min ${result.jacobian.min.toFixed(3)}, folding ${(100 * result.jacobian.foldingFraction).toFixed(3)} %`;
        if (landmarks) {
          fields["TRE (median)"] = `${landmarks.before.median.toFixed(2)} → ${landmarks.after.median.toFixed(2)} px (rTRE ${landmarks.after.medianRtre?.toFixed(5)}), ${(100 * landmarks.improvedFraction).toFixed(1)} % of ${landmarks.pairs} improved`;
        }
        fields["time"] = `${seconds.toFixed(2)} s (${result.stages.map((s) => `${s.name} ${s.seconds.toFixed(2)}`).join(", ")})`;
        fields["peak RSS"] = formatBytes(peakRssBytes());
        fields["report"] = join(raw.output, "qc", "report.html");
        reporter.summary(`registered ${movingPath} → ${fixedPath}`, fields, { seconds, peakRssBytes: peakRssBytes(), ...(landmarks ? { treMedianBefore: landmarks.before.median, treMedianAfter: landmarks.after.median } : {}) });
      } finally {
        reporter.stop();
        await pool.close();
        await fixed.close();
        await moving.close();
      }
    });
}
