import assert from "node:assert/strict";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { commonIds, formatLandmarks, parseLandmarks, readLandmarks } from "../../src/io/landmarks.js";
import { SHARED_DATA } from "../helpers/tmp.js";

test("ANHIR CSV: parse, format, round trip", () => {
  const lm = parseLandmarks(",X,Y\n1,10.5,20\n2,3,4\n");
  assert.deepEqual([...lm.entries()], [["1", [10.5, 20]], ["2", [3, 4]]]);
  assert.deepEqual(parseLandmarks(formatLandmarks(lm)), lm);
  const l3 = parseLandmarks(",X,Y,Z\n7,1,2,3\n");
  assert.deepEqual(l3.get("7"), [1, 2, 3]);
});

test("bad landmark files name the file and the line", () => {
  assert.throws(() => parseLandmarks("", "a.csv"), /a\.csv: empty landmark file/);
  assert.throws(() => parseLandmarks("x,y\n1,2\n", "b.csv"), /b\.csv: header "x,y" is not an ANHIR landmark header/);
  assert.throws(() => parseLandmarks(",X,Y\n1,2,abc\n", "c.csv"), /c\.csv: line 2 "1,2,abc" is not "id,X,Y"/);
  assert.throws(() => parseLandmarks(",X,Y\n1,2,3\n1,4,5\n", "d.csv"), /d\.csv: line 3: landmark id 1 appears twice/);
});

test("the shared ANHIR kidney case pairs 69 landmarks by ID", { skip: !existsSync(SHARED_DATA) }, async () => {
  const dir = join(SHARED_DATA, "anhir_rat_kidney_he_pancytokeratin");
  const f = await readLandmarks(join(dir, "fixed_landmarks.csv"));
  const m = await readLandmarks(join(dir, "moving_landmarks.csv"));
  assert.equal(f.size, 71);
  assert.equal(m.size, 69);
  assert.equal(commonIds(f, m).length, 69);
});
