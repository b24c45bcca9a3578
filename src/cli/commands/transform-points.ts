// `terareg transform-points`: maps ANHIR landmark CSVs through a run's transform, fixed → moving by default and
// moving → fixed with --inverse, in pixels of the images (or physical units with --units physical).

import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { OptionError } from "../../core/errors.js";
import { writeAtomically } from "../../core/atomic.js";
import { formatLandmarks, readLandmarks, type Landmarks } from "../../io/landmarks.js";
import { loadTransform } from "../../transforms/transform-io.js";
import { mapPoints, mapPointsInverse } from "../../transforms/registration-transform.js";
import { physicalToPixels, pixelsToPhysical } from "../../transforms/pixel-points.js";
import { defaultSpace } from "../../core/space.js";
import { parseEnum } from "../parse.js";
import { createReporter } from "../reporter.js";
import type { GlobalOptions } from "../program.js";

export function registerTransformPoints(program: Command, globals: () => GlobalOptions): void {
  program
    .command("transform-points")
    .description("map landmark points (ANHIR CSV) through a transform: fixed → moving, or moving → fixed with --inverse")
    .requiredOption("--transform <dir>", "a run's transform/ directory")
    .requiredOption("--in <csv>", "points, ANHIR CSV (,X,Y[,Z])")
    .requiredOption("--out <csv>", "mapped points, ANHIR CSV")
    .option("--inverse", "map moving-image points to the fixed image (through the inverse transform)")
    .option("--units <u>", "pixel (of the images as shipped) or physical", "pixel")
    .action(async (raw: { transform: string; in: string; out: string; inverse?: boolean; units: string }) => {
      const units = parseEnum("--units", raw.units, ["pixel", "physical"] as const);
      const t = await loadTransform(raw.transform);
      const points = await readLandmarks(raw.in);
      const ids = [...points.keys()];
      const rows = ids.map((id) => points.get(id)!);
      const dims = rows[0]?.length === 3 ? 3 : 2;
      if (units === "pixel" && !(t.fixedSpace && t.movingSpace)) {
        throw new OptionError("--units", "pixel", "physical: this transform does not record its images' frames");
      }
      const from = raw.inverse ? t.movingSpace : t.fixedSpace, to = raw.inverse ? t.fixedSpace : t.movingSpace;
      const asPhysical = (r: number[]) => [r[2] ?? 0, r[1]!, r[0]!];
      const p = units === "pixel" ? pixelsToPhysical(rows, from!) : Float64Array.from(rows.flatMap(asPhysical));
      const q = raw.inverse ? mapPointsInverse(t, p) : mapPoints(t, p);
      const mapped = units === "pixel" ? physicalToPixels(q, to!, dims) : physicalToPixels(q, defaultSpace(), dims);
      const out: Landmarks = new Map(ids.map((id, k) => [id, mapped[k]!]));
      const failed = mapped.filter((m) => m.some((v) => !Number.isFinite(v))).length;
      await writeAtomically(raw.out, (tmp) => writeFile(tmp, formatLandmarks(out)));
      createReporter(globals()).summary(`mapped ${ids.length} points ${raw.inverse ? "moving → fixed" : "fixed → moving"}`, {
        output: raw.out, units: units === "pixel" ? `pixels of the ${raw.inverse ? "fixed" : "moving"} image` : "physical",
        ...(failed ? { "not inverted": `${failed} points (written as NaN)` } : {}),
      }, { points: ids.length, failed });
    });
}
