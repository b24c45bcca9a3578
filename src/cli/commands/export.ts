// `terareg export`: writes a run's transform for other tools, ITK/ANTs (.tfm + displacement field) or elastix
// (TransformParameters files for transformix), into one directory that appears only when complete.

import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { OptionError } from "../../core/errors.js";
import { writeAtomically } from "../../core/atomic.js";
import { openImage } from "../../io/open.js";
import { loadTransform } from "../../transforms/transform-io.js";
import { exportItk } from "../../transforms/export-itk.js";
import { exportElastix } from "../../transforms/export-elastix.js";
import { exportNgff } from "../../transforms/export-ngff.js";
import { parseEnum } from "../parse.js";
import { createReporter } from "../reporter.js";
import type { GlobalOptions } from "../program.js";

/** RUN/transform when RUN is a run directory, else RUN itself (a transform directory). */
async function transformDir(run: string): Promise<string> {
  const inner = join(run, "transform");
  const hasJson = await stat(join(inner, "transform.json")).then(() => true, () => false);
  return hasJson ? inner : run;
}

export function registerExport(program: Command, globals: () => GlobalOptions): void {
  program
    .command("export")
    .description("export a run's transform (fixed → moving) for ITK/ANTs/SimpleITK, elastix/transformix or OME-NGFF (RFC-5)")
    .argument("<run>", "a run directory (or its transform/ directory)")
    .requiredOption("--format <f>", "itk (affine.tfm + displacement.nii.gz), elastix (TransformParameters.*.txt) or ngff (OME-NGFF 0.6 RFC-5 Zarr v3 group)")
    .option("-o, --out <dir>", "output directory (default RUN/transform/itk, RUN/transform/elastix or RUN/transform/ngff.zarr)")
    .option("--fixed <image>", "the fixed image, whose grid elastix records (for --format elastix when the transform does not record it)")
    .action(async (run: string, raw: { format: string; out?: string; fixed?: string }) => {
      const format = parseEnum("--format", raw.format, ["itk", "elastix", "ngff"] as const);
      const dir = await transformDir(run);
      const t = await loadTransform(dir);
      const out = resolve(raw.out ?? join(dir, format === "ngff" ? "ngff.zarr" : format));
      let files: string[];
      let entry = "";
      if (format === "itk") {
        files = await writeAtomically(out, (tmp) => exportItk(t, tmp));
      } else if (format === "ngff") {
        files = await writeAtomically(out, (tmp) => exportNgff(t, tmp));
      } else {
        // elastix parameter files record the fixed grid: from the run's transform, or from --fixed.
        let fixed = t.fixedShape && t.fixedSpace && !raw.fixed ? { shape: t.fixedShape, space: t.fixedSpace } : undefined;
        if (!fixed) {
          if (!raw.fixed) throw new OptionError("--fixed", "(missing)", "the fixed image: this transform does not record the fixed grid that elastix parameter files need");
          const src = await openImage(raw.fixed);
          fixed = { shape: src.meta.levels[0]!.shape, space: src.meta.space };
          await src.close();
        }
        const r = await writeAtomically(out, (tmp) => exportElastix(t, tmp, fixed, { finalDir: out }));
        files = r.files;
        entry = r.entry;
      }
      createReporter(globals()).summary(`exported the transform as ${format}`, {
        output: out, files: files.join(", "),
        ...(entry ? { transformix: `transformix -tp ${join(out, entry)} -def points.txt -out OUTDIR` } : {}),
      }, { files: files.length });
    });
}
