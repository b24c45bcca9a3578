// `terareg synth OUTDIR --size WxH[xD]`: writes a synthetic fixed/moving pair with a known truth transform
// (landmark CSVs fixed → moving, truth.json, truth_transform/), of any size, in bounded memory.

import type { Command } from "commander";
import { formatBytes } from "../../core/errors.js";
import { synthesize } from "../../synth/synth.js";
import { parseEnum, parseInteger, parseSize } from "../parse.js";
import { createReporter, peakRssBytes } from "../reporter.js";
import type { GlobalOptions } from "../program.js";

export function registerSynth(program: Command, globals: () => GlobalOptions): void {
  program
    .command("synth")
    .description("write a synthetic registration pair with a known transform (fixed, moving, landmarks, truth) of any size, in bounded memory")
    .argument("<outdir>", "output directory (fixed/moving .ome.tif for 2D, .ome.zarr for 3D)")
    .requiredOption("--size <WxH[xD]>", 'width x height [x depth], e.g. "17320x17320" or "1024x1024x1024"')
    .option("--dtype <type>", "sample type: uint8, uint16", "uint8")
    .option("--seed <n>", "seed of the texture, the transform and the landmarks", "1")
    .option("--landmarks <n>", "number of landmark pairs", "200")
    .action(async (outDir: string, raw: { size: string; dtype: string; seed: string; landmarks: string }) => {
      const shape = parseSize("--size", raw.size);
      const dtype = parseEnum<"uint8" | "uint16">("--dtype", raw.dtype, ["uint8", "uint16"]);
      const seed = parseInteger("--seed", raw.seed, 0, 2 ** 31);
      const landmarks = parseInteger("--landmarks", raw.landmarks, 1, 1_000_000);
      const reporter = createReporter(globals());
      const t0 = performance.now();
      let r;
      try {
        r = await synthesize(outDir, { shape, dtype, seed, landmarks, progress: reporter.progress });
      } finally {
        reporter.stop();
      }
      const seconds = (performance.now() - t0) / 1000;
      const p = r.truth.params, deg = (v: number) => ((v * 180) / Math.PI).toFixed(2);
      reporter.summary(`synthesised ${outDir}`, {
        size: `${shape[2]} × ${shape[1]}${shape[0] > 1 ? ` × ${shape[0]}` : ""}, ${dtype}, seed ${seed}`,
        fixed: r.fixed,
        moving: r.moving,
        truth: `rotation ${p.ndim === 3 ? p.affine.rotation.map(deg).join("/") : deg(p.affine.rotation[2])}°, zoom ${p.affine.zoom[2].toFixed(4)}, ` +
          `max |d| ${p.maxDisplacement.toFixed(1)} px, min Jacobian ${p.minJacobian.toFixed(3)} (${r.truthJson})`,
        "landmarks": `${r.fixedLandmarks.replace(/.*\//, "")}, ${r.movingLandmarks.replace(/.*\//, "")}; identity TRE (median) ${r.identityTreMedian.toFixed(2)} px`,
        time: `${seconds.toFixed(2)} s`,
        "peak RSS": formatBytes(peakRssBytes()),
      }, { seconds, peakRssBytes: peakRssBytes(), megapixels: (shape[0] * shape[1] * shape[2]) / 1e6, identityTreMedian: r.identityTreMedian, minJacobian: p.minJacobian });
    });
}
