// withReducedLevels: levels added on the fly hold what a pyramid of the same reduction holds, whole or by region,
// stop at the first level that fits, and leave a source that already has one untouched.

import assert from "node:assert/strict";
import { test } from "node:test";
import { arraySource, cropPlane } from "../../src/io/array-source.js";
import { withReducedLevels } from "../../src/pyramid/reduced-levels.js";
import { reduceBlock, reducedShape } from "../../src/pyramid/reduce.js";
import type { Region, Vec3 } from "../../src/core/space.js";

const shape: Vec3 = [1, 101, 77];
const plane = Uint16Array.from({ length: 101 * 77 }, (_, i) => (i * 7919) % 4099);
const source = () => arraySource({ shape, dtype: "uint16", planes: [plane, plane.map((v) => 4099 - v)], channels: ["a", "b"] });
const whole = (s: Vec3): Region => ({ start: [0, 0, 0], size: s });

test("added levels equal the reduction of the level above, whole and by region", async () => {
  const view = withReducedLevels(source(), (s) => Math.max(s[1], s[2]) <= 30);
  const shapes = view.meta.levels.map((l) => l.shape);
  assert.deepEqual(shapes, [[1, 101, 77], [1, 51, 39], [1, 26, 20]]);
  assert.deepEqual(view.meta.levels[2]!.scale, [1, 4, 4]);
  let expected = plane as Uint16Array;
  let cur = shape;
  for (let l = 1; l <= 2; l++) {
    const next = reducedShape(cur, [1, 2, 2]);
    expected = reduceBlock(expected, whole(cur), cur, whole(next), [1, 2, 2], "uint16") as Uint16Array;
    cur = next;
    const [a] = await view.read(whole(cur), l, { channels: [0] });
    assert.deepEqual(a, expected, `level ${l}`);
  }
  const region: Region = { start: [0, 5, 3], size: [1, 9, 11] };
  const [part] = await view.read(region, 2, { channels: [0] });
  assert.deepEqual(part, cropPlane(expected, cur, region, "uint16"));
  await assert.rejects(view.read({ start: [0, 0, 0], size: [1, 27, 20] }, 2), /region/);
});

test("a source with a level that fits is returned as it is; otherwise levels stop where no axis can be halved", () => {
  const s = source();
  assert.equal(withReducedLevels(s, (sh) => sh[2] <= 100), s);
  assert.equal(withReducedLevels(s, () => false).meta.levels.at(-1)!.shape.join(), "1,1,1");
});
