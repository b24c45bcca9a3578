// The OME-NGFF metadata writeOmeZarr produces, checked against the 0.4 and 0.5 specs by hand-written asserts:
// axes, datasets, scale/translation per level (consistent with levelSpace), omero, array metadata, determinism.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { after, test } from "node:test";
import { IDENTITY3, indexToPhysical, levelSpace, type ImageMeta, type Vec3 } from "../../../src/core/space.js";
import { openZarr } from "../../../src/io/zarr/open-zarr.js";
import { writeOmeZarr } from "../../../src/io/zarr/write-ome-zarr.js";
import { pyramidLevels } from "../../../src/pyramid/levels.js";
import { awkwardSpace, cleanup, randomImage, tempDir } from "./helpers.js";

after(cleanup);

type J = Record<string, any>; // parsed JSON, checked field by field
const json = (...p: string[]): J => JSON.parse(readFileSync(join(...p), "utf8"));

function checkMultiscale(ms: J, meta: ImageMeta, is3d: boolean, tile: number): void {
  const names = is3d ? ["c", "z", "y", "x"] : ["c", "y", "x"];
  assert.deepEqual(ms.axes.map((a: J) => a.name), names);
  assert.deepEqual(ms.axes.map((a: J) => a.type), ["channel", ...names.slice(1).map(() => "space")]);
  assert.equal(ms.axes[0].unit, undefined, "the channel axis has no unit");
  for (const a of ms.axes.slice(1)) assert.equal(a.unit, "micrometer");
  const plan = pyramidLevels(meta.levels[0]!.shape, meta.space.spacing, tile, "auto");
  const full: ImageMeta = { ...meta, levels: plan };
  assert.equal(ms.datasets.length, plan.length);
  const spatial = is3d ? [0, 1, 2] : [1, 2];
  ms.datasets.forEach((d: J, l: number) => {
    assert.equal(d.path, String(l));
    const [s, t] = d.coordinateTransformations;
    assert.equal(s.type, "scale", "scale comes first");
    assert.equal(t.type, "translation", "then translation");
    assert.equal(d.coordinateTransformations.length, 2);
    assert.equal(s.scale.length, names.length);
    assert.equal(t.translation.length, names.length);
    const ls = levelSpace(full, l);
    assert.deepEqual(s.scale, [1, ...spatial.map((a) => meta.space.spacing[a]! * plan[l]!.scale[a]!)]);
    assert.deepEqual(t.translation, [0, ...spatial.map((a) => ls.origin[a]!)]);
  });
}

