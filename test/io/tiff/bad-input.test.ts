// Broken files must give an InputError naming the file and the problem, never a hang, crash or huge allocation.
// Every file is generated here; each case asserts the phrase its message must contain.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { InputError } from "../../../src/core/errors.js";
import { openTiff } from "../../../src/io/tiff/open-tiff.js";
import { writeTiffFixture, type FixturePage } from "./tiff-fixture.js";

const dir = mkdtempSync(join(tmpdir(), "terareg-tiff-bad-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const good = (extra: Partial<FixturePage> = {}): FixturePage => ({
  width: 64, height: 48, bits: 16, format: 1, samples: Uint16Array.from({ length: 64 * 48 }, (_, i) => i), tile: [32, 16], compression: 8, ...extra,
});

function isInputError(path: string, phrase: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.ok(e.message.startsWith(`${path}: `), `message names the file: ${e.message}`);
    assert.match(e.message, phrase);
    return true;
  };
}

async function rejectsOpen(name: string, make: (p: string) => void, phrase: RegExp): Promise<void> {
  const p = join(dir, name);
  make(p);
  await assert.rejects(openTiff(p), isInputError(p, phrase));
}

test("not a TIFF, empty, truncated header", async () => {
  await rejectsOpen("text.tif", (p) => writeFileSync(p, "this is not an image, just some text"), /not a TIFF file \(bad magic/);
  await rejectsOpen("empty.tif", (p) => writeFileSync(p, ""), /truncated header/);
  await rejectsOpen("short.tif", (p) => writeFileSync(p, Buffer.from("II*\0\x08\0", "latin1")), /truncated header/);
  await rejectsOpen("short-big.tif", (p) => writeFileSync(p, Buffer.from("II+\0\x08\0\0\0\x10\0", "latin1")), /truncated header/);
  await rejectsOpen("version.tif", (p) => writeFileSync(p, Buffer.from("II\x07\0\x08\0\0\0", "latin1")), /bad magic: version 7/);
  const missing = join(dir, "does-not-exist.tif");
  await assert.rejects(openTiff(missing), isInputError(missing, /cannot open/));
});

test("IFD offset past the end, truncated IFD, IFD loop", async () => {
  await rejectsOpen("ifd-past-eof.tif", (p) => {
    const b = Buffer.alloc(8);
    b.write("II*\0", "latin1");
    b.writeUInt32LE(1_000_000, 4);
    writeFileSync(p, b);
  }, /IFD 0 offset at byte 1000000 .*past the end of the file/);
  await rejectsOpen("ifd-truncated.tif", (p) => {
    writeTiffFixture(p, [good()]);
    const b = readFileSync(p);
    writeFileSync(p, b.subarray(0, b.length - 20));
  }, /IFD 0 entries at byte \d+ .*past the end of the file/);
  await rejectsOpen("loop.tif", (p) => writeTiffFixture(p, [good(), good()], { loop: true }), /cycle \(IFD loop\)/);
  await rejectsOpen("zero-entries.tif", (p) => {
    const b = Buffer.alloc(16);
    b.write("II*\0", "latin1");
    b.writeUInt32LE(8, 4);
    writeFileSync(p, b);
  }, /claims 0 entries/);
});

test("absurd dimensions, tile count mismatch, missing tags", async () => {
  await rejectsOpen("huge.tif", (p) => writeTiffFixture(p, [good({ tags: [{ tag: 256, type: 4, values: [1e7] }, { tag: 257, type: 4, values: [1e7] }] })]), /absurd dimensions 10000000×10000000/);
  await rejectsOpen("tile-count.tif", (p) => writeTiffFixture(p, [good({ tags: [{ tag: 256, type: 4, values: [200] }] })]), /TileOffsets has 6 entries, but a 200×48 image in 32×16 tiles needs 21 \(tile count mismatch\)/);
  await rejectsOpen("no-width.tif", (p) => writeTiffFixture(p, [good({ tags: [{ tag: 256, type: 4, values: [] }] })]), /missing required tag ImageWidth \(256\)/);
  await rejectsOpen("no-offsets.tif", (p) => writeTiffFixture(p, [good({ tags: [{ tag: 324, type: 4, values: [] }] })]), /missing required tag TileOffsets \(324\)/);
  await rejectsOpen("bits12.tif", (p) => writeTiffFixture(p, [good({ tags: [{ tag: 258, type: 3, values: [12] }] })]), /unsupported bit depth: 12 bits/);
  await rejectsOpen("float16.tif", (p) => writeTiffFixture(p, [good({ tags: [{ tag: 339, type: 3, values: [3] }] })]), /unsupported bit depth: 16 bits per sample with SampleFormat 3/);
});

test("tile offset past the end, unknown compression", async () => {
  await rejectsOpen("tile-past-eof.tif", (p) => writeTiffFixture(p, [good({ tags: [{ tag: 324, type: 4, values: [8, 8, 8, 8, 8, 5_000_000] }] })]), /tile 5 at byte 5000000 .*past the end of the file/);
  await rejectsOpen("compression.tif", (p) => writeTiffFixture(p, [good({ compression: 12345 })]), /unknown compression 12345/);
});

test("a tile that fails to decompress is named when read", async () => {
  const p = join(dir, "corrupt-deflate.tif");
  writeTiffFixture(p, [good({ corruptBlock: { index: 3, bytes: Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff) } })]);
  const t = await openTiff(p);
  await t.read({ start: [0, 0, 0], size: [1, 16, 64] }, 0); // tiles 0 and 1 are fine
  await assert.rejects(t.read({ start: [0, 16, 0], size: [1, 32, 64] }, 0), isInputError(p, /tile 3 of IFD 0 fails to decompress \(Adobe deflate\)/));
  await t.close();
  const q = join(dir, "short-lzw.tif");
  writeTiffFixture(q, [good({ compression: 5, corruptBlock: { index: 0, bytes: Uint8Array.of(0x80, 0x01) } })]);
  const u = await openTiff(q);
  await assert.rejects(u.read({ start: [0, 0, 0], size: [1, 4, 4] }, 0), isInputError(q, /tile 0 of IFD 0 fails to decompress: it decodes to 0 bytes; expected 1024/));
  await u.close();
  const r = join(dir, "short-raw.tif");
  writeTiffFixture(r, [good({ compression: 1, tile: undefined, rowsPerStrip: 16, corruptBlock: { index: 1, bytes: new Uint8Array(10) } })]);
  const v = await openTiff(r);
  await assert.rejects(v.read({ start: [0, 20, 0], size: [1, 4, 4] }, 0), isInputError(r, /strip 1 of IFD 0 fails to decompress: it decodes to 10 bytes; expected 2048/));
  await v.close();
});

