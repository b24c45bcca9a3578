import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pixelBytes } from "../../src/core/dtype.js";
import { fullRegion, type Space, type Vec3 } from "../../src/core/space.js";
import { openImage } from "../../src/io/open.js";
import { patternSource } from "../../src/io/pattern-source.js";
import { writeImage } from "../../src/io/write.js";
import { warpedSource } from "../../src/warp/warped-source.js";
import { tempDir } from "../helpers/tmp.js";
import { randomSource, recorded, referenceMeta, space2d, space3d, transform2d, transform3d } from "./warp-fixtures.js";

test("writeImage(warpedSource) → pyramidal OME-TIFF reads back the warped pixels and the fixed grid (3 channels, uint8)", async (t) => {
  const dir = await tempDir(t, "terareg-warp-");
  const shape: Vec3 = [1, 500, 700];
  const fixed = space2d(0, [0.5, 0.5], [10, -20]);
  const moving = recorded(patternSource({ shape, dtype: "uint8", channelCount: 3, space: { ...space2d(0.05, [0.55, 0.45], [3, -15]) } }));
  const warped = warpedSource(moving.source, transform2d(shape, fixed), referenceMeta(shape, fixed), { tileVoxels: 128 * 128 });
  const out = join(dir, "out.ome.tif");
  await writeImage(warped, out, { tileSize: 128 });
  const back = await openImage(out);
  try {
    assert.deepEqual(back.meta.levels[0]!.shape, shape);
    assert.ok(back.meta.levels.length >= 3, `${back.meta.levels.length} levels`);
    assert.deepEqual(back.meta.channels, ["C0", "C1", "C2"]);
    assert.equal(back.meta.dtype, "uint8");
    const direct = await warped.read(fullRegion(shape), 0);
    const read = await back.read(fullRegion(shape), 0);
    direct.forEach((p, c) => assert.ok(Buffer.from(pixelBytes(read[c]!)).equals(Buffer.from(pixelBytes(p))), `channel ${c}`));
    back.meta.space.spacing.forEach((s, a) => assert.ok(Math.abs(s - fixed.spacing[a]!) < 1e-9, `spacing ${a}`));
    // The writer pulls bands of whole rows; warped in 128 × 128 pieces, each moving read stays a small window.
    for (const r of moving.reads) assert.ok(r.region.size[1] * r.region.size[2] < 0.1 * shape[1] * shape[2], JSON.stringify(r.region));
  } finally {
    await back.close();
  }
});

test("writeImage(warpedSource) → OME-Zarr for a 3D float32 volume reads back the same bytes", async (t) => {
  const dir = await tempDir(t, "terareg-warp-");
  const shape: Vec3 = [24, 30, 36];
  const fixed = space3d(), ms: Space = { ...space3d(), origin: [-2, 4, -8] };
  const warped = warpedSource(randomSource(shape, "float32", ms, 1, 4), transform3d(shape, fixed), referenceMeta(shape, fixed));
  const out = join(dir, "out.ome.zarr");
  await writeImage(warped, out, { tileSize: 16, chunkDepth: 8 });
  const back = await openImage(out);
  try {
    assert.deepEqual(back.meta.levels[0]!.shape, shape);
    const [direct] = await warped.read(fullRegion(shape), 0);
    const [read] = await back.read(fullRegion(shape), 0);
    assert.ok(Buffer.from(pixelBytes(read!)).equals(Buffer.from(pixelBytes(direct!))));
  } finally {
    await back.close();
  }
});
