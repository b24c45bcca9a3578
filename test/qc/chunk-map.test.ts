import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionError } from "../../src/core/errors.js";
import { chunkMap, chunkSpan, FLAG_COLOUR, GRID_LINE_COLOUR, HATCH_PERIOD, MISSING_COLOUR } from "../../src/qc/chunk-map.js";
import { MAGENTA_WHITE_GREEN, sampleColormap } from "../../src/qc/colormap.js";
import { getPixel } from "../../src/qc/rgb.js";

const grid = { rows: 2, cols: 3, improvement: [0.2, 0, -0.1, NaN, 0.1, 0.2], flagged: [false, false, true, false, false, false] };

test("chunkSpan tiles an axis exactly", () => {
  assert.deepEqual([0, 1, 2].map((k) => chunkSpan(k, 3, 100)), [[0, 33], [33, 66], [66, 100]]);
});

test("chunks are coloured by improvement: green better, white unchanged, magenta worse, grey missing", () => {
  const out = chunkMap(grid, 60, 40); // 20 × 20 pixel chunks
  const at = (r: number, c: number) => getPixel(out, 20 * c + 10, 20 * r + 9);
  assert.deepEqual(at(0, 0), sampleColormap(MAGENTA_WHITE_GREEN, 1));
  assert.deepEqual(at(0, 1), [255, 255, 255]);
  assert.deepEqual(at(1, 0), [...MISSING_COLOUR]);
  assert.deepEqual(at(1, 1), sampleColormap(MAGENTA_WHITE_GREEN, 0.75));
  assert.deepEqual(getPixel(out, 20, 5), [...GRID_LINE_COLOUR]); // line between chunks
  const [r, g, b] = at(0, 0)!;
  assert.ok(g > r && g > b, "improvement is green");
});

test("flagged chunks are outlined and hatched in red", () => {
  const out = chunkMap(grid, 60, 40);
  const x0 = 40, y0 = 0;
  for (const [x, y] of [[x0, 10], [x0 + 1, 10], [59, 10], [50, y0], [50, 19]]) assert.deepEqual(getPixel(out, x!, y!), [...FLAG_COLOUR], `border (${x}, ${y})`);
  assert.deepEqual(getPixel(out, x0 + 5, y0 + HATCH_PERIOD - 5), [...FLAG_COLOUR]); // on a hatch line
  const off = getPixel(out, x0 + 5, y0 + HATCH_PERIOD - 4)!;
  assert.deepEqual(off, sampleColormap(MAGENTA_WHITE_GREEN, 0.25)); // between hatch lines: the heat colour (−0.1 of ±0.2)
});

test("a fixed range saturates, and bad grids are rejected with the counts", () => {
  const out = chunkMap({ rows: 1, cols: 1, improvement: [0.5], flagged: [false] }, 4, 4, { range: 0.1 });
  assert.deepEqual(getPixel(out, 2, 2), sampleColormap(MAGENTA_WHITE_GREEN, 1));
  assert.throws(() => chunkMap({ rows: 2, cols: 2, improvement: [1, 2, 3], flagged: [false, false, false, false] }, 8, 8),
    (e: unknown) => e instanceof OptionError && /grid\.improvement: got "3 values"; expected rows · cols = 4/.test(e.message));
  assert.throws(() => chunkMap(grid, 2, 40), (e: unknown) => e instanceof OptionError && /chunkMap: size/.test(e.message));
});