test("OME-XML that contradicts the IFDs", async () => {
  const xml = (attrs: string, inner = ""): string =>
    `<?xml version="1.0"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYZCT" ${attrs}>${inner}</Pixels></Image></OME>`;
  await rejectsOpen("ome-size.ome.tif", (p) => writeTiffFixture(p, [good({ description: xml('Type="uint16" SizeX="65" SizeY="48" SizeZ="1" SizeC="1" SizeT="1"') })]),
    /OME-XML contradicts the IFDs: SizeX=65 SizeY=48, but IFD 0 is 64×48/);
  await rejectsOpen("ome-type.ome.tif", (p) => writeTiffFixture(p, [good({ description: xml('Type="float" SizeX="64" SizeY="48" SizeZ="1" SizeC="1" SizeT="1"') })]),
    /Pixels Type="float" but IFD 0 holds uint16 samples/);
  await rejectsOpen("ome-planes.ome.tif", (p) => writeTiffFixture(p, [good({ description: xml('Type="uint16" SizeX="64" SizeY="48" SizeZ="4" SizeC="1" SizeT="1"') })]),
    /plane Z=1 C=0 maps to IFD 1, but the file has 1 IFDs/);
  await rejectsOpen("ome-bad.ome.tif", (p) => writeTiffFixture(p, [good({ description: xml('Type="uint16" SizeX="64" SizeY="48" SizeC="1" SizeT="1"') })]),
    /OME-XML in IFD 0 is invalid: Pixels SizeZ is missing/);
  await rejectsOpen("ome-multifile.ome.tif", (p) => writeTiffFixture(p, [good({ description: xml('Type="uint16" SizeX="64" SizeY="48" SizeZ="1" SizeC="1" SizeT="1"', '<TiffData><UUID FileName="other.ome.tif">urn:uuid:1</UUID></TiffData>') })]),
    /multi-file OME-TIFF is not supported: planes are stored in "other.ome.tif"/);
});

test("pages of different sizes cannot be one volume", async () => {
  const rng = (n: number) => Uint8Array.from({ length: n }, (_, i) => i & 0xff);
  const xml = `<OME><Image ID="Image:0"><Pixels DimensionOrder="XYZCT" Type="uint8" SizeX="8" SizeY="8" SizeZ="1" SizeC="2" SizeT="1"/></Image></OME>`;
  await rejectsOpen("mixed.ome.tif", (p) => writeTiffFixture(p, [
    { width: 8, height: 8, bits: 8, format: 1, samples: rng(64), description: xml },
    { width: 8, height: 8, bits: 8, format: 1, samples: rng(64), rowsPerStrip: 8, tags: [{ tag: 339, type: 3, values: [2] }] },
  ]), /IFD 1 \(plane z=0\) is 8×8×1 int8, unlike IFD 0/);
});
