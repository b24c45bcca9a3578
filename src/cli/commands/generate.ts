// `terareg generate OUT --size WxH[xD]`: writes a deterministic textured test image of any size, tile by tile,
// so that a new user (and the scale tests) can try info/convert without bringing data.

import type { Command } from "commander";
import { writeImage } from "../../io/write.js";
import { patternSource } from "../../io/pattern-source.js";
import { DTYPES, type DType } from "../../core/dtype.js";
import { formatBytes } from "../../core/errors.js";
import { addWriteOptions, parseWriteOptions, type RawWriteOptions } from "./convert.js";
import { parseEnum, parseInteger, parseSize } from "../parse.js";
import { createReporter, peakRssBytes } from "../reporter.js";
import type { GlobalOptions } from "../program.js";

export function registerGenerate(program: Command, globals: () => GlobalOptions): void {
  addWriteOptions(
    program
      .command("generate")
      .description("write a deterministic textured test image of any size, in bounded memory")
      .argument("<out>", "output path; its extension picks the format")
      .requiredOption("--size <WxH[xD]>", 'width x height [x depth], e.g. "20000x20000"')
      .option("--dtype <type>", `sample type: ${DTYPES.join(", ")}`, "uint8")
      .option("--channels <n>", "number of channels", "1")
      .option("--seed <n>", "texture seed", "1"),
  ).action(async (output: string, raw: RawWriteOptions & { size: string; dtype: string; channels: string; seed: string }) => {
    const shape = parseSize("--size", raw.size);
    const dtype = parseEnum<DType>("--dtype", raw.dtype, DTYPES);
    const channelCount = parseInteger("--channels", raw.channels, 1, 64);
    const seed = parseInteger("--seed", raw.seed, 0, 2 ** 31);
    const options = parseWriteOptions(raw);
    const reporter = createReporter(globals());
    const t0 = performance.now();
    const src = patternSource({ shape, dtype, channelCount, seed });
    try {
      await writeImage(src, output, { ...options, progress: reporter.progress });
    } finally {
      reporter.stop();
    }
    const seconds = (performance.now() - t0) / 1000;
    reporter.summary(`generated ${output}`, {
      size: `${shape[2]} × ${shape[1]}${shape[0] > 1 ? ` × ${shape[0]}` : ""}, ${channelCount} channel(s), ${dtype}`,
      time: `${seconds.toFixed(2)} s`,
      "peak RSS": formatBytes(peakRssBytes()),
    }, { seconds, peakRssBytes: peakRssBytes(), megapixels: (shape[0] * shape[1] * shape[2]) / 1e6 });
  });
}
