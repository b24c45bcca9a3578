import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { OptionError } from "../../src/core/errors.js";
import { encodePng } from "../../src/qc/encode-png.js";
import { createRgb } from "../../src/qc/rgb.js";
import { writeFigures } from "../../src/qc/write-figures.js";
import { tempDir } from "../helpers/tmp.js";

test("writeFigures writes NAME.png per figure and rejects unsafe or repeated names", async (t) => {
  const dir = await tempDir(t, "terareg-qc-");
  const png = await encodePng(createRgb(2, 2, [1, 2, 3]));
  const paths = await writeFigures(dir, [{ name: "overlay", caption: "", png }, { name: "jacobian.z", caption: "", png }]);
  assert.deepEqual(paths, [join(dir, "overlay.png"), join(dir, "jacobian.z.png")]);
  assert.deepEqual((await readdir(dir)).sort(), ["jacobian.z.png", "overlay.png"]);
  assert.deepEqual(await readFile(paths[0]!), png);
  await assert.rejects(writeFigures(dir, [{ name: "../evil", caption: "", png }]), (e: unknown) => e instanceof OptionError && /writeFigures: name: got "..\/evil"/.test(e.message));
  await assert.rejects(writeFigures(dir, [{ name: "a", caption: "", png }, { name: "a", caption: "", png }]), OptionError);
});
