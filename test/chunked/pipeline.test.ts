// The chunked flow end to end on synthetic pairs with known truth: the chunks cut the global stage's landmark error
// at least 5×, no folding, identical bytes for 1 and 2 threads, and a run SIGKILLed at three points during the
// chunks resumes to outputs byte-identical to an uninterrupted run. A changed parameter is refused.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { test } from "node:test";
import { synthesize } from "../../src/synth/synth.js";
import { terareg } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

/** Every file under `dir` (relative path → bytes). */
async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.set(relative(dir, p), await readFile(p));
    }
  };
  await walk(dir);
  return out;
}

/** The outputs a resumed or re-threaded run must reproduce exactly: transform/ and the warped image. */
async function assertSameOutputs(a: string, b: string, what: string): Promise<void> {
  const ta = await filesUnder(join(a, "transform")), tb = await filesUnder(join(b, "transform"));
  assert.deepEqual([...ta.keys()].sort(), [...tb.keys()].sort(), `${what}: same transform files`);
  for (const [k, v] of ta) assert.ok(v.equals(tb.get(k)!), `${what}: transform/${k} identical`);
  assert.ok((await readFile(join(a, "warped.ome.tif"))).equals(await readFile(join(b, "warped.ome.tif"))), `${what}: warped.ome.tif identical`);
}

const manifestLines = async (run: string) => (await readFile(join(run, "chunks", "manifest.jsonl"), "utf8").catch(() => "")).split("\n").filter((l) => l.trim()).length;

/** Starts `terareg register ...` and SIGKILLs it once the manifest has `lines` lines; resolves when it is dead. */
function killAfterChunks(args: string[], run: string, lines: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["dist/src/cli/main.js", ...args], { stdio: "ignore" });
    const timer = setInterval(() => {
      void manifestLines(run).then((n) => {
        if (n >= lines) child.kill("SIGKILL");
      });
    }, 20);
    child.on("exit", () => {
      clearInterval(timer);
      void manifestLines(run).then(resolve, reject);
    });
  });
}

test("chunked register (2D 1024², 16 chunks of 256²): 5× below global TRE, no folds, seams < 0.05 px, threads 1 = 2, resume after 3 SIGKILLs is byte-identical", { timeout: 600_000 }, async (t) => {
  const dir = await tempDir(t, "terareg-chunked-");
  const pair = await synthesize(join(dir, "pair"), { shape: [1, 1024, 1024], seed: 3, landmarks: 150 });
  const common = [pair.fixed, pair.moving, "--chunk", "256", "--global-level", "2", "--preset", "fast", "--memory", "1GB",
    "--fixed-landmarks", pair.fixedLandmarks, "--moving-landmarks", pair.movingLandmarks, "--quiet"];
  const full = join(dir, "full");
  const r = terareg("register", ...common, "-o", full, "--threads", "2", "--log-json");
  assert.equal(r.code, 0, r.stderr);
  const metrics = JSON.parse(await readFile(join(full, "metrics.json"), "utf8"));
  const { global: g, final: f } = metrics.landmarks;
  assert.ok(f.after.median <= 0.5 && f.after.p99 <= 2, `final TRE median ${f.after.median}, p99 ${f.after.p99}`);
  assert.ok(g.after.median >= 5 * f.after.median, `global alone ${g.after.median} px vs with chunks ${f.after.median} px`);
  assert.equal(metrics.jacobian.foldingFraction, 0);
  // The truth is smooth, so the stitched field may not jump at chunk borders: below 0.05 px (issue 5's bound; a hard
  // cut between chunks jumps by 0.3 px and more, blend.test.ts), and no more than registration noise inside the cores.
  const s = metrics.seams;
  assert.ok(s.borderJumpMax < 0.05 && s.borderJumpMax < 1.5 * s.midCoreJumpMax, `border jump ${s.borderJumpMax} px, mid-core ${s.midCoreJumpMax} px`);
  assert.equal(metrics.chunks.length, 16);
  for (const c of metrics.chunks) assert.ok(c.flag !== undefined || c.after <= c.before, `chunk ${c.id} improved or is flagged`);
  for (const name of ["plan.json", "qc/report.html", "qc/chunks.png", "qc/jacobian.png", "transform/transform.json"]) await stat(join(full, name));

  const one = join(dir, "one-thread");
  assert.equal(terareg("register", ...common, "-o", one, "--threads", "1").code, 0);
  await assertSameOutputs(full, one, "--threads 1 vs 2");

  const resumed = join(dir, "resumed");
  const args = ["register", ...common, "-o", resumed, "--threads", "2"];
  const seen: number[] = [];
  for (const lines of [2, 7, 12]) seen.push(await killAfterChunks(args, resumed, lines));
  assert.ok(seen.every((n, i) => n < 16 && (i === 0 || n >= seen[i - 1]!)), `killed during the chunks, after ${seen.join(", ")} chunks`);
  await assert.rejects(stat(join(resumed, "transform")), "no transform/ after a kill");
  const rr = terareg(...args, "--log-json");
  assert.equal(rr.code, 0, rr.stderr);
  const summary = JSON.parse(rr.stdout.trim().split("\n").pop()!);
  assert.equal(summary.resumedChunks, seen[2], "the resumed run skipped the finished chunks");
  await assertSameOutputs(full, resumed, "resumed after 3 SIGKILLs vs uninterrupted");

  const changed = terareg("register", ...common.map((a) => (a === "256" ? "200" : a)), "-o", resumed);
  assert.equal(changed.code, 2, "refused as an option problem");
  assert.match(changed.stderr, /different chunking.*--force/);
});

for (const mode of ["bspline", "greedy"] as const)
test(`chunked register (3D 128³, 8 chunks of 64³, ${mode} chunks): 5× below global TRE, no folds`, { timeout: 600_000 }, async (t) => {
  const dir = await tempDir(t, "terareg-chunked3d-");
  const pair = await synthesize(join(dir, "pair"), { shape: [128, 128, 128], seed: 5, landmarks: 100 });
  const run = join(dir, "run");
  const r = terareg("register", pair.fixed, pair.moving, "-o", run, "--chunk", "64", "--global-level", "1", "--preset", "fast",
    "--chunk-deformable", mode, "--fixed-landmarks", pair.fixedLandmarks, "--moving-landmarks", pair.movingLandmarks, "--threads", "2", "--quiet");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(await readFile(join(run, "plan.json"), "utf8")).chunking.parameters.deformable, mode);
  const metrics = JSON.parse(await readFile(join(run, "metrics.json"), "utf8"));
  const { global: g, final: f } = metrics.landmarks;
  assert.ok(f.after.median <= 0.5, `final TRE median ${f.after.median} voxel`);
  assert.ok(g.after.median >= 5 * f.after.median, `global alone ${g.after.median} vs with chunks ${f.after.median}`);
  assert.equal(metrics.jacobian.foldingFraction, 0);
  assert.equal(metrics.chunks.length, 8);
  await stat(join(run, "warped.ome.zarr"));
});
