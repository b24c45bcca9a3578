// `terareg import`: reads a transform written by ITK/ANTs (.tfm [+ displacement field]), elastix (TransformParameters
// files) or as OME-NGFF RFC-5, and saves it as a terareg transform/ directory (transform.json + displacement field).

import { resolve } from "node:path";
import type { Command } from "commander";
import { writeAtomically } from "../../core/atomic.js";
import type { Space } from "../../core/space.js";
import { openImage } from "../../io/open.js";
import { importTransform } from "../../transforms/import-transform.js";
import { saveTransform } from "../../transforms/transform-io.js";
import { deformationOf } from "../../transforms/registration-transform.js";
import { createReporter } from "../reporter.js";
import type { GlobalOptions } from "../program.js";

async function frameOf(path: string): Promise<Space> {
  const src = await openImage(path);
  const space = src.meta.space;
  await src.close();
  return space;
}

export function registerImport(program: Command, globals: () => GlobalOptions): void {
  program
    .command("import")
    .description("import a transform (fixed → moving) from ITK/ANTs, elastix or OME-NGFF as a terareg transform directory")
    .argument("<path>", "an ITK export directory or .tfm, an elastix TransformParameters.N.txt (or its directory), an NGFF transform group, or a terareg transform/")
    .requiredOption("-o, --out <dir>", "the transform directory to write (e.g. RUN/transform)")
    .option("--fixed <image>", "the fixed image, whose frame is recorded (so transform-points can work in pixels)")
    .option("--moving <image>", "the moving image, whose frame is recorded")
    .action(async (path: string, raw: { out: string; fixed?: string; moving?: string }) => {
      const t = await importTransform(path);
      if (raw.fixed) t.fixedSpace = await frameOf(raw.fixed);
      if (raw.moving) t.movingSpace = await frameOf(raw.moving);
      const out = resolve(raw.out);
      const def = deformationOf(t);
      await writeAtomically(out, (tmp) => saveTransform(tmp, t));
      createReporter(globals()).summary("imported the transform", {
        input: path, output: out, dimensions: `${t.ndim}D`,
        deformation: def ? `${def.kind}, ${def.grid.shape.join("×")} grid` : "none",
      }, { ndim: t.ndim });
    });
}
