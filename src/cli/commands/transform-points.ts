// `terareg transform-points`: maps annotations through a run's transform, fixed → moving by default and
// moving → fixed with --inverse, in pixels of the images (or physical units with --units physical).
// ANHIR landmark CSVs, or GeoJSON (QuPath exports) when --in / --out end in .geojson or .json.

import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { OptionError } from "../../core/errors.js";
import { writeAtomically } from "../../core/atomic.js";
import { formatGeoJson, readGeoJson } from "../../io/geojson.js";
import { formatLandmarks, readLandmarks, type Landmarks } from "../../io/landmarks.js";
import { mapGeoJson, pixelMapper } from "../../transforms/map-geojson.js";
import { loadTransform } from "../../transforms/transform-io.js";
import { parseEnum } from "../parse.js";
import { createReporter } from "../reporter.js";
import type { GlobalOptions } from "../program.js";

const isGeoJson = (file: string) => /\.(geo)?json$/i.test(file);

export function registerTransformPoints(program: Command, globals: () => GlobalOptions): void {
  program
    .command("transform-points")
    .description("map points or annotations (ANHIR CSV, or GeoJSON as QuPath exports it) through a transform: " +
      "fixed → moving, or moving → fixed with --inverse")
    .requiredOption("--transform <dir>", "a run's transform/ directory")
    .requiredOption("--in <file>", "points: ANHIR CSV (,X,Y[,Z]), or GeoJSON if it ends in .geojson/.json ([x, y] pixels of the full-resolution image)")
    .requiredOption("--out <file>", "mapped points, in the format of --in (GeoJSON is written as a FeatureCollection stating its units)")
    .option("--inverse", "map moving-image points to the fixed image (through the inverse transform): " +
      "the usual case for annotations drawn on the moving image")
    .option("--units <u>", "pixel (of the images as shipped) or physical", "pixel")
    .action(async (raw: { transform: string; in: string; out: string; inverse?: boolean; units: string }) => {
      const units = parseEnum("--units", raw.units, ["pixel", "physical"] as const);
      const geo = isGeoJson(raw.in);
      if (isGeoJson(raw.out) !== geo) {
        throw new OptionError("--out", raw.out, `a ${geo ? ".geojson/.json" : ".csv"} file, the same format as --in`);
      }
      const t = await loadTransform(raw.transform);
      const map = pixelMapper(t, { units, inverse: raw.inverse === true });
      const image = raw.inverse ? "fixed" : "moving";
      let count = 0, failed = 0;
      if (geo) {
        const doc = await readGeoJson(raw.in);
        const out = mapGeoJson(doc, (rows) => { count = rows.length; return map(rows); }, raw.in);
        out.members = { ...out.members, terareg: { units, image, transform: raw.transform } };
        await writeAtomically(raw.out, (tmp) => writeFile(tmp, formatGeoJson(out, "FeatureCollection")));
      } else {
        const points = await readLandmarks(raw.in);
        const ids = [...points.keys()];
        const mapped = map(ids.map((id) => points.get(id)!));
        const out: Landmarks = new Map(ids.map((id, k) => [id, mapped[k]!]));
        count = ids.length;
        failed = mapped.filter((m) => m.some((v) => !Number.isFinite(v))).length;
        await writeAtomically(raw.out, (tmp) => writeFile(tmp, formatLandmarks(out)));
      }
      createReporter(globals()).summary(`mapped ${count} points ${raw.inverse ? "moving → fixed" : "fixed → moving"}`, {
        output: raw.out, units: units === "pixel" ? `pixels of the ${image} image` : "physical",
        ...(failed ? { "not inverted": `${failed} points (written as NaN)` } : {}),
      }, { points: count, failed });
    });
}
