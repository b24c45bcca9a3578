// `npm run bench [-- SUITE...]`: runs the benchmark suites and rewrites their sections of BENCHMARKS.md,
// each with the command, machine and commit that produced it. Never part of `npm test`.

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { benchIo } from "./io.js";
import { benchKernels } from "./kernels.js";
import { benchWarp } from "./warp.js";
import { benchRegistration } from "./registration.js";
import { benchSynthetic } from "./synthetic.js";
import { benchChunked } from "./chunked.js";
import { machineInfo } from "./machine.js";
import { writeSection } from "./markdown.js";

/** A comma-separated list from the environment variable `name`, or from `fallback` when it is unset. */
const envList = (name: string, fallback: string): string[] => (process.env[name] ?? fallback).split(",").filter(Boolean);

const SUITES: Record<string, () => Promise<string>> = {
  io: () => benchIo({ size: Number(process.env.TERAREG_BENCH_IO_SIZE ?? 20000), repeats: 3 }),
  kernels: () => benchKernels(),
  warp: () => benchWarp({ size: Number(process.env.TERAREG_BENCH_WARP_SIZE ?? 8192) }),
  registration: () => benchRegistration({ presets: ["fast", "accurate"] }),
  chunked: () => benchChunked({ cases: envList("TERAREG_BENCH_CHUNKED_CASES", "2d_2048,3d_128") }),
  synthetic: () => benchSynthetic({
    cases: envList("TERAREG_BENCH_SYNTH_CASES", "2d_1024,2d_4096,2d_8192,3d_256"), presets: envList("TERAREG_BENCH_SYNTH_PRESETS", "fast,accurate,bspline"),
  }),
};

const asked = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = asked.length ? asked : Object.keys(SUITES);
if (names.length > 1) {
  // One process per suite: Linux children inherit their parent's peak-RSS mark at fork, so a suite that spawns
  // children must start from a small parent for their peak RSS to mean anything.
  for (const name of names) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), name], { stdio: "inherit" });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  process.exit(0);
}
for (const name of names) {
  const suite = SUITES[name];
  if (!suite) {
    console.error(`unknown suite "${name}"; suites: ${Object.keys(SUITES).join(", ")}`);
    process.exit(2);
  }
  console.error(`bench ${name} ...`);
  const body = await suite();
  const m = machineInfo();
  const header = `## ${name}\n\nCommand: \`npm run bench -- ${name}\` · ${m.date} · commit ${m.commit} · ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB · Node ${m.node}\n`;
  await writeSection("BENCHMARKS.md", name, `${header}\n${body}`);
  console.log(`${header}\n${body}\n`);
}
