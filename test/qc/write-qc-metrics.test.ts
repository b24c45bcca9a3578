import assert from "node:assert/strict";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { InputError } from "../../src/core/errors.js";
import { formatQcMetrics, readQcMetrics, writeQcMetrics } from "../../src/qc/write-qc-metrics.js";
import { tempDir } from "../helpers/tmp.js";

test("metrics.json round-trips, with typed arrays as arrays and non-finite numbers as null", async (t) => {
  const dir = await tempDir(t, "terareg-qc-");
  const path = join(dir, "metrics.json");
  const data = { tre: { before: { median: 12.5 }, after: { median: 1.25, medianRtre: 0.001 } }, jacobian: { min: 0.3, foldingFraction: 0 }, stages: [{ name: "affine", seconds: 1.5 }], note: "ünïcode <ok>" };
  await writeQcMetrics(path, data);
  assert.deepEqual(await readQcMetrics(path), data);
  assert.deepEqual(await readdir(dir), ["metrics.json"]);
  await writeQcMetrics(path, { values: Float32Array.from([1, 0.5]), bad: NaN, inf: -Infinity, big: 5n });
  assert.deepEqual(await readQcMetrics(path), { values: [1, 0.5], bad: null, inf: null, big: "5" });
  assert.ok(formatQcMetrics({ a: 1 }).endsWith("}\n"));
});

test("readQcMetrics rejects non-objects and unreadable files with InputError naming the file", async (t) => {
  const dir = await tempDir(t, "terareg-qc-");
  const path = join(dir, "m.json");
  await writeFile(path, "[1, 2]");
  await assert.rejects(readQcMetrics(path), (e: unknown) => e instanceof InputError && e.file === path && /JSON object/.test(e.message));
  await assert.rejects(readQcMetrics(join(dir, "missing.json")), InputError);
});
