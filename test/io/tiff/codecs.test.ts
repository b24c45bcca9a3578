// The small pure codecs: LZW and PackBits decoders against the fixture encoders, predictors, JPEG table splicing,
// OME-XML parsing, plane ordering and level scales.

import assert from "node:assert/strict";
import { test } from "node:test";
import { spliceJpegTables } from "../../../src/io/tiff/jpeg.js";
import { decodeLzw } from "../../../src/io/tiff/lzw.js";
import { parseOmeXml, planeIndex } from "../../../src/io/tiff/ome-xml.js";
import { decodePackBits } from "../../../src/io/tiff/packbits.js";
import { undoFloatPredictor, undoHorizontalPredictor } from "../../../src/io/tiff/predictor.js";
import { levelScale } from "../../../src/io/tiff/tiff-layout.js";
import { encodeLzw, encodePackBits, seeded } from "./tiff-fixture.js";

function inputs(): Uint8Array[] {
  const rng = seeded(1);
  return [
    new Uint8Array(0),
    Uint8Array.of(7),
    Uint8Array.from({ length: 60000 }, () => Math.floor(rng() * 256)), // table fills and clears several times
    new Uint8Array(100000), // long runs: strings up to the table's longest
    Uint8Array.from({ length: 50000 }, (_, i) => (i % 17 < 9 ? 3 : Math.floor(rng() * 4))),
  ];
}

test("LZW decodes what a libtiff-style encoder writes, including table resets", () => {
  for (const data of inputs()) {
    const enc = encodeLzw(data);
    assert.deepEqual(decodeLzw(enc, data.length), data);
    // The expected size caps the output.
    assert.equal(decodeLzw(enc, Math.floor(data.length / 2)).length, Math.floor(data.length / 2));
  }
  assert.throws(() => decodeLzw(Uint8Array.of(0x80, 0x7f, 0xff, 0xff, 0xff), 100), /LZW code/);
});

test("PackBits decodes runs and literals and never writes past the expected size", () => {
  for (const data of inputs()) assert.deepEqual(decodePackBits(encodePackBits(data), data.length), data);
  assert.deepEqual(Array.from(decodePackBits(Uint8Array.of(0xfe, 9, 0x80, 1, 4, 5), 10)), [9, 9, 9, 4, 5]);
  assert.equal(decodePackBits(Uint8Array.of(0x81, 1), 5).length, 5);
});

test("predictor 2 accumulates per sample with wrap-around; predictor 3 reassembles byte planes", () => {
  const a = Uint8Array.of(10, 20, 250, 10, 1, 1, /* row 2 */ 5, 5, 5, 5, 5, 5);
  undoHorizontalPredictor(a, 3, 2, 2);
  assert.deepEqual(Array.from(a), [10, 20, 4, 30, 5, 31, 5, 5, 10, 10, 15, 15]);
  const f = Float32Array.of(1.5, -2.25, 1e30);
  const le = new Uint8Array(f.buffer.slice(0));
  // Encode: MSB plane first, then byte differences.
  const planes = new Uint8Array(12);
  for (let c = 0; c < 3; c++) for (let b = 0; b < 4; b++) planes[b * 3 + c] = le[c * 4 + (3 - b)]!;
  for (let i = 11; i >= 1; i--) planes[i] = (planes[i]! - planes[i - 1]!) & 0xff;
  undoFloatPredictor(planes, 3, 1, 1, 4);
  assert.deepEqual(Array.from(new Float32Array(planes.buffer)), Array.from(f));
});

test("JPEG tables are spliced in place of the block's SOI", () => {
  const tables = Uint8Array.of(0xff, 0xd8, 0xff, 0xdb, 1, 2, 0xff, 0xd9);
  const block = Uint8Array.of(0xff, 0xd8, 0xff, 0xc0, 9, 0xff, 0xd9);
  assert.deepEqual(Array.from(spliceJpegTables(tables, block)), [0xff, 0xd8, 0xff, 0xdb, 1, 2, 0xff, 0xc0, 9, 0xff, 0xd9]);
  assert.equal(spliceJpegTables(undefined, block), block);
});

test("OME-XML parsing: prefixes, entities, defaults and errors", () => {
  const xml = `<ome:OME xmlns:ome="x"><ome:Image ID="Image:0"><ome:Pixels SizeX="4" SizeY="3" SizeZ="2" SizeC="1" SizeT="1" Type='uint8'
    PhysicalSizeX="0.25"><ome:Channel Name="a&lt;b&#x41;"/><ome:TiffData IFD="1" PlaneCount="1"/></ome:Pixels></ome:Image><ome:Image ID="Image:1"/></ome:OME>`;
  const p = parseOmeXml(xml);
  assert.equal(p.dimensionOrder, "XYZCT");
  assert.equal(p.imageCount, 2);
  assert.deepEqual(p.channels, [{ name: "a<bA" }]);
  assert.deepEqual(p.tiffData, [{ ifd: 1, planeCount: 1, firstZ: 0, firstC: 0, firstT: 0 }]);
  assert.deepEqual(p.physicalSize, { x: { value: 0.25, unit: "µm" } });
  assert.throws(() => parseOmeXml("<OME><Image><Pixels SizeX='1' SizeY='1' SizeC='1' SizeT='1'/></Image></OME>"), /SizeZ is missing/);
  assert.throws(() => parseOmeXml("<OME/>"), /no Image/);
  assert.throws(() => parseOmeXml("<OME><Image><Pixels DimensionOrder='XYZQT' SizeX='1' SizeY='1' SizeZ='1' SizeC='1' SizeT='1'/></Image></OME>"), /DimensionOrder/);
});

test("plane index follows DimensionOrder", () => {
  const sizes = { z: 3, c: 2, t: 4 };
  assert.equal(planeIndex("XYZCT", sizes, 2, 1, 3), 2 + 3 * (1 + 2 * 3));
  assert.equal(planeIndex("XYCZT", sizes, 2, 1, 3), 1 + 2 * (2 + 3 * 3));
  assert.equal(planeIndex("XYTCZ", sizes, 2, 1, 3), 3 + 4 * (1 + 2 * 2));
});

test("level scale snaps to the power of two a size was rounded from, else is the exact ratio", () => {
  assert.equal(levelScale(517, 259), 2);
  assert.equal(levelScale(517, 258), 2);
  assert.equal(levelScale(517, 130), 4);
  assert.equal(levelScale(517, 129), 4);
  assert.equal(levelScale(300, 300), 1);
  assert.equal(levelScale(300, 100), 3);
});