test("NGFF 0.5 (Zarr v3) and 0.4 (Zarr v2) metadata of a 3D image", async () => {
  const dir = tempDir("ngff");
  const space = awkwardSpace();
  const img = randomImage([12, 40, 48], "uint16", 2, 3, space);
  for (const version of [3, 2] as const) {
    const out = join(dir, `v${version}.zarr`);
    await writeOmeZarr(img.source, out, { zarrVersion: version, tileSize: 16, chunkDepth: 8, channelNames: ["a", "b"] });
    if (version === 3) {
      const g = json(out, "zarr.json");
      assert.equal(g.zarr_format, 3);
      assert.equal(g.node_type, "group");
      assert.equal(g.attributes.ome.version, "0.5");
      const ms = g.attributes.ome.multiscales[0];
      assert.equal(ms.version, undefined, "0.5 keeps the version on the ome object only");
      checkMultiscale(ms, img.source.meta, true, 16);
      assert.deepEqual(g.attributes.ome.omero.channels.map((c: J) => c.label), ["a", "b"]);
      for (const c of g.attributes.ome.omero.channels) {
        assert.match(c.color, /^[0-9A-F]{6}$/);
        assert.deepEqual(c.window, { min: 0, max: 65535, start: 0, end: 65535 });
      }
      assert.deepEqual(g.attributes.terareg.direction, [...space.direction]);
      const a = json(out, "0", "zarr.json");
      assert.equal(a.node_type, "array");
      assert.equal(a.data_type, "uint16");
      assert.deepEqual(a.shape, [2, 12, 40, 48]);
      assert.deepEqual(a.chunk_grid, { name: "regular", configuration: { chunk_shape: [1, 8, 16, 16] } });
      assert.deepEqual(a.chunk_key_encoding, { name: "default", configuration: { separator: "/" } });
      assert.equal(a.fill_value, 0);
      assert.deepEqual(a.codecs[0], { name: "bytes", configuration: { endian: "little" } });
      assert.equal(a.codecs[1].name, "zstd");
      assert.deepEqual(a.dimension_names, ["c", "z", "y", "x"], "0.5: dimension_names match the axes");
    } else {
      assert.deepEqual(json(out, ".zgroup"), { zarr_format: 2 });
      const attrs = json(out, ".zattrs");
      const ms = attrs.multiscales[0];
      assert.equal(ms.version, "0.4");
      checkMultiscale(ms, img.source.meta, true, 16);
      assert.deepEqual(attrs.omero.channels.map((c: J) => c.label), ["a", "b"]);
      const a = json(out, "0", ".zarray");
      assert.equal(a.zarr_format, 2);
      assert.equal(a.dtype, "<u2");
      assert.deepEqual(a.shape, [2, 12, 40, 48]);
      assert.deepEqual(a.chunks, [1, 8, 16, 16]);
      assert.equal(a.dimension_separator, "/");
      assert.equal(a.order, "C");
      assert.equal(a.fill_value, 0);
      assert.equal(a.filters, null);
      assert.equal(a.compressor.id, "blosc", "blosc is the v2 default");
    }
  }
});

test("2D images get c, y, x axes; an identity direction writes no terareg attribute; pixel-centre translations", async () => {
  const dir = tempDir("ngff2d");
  const space = { ...awkwardSpace(), direction: [...IDENTITY3] as typeof IDENTITY3, spacing: [1, 0.5, 0.5] as Vec3, origin: [0, 100, 200] as Vec3 };
  const img = randomImage([1, 300, 260], "uint8", 1, 4, space);
  const out = join(dir, "a.zarr");
  await writeOmeZarr(img.source, out, { tileSize: 64 });
  const g = json(out, "zarr.json");
  const ms = g.attributes.ome.multiscales[0];
  checkMultiscale(ms, img.source.meta, false, 64);
  assert.equal(g.attributes.terareg, undefined);
  assert.deepEqual(json(out, "0", "zarr.json").dimension_names, ["c", "y", "x"]);
  // NGFF pixel centres: level 1 pixel 0 covers level-0 pixels 0 and 1, so its centre is their midpoint.
  const z = await openZarr(out);
  const l0 = levelSpace(z.meta, 0), l1 = levelSpace(z.meta, 1);
  const mid = indexToPhysical(l0, [0, 0.5, 0.5]);
  assert.deepEqual(indexToPhysical(l1, [0, 0, 0]), mid);
  assert.deepEqual(ms.datasets[1].coordinateTransformations[1].translation, [0, mid[1], mid[2]]);
  assert.deepEqual(z.meta.space, space);
  await z.close();
});

test("the same image written twice gives identical bytes (every codec)", async () => {
  const dir = tempDir("det");
  const img = randomImage([1, 130, 150], "uint16", 2, 5);
  for (const [version, compression] of [[3, "zstd"], [3, "gzip"], [3, "blosc"], [2, "blosc"], [2, "deflate"]] as const) {
    const hashes = [];
    for (const k of [0, 1]) {
      const out = join(dir, `${version}-${compression}-${k}.zarr`);
      await writeOmeZarr(img.source, out, { zarrVersion: version, compression, tileSize: 64 });
      hashes.push(treeHash(out));
    }
    assert.equal(hashes[0], hashes[1], `v${version} ${compression}`);
  }
});

function treeHash(root: string): string {
  const h = createHash("sha256");
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(relative(root, p)).update(readFileSync(p));
    }
  };
  walk(root);
  return h.digest("hex");
}
