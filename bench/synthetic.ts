// The synthetic suite: terareg and elastix side by side on the peers' synthetic pairs (/work/shared/peers/make_pairs.py),
// whose landmarks follow a known dense truth. terareg runs as `terareg register` in a fresh child process per preset;
// elastix runs through the peers' own run_elastix.sh (VARIANT=scaled, 2 threads, under /usr/bin/time -v), whose
// evaluate.py writes METHOD__CASE.json with wall time, peak RSS and TRE, which this suite reads back.

import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runNode } from "./run-child.js";
import { mb, table } from "./markdown.js";
import { ELASTIX_VARIANT, PEERS, PYTHON, lastLine, missingElastixTools, runCmd, runElastixPeer } from "./elastix-peer.js";

const CLI = "dist/src/cli/main.js";

/** landmarks.csv (fixed_x,fixed_y[,fixed_z],moving_x,…) → two ANHIR CSVs (",X,Y[,Z]", ids 1..N). */
async function writeAnhir(caseDir: string): Promise<{ fixed: string; moving: string; n: number }> {
  const lines = (await readFile(join(caseDir, "landmarks.csv"), "utf8")).trim().split(/\r?\n/);
  const header = lines[0]!.split(",").map((h) => h.trim());
  const d = header.length / 2;
  if (!Number.isInteger(d) || (d !== 2 && d !== 3)) throw new Error(`${caseDir}/landmarks.csv: unexpected header ${lines[0]}`);
  const head = d === 2 ? ",X,Y" : ",X,Y,Z";
  const fixed = [head], moving = [head];
  lines.slice(1).forEach((line, i) => {
    const v = line.split(",").map((s) => s.trim());
    fixed.push([i + 1, ...v.slice(0, d)].join(","));
    moving.push([i + 1, ...v.slice(d, 2 * d)].join(","));
  });
  const f = join(caseDir, "fixed_landmarks.csv"), m = join(caseDir, "moving_landmarks.csv");
  await writeFile(f, fixed.join("\n") + "\n");
  await writeFile(m, moving.join("\n") + "\n");
  return { fixed: f, moving: m, n: lines.length - 1 };
}

interface Tre { before: { median: number }; after: { median: number; max: number } }

/** metrics.json of a run: in-memory runs report `landmarks` as one Tre, chunked runs as `{ global, final }`. */
interface TeraregMetrics {
  seconds: number; peakRssBytes: number; mode?: string;
  landmarks: Tre | { global: Tre; final: Tre };
}

const px = (v: number): string => `${v.toFixed(2)} px`;

/**
 * A terareg variant of the suite: a preset name ("fast", "accurate") runs with that preset alone; "bspline" is the
 * README's recipe for smooth deformations, affine + B-spline with mean squares, knots every 64 px in 2D and 16 voxels
 * in 3D (BENCHMARKS "B-spline + MSE on the synthetic pairs"), the registration level smoothed by σ 0.5 voxel
 * (BENCHMARKS "Smoothing the registration level"), in memory at the finest level the budget allows
 * (`--no-chunks`: 8192² registers at level 1), writing only the transform and metrics.json, as the elastix runs do
 * (transformix is not timed).
 */
function variantArgs(variant: string, ndim: number): { label: string; args: string[] } {
  if (variant !== "bspline") return { label: `terareg ${variant}`, args: ["--preset", variant] };
  const spacing = ndim === 3 ? "16" : "64";
  return {
    label: `terareg B-spline recipe, transform only (accurate, --grid-spacing ${spacing}, --smoothing-sigmas 0.5)`,
    args: [
      "--preset", "accurate", "--deformable", "bspline", "--metric", "mse", "--grid-spacing", spacing, "--smoothing-sigmas", "0.5",
      "--no-chunks", "--no-warped", "--no-qc",
    ],
  };
}

