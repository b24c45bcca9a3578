// Runs every compiled test file under dist/test with Node's test runner and prints the counts.
// Node 20's `node --test DIR` can silently find nothing, so the files are listed explicitly here and
// the run fails if none is found. `--scale` runs the slow *.scale.test.js files instead of the default set.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const scale = process.argv.includes("--scale");
const root = "dist/test";
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith(".test.js") && name.endsWith(".scale.test.js") === scale) files.push(p);
  }
})(root);
if (files.length === 0) {
  console.error(`no test files found under ${root} (scale=${scale}); did the build run?`);
  process.exit(1);
}
console.log(`running ${files.length} test files${scale ? " (scale)" : ""}`);
const r = spawnSync(process.execPath, ["--test", "--test-reporter=spec", "--test-concurrency=2", ...files], {
  stdio: "inherit",
});
process.exit(r.status ?? 1);
