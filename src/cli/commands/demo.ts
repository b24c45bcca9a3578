// `terareg demo`: registers the sample pair shipped in assets/demo (no network, no data of yours) and prints
// TRE before → after, time, peak memory and where the report is. The work is registerRun's.

import { availableParallelism } from "node:os";
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { Command } from "commander";
import { registerRun } from "../../registration/register-run.js";
import { PRESETS, type Preset } from "../../registration/presets.js";
import { parseEnum } from "../parse.js";
import { createReporter } from "../reporter.js";
import { printRunSummary } from "./register.js";
import type { GlobalOptions } from "../program.js";

/** The shipped sample pair: dist/src/cli/commands → the package root's assets/demo. */
export const DEMO_DIR = fileURLToPath(new URL("../../../../assets/demo/", import.meta.url));

export function registerDemo(program: Command, globals: () => GlobalOptions): void {
  program
    .command("demo")
    .description("register the sample pair shipped with terareg (rat kidney H&E vs pan-cytokeratin, ANHIR landmarks) and print TRE before → after")
    .option("-o, --output <run>", "run directory (replaced if it exists)", "demo-out/run")
    .option("--preset <name>", `parameter set: ${PRESETS.join(", ")}`, "fast")
    .action(async (raw: { output: string; preset: string }) => {
      const preset = parseEnum<Preset>("--preset", raw.preset, PRESETS);
      const reporter = createReporter(globals());
      await rm(raw.output, { recursive: true, force: true });
      try {
        const run = await registerRun(join(DEMO_DIR, "fixed_he.jpg"), join(DEMO_DIR, "moving_pancytokeratin.jpg"), raw.output, {
          preset, threads: availableParallelism(), progress: reporter.progress,
          landmarks: { fixed: join(DEMO_DIR, "fixed_landmarks.csv"), moving: join(DEMO_DIR, "moving_landmarks.csv") },
          onProgress: (e) => reporter.progress({ stage: `${e.stage} L${e.level}`, done: e.iteration + 1, total: e.iteration + 1, unit: "iterations" }),
        });
        printRunSummary(reporter, "terareg demo: rat kidney, H&E (fixed) vs pan-cytokeratin (moving), 69 ANHIR landmarks", raw.output, run);
      } finally {
        reporter.stop();
      }
    });
}
