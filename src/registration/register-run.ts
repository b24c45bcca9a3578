// One registration run on disk: open both images (building a pyramid cache when no stored level fits the budget),
// register, measure landmarks, then write RUN/metrics.json, the warped image, RUN/qc/ and RUN/transform/ (last).

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeAtomically } from "../core/atomic.js";
import { peakRssBytes } from "../core/memory.js";
import type { ProgressFn } from "../core/progress.js";
import type { Source } from "../core/source.js";
import { voxelCount } from "../core/space.js";
import { cpuKernels } from "../compute/cpu/cpu-kernels.js";
import { createPool } from "../compute/cpu/pool.js";
import { serialKernels } from "../compute/serial-kernels.js";
import { readLandmarks } from "../io/landmarks.js";
import { openImage } from "../io/open.js";
import { rejectNaN } from "../io/reject-nan.js";
import { writeImage } from "../io/write.js";
import { withPyramid } from "../pyramid/with-pyramid.js";
import { landmarkReport, type LandmarkReport } from "../qc/landmark-tre.js";
import { writeRegistrationQc } from "../qc/registration-qc.js";
import { saveTransform } from "../transforms/transform-io.js";
import { warpedSource } from "../warp/warped-source.js";
import { presetParameters } from "./presets.js";
import { chooseLevel, denseBytesPerVoxel, fitsBudget, registerImages, type RegisterOptions, type RegistrationResult } from "./register-images.js";

/** The optional outputs of a run (metrics.json and transform/ are always written). */
export interface RunOutputs {
  /** The moving image warped onto the fixed grid, at full resolution, tile by tile. @default true */
  warped?: boolean;
  /** qc/: figures and report.html. @default true */
  qc?: boolean;
}

export interface RunOptions extends Omit<RegisterOptions, "kernels"> {
  /** Which optional outputs to write (elastix's WriteResultImage "false" is `{ warped: false }`). @default both */
  write?: RunOutputs;
  /** Worker threads; results are identical for any count. @default 1 */
  threads?: number;
  /** ANHIR landmark CSVs (pixels) of both images, for TRE before and after. */
  landmarks?: { fixed: string; moving: string };
  /** Progress of the out-of-core steps (pyramid cache, warp). */
  progress?: ProgressFn;
  /** Extra entries for metrics.json "parameters" (e.g. how the CLI was called). */
  parameters?: Record<string, unknown>;
}

export interface RunResult {
  result: RegistrationResult;
  landmarks?: LandmarkReport;
  seconds: number;
  peakRssBytes: number;
  /** Paths written, relative to the run directory. */
  outputs: string[];
}

/** Voxels of the finest dense level from which a 2D B-spline registration runs its kernels on the pool (1024²). */
const POOL_BSPLINE_VOXELS = 2 ** 20;

/** `source`, or a view of it with reduced levels built out of core when none of its stored levels fits the budget. */
async function registrable(source: Source, budgetBytes: number, bytesPerVoxel: number, cacheDir: string, progress?: ProgressFn): Promise<Source> {
  const coarsest = source.meta.levels[source.meta.levels.length - 1]!;
  return fitsBudget(coarsest.shape, budgetBytes, bytesPerVoxel) ? source : withPyramid(source, cacheDir, progress ? { progress } : {});
}

/**
 * Registers `movingPath` onto `fixedPath` and writes the run into `runDir`. Every output appears atomically under its
 * final name, and transform/ last, so a run directory with a transform/ is complete.
 */
