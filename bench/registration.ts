// The registration suite: `terareg register` on the shared landmark cases, one fresh process per case, reporting
// wall time, peak RSS and landmark error (TRE / rTRE, fraction of landmarks improved) from the run's metrics.json,
// beside Debian elastix (the peers' affine + B-spline parameters) on the same gray images and landmarks.

import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runNode } from "./run-child.js";
import { mb, table } from "./markdown.js";
import { ELASTIX_VARIANT, missingElastixTools, runElastixPeer } from "./elastix-peer.js";
import { openImage } from "../src/io/open.js";
import { arraySource } from "../src/io/array-source.js";
import { writeImage } from "../src/io/write.js";
import { commonIds, readLandmarks } from "../src/io/landmarks.js";
import { readLevelImage } from "../src/registration/level-image.js";
import { pointDistances, treStats } from "../src/qc/tre.js";

const CLI = "dist/src/cli/main.js";
const DATA = join(process.cwd(), "..", "shared", "data");

interface Case { id: string; fixed: string; moving: string; args: string[] }

const CASES: Case[] = [
  { id: "anhir_rat_kidney_he_pancytokeratin", fixed: "fixed.jpg", moving: "moving.jpg", args: [] },
  { id: "anhir_lung_lesion_1_he_prospc", fixed: "fixed.jpg", moving: "moving.jpg", args: [] },
];

/** Median (with rTRE), max, and the fraction of landmarks closer than before, as the terareg rows show them. */
function treCells(after: Float64Array, before: Float64Array, diagonal: number): { median: number; rtre: string; max: string; improved: string } {
  const s = treStats(after, diagonal);
  const improved = after.filter((d, i) => d < before[i]!).length / after.length;
  return { median: s.median, rtre: s.medianRtre!.toFixed(5), max: `${s.max.toFixed(1)} px`, improved: `${(100 * improved).toFixed(1)} %` };
}

/**
 * Writes the case in the peers' layout under DATA/ID: fixed.mha / moving.mha (float32, the gray plane terareg
 * registers on: luminance of RGB), landmarks.csv (the ANHIR pairs matched by ID), meta.json (size for the scaled
 * parameters). Returns the paired points and the fixed diagonal (rTRE's denominator).
 */
async function peerCase(c: Case, root: string): Promise<{ fixed: number[][]; moving: number[][]; diagonal: number }> {
  const d = join(root, c.id);
  await mkdir(d, { recursive: true });
  let size = 0, diagonal = 0;
  for (const [name, file] of [["fixed", c.fixed], ["moving", c.moving]] as const) {
    const src = await openImage(join(DATA, c.id, file));
    try {
      const li = await readLevelImage(src, 0);
      const [, ny, nx] = li.image.shape;
      size = Math.max(size, nx, ny);
      if (name === "fixed") diagonal = Math.hypot(nx, ny);
      await writeImage(arraySource({ shape: li.image.shape, dtype: "float32", planes: [li.image.data], space: li.space }), join(d, `${name}.mha`));
    } finally {
      await src.close();
    }
  }
  const fl = await readLandmarks(join(DATA, c.id, "fixed_landmarks.csv"));
  const ml = await readLandmarks(join(DATA, c.id, "moving_landmarks.csv"));
  const ids = commonIds(fl, ml);
  const fixed = ids.map((id) => fl.get(id)!), moving = ids.map((id) => ml.get(id)!);
  const rows = ["fixed_x,fixed_y,moving_x,moving_y", ...ids.map((_, i) => [...fixed[i]!, ...moving[i]!].join(","))];
  await writeFile(join(d, "landmarks.csv"), rows.join("\n") + "\n");
  await writeFile(join(d, "meta.json"), JSON.stringify({ size, source: c.id }));
  return { fixed, moving, diagonal };
}

export async function benchRegistration(options: { presets: string[] }): Promise<string> {
  if (!existsSync(DATA)) return `No shared data at ${DATA}; nothing measured.`;
  const dir = await mkdtemp(join(tmpdir(), "terareg-bench-reg-"));
  const rows: (string | number)[][] = [];
  const missing = missingElastixTools();
  try {
    for (const c of CASES) {
      for (const preset of options.presets) {
        const d = join(DATA, c.id), run = join(dir, `${c.id}-${preset}`);
        console.error(`  ${c.id}: terareg ${preset} ...`);
        const r = await runNode([CLI, "--log-json", "register", join(d, c.fixed), join(d, c.moving), "-o", run, "--preset", preset,
          "--fixed-landmarks", join(d, "fixed_landmarks.csv"), "--moving-landmarks", join(d, "moving_landmarks.csv"), ...c.args]);
        const m = JSON.parse(await readFile(join(run, "metrics.json"), "utf8")) as {
          seconds: number; peakRssBytes: number;
          landmarks: { before: { median: number }; after: { median: number; medianRtre: number; max: number }; improvedFraction: number };
        };
        const l = m.landmarks;
        rows.push([c.id, `terareg ${preset}`, `${r.seconds.toFixed(1)} s`, mb(m.peakRssBytes), `${l.before.median.toFixed(1)} → ${l.after.median.toFixed(2)} px`,
          l.after.medianRtre.toFixed(5), `${l.after.max.toFixed(1)} px`, `${(100 * l.improvedFraction).toFixed(1)} %`]);
      }
      const method = `elastix ${ELASTIX_VARIANT}`;
      if (missing.length) {
        rows.push([c.id, method, `skipped: ${missing.join(", ")} not installed`, "", "", "", "", ""]);
        continue;
      }
      console.error(`  ${c.id}: ${method} ...`);
      const pc = await peerCase(c, join(dir, "data"));
      const e = await runElastixPeer(join(dir, "data"), c.id, join(dir, "runs"), join(dir, "results"));
      if (!e.ok) {
        rows.push([c.id, method, e.why, "", "", "", "", ""]);
        continue;
      }
      const before = pointDistances(pc.fixed, pc.moving);
      const t = treCells(pointDistances(e.predicted, pc.moving), before, pc.diagonal);
      rows.push([c.id, method, `${e.seconds.toFixed(1)} s`, e.peakRssMB === undefined ? "" : `${e.peakRssMB.toFixed(0)} MB`,
        `${treStats(before).median.toFixed(1)} → ${t.median.toFixed(2)} px`, t.rtre, t.max, t.improved]);
    }
  } finally {
    if (!process.env.TERAREG_BENCH_KEEP) await rm(dir, { recursive: true, force: true });
  }
  return [
    "terareg: `terareg register FIXED MOVING -o RUN --preset P --fixed-landmarks … --moving-landmarks …` (all cores); time is the whole process",
    "(start-up, reading, registration, full-resolution warp, QC report). TRE in moving-image pixels, rTRE = median TRE / fixed diagonal,",
    "improved = fraction of landmark pairs closer than before registration.",
    `elastix: the peers' \`VARIANT=${ELASTIX_VARIANT} run_elastix.sh\` (par_affine + par_bspline, Mattes MI, \`-threads 2\`) on the same inputs as`,
    "float32 MHA of the gray plane terareg registers on (Rec. 601 luminance of the RGB JPEGs; landmarks paired by ID); time and peak RSS of the",
    "elastix process from `/usr/bin/time -v` (transformix excluded); its TRE from `transformix -def` on the fixed landmarks.",
    "",
    table(["case", "method", "time", "peak RSS", "median TRE", "median rTRE", "max TRE", "improved"], rows),
  ].join("\n");
}
