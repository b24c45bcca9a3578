// The warp suite: a generated size×size 3-channel uint8 image warped through a deformable transform (affine + a
// smooth 33×33 displacement lattice), tile by tile, into a pyramidal OME-TIFF; each step in a fresh process.

import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { deflateSync } from "node:zlib";
import { openImage } from "../src/io/open.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mb, table } from "./markdown.js";
import { lastJson, runNode } from "./run-child.js";

const CLI = "dist/src/cli/main.js";
const CHILD = "dist/bench/warp-child.js";

interface Row { step: string; seconds: number; mpxPerS: number; rss: number }

/** zlib's deflate rate (MB/s, one core, level 6) on a 512² tile of every channel of `input`. */
async function deflateRate(input: string): Promise<number> {
  const src = await openImage(input);
  try {
    const planes = await src.read({ start: [0, 1024, 1024], size: [1, 512, 512] }, 0);
    const t0 = performance.now();
    let bytes = 0;
    for (let r = 0; r < 4; r++) for (const p of planes) {
      deflateSync(p, { level: 6 });
      bytes += p.byteLength;
    }
    return bytes / 1e3 / (performance.now() - t0);
  } finally {
    await src.close();
  }
}

/** Runs the suite and returns its Markdown body (a sentence on the setup, then the table). */
export async function benchWarp(options: { size: number }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "terareg-bench-warp-"));
  const n = options.size;
  const rows: Row[] = [];
  try {
    const base = await runNode(["-e", "process.stdout.write(String(process.resourceUsage().maxRSS*1024))"]);
    const input = join(dir, "in.tif");
    await runNode([CLI, "generate", input, "--size", `${n}x${n}`, "--channels", "3", "--levels", "1", "--tile", "512"]);
    const steps: [string, string[]][] = [
      ["procedural image → OME-TIFF (linear)", ["pattern", String(n), join(dir, "a.ome.tif"), "linear"]],
      ["tiled BigTIFF → OME-TIFF (linear)", [input, String(n), join(dir, "b.ome.tif"), "linear"]],
      ["tiled BigTIFF → OME-TIFF, `--compression none` (linear)", [input, String(n), join(dir, "b.ome.tif"), "linear", "none"]],
      ["tiled BigTIFF → 512² tiles, no write (nearest)", [input, String(n), "-", "nearest"]],
      ["tiled BigTIFF → 512² tiles, no write (linear)", [input, String(n), "-", "linear"]],
      ["tiled BigTIFF → 512² tiles, no write (cubic)", [input, String(n), "-", "cubic"]],
    ];
    const codec = await deflateRate(input);
    for (const [step, args] of steps) {
      const r = lastJson((await runNode([CHILD, ...args])).stdout) as { seconds: number; mpx: number; peakRssBytes: number };
      rows.push({ step, seconds: r.seconds, mpxPerS: r.mpx / r.seconds, rss: r.peakRssBytes });
      await rm(join(dir, "a.ome.tif"), { force: true });
      await rm(join(dir, "b.ome.tif"), { force: true });
    }
    return [
      `Moving: ${n}×${n} uint8, 3 channels (\`terareg generate --channels 3 --levels 1\`, deflate tiles of 512², or the same texture computed on the fly). ` +
        "Transform: 0.1 rad rotation and 2 % zoom about the centre, then a smooth displacement of up to 20 px on a 33×33 lattice. " +
        `Output: the fixed grid (= the moving grid), written by \`writeImage(warpedSource(...))\` as pyramidal OME-TIFF (deflate). ` +
        `Mpx/s counts output pixels (each with 3 channels) over the warp-and-write time, not process start-up. Mapping, sampling and the pyramid's reduction on the worker pool (all cores, as \`terareg warp\`); ` +
        "deflate and the input's inflate on Node's thread pool. " +
        `Peak RSS is the whole child process's; an empty \`node\` process peaks at ${mb(Number(base.stdout))}. ` +
        `What limits the deflate rows: zlib (level 6, as the writer) compresses this texture at ${codec.toFixed(0)} MB/s on one core, and a 3-channel ` +
        `pyramid stores about 4 bytes per output pixel, so deflate alone caps the warp at ${((codec / 4) * availableParallelism()).toFixed(0)} Mpx/s on ` +
        `${availableParallelism()} cores, before the input's inflate, the mapping, the sampling and the reduction share them.`,
      "",
      table(["step", "time", "throughput", "peak RSS"], rows.map((r) => [
        r.step, `${r.seconds.toFixed(1)} s`, `${r.mpxPerS.toFixed(1)} Mpx/s`, mb(r.rss),
      ])),
    ].join("\n");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
