// Mapping GeoJSON annotations through registration transforms: analytic affine, T then T⁻¹ round trips, topology
// (rings, closure, holes), unmappable points as errors, and the `transform-points` CLI on .geojson files.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { Space, Vec3 } from "../../src/core/space.js";
import { formatGeoJson, parseGeoJson, type GeoJsonDocument, type Geometry, type Position } from "../../src/io/geojson.js";
import { featureGeometries, mapGeoJson, pixelMapper, UnmappedPointsError } from "../../src/transforms/map-geojson.js";
import type { DisplacementGrid, RegistrationTransform } from "../../src/transforms/registration-transform.js";
import { saveTransform } from "../../src/transforms/transform-io.js";
import { terareg } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const space = (spacing: number, origin: Vec3): Space =>
  ({ spacing: [1, spacing, spacing], origin, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], units: ["micrometer", "micrometer", "micrometer"] });
const FIXED = space(0.5, [0, 10, -4]), MOVING = space(0.25, [0, 2, 3]);
// [z, y, x] physical: y' = 1.1 y + 0.2 x + 5, x' = −0.1 y + 0.9 x − 3 (det 1.01 > 0: orientation kept).
const AFFINE = Float64Array.from([1, 0, 0, 0, 0, 1.1, 0.2, 5, 0, -0.1, 0.9, -3, 0, 0, 0, 1]);

function affineOnly(): RegistrationTransform {
  return { ndim: 2, affine: Float64Array.from(AFFINE), fixedSpace: FIXED, movingSpace: MOVING };
}

/** A smooth displacement on a 33×33 grid of 4 µm covering the fixed image: |∇d| ≈ amplitude · 2π / 128. */
function smoothGrid(amplitude = 2): DisplacementGrid {
  const n = 33 * 33, data = new Float32Array(2 * n);
  for (let y = 0; y < 33; y++) {
    for (let x = 0; x < 33; x++) {
      data[y * 33 + x] = amplitude * Math.sin((2 * Math.PI * x * 4) / 128); // d_y
      data[n + y * 33 + x] = 0.75 * amplitude * Math.cos((2 * Math.PI * y * 4) / 128); // d_x
    }
  }
  return { ndim: 2, shape: [1, 33, 33], space: space(4, [0, 0, 0]), data };
}

function withGrid(amplitude = 2): RegistrationTransform {
  return { ...affineOnly(), displacement: smoothGrid(amplitude) };
}

/** QuPath-like annotations in pixels of a 256×256 image. */
function annotations(): GeoJsonDocument {
  return parseGeoJson(JSON.stringify([
    { type: "Feature", id: "x1", geometry: { type: "Polygon", coordinates: [
      [[40, 40], [200, 40], [200, 200], [40, 200], [40, 40]],
      [[80, 80], [80, 120], [120, 120], [120, 80], [80, 80]],
    ] }, properties: { objectType: "annotation", name: "Tumor", classification: { name: "Tumor", color: [200, 0, 0] } } },
    { type: "Feature", geometry: { type: "MultiPolygon", coordinates: [
      [[[10, 10], [30, 10], [30, 30], [10, 10]]],
      [[[150, 150], [180, 150], [180, 180], [150, 180], [150, 150]], [[160, 160], [170, 160], [170, 170], [160, 160]]],
    ] }, properties: { objectType: "annotation", measurements: { area: 12.5 } } },
    { type: "Feature", geometry: { type: "MultiPoint", coordinates: [[12, 34], [56.5, 78.25]] }, properties: { name: "Points" } },
    { type: "Feature", geometry: { type: "GeometryCollection", geometries: [
      { type: "Point", coordinates: [100, 60, 2] }, { type: "LineString", coordinates: [[0, 0], [100, 200]] },
    ] }, properties: null },
    { type: "Feature", geometry: { type: "Polygon", coordinates: [[[20, 200], [30, 200], [30, 210], [20, 200]]] },
      nucleusGeometry: { type: "Polygon", coordinates: [[[22, 202], [26, 202], [26, 206], [22, 202]]] }, properties: { objectType: "cell" } },
  ]), "ann.geojson");
}

