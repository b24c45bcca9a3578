// `terareg demo`: registers the sample pair shipped in assets/demo (no network, no data of yours) and prints
// TRE before → after, time, peak memory and where the report is. The work is registerRun's.

import { availableParallelism } from "node:os";
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { Command } from "commander";
import { registerRun } from "../../registration/register-run.js";
import { PRESETS, type Preset } from "../../registration/presets.js";
import { parseBytes, parseEnum } from "../parse.js";
import { createReporter, registrationProgress } from "../reporter.js";
import { printChunkedSummary, printRunSummary } from "./register.js";
import { parseSize } from "../parse.js";
import { synthesize } from "../../synth/synth.js";
import { registerChunked } from "../../chunked/register-chunked.js";
import { freeMemoryBudget } from "../../chunked/plan.js";
import { OptionError } from "../../core/errors.js";
import type { Vec3 } from "../../core/space.js";
import type { GlobalOptions } from "../program.js";

/** The shipped sample pair: dist/src/cli/commands → the package root's assets/demo. */
export const DEMO_DIR = fileURLToPath(new URL("../../../../assets/demo/", import.meta.url));

/** "300MP" → a square of that many pixels; otherwise WxH or WxHxD. */
function demoShape(raw: string): Vec3 {
  const mp = /^(\d+(?:\.\d+)?)\s*MP$/i.exec(raw.trim());
  if (mp) {
    const side = Math.floor(Math.sqrt(Number(mp[1]) * 1e6));
    if (!(side >= 64 && side <= 200_000)) throw new OptionError("--size", raw, "a size from 0.005MP, e.g. 300MP");
    return [1, side, side];
  }
  return parseSize("--size", raw);
}

export function registerDemo(program: Command, globals: () => GlobalOptions): void {
  program
    .command("demo")
    .description("register the sample pair shipped with terareg (rat kidney H&E vs pan-cytokeratin, ANHIR landmarks) and print TRE before → after")
    .option("-o, --output <run>", "run directory (replaced if it exists)", "demo-out/run")
    .option("--preset <name>", `parameter set: ${PRESETS.join(", ")}`, "fast")
    .option("--size <size>", 'the scale path instead: synthesise a pair of this size (300MP, or WxH / WxHxD, e.g. 1024x1024x1024) with `terareg synth` into OUTPUT/../synth-SIZE (kept for reruns) and register it through the chunked flow')
    .option("--memory <size>", 'memory budget of the --size run, e.g. 1.5GB, or "auto"', "1.5GB")
    .action(async (raw: { output: string; preset: string; size?: string; memory: string }) => {
      const preset = parseEnum<Preset>("--preset", raw.preset, PRESETS);
      const reporter = createReporter(globals());
      await rm(raw.output, { recursive: true, force: true });
      try {
        if (raw.size !== undefined) {
          const shape = demoShape(raw.size);
          const budgetBytes = raw.memory === "auto" ? freeMemoryBudget() : parseBytes("--memory", raw.memory);
          const pairDir = join(raw.output, "..", `synth-${[...shape].reverse().filter((n, i) => i < 2 || n > 1).join("x")}`);
          const pair = await synthesize(pairDir, { shape, progress: reporter.progress, reuse: true });
          const run = await registerChunked(pair.fixed, pair.moving, raw.output, {
            preset, threads: availableParallelism(), budgetBytes, progress: reporter.progress,
            ...(shape[0] === 1 && shape[1] * shape[2] > 64e6 ? { refineLevel: 1 } : {}),
            landmarks: { fixed: pair.fixedLandmarks, moving: pair.movingLandmarks },
            onGlobalProgress: registrationProgress(reporter, "global "),
          });
          printChunkedSummary(reporter, `terareg demo --size ${raw.size}: synthetic pair with a known deformation, chunked flow`, raw.output, run);
          return;
        }
        const run = await registerRun(join(DEMO_DIR, "fixed_he.jpg"), join(DEMO_DIR, "moving_pancytokeratin.jpg"), raw.output, {
          preset, threads: availableParallelism(), progress: reporter.progress,
          landmarks: { fixed: join(DEMO_DIR, "fixed_landmarks.csv"), moving: join(DEMO_DIR, "moving_landmarks.csv") },
          onProgress: registrationProgress(reporter),
        });
        printRunSummary(reporter, "terareg demo: rat kidney, H&E (fixed) vs pan-cytokeratin (moving), 69 ANHIR landmarks", raw.output, run);
      } finally {
        reporter.stop();
      }
    });
}
