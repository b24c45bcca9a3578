// plan: the registration level comes from the budget (never a pixel cap), chunk workers from what each holds,
// inputs decoded whole count in every reader, a budget too small is a BudgetError, and the key ignores the budget.

import assert from "node:assert/strict";
import { test } from "node:test";
import { BudgetError } from "../../src/core/errors.js";
import { defaultSpace, type ImageMeta, type LevelInfo, type Vec3 } from "../../src/core/space.js";
import { BASE_BYTES, makePlan, type InputFingerprint } from "../../src/chunked/plan.js";
import { DENSE_BYTES_PER_VOXEL } from "../../src/registration/register-images.js";

const MiB = 2 ** 20;

function input(side: number, residentBytes?: number): { meta: ImageMeta; levels: LevelInfo[]; fingerprint: InputFingerprint } {
  const levels: LevelInfo[] = [];
  for (let s = side, f = 1; s >= 64; s /= 2, f *= 2) levels.push({ shape: [1, s, s], scale: [1, f, f] });
  const shape: Vec3 = [1, side, side];
  const meta: ImageMeta = {
    path: `img${side}`, format: "test", ndim: 2, dtype: "float32", channels: ["C0"], levels, space: defaultSpace(),
    ...(residentBytes !== undefined ? { residentBytes } : {}),
  };
  return { meta, levels, fingerprint: { path: meta.path, format: "test", shape, dtype: "float32", channels: 1, bytes: null, mtimeMs: null } };
}

test("the registration level is the finest whose dense working set fits the budget", () => {
  const level1 = BASE_BYTES + 4096 ** 2 * DENSE_BYTES_PER_VOXEL; // level 1 of 8192² just fits
  const a = makePlan(input(8192), input(8192), { budgetBytes: level1 + MiB, threads: 2 });
  const b = makePlan(input(8192), input(8192), { budgetBytes: level1 - MiB, threads: 2 });
  assert.equal(a.global.level, 1);
  assert.equal(b.global.level, 2);
  assert.ok(a.memory.peakBytes <= a.budgetBytes && b.memory.peakBytes <= b.budgetBytes);
});

test("inputs decoded whole are counted in every process and chunk worker that reads them", () => {
  const budgetBytes = 2048 * MiB;
  const windowed = makePlan(input(8192), input(8192), { budgetBytes, threads: 2 });
  const whole = makePlan(input(8192, 256 * MiB), input(8192, 256 * MiB), { budgetBytes, threads: 2 });
  assert.equal(windowed.memory.baseBytes, BASE_BYTES);
  assert.equal(whole.memory.baseBytes, BASE_BYTES + 512 * MiB);
  assert.equal(whole.memory.chunkBytesPerWorker - windowed.memory.chunkBytesPerWorker, 512 * MiB);
  assert.equal(windowed.chunkWorkers, 2);
  assert.equal(whole.chunkWorkers, 1, "two workers holding both images would not fit 2 GiB");
  assert.ok(whole.global.level >= windowed.global.level);
  assert.ok(whole.memory.peakBytes <= budgetBytes);
  assert.equal(whole.key, windowed.key, "the budget and what it allows at once do not change the results");
});

test("a budget that cannot hold one chunk worker is a BudgetError with the numbers", () => {
  assert.throws(
    () => makePlan(input(4096, 900 * MiB), input(4096, 900 * MiB), { budgetBytes: 2048 * MiB }),
    (e) => e instanceof BudgetError && /chunk job|global registration/.test(e.message),
  );
});

test("the key ignores the budget and threads, and changes with the chunk size", () => {
  const a = makePlan(input(4096), input(4096), { budgetBytes: 4096 * MiB, threads: 1, registrationLevel: 2 });
  const b = makePlan(input(4096), input(4096), { budgetBytes: 8192 * MiB, threads: 2, registrationLevel: 2 });
  const c = makePlan(input(4096), input(4096), { budgetBytes: 4096 * MiB, chunk: [1, 256, 256], registrationLevel: 2 });
  assert.equal(a.key, b.key);
  assert.notEqual(a.key, c.key);
});
