import assert from "node:assert/strict";
import { test } from "node:test";
import { sampleIndices } from "../../src/metrics/sample-indices.js";
import { seeded } from "../helpers/rng.js";
import { randomMask } from "./fixtures.js";

function assertSortedDistinctIn(s: Int32Array, total: number): void {
  for (let k = 0; k < s.length; k++) {
    assert.ok(s[k]! >= 0 && s[k]! < total);
    if (k > 0) assert.ok(s[k]! > s[k - 1]!, `not strictly increasing at ${k}`);
  }
}

test("sampleIndices is deterministic in its seed, sorted and distinct", () => {
  const a = sampleIndices(500, 10_000, 42), b = sampleIndices(500, 10_000, 42), c = sampleIndices(500, 10_000, 43);
  assert.equal(a.length, 500);
  assertSortedDistinctIn(a, 10_000);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  // Pinned, so that a change of generator shows up here (the same numbers on every machine).
  assert.deepEqual([...sampleIndices(5, 100, 1)], [42, 51, 60, 94, 98]);
  assert.deepEqual([...sampleIndices(4, 1000, 123456789)], [257, 302, 778, 783]);
});

test("sampleIndices draws only masked-in voxels, and all of them when asked for more", () => {
  const rng = seeded(51), mask = randomMask(rng, 3000, 0.3);
  const s = sampleIndices(400, 3000, 7, mask);
  assert.equal(s.length, 400);
  assertSortedDistinctIn(s, 3000);
  for (const i of s) assert.equal(mask[i], 1);
  const inside = mask.reduce((n, m) => n + m, 0);
  const all = sampleIndices(5000, 3000, 7, mask);
  assert.equal(all.length, inside);
  assert.deepEqual([...sampleIndices(10, 10, 3)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(sampleIndices(0, 10, 3).length, 0);
});

test("sampleIndices is uniform: every tenth of the range gets its share", () => {
  const total = 100_000, count = 20_000, s = sampleIndices(count, total, 2024);
  const perDecile = new Array(10).fill(0);
  for (const i of s) perDecile[Math.floor((10 * i) / total)]++;
  for (const c of perDecile) assert.ok(Math.abs(c - count / 10) < 5 * Math.sqrt(count / 10), `decile count ${c}`);
  // and every voxel equally likely: over many seeds, each of 20 voxels is chosen about count/total of the time
  const hits = new Array(20).fill(0);
  for (let seed = 0; seed < 2000; seed++) for (const i of sampleIndices(5, 20, seed)) hits[i]++;
  for (const h of hits) assert.ok(Math.abs(h - 500) < 5 * Math.sqrt(500 * 0.75), `hits ${h}`);
});

test("sampleIndices rejects bad counts, totals, seeds and masks with the argument named", () => {
  assert.throws(() => sampleIndices(-1, 10, 0), { code: "E_OPTION", message: "count: got -1; expected an integer ≥ 0" });
  assert.throws(() => sampleIndices(1, 10, 0.5), { message: "seed: got 0.5; expected an integer" });
  assert.throws(() => sampleIndices(1, 10, 0, new Uint8Array(9)), { message: 'mask: got "9 values"; expected 10 values, one per voxel' });
  assert.throws(() => sampleIndices(1, 1.5, 0), { message: /^total: got 1.5;/ });
});