function positions(doc: GeoJsonDocument): Position[] {
  const out: Position[] = [];
  const walk = (g: Geometry): void => {
    if (g.type === "GeometryCollection") return g.geometries.forEach(walk);
    const flat = (v: unknown): void => {
      if (typeof (v as unknown[])[0] === "number") out.push(v as Position);
      else (v as unknown[]).forEach(flat);
    };
    flat(g.coordinates);
  };
  doc.features.forEach((f) => featureGeometries(f).forEach(walk));
  return out;
}

function rings(doc: GeoJsonDocument): Position[][] {
  const out: Position[][] = [];
  for (const f of doc.features) {
    for (const g of featureGeometries(f)) {
      if (g.type === "Polygon") out.push(...g.coordinates);
      if (g.type === "MultiPolygon") g.coordinates.forEach((p) => out.push(...p));
    }
  }
  return out;
}

const signedArea = (r: Position[]) => r.slice(1).reduce((s, p, i) => s + (r[i]![0]! * p[1]! - p[0]! * r[i]![1]!), 0) / 2;

function inside(p: Position, ring: Position[]): boolean {
  let c = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!, b = ring[j]!;
    if (a[1]! > p[1]! !== b[1]! > p[1]! && p[0]! < ((b[0]! - a[0]!) * (p[1]! - a[1]!)) / (b[1]! - a[1]!) + a[0]!) c = !c;
  }
  return c;
}

test("affine: every coordinate maps to the analytic fixed → moving pixel position, in one batched call", () => {
  const doc = annotations(), before = formatGeoJson(doc);
  let calls = 0;
  const map = pixelMapper(affineOnly(), { units: "pixel", inverse: false });
  const out = mapGeoJson(doc, (rows) => { calls++; return map(rows); });
  assert.equal(calls, 1);
  assert.equal(formatGeoJson(doc), before, "the input document is not modified");
  const src = positions(doc), dst = positions(out);
  assert.equal(dst.length, src.length);
  src.forEach((p, k) => {
    const py = 10 + 0.5 * p[1]!, px = -4 + 0.5 * p[0]!;
    const qy = 1.1 * py + 0.2 * px + 5, qx = -0.1 * py + 0.9 * px - 3;
    const want = [(qx - 3) / 0.25, (qy - 2) / 0.25, ...(p.length === 3 ? [p[2]!] : [])];
    assert.equal(dst[k]!.length, p.length);
    want.forEach((w, a) => assert.ok(Math.abs(dst[k]![a]! - w) < 1e-9, `point ${k} axis ${a}: ${dst[k]} vs ${want}`));
  });
  // Everything but coordinates is kept verbatim.
  out.features.forEach((f, i) => {
    assert.deepEqual(f.properties, doc.features[i]!.properties);
    assert.equal(f.id, doc.features[i]!.id);
  });
});

for (const [name, make, tol] of [["affine", affineOnly, 1e-6], ["smooth displacement grid", () => withGrid(2), 0.01]] as const) {
  test(`${name}: T then T⁻¹ returns every point (≤ ${tol} px) and keeps the topology`, () => {
    const t = make(), doc = annotations();
    const there = mapGeoJson(doc, pixelMapper(t, { units: "pixel", inverse: false }));
    const back = mapGeoJson(there, pixelMapper(t, { units: "pixel", inverse: true }));
    const src = positions(doc), dst = positions(back);
    assert.equal(dst.length, src.length);
    src.forEach((p, k) => assert.ok(Math.hypot(...p.map((v, a) => v - dst[k]![a]!)) <= tol, `point ${k}: ${p} → ${dst[k]}`));
    for (const d of [there, back]) {
      const before = rings(doc), after = rings(d);
      assert.deepEqual(after.map((r) => r.length), before.map((r) => r.length));
      after.forEach((r, i) => {
        assert.deepEqual(r[r.length - 1], r[0], `ring ${i} closed exactly`);
        assert.equal(Math.sign(signedArea(r)), Math.sign(signedArea(before[i]!)), `ring ${i} keeps its orientation`);
      });
      // Holes stay inside their polygons.
      const holed = d.features[0]!.geometry as Extract<Geometry, { type: "Polygon" }>;
      holed.coordinates[1]!.forEach((p) => assert.ok(inside(p, holed.coordinates[0]!)));
      const multi = d.features[1]!.geometry as Extract<Geometry, { type: "MultiPolygon" }>;
      multi.coordinates[1]![1]!.forEach((p) => assert.ok(inside(p, multi.coordinates[1]![0]!)));
    }
  });
}

