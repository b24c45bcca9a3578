// The chunked flow on `terareg synth` pairs: global stage alone vs global + chunks (landmark TRE at full resolution),
// seams, Jacobian, time per stage and peak RSS, each run as one `terareg register` process.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runNode } from "./run-child.js";

export interface ChunkedCase {
  name: string;
  size: string;
  memory: string;
  args: string[];
}

export const CHUNKED_CASES: Record<string, ChunkedCase> = {
  "2d_2048": { name: "2D 2048², 64 chunks of 256² at full resolution", size: "2048x2048", memory: "1GB", args: ["--chunk", "256", "--global-level", "2"] },
  "3d_128": { name: "3D 128³, 8 chunks of 64³ at full resolution", size: "128x128x128", memory: "2GB", args: ["--chunk", "64", "--global-level", "1"] },
  "2d_8192": { name: "2D 8192² (67 Mpx), chunks of 512² at level 1", size: "8192x8192", memory: "1.5GB", args: ["--refine-level", "1"] },
};

const f2 = (v: number) => v.toFixed(2), f3 = (v: number) => v.toFixed(3);

export async function benchChunked(options: { cases: string[] }): Promise<string> {
  const root = process.env["TERAREG_BENCH_DIR"] ?? join(tmpdir(), "terareg-bench-chunked");
  const rows: string[] = [];
  for (const key of options.cases) {
    const c = CHUNKED_CASES[key];
    if (!c) throw new Error(`unknown chunked case ${key}; cases: ${Object.keys(CHUNKED_CASES).join(", ")}`);
    const pair = join(root, `pair-${key}`), run = join(root, `run-${key}`);
    const ext = c.size.split("x").length === 3 ? ".ome.zarr" : ".ome.tif";
    if (!existsSync(join(pair, `fixed${ext}`))) await runNode(["dist/src/cli/main.js", "synth", pair, "--size", c.size, "--seed", "7", "--quiet"]);
    const r = await runNode(["dist/src/cli/main.js", "register", join(pair, `fixed${ext}`), join(pair, `moving${ext}`), "-o", run, "--force",
      "--memory", c.memory, "--preset", "fast", ...c.args, "--quiet",
      "--fixed-landmarks", join(pair, "fixed_landmarks.csv"), "--moving-landmarks", join(pair, "moving_landmarks.csv")]);
    const m = JSON.parse(await readFile(join(run, "metrics.json"), "utf8"));
    const l = m.landmarks, s = m.seams;
    const stages = (m.stages as { name: string; seconds: number }[]).map((st) => `${st.name} ${st.seconds.toFixed(1)}`).join(", ");
    rows.push(`| ${c.name} | ${c.memory} | ${f2(l.final.before.median)} | ${f3(l.global.after.median)} | ${f3(l.final.after.median)} / ${f3(l.final.after.p99)} | ${(l.global.after.median / l.final.after.median).toFixed(1)}× | ${f3(s.borderJumpMax)} / ${f3(s.midCoreJumpMax)} / ${f3(s.nodeRoughnessP99)} | ${f3(m.jacobian.min)}, ${m.jacobian.foldingFraction} | ${m.flaggedChunks} of ${m.chunks.length} | ${r.seconds.toFixed(1)} s (${stages}) | ${(m.peakRssBytes / 2 ** 20).toFixed(0)} MB |`);
  }
  return [
    "Pairs from `terareg synth DIR --size S --seed 7` (a texture from the package's sample data, a known affine + smooth global + local deformation whose local part the global stage cannot capture, ANHIR landmark CSVs). Command per row: `terareg register DIR/fixed DIR/moving -o RUN --memory M --preset fast ARGS --fixed-landmarks … --moving-landmarks …` with the case's ARGS (in bench/chunked.ts); 2 threads (all cores). TRE in full-resolution pixels (voxels): identity, the global stage alone (`metrics.json` landmarks.global), and global + chunks. Seams: the largest border-segment jump of the stitched field (the final transform's lattice, over the nodes that land inside the moving image; see `SeamStats` in src/chunked/blend.ts), the same measure on the lines through the middle of the chunk cores (no border there: the measure's noise floor), and the per-node roughness p99, physical px. Time: the whole process, with metrics.json's stages; peak RSS: the process's VmHWM.",
    "",
    "| case | --memory | TRE identity | TRE global | TRE global + chunks (median / p99) | gain | seam jump: borders / mid-core / node roughness | Jacobian min, folding | flagged | time | peak RSS |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
