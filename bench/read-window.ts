// Child process for the io benchmark: opens an image, reads one window, prints {openMs, readMs, peakRssBytes}.
// Usage: node dist/bench/read-window.js FILE X Y SIZE [LEVEL]

import { openImage } from "../src/io/open.js";

const [file, xs, ys, sizes, levels] = process.argv.slice(2);
const x = Number(xs), y = Number(ys), size = Number(sizes), level = Number(levels ?? 0);
const t0 = performance.now();
const src = await openImage(file!);
const t1 = performance.now();
const planes = await src.read({ start: [0, y, x], size: [1, size, size] }, level);
const t2 = performance.now();
let sum = 0;
for (const p of planes) for (let i = 0; i < p.length; i += 4099) sum += p[i]!;
await src.close();
process.stdout.write(`${JSON.stringify({ openMs: t1 - t0, readMs: t2 - t1, peakRssBytes: process.resourceUsage().maxRSS * 1024, checksum: sum })}\n`);