export async function registerRun(fixedPath: string, movingPath: string, runDir: string, options: RunOptions = {}): Promise<RunResult> {
  const budgetBytes = options.budgetBytes ?? 2 * 2 ** 30;
  const pyramidCache = join(runDir, "pyramid");
  const bytesPerVoxel = denseBytesPerVoxel(options.deformable);
  const fixed = await registrable(rejectNaN(await openImage(fixedPath)), budgetBytes, bytesPerVoxel, pyramidCache, options.progress);
  const moving = await registrable(rejectNaN(await openImage(movingPath)), budgetBytes, bytesPerVoxel, pyramidCache, options.progress);
  const threads = options.threads ?? 1;
  const pool = createPool(threads);
  const kernels = cpuKernels(pool);
  // 2D registrations run their kernels on this thread: with the wasm kernels, the pool's messages and shared-memory
  // copies cost more than a second core gives (measured, BENCHMARKS "wasm SIMD kernels": ANHIR kidney 3.45 → 3.07 s,
  // 1024² 4.19 → 3.84 s); 3D ones gain from the pool (128³: 3.53 against 3.67 s). So does a B-spline stage whose finest
  // level is large, its warp and splat running as whole bands on the workers (BENCHMARKS "B-spline cost": 4096² fast,
  // dense on 2048², 26.3 → 19.6 s; 1024² accurate 4.15 → 3.71 s; 1024² fast, dense on 512², 1.16 against 1.19 s, stays
  // here). The same bytes either way. The warp below always uses the pool.
  const level = voxelCount(fixed.meta.levels[options.level ?? chooseLevel(fixed, budgetBytes, bytesPerVoxel)]!.shape);
  // A preset that gives the registration level no dense iterations (fast) stops one 2D halving short of it.
  const skipsFinest = presetParameters(options.preset ?? "accurate", 1).denseIterations[0] === 0;
  const poolFor2D = options.deformable === "bspline" && (skipsFinest ? level / 4 : level) >= POOL_BSPLINE_VOXELS;
  const registrationKernels = fixed.meta.ndim === 2 && !poolFor2D ? serialKernels : kernels;
  const t0 = performance.now();
  try {
    const result = await registerImages(fixed, moving, { ...options, budgetBytes, kernels: registrationKernels });
    let landmarks: LandmarkReport | undefined;
    let lm: { fixed: Awaited<ReturnType<typeof readLandmarks>>; moving: Awaited<ReturnType<typeof readLandmarks>> } | undefined;
    if (options.landmarks) {
      const l0 = fixed.meta.levels[0]!.shape;
      const diagonal = Math.hypot(l0[1], l0[2], fixed.meta.ndim === 3 ? l0[0] : 0);
      lm = { fixed: await readLandmarks(options.landmarks.fixed), moving: await readLandmarks(options.landmarks.moving) };
      landmarks = landmarkReport(lm.fixed, lm.moving, result.transform, fixed.meta.space, moving.meta.space, diagonal);
    }
    const seconds = (performance.now() - t0) / 1000;
    const parameters = {
      preset: options.preset ?? "accurate", metric: options.metric ?? "auto", deformable: options.deformable ?? "greedy",
      regularization: options.regularization ?? {}, dof: options.dof ?? "affine", flip: options.flips ?? false, seed: options.seed ?? 1, budgetBytes, ...options.parameters,
    };
    const metrics = {
      fixed: fixedPath, moving: movingPath, metric: result.metric, denseRejected: result.denseRejected, level: result.level,
      jacobian: result.jacobian, landmarks,
      stages: result.stages, seconds, peakRssBytes: peakRssBytes(), threads, parameters,
    };
    const warpedName = fixed.meta.ndim === 2 ? "warped.ome.tif" : /nifti|metaimage|nrrd/.test(fixed.meta.format) ? "warped.nii.gz" : "warped.ome.zarr";
    await writeAtomically(join(runDir, "metrics.json"), (tmp) => writeFile(tmp, `${JSON.stringify(metrics, null, 2)}\n`));
    const outputs = ["metrics.json"];
    if (options.write?.warped !== false) {
      await writeImage(warpedSource(moving, result.transform, fixed, { kernels }), join(runDir, warpedName), { reduce: kernels.reduceBlock, ...(options.progress ? { progress: options.progress } : {}) });
      outputs.push(warpedName);
    }
    if (options.write?.qc !== false) {
      await writeAtomically(join(runDir, "qc"), (tmp) => writeRegistrationQc(tmp, {
        fixed, moving, fixedPath, movingPath, transform: result.transform, kernels,
        metric: { name: result.metric.name, before: result.metric.before, after: result.metric.after },
        ...(result.jacobian && result.jacobianMap ? { jacobian: { stats: result.jacobian, map: result.jacobianMap } } : {}),
        ...(landmarks && lm ? { landmarks: { ...lm, report: landmarks } } : {}),
        stages: result.stages.map((st) => ({ name: st.name, seconds: st.seconds, peakBytes: st.peakRssBytes })),
        parameters, metrics,
      }));
      outputs.push("qc/report.html");
    }
    await writeAtomically(join(runDir, "transform"), (tmp) => saveTransform(tmp, result.transform));
    outputs.push("transform/transform.json");
    return { result, ...(landmarks ? { landmarks } : {}), seconds, peakRssBytes: peakRssBytes(), outputs };
  } finally {
    await pool.close();
    await fixed.close();
    await moving.close();
  }
}