test("rings are re-closed exactly when the mapping adds float noise", () => {
  let k = 0;
  const out = mapGeoJson(annotations(), (rows) => rows.map((r) => r.map((v) => v + 1e-9 * k++)));
  for (const r of rings(out)) assert.deepEqual(r[r.length - 1], r[0]);
});

test("points that cannot be mapped are an error naming the features, never written silently", () => {
  assert.throws(() => mapGeoJson(annotations(), (rows) => rows.map((r) => (r[0]! > 190 ? r.map(() => NaN) : r)), "ann.geojson"),
    (e: unknown) => {
      assert.ok(e instanceof UnmappedPointsError);
      assert.deepEqual(e.features, [0]);
      assert.equal(e.points, 2);
      assert.match(e.message, /^ann\.geojson: 2 points of feature 0 \("Tumor"\) could not be mapped/);
      return true;
    });
  // A folding field (|∇d| ≈ 4): the fixed-point inverse does not converge for some points.
  const t = withGrid(80);
  assert.throws(() => mapGeoJson(annotations(), pixelMapper(t, { units: "pixel", inverse: true })), (e: unknown) => {
    assert.ok(e instanceof UnmappedPointsError);
    assert.ok(e.features.length > 0);
    return true;
  });
});

test("CLI: transform-points maps a QuPath .geojson both ways and states its units", async (t) => {
  const dir = await tempDir(t);
  const transform = withGrid(2);
  await saveTransform(join(dir, "transform"), transform);
  const input = join(dir, "moving.geojson");
  await writeFile(input, formatGeoJson(annotations())); // a bare array, as QuPath writes it
  const r = terareg("transform-points", "--transform", join(dir, "transform"), "--in", input, "--out", join(dir, "fixed.geojson"), "--inverse");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /pixels of the fixed image/);
  const raw = JSON.parse(await readFile(join(dir, "fixed.geojson"), "utf8"));
  assert.equal(raw.type, "FeatureCollection");
  assert.deepEqual(raw.terareg, { units: "pixel", image: "fixed", transform: join(dir, "transform") });
  const got = parseGeoJson(JSON.stringify(raw));
  const want = mapGeoJson(annotations(), pixelMapper(transform, { units: "pixel", inverse: true }));
  assert.deepEqual(got.features.map((f) => f.properties), want.features.map((f) => f.properties));
  const g = positions(got), w = positions(want);
  assert.equal(g.length, w.length);
  g.forEach((p, k) => assert.ok(Math.hypot(...p.map((v, a) => v - w[k]![a]!)) < 1e-9, `point ${k}`));

  const fwd = terareg("transform-points", "--transform", join(dir, "transform"), "--in", join(dir, "fixed.geojson"), "--out", join(dir, "back.json"));
  assert.equal(fwd.code, 0, fwd.stderr);
  const back = JSON.parse(await readFile(join(dir, "back.json"), "utf8"));
  assert.deepEqual(back.terareg, { units: "pixel", image: "moving", transform: join(dir, "transform") });
  const b = positions(parseGeoJson(JSON.stringify(back))), a = positions(annotations());
  a.forEach((p, k) => assert.ok(Math.hypot(...p.map((v, i) => v - b[k]![i]!)) < 0.01, `round trip ${k}: ${p} → ${b[k]}`));

  const mixed = terareg("transform-points", "--transform", join(dir, "transform"), "--in", input, "--out", join(dir, "out.csv"));
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /--out: got ".*out\.csv"; expected a \.geojson\/\.json file/);
  await writeFile(join(dir, "bad.geojson"), JSON.stringify([{ type: "Feature", geometry: { type: "Ellipse" }, properties: {} }]));
  const bad = terareg("transform-points", "--transform", join(dir, "transform"), "--in", join(dir, "bad.geojson"), "--out", join(dir, "o.geojson"));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /bad\.geojson: \[0\]\.geometry\.type: unknown geometry type "Ellipse"/);
});
