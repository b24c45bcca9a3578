// The io suite: lazy reads and streaming writes on a generated 20000×20000 uint8 tiled BigTIFF without a pyramid.
// Each step runs in a fresh process so its peak RSS is its own; timings are the best of `repeats` runs.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastJson, runNode } from "./run-child.js";
import { mb, table } from "./markdown.js";

const CLI = "dist/src/cli/main.js";
const READ = "dist/bench/read-window.js";

interface Row { step: string; seconds: number; mpxPerS?: number; rss: number; note: string }

async function best<T>(repeats: number, f: () => Promise<T>, key: (t: T) => number): Promise<T> {
  let bestT: T | undefined;
  for (let i = 0; i < repeats; i++) {
    const t = await f();
    if (bestT === undefined || key(t) < key(bestT)) bestT = t;
  }
  return bestT!;
}

export async function benchIo(options: { size: number; repeats: number }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "terareg-bench-io-"));
  const n = options.size, mpx = (n * n) / 1e6;
  const big = join(dir, "big.tif");
  const rows: Row[] = [];
  try {
    const base = await runNode(["-e", "process.stdout.write(String(process.resourceUsage().maxRSS*1024))"]);
    const baseline = Number(base.stdout);
    const gen = await runNode([CLI, "--log-json", "generate", big, "--size", `${n}x${n}`, "--levels", "1", "--tile", "512"]);
    rows.push({ step: `generate ${n}² uint8 tiled BigTIFF (deflate, no pyramid)`, seconds: gen.seconds, mpxPerS: mpx / gen.seconds, rss: Number(lastJson(gen.stdout)["peakRssBytes"] ?? 0), note: "write" });
    const info = await best(options.repeats, () => runNode([CLI, "info", big]), (r) => r.seconds);
    rows.push({ step: "`terareg info` (whole process)", seconds: info.seconds, rss: 0, note: "header only" });
    for (const [label, file] of [["BigTIFF", big]] as const) {
      const w = await best(options.repeats, () => runNode([READ, file, String(n / 2 - 512), String(n / 2 - 512), "1024"]), (r) => Number(JSON.parse(r.stdout).readMs));
      const j = JSON.parse(w.stdout) as { openMs: number; readMs: number; peakRssBytes: number };
      rows.push({ step: `read 1024² window at level 0 of the ${label} (open ${j.openMs.toFixed(0)} ms)`, seconds: j.readMs / 1000, rss: j.peakRssBytes, note: "" });
    }
    for (const out of ["big.ome.tif", "big.ome.zarr"]) {
      const c = await runNode([CLI, "--log-json", "convert", big, join(dir, out)]);
      const s = lastJson(c.stdout);
      rows.push({ step: `convert → pyramidal ${out.endsWith("tif") ? "OME-TIFF (deflate)" : "OME-Zarr v3 (zstd)"}`, seconds: c.seconds, mpxPerS: mpx / c.seconds, rss: Number(s["peakRssBytes"] ?? 0), note: "" });
      const w = await runNode([READ, join(dir, out), String(n / 2 - 512), String(n / 2 - 512), "1024"]);
      const j = JSON.parse(w.stdout) as { readMs: number; peakRssBytes: number };
      rows.push({ step: `read 1024² window at level 0 of ${out}`, seconds: j.readMs / 1000, rss: j.peakRssBytes, note: "" });
    }
    const body = [
      `Input: \`terareg generate big.tif --size ${n}x${n} --levels 1\` (${mpx.toFixed(0)} Mpx). Peak RSS is the whole process's (kernel maxRSS); an empty \`node\` process peaks at ${mb(baseline)}. Times are wall-clock, best of ${options.repeats} for info and windows.`,
      "",
      table(["step", "time", "throughput", "peak RSS"], rows.map((r) => [
        r.step, r.seconds < 1 ? `${(r.seconds * 1000).toFixed(0)} ms` : `${r.seconds.toFixed(1)} s`,
        r.mpxPerS ? `${r.mpxPerS.toFixed(0)} Mpx/s` : "", r.rss ? mb(r.rss) : "",
      ])),
    ].join("\n");
    return body;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
