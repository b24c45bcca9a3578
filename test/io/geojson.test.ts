// GeoJSON as QuPath exports it: parse/format round trips in every layout, and strict errors naming the JSON path.
import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../../src/core/errors.js";
import { formatGeoJson, parseGeoJson } from "../../src/io/geojson.js";

/** A QuPath-like export: a bare array with a holed polygon, a multipolygon, points, a line and a cell. */
export function qupathDocument(): unknown[] {
  return [
    { type: "Feature", id: "a1b2", geometry: { type: "Polygon", coordinates: [
      [[100, 100], [300, 100], [300, 300], [100, 300], [100, 100]],
      [[150, 150], [150, 200], [200, 200], [200, 150], [150, 150]],
    ] }, properties: { objectType: "annotation", name: "Tumor", classification: { name: "Tumor", color: [200, 0, 0] }, isLocked: false } },
    { type: "Feature", geometry: { type: "MultiPolygon", coordinates: [
      [[[10, 10], [40, 10], [40, 40], [10, 10]]],
      [[[50.5, 50.25], [80, 50], [80, 80], [50, 80], [50.5, 50.25]]],
    ] }, properties: { objectType: "annotation", classification: { name: "Stroma", colorRGB: -16711936 }, measurements: { "Area µm^2": 1234.5 } } },
    { type: "Feature", geometry: { type: "MultiPoint", coordinates: [[12, 34], [56.5, 78.25]] }, properties: { objectType: "annotation", name: "Points" } },
    { type: "Feature", geometry: { type: "Point", coordinates: [5, 6] }, properties: null },
    { type: "Feature", geometry: { type: "LineString", coordinates: [[0, 0], [10, 20], [30, 5]] }, properties: { objectType: "annotation" } },
    { type: "Feature", geometry: { type: "Polygon", coordinates: [[[20, 20], [30, 20], [30, 30], [20, 20]]] },
      nucleusGeometry: { type: "Polygon", coordinates: [[[22, 22], [26, 22], [26, 26], [22, 22]]] },
      properties: { objectType: "cell", measurements: [{ name: "Nucleus: Area", value: 12.5 }] } },
    { type: "Feature", geometry: { type: "GeometryCollection", geometries: [
      { type: "Point", coordinates: [1, 2, 3] }, { type: "MultiLineString", coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]] },
    ] }, properties: { objectType: "annotation" } },
  ];
}

test("a QuPath bare array round-trips through parse and format unchanged", () => {
  const raw = qupathDocument();
  const doc = parseGeoJson(JSON.stringify(raw), "a.geojson");
  assert.equal(doc.layout, "array");
  assert.equal(doc.features.length, 7);
  assert.deepEqual(JSON.parse(formatGeoJson(doc)), raw);
  assert.deepEqual(parseGeoJson(formatGeoJson(doc)), doc);
});

test("FeatureCollection keeps its foreign members; a single Feature stays a Feature; layouts convert", () => {
  const fc = { type: "FeatureCollection", name: "export", crs: { x: 1 }, features: qupathDocument() };
  const doc = parseGeoJson(JSON.stringify(fc));
  assert.equal(doc.layout, "FeatureCollection");
  assert.deepEqual(doc.members, { name: "export", crs: { x: 1 } });
  assert.deepEqual(JSON.parse(formatGeoJson(doc)), fc);
  const one = parseGeoJson(JSON.stringify(qupathDocument()[0]));
  assert.equal(one.layout, "Feature");
  assert.deepEqual(JSON.parse(formatGeoJson(one)), qupathDocument()[0]);
  const asCollection = JSON.parse(formatGeoJson(parseGeoJson(JSON.stringify(qupathDocument())), "FeatureCollection"));
  assert.equal(asCollection.type, "FeatureCollection");
  assert.deepEqual(asCollection.features, qupathDocument());
});

test("bad inputs are InputErrors naming the file and the JSON path", () => {
  const bad = (value: unknown, pattern: RegExp, text = JSON.stringify(value)) =>
    assert.throws(() => parseGeoJson(text, "ann.geojson"), (e: unknown) => {
      assert.ok(e instanceof InputError, String(e));
      assert.equal(e.file, "ann.geojson");
      assert.match(e.message, pattern);
      return true;
    });
  const fc = (features: unknown[]) => ({ type: "FeatureCollection", features });
  const poly = (coordinates: unknown) => ({ type: "Feature", geometry: { type: "Polygon", coordinates }, properties: {} });
  bad(undefined, /^ann\.geojson: invalid JSON/, "{ not json");
  bad({ type: "Topology" }, /type: got "Topology"/);
  bad(42, /top level: expected a FeatureCollection/);
  bad(fc([poly([[[0, 0], [1, 0], [1, 1], [0, 0]]]), { type: "Feature", geometry: { type: "Circle", coordinates: [0, 0] }, properties: {} }]),
    /features\[1\]\.geometry\.type: unknown geometry type "Circle"/);
  bad(fc([poly([[[0, 0], [1, 0], "x", [0, 0]]])]), /features\[0\]\.geometry\.coordinates\[0\]\[2\]: expected a position/);
  bad(fc([poly([[[0, 0], [1, 0], [1, 1], [0, 1]]])]), /features\[0\]\.geometry\.coordinates\[0\]: ring is not closed/);
  bad(fc([poly([[[0, 0], [1, 0], [0, 0]]])]), /features\[0\]\.geometry\.coordinates\[0\]: expected at least 4 entries/);
  bad([{ type: "Feature", geometry: { type: "Point", coordinates: [1, null] }, properties: {} }], /\[0\]\.geometry\.coordinates: expected a position/);
  bad([{ type: "Feature", properties: {} }], /\[0\]\.geometry: missing/);
  bad([{ type: "Feature", geometry: null, properties: [1] }], /\[0\]\.properties: expected an object or null/);
  bad({ type: "Feature", geometry: { type: "GeometryCollection", geometries: [{ type: "Point", coordinates: [1, 2, 3, 4] }] }, properties: {} },
    /^ann\.geojson: geometry\.geometries\[0\]\.coordinates: expected a position/);
  bad(fc([{ type: "Feature", geometry: { type: "Point", coordinates: [0, 0] }, nucleusGeometry: { type: "Polygon", coordinates: 3 }, properties: {} }]),
    /features\[0\]\.nucleusGeometry\.coordinates: expected an array/);
});
