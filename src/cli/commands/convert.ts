// `terareg convert IN OUT`: re-encodes an image (for example a plain TIFF into a pyramidal OME-TIFF or OME-Zarr),
// tile by tile. Parsing and reporting only; the work is io/write.ts.

import type { Command } from "commander";
import { openImage } from "../../io/open.js";
import { writeImage } from "../../io/write.js";
import { rejectNaN } from "../../io/reject-nan.js";
import type { Compression, WriteOptions } from "../../io/write-options.js";
import { parseEnum, parseInteger, parseLevels } from "../parse.js";
import { createReporter, peakRssBytes } from "../reporter.js";
import { formatBytes } from "../../core/errors.js";
import type { GlobalOptions } from "../program.js";

export const COMPRESSIONS: readonly Compression[] = ["none", "deflate", "lzw", "gzip", "zstd", "blosc"];

/** The write options shared by `convert` and `generate`. */
export function addWriteOptions(cmd: Command): Command {
  return cmd
    .option("--tile <n>", "tile (TIFF) or chunk (Zarr) edge in pixels (default 512; 128 for 3D Zarr)")
    .option("--levels <auto|n>", "pyramid levels to write; auto stops when a level fits in one tile", "auto")
    .option("--compression <name>", `one of ${COMPRESSIONS.join(", ")} (default: deflate for TIFF, zstd for Zarr v3, blosc for Zarr v2)`)
    .option("--zarr-version <2|3>", "OME-Zarr version: 3 (NGFF 0.5, default) or 2 (NGFF 0.4); Zarr outputs only");
}

export interface RawWriteOptions {
  tile?: string;
  levels: string;
  compression?: string;
  zarrVersion?: string;
}

export function parseWriteOptions(raw: RawWriteOptions): WriteOptions {
  const o: WriteOptions = { levels: parseLevels("--levels", raw.levels) };
  if (raw.tile !== undefined) o.tileSize = parseInteger("--tile", raw.tile, 16, 8192);
  if (raw.zarrVersion !== undefined) o.zarrVersion = parseEnum("--zarr-version", raw.zarrVersion, ["2", "3"] as const) === "2" ? 2 : 3;
  if (raw.compression !== undefined) o.compression = parseEnum("--compression", raw.compression, COMPRESSIONS);
  return o;
}

export function registerConvert(program: Command, globals: () => GlobalOptions): void {
  addWriteOptions(
    program
      .command("convert")
      .description("convert an image to pyramidal OME-TIFF, OME-Zarr, NIfTI, MHA or PNG, tile by tile in bounded memory")
      .argument("<in>", "input image")
      .argument("<out>", "output path; its extension picks the format")
      .option("--allow-nan", "copy NaNs in float data instead of refusing them"),
  ).action(async (input: string, output: string, raw: RawWriteOptions & { allowNan?: boolean }) => {
    const options = parseWriteOptions(raw);
    const reporter = createReporter(globals());
    const t0 = performance.now();
    const opened = await openImage(input);
    const src = raw.allowNan ? opened : rejectNaN(opened);
    try {
      await writeImage(src, output, { ...options, progress: reporter.progress });
    } finally {
      reporter.stop();
      await src.close();
    }
    const seconds = (performance.now() - t0) / 1000;
    const [z, y, x] = src.meta.levels[0]!.shape;
    reporter.summary(`converted ${input} → ${output}`, {
      size: `${x} × ${y}${z > 1 ? ` × ${z}` : ""}, ${src.meta.channels.length} channel(s), ${src.meta.dtype}`,
      time: `${seconds.toFixed(2)} s`,
      throughput: `${((x * y * z) / 1e6 / seconds).toFixed(1)} Mpx/s`,
      "peak RSS": formatBytes(peakRssBytes()),
    }, { seconds, peakRssBytes: peakRssBytes(), megapixels: (x * y * z) / 1e6 });
  });
}
