// The registration suite: `terareg register` on the shared landmark cases, one fresh process per case, reporting
// wall time, peak RSS and landmark error (TRE / rTRE, fraction of landmarks improved) from the run's metrics.json.

import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runNode } from "./run-child.js";
import { mb, table } from "./markdown.js";

const CLI = "dist/src/cli/main.js";
const DATA = join(process.cwd(), "..", "shared", "data");

interface Case { id: string; fixed: string; moving: string; args: string[] }

const CASES: Case[] = [
  { id: "anhir_rat_kidney_he_pancytokeratin", fixed: "fixed.jpg", moving: "moving.jpg", args: [] },
  { id: "anhir_lung_lesion_1_he_prospc", fixed: "fixed.jpg", moving: "moving.jpg", args: [] },
];

export async function benchRegistration(options: { presets: string[] }): Promise<string> {
  if (!existsSync(DATA)) return `No shared data at ${DATA}; nothing measured.`;
  const dir = await mkdtemp(join(tmpdir(), "terareg-bench-reg-"));
  const rows: (string | number)[][] = [];
  try {
    for (const c of CASES) {
      for (const preset of options.presets) {
        const d = join(DATA, c.id), run = join(dir, `${c.id}-${preset}`);
        const r = await runNode([CLI, "--log-json", "register", join(d, c.fixed), join(d, c.moving), "-o", run, "--preset", preset,
          "--fixed-landmarks", join(d, "fixed_landmarks.csv"), "--moving-landmarks", join(d, "moving_landmarks.csv"), ...c.args]);
        const m = JSON.parse(await readFile(join(run, "metrics.json"), "utf8")) as {
          seconds: number; peakRssBytes: number;
          landmarks: { before: { median: number }; after: { median: number; medianRtre: number; max: number }; improvedFraction: number };
        };
        const l = m.landmarks;
        rows.push([c.id, preset, `${r.seconds.toFixed(1)} s`, mb(m.peakRssBytes), `${l.before.median.toFixed(1)} → ${l.after.median.toFixed(2)} px`,
          l.after.medianRtre.toFixed(5), `${l.after.max.toFixed(1)} px`, `${(100 * l.improvedFraction).toFixed(1)} %`]);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return [
    "`terareg register FIXED MOVING -o RUN --preset P --fixed-landmarks … --moving-landmarks …` (all cores); time is the whole process",
    "(start-up, reading, registration, full-resolution warp, QC report). TRE in moving-image pixels, rTRE = median TRE / fixed diagonal.",
    "",
    table(["case", "preset", "time", "peak RSS", "median TRE", "median rTRE", "max TRE", "improved"], rows),
  ].join("\n");
}