export async function benchSynthetic(options: { cases: string[]; presets: string[] }): Promise<string> {
  if (!existsSync(join(PEERS, "make_pairs.py"))) return `No peers' scripts at ${PEERS}; nothing measured.`;
  if (!existsSync(PYTHON)) return `No ${PYTHON} (needed by make_pairs.py); nothing measured.`;
  const dir = await mkdtemp(join(tmpdir(), "terareg-bench-synth-"));
  // TERAREG_BENCH_PEERDATA: a folder make_pairs.py already filled (it is deterministic), to skip regenerating big pairs.
  const given = process.env.TERAREG_BENCH_PEERDATA;
  const data = given ?? join(dir, "data"), runs = join(dir, "runs"), results = join(dir, "results");
  const rows: (string | number)[][] = [];
  const missing = missingElastixTools();
  const genArgs = [join(PEERS, "make_pairs.py"), "--out", data, "--cases", options.cases.join(",")];
  try {
    if (!given || options.cases.some((c) => !existsSync(join(data, c, "meta.json")))) {
      console.error(`  generating ${options.cases.join(", ")} ...`);
      const gen = await runCmd(PYTHON, genArgs);
      if (gen.code !== 0) throw new Error(`make_pairs.py failed (${gen.code}): ${lastLine(gen.out)}`);
      console.error(`  generated in ${gen.seconds.toFixed(1)} s`);
    }
    for (const c of options.cases) {
      const cd = join(data, c);
      const lm = await writeAnhir(cd);
      for (const preset of options.presets) {
        const run = join(runs, `terareg-${c}-${preset}`);
        const { label, args } = variantArgs(preset, c.startsWith("3d") ? 3 : 2);
        console.error(`  ${c}: ${label} ...`);
        try {
          const r = await runNode([CLI, "--log-json", "register", join(cd, "fixed.mha"), join(cd, "moving.mha"), "-o", run,
            ...args, "--threads", "2", "--fixed-landmarks", lm.fixed, "--moving-landmarks", lm.moving]);
          const m = JSON.parse(await readFile(join(run, "metrics.json"), "utf8")) as TeraregMetrics;
          const l = "final" in m.landmarks ? m.landmarks.final : m.landmarks;
          rows.push([c, `${label}${m.mode === "chunked" ? " (chunked)" : ""}`, `${r.seconds.toFixed(1)} s (reg ${m.seconds.toFixed(1)} s)`, mb(m.peakRssBytes),
            px(l.after.median), px(l.after.max), px(l.before.median)]);
        } catch (e) {
          rows.push([c, label, `failed: ${(e as Error).message.slice(-160)}`, "", "", "", ""]);
        }
      }
      const method = `elastix ${ELASTIX_VARIANT}`;
      if (missing.length) {
        rows.push([c, method, `skipped: ${missing.join(", ")} not installed`, "", "", "", ""]);
        continue;
      }
      console.error(`  ${c}: ${method} ...`);
      const e = await runElastixPeer(data, c, runs, results);
      if (!e.ok) {
        rows.push([c, method, e.why, "", "", "", ""]);
        continue;
      }
      rows.push([c, method, `${e.seconds.toFixed(1)} s`, e.peakRssMB === undefined ? "" : `${e.peakRssMB.toFixed(0)} MB`,
        px(e.tre.median), px(e.tre.max), px(e.identityMedian)]);
    }
  } finally {
    if (!process.env.TERAREG_BENCH_KEEP) await rm(dir, { recursive: true, force: true });
  }
  return [
    `Cases: ${options.cases.join(", ")} (\`TERAREG_BENCH_SYNTH_CASES\`); terareg variants: ${options.presets.join(", ")} (\`TERAREG_BENCH_SYNTH_PRESETS\`;`,
    "a preset name runs that preset; `bspline` is the README's recipe for smooth deformations, `--preset accurate --deformable bspline --metric mse",
    "--grid-spacing 64` (3D: 16) `--smoothing-sigmas 0.5 --no-chunks --no-warped --no-qc`, in memory at the finest level the 2 GB budget allows, timed like elastix",
    "without writing a result image).",
    `Pairs: \`${PYTHON} ${PEERS}/make_pairs.py --out DIR --cases ${options.cases.join(",")}\` (deterministic; 200 landmarks per case mapped`,
    "by the known truth). terareg: `terareg register fixed.mha moving.mha -o RUN --preset P --threads 2 --fixed-landmarks … --moving-landmarks …`,",
    "time = the child's wall time (start-up, reading, registration, warp, QC report), with metrics.json's `seconds` in brackets, RSS from metrics.json.",
    `elastix: the peers' \`VARIANT=${ELASTIX_VARIANT} run_elastix.sh CASE\` (par_affine + par_bspline adapted to the size, \`-threads 2\`),`,
    "time and peak RSS of the elastix process from `/usr/bin/time -v` (transformix excluded); TRE from its evaluate.py after `transformix -def`",
    "on the fixed landmarks. TRE in pixels against the true moving landmarks; identity = no registration.",
    "The machine is shared and noisy (one run each, not min-of-n): compare rows of the same run, and quote ratios.",
    "",
    table(["case", "method", "time", "peak RSS", "median TRE", "max TRE", "identity median TRE"], rows),
  ].join("\n");
}
