// Round trips through writeOmeZarr → openZarr: every dtype × channel count × 2D/3D × Zarr version × codec,
// bit-exact at level 0, reduced levels equal to reduceBlock() in memory, metadata preserved.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { DType, PixelArray } from "../../../src/core/dtype.js";
import { fullRegion, type Vec3 } from "../../../src/core/space.js";
import type { Compression } from "../../../src/io/write-options.js";
import { openZarr } from "../../../src/io/zarr/open-zarr.js";
import { writeOmeZarr } from "../../../src/io/zarr/write-ome-zarr.js";
import { pyramidLevels } from "../../../src/pyramid/levels.js";
import { reduceBlock } from "../../../src/pyramid/reduce.js";
import { awkwardSpace, cleanup, randomImage, randomRegion, sameBytes, seeded, tempDir } from "./helpers.js";

after(cleanup);

const DTYPES: DType[] = ["uint8", "uint16", "float32", "int16"];
const CODECS: Compression[] = ["none", "gzip", "zstd", "blosc"];
const CASES = {
  "2D": { shape: [1, 150, 170] as Vec3, tileSize: 64, chunkDepth: undefined, zero: [1, 64, 64] as Vec3 },
  "3D": { shape: [12, 40, 48] as Vec3, tileSize: 16, chunkDepth: 8, zero: [8, 16, 16] as Vec3 },
};

describe("writeOmeZarr → openZarr round trip", () => {
  let seed = 1;
  for (const [dims, c] of Object.entries(CASES)) {
    for (const version of [2, 3] as const) {
      for (const dtype of DTYPES) {
        for (const channels of [1, 3]) {
          test(`${dims} ${dtype} ×${channels} v${version}, every codec`, async () => {
            const dir = tempDir("rt");
            const space = awkwardSpace();
            const img = randomImage(c.shape, dtype, channels, seed++, space, c.zero);
            const names = channels === 3 ? ["DAPI", "CD3", "CD8"] : undefined;
            const plan = pyramidLevels(c.shape, space.spacing, c.tileSize, "auto");
            assert.ok(plan.length >= 3, "the case should have at least 3 levels");
            const expected = expectedLevels(img.planes, plan, dtype);
            const rng = seeded(seed * 7);
            for (const compression of CODECS) {
              const out = join(dir, `${compression}.zarr`);
              await writeOmeZarr(img.source, out, {
                zarrVersion: version, compression, tileSize: c.tileSize, ...(c.chunkDepth ? { chunkDepth: c.chunkDepth } : {}),
                ...(names ? { channelNames: names } : {}),
              });
              const z = await openZarr(out);
              const m = z.meta;
              assert.equal(m.format, "ome-zarr");
              assert.equal(m.dtype, dtype);
              assert.equal(m.ndim, dims === "3D" ? 3 : 2);
              assert.deepEqual(m.channels, names ?? ["C0"]);
              assert.deepEqual(m.space, space, `${compression}: space`);
              assert.deepEqual(m.levels.map((l) => l.shape), plan.map((l) => l.shape));
              assert.deepEqual(m.levels.map((l) => l.scale), plan.map((l) => l.scale));
              // Level 0, random regions, random channel subsets, bit-exact.
              for (let k = 0; k < 4; k++) {
                const r = randomRegion(c.shape, rng);
                const chans = channels === 3 ? [2, 0] : [0];
                const got = await z.read(r, 0, { channels: chans });
                const want = await img.source.read(r, 0, { channels: chans });
                got.forEach((p, i) => assert.ok(sameBytes(p, want[i]!), `${compression} level 0 region ${JSON.stringify(r)} channel ${chans[i]}`));
              }
              // Every reduced level equals reduceBlock() applied in memory, whole level at once.
              for (let l = 1; l < plan.length; l++) {
                const got = await z.read(fullRegion(plan[l]!.shape), l);
                got.forEach((p, ch) => assert.ok(sameBytes(p, expected[l]![ch]!), `${compression} level ${l} channel ${ch}`));
              }
              // The all-zero chunk of channel 0 was skipped, and reads back as 0.
              const zeroKey = dims === "3D" ? ["0", "0", "0", "0"] : ["0", "0", "0"];
              assert.equal(existsSync(join(out, "0", ...(version === 3 ? ["c"] : []), ...zeroKey)), false, "zero chunk skipped");
              await z.close();
            }
          });
        }
      }
    }
  }
});

/** Level planes computed in memory: level l = reduceBlock(level l − 1, whole). */
function expectedLevels(planes: PixelArray[], plan: ReturnType<typeof pyramidLevels>, dtype: DType): PixelArray[][] {
  const out: PixelArray[][] = [planes];
  for (let l = 1; l < plan.length; l++) {
    const inShape = plan[l - 1]!.shape;
    out.push(out[l - 1]!.map((p) => reduceBlock(p, fullRegion(inShape), inShape, fullRegion(plan[l]!.shape), plan[l]!.factors, dtype)));
  }
  return out;
}

test("reduced chunks too large for one reduction call are built in slabs (3D along z, 2D along y)", async () => {
  const dir = tempDir("slabs");
  for (const [shape, tileSize, chunkDepth] of [[[80, 260, 260], 128, 64], [[1, 2100, 1100], 1024, 1]] as [Vec3, number, number][]) {
    const img = randomImage(shape, "uint8", 1, 77);
    const plan = pyramidLevels(shape, [1, 1, 1], tileSize, 2);
    const out = join(dir, `${shape.join("x")}.zarr`);
    await writeOmeZarr(img.source, out, { tileSize, chunkDepth, levels: 2 });
    const z = await openZarr(out);
    const c = z.meta.levels[1]!.chunk!;
    assert.ok(c[0] * c[1] * c[2] > 2 ** 19, "the level-1 chunk exceeds one reduction call");
    const [got] = await z.read(fullRegion(plan[1]!.shape), 1);
    assert.ok(sameBytes(got!, expectedLevels(img.planes, plan, "uint8")[1]![0]!));
  }
});
