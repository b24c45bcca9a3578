// `terareg plan FIXED MOVING`: prints the plan of the large-image flow (levels, chunk grid, memory per stage, time)
// and writes it as plan.json. Planning itself is chunked/plan.ts; this only parses and prints.

import type { Command } from "commander";
import { formatBytes } from "../../core/errors.js";
import { planFiles, writePlan } from "../../chunked/register-chunked.js";
import { PRESETS, type Preset } from "../../registration/presets.js";
import { parseEnum } from "../parse.js";
import { createReporter } from "../reporter.js";
import type { GlobalOptions } from "../program.js";
import { addChunkOptions, parseChunkOptions, type RawChunkOptions } from "./chunk-options.js";

interface RawPlan extends RawChunkOptions {
  output: string;
  memory: string;
  threads?: string;
  preset: string;
}

const xyz = (v: readonly number[], ndim: number) => [...v].reverse().slice(0, ndim).join("×");

export function registerPlan(program: Command, globals: () => GlobalOptions): void {
  const command = program
    .command("plan")
    .description("plan a large registration from the memory budget: registration and refinement levels, chunk grid, memory per stage, estimated time")
    .argument("<fixed>", "reference image")
    .argument("<moving>", "image to align")
    .option("-o, --output <file>", "where to write the plan", "plan.json")
    .option("--memory <size>", 'memory budget, e.g. 4GB, or "auto" (70 % of the memory free now)', "auto")
    .option("--threads <n>", "worker threads (default: all cores)")
    .option("--preset <name>", `parameter set: ${PRESETS.join(", ")}`, "fast");
  addChunkOptions(command).action(async (fixedPath: string, movingPath: string, raw: RawPlan) => {
    const preset = parseEnum<Preset>("--preset", raw.preset, PRESETS);
    const plan = await planFiles(fixedPath, movingPath, { ...parseChunkOptions(raw), preset });
    await writePlan(raw.output, plan);
    const nd = plan.ndim, m = plan.memory, t = plan.estimatedSeconds;
    createReporter(globals()).summary(`plan ${movingPath} → ${fixedPath}`, {
      "memory budget": formatBytes(plan.budgetBytes),
      "global registration": `level ${plan.global.level} (${xyz(plan.global.shape, nd)}), ${plan.global.dof} then ${plan.global.deformable}`,
      refinement: `level ${plan.refinement.level} (${xyz(plan.refinement.shape, nd)}), lattice ${xyz(plan.refinement.latticeShape, nd)} (every ${plan.refinement.latticeStep[2]} voxels)`,
      chunks: `${plan.chunking.count} (${xyz(plan.chunking.counts, nd)}) of ${xyz(plan.chunking.size, nd)} + ${plan.chunking.halo[2]} halo, registered by ${plan.chunking.parameters.deformable}, ${plan.chunkWorkers} at once`,
      "peak memory (est.)": `global ${formatBytes(m.globalBytes)}, chunks ${formatBytes(m.chunksBytes)}, warp ${formatBytes(m.warpBytes)}`,
      "time (est.)": `${t.total.toFixed(0)} s (global ${t.global.toFixed(0)}, chunks ${t.chunks.toFixed(0)}, warp ${t.warp.toFixed(0)})`,
      plan: raw.output,
    }, { chunks: plan.chunking.count, registrationLevel: plan.global.level, refinementLevel: plan.refinement.level, peakBytes: m.peakBytes, estimatedSeconds: t.total });
  });
}
