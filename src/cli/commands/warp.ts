// `terareg warp MOVING --transform RUN/transform --reference FIXED -o OUT`: every channel of the moving image
// resampled onto the fixed grid, tile by tile, streamed into a pyramidal OME-TIFF / OME-Zarr. Parsing only.

import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { openImage } from "../../io/open.js";
import { writeImage } from "../../io/write.js";
import { loadTransform } from "../../transforms/transform-io.js";
import { warpedSource } from "../../warp/warped-source.js";
import { INTERPOLATIONS, type Interpolation } from "../../kernels/types.js";
import { createPool } from "../../compute/cpu/pool.js";
import { cpuKernels } from "../../compute/cpu/cpu-kernels.js";
import { OptionError, formatBytes } from "../../core/errors.js";
import { addWriteOptions, parseWriteOptions, type RawWriteOptions } from "./convert.js";
import { parseEnum, parseInteger } from "../parse.js";
import { createReporter, peakRssBytes } from "../reporter.js";
import type { GlobalOptions } from "../program.js";

/** "0,2,3" → [0, 2, 3]. */
function parseChannels(raw: string, count: number): number[] {
  const list = raw.split(",").map((c) => c.trim());
  if (list.some((c) => !/^\d+$/.test(c)) || list.some((c) => Number(c) >= count)) {
    throw new OptionError("--channels", raw, `comma-separated channel indices from 0 to ${count - 1}`);
  }
  return list.map(Number);
}

export function registerWarp(program: Command, globals: () => GlobalOptions): void {
  addWriteOptions(
    program
      .command("warp")
      .description("resample MOVING onto the grid of --reference through a run's transform, tile by tile, every channel")
      .argument("<moving>", "image to warp (any readable format)")
      .requiredOption("--transform <dir>", "a run's transform/ directory (fixed → moving)")
      .requiredOption("--reference <fixed>", "image whose grid the output takes (the fixed image)")
      .requiredOption("-o, --output <out>", "output image; .ome.tif or .ome.zarr for a pyramid")
      .option("--interpolation <kind>", `${INTERPOLATIONS.join(", ")} (default linear; labels: nearest)`)
      .option("--labels", "the moving image holds labels: nearest neighbour, values kept exactly")
      .option("--channels <list>", "moving channels to warp, e.g. 0,2 (default all)")
      .option("--level <n>", "level of the reference grid to produce (0 = full resolution)", "0")
      .option("--threads <n>", "worker threads (default: all cores)"),
  ).action(async (movingPath: string, raw: RawWriteOptions & {
    transform: string; reference: string; output: string; interpolation?: string; labels?: boolean; channels?: string; level: string; threads?: string;
  }) => {
    const options = parseWriteOptions(raw);
    const interpolation = raw.interpolation === undefined ? undefined : parseEnum<Interpolation>("--interpolation", raw.interpolation, INTERPOLATIONS);
    const threads = raw.threads === undefined ? availableParallelism() : parseInteger("--threads", raw.threads, 1, 256);
    const reporter = createReporter(globals());
    const t0 = performance.now();
    const transform = await loadTransform(raw.transform);
    const reference = await openImage(raw.reference);
    const level = parseInteger("--level", raw.level, 0, reference.meta.levels.length - 1);
    const moving = await openImage(movingPath);
    const pool = createPool(threads);
    try {
      const kernels = cpuKernels(pool);
      const warped = warpedSource(moving, transform, reference, {
        level, kernels, labels: Boolean(raw.labels),
        ...(interpolation ? { interpolation } : {}),
        ...(raw.channels ? { channels: parseChannels(raw.channels, moving.meta.channels.length) } : {}),
      });
      await writeImage(warped, raw.output, { ...options, progress: reporter.progress, reduce: kernels.reduceBlock });
      const seconds = (performance.now() - t0) / 1000;
      const [z, y, x] = warped.meta.levels[0]!.shape;
      reporter.summary(`warped ${movingPath} → ${raw.output}`, {
        grid: `${x} × ${y}${z > 1 ? ` × ${z}` : ""} (level ${level} of ${raw.reference}), ${warped.meta.channels.length} channel(s), ${warped.meta.dtype}`,
        time: `${seconds.toFixed(2)} s`,
        throughput: `${((x * y * z) / 1e6 / seconds).toFixed(1)} Mpx/s`,
        "peak RSS": formatBytes(peakRssBytes()),
      }, { seconds, peakRssBytes: peakRssBytes(), megapixels: (x * y * z) / 1e6 });
    } finally {
      reporter.stop();
      await pool.close();
      await moving.close();
      await reference.close();
    }
  });
}
