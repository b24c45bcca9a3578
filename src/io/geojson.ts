// GeoJSON annotations as QuPath exports them: a FeatureCollection, one Feature, or a bare array of Features.
// Coordinates are [x, y] or [x, y, z] in pixels of the full-resolution image (x = column); everything that is not a
// coordinate (properties, ids, foreign members) is kept verbatim. Validation is strict and names the JSON path.

import { readFile } from "node:fs/promises";
import { InputError } from "../core/errors.js";

/** [x, y] or [x, y, z]. */
export type Position = number[];

export type Geometry =
  | { type: "Point"; coordinates: Position }
  | { type: "MultiPoint"; coordinates: Position[] }
  | { type: "LineString"; coordinates: Position[] }
  | { type: "MultiLineString"; coordinates: Position[][] }
  | { type: "Polygon"; coordinates: Position[][] }
  | { type: "MultiPolygon"; coordinates: Position[][][] }
  | { type: "GeometryCollection"; geometries: Geometry[] };

export interface Feature {
  type: "Feature";
  geometry: Geometry | null;
  properties: Record<string, unknown> | null;
  /** QuPath cells carry a second geometry here; it is validated and mapped like `geometry`. */
  nucleusGeometry?: Geometry;
  [member: string]: unknown;
}

/** How the file listed its features; formatting writes the same layout back. */
export type GeoJsonLayout = "FeatureCollection" | "Feature" | "array";

export interface GeoJsonDocument {
  layout: GeoJsonLayout;
  features: Feature[];
  /** Top-level members of a FeatureCollection other than type and features, verbatim. */
  members: Record<string, unknown>;
}

/** Feature members holding geometries (GeoJSON's own, and QuPath's cell nucleus). */
export const GEOMETRY_MEMBERS = ["geometry", "nucleusGeometry"] as const;

/** Parses GeoJSON text; `file` names the source in errors. */
export function parseGeoJson(text: string, file = "<geojson>"): GeoJsonDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, `invalid JSON (${(e as Error).message})`, { cause: e });
  }
  const fail = (path: string, problem: string): never => {
    throw new InputError(file, `${path || "top level"}: ${problem}`);
  };
  if (Array.isArray(json)) {
    return { layout: "array", features: json.map((f, i) => checkFeature(f, `[${i}]`, fail)), members: {} };
  }
  if (!isObject(json)) return fail("", "expected a FeatureCollection, a Feature or an array of Features");
  if (json.type === "Feature") return { layout: "Feature", features: [checkFeature(json, "", fail)], members: {} };
  if (json.type !== "FeatureCollection") {
    return fail("type", `got ${JSON.stringify(json.type)}; expected "FeatureCollection", "Feature" or a bare array of Features`);
  }
  if (!Array.isArray(json.features)) return fail("features", "expected an array of Features");
  const { type: _type, features, ...members } = json;
  return { layout: "FeatureCollection", features: features.map((f, i) => checkFeature(f, `features[${i}]`, fail)), members };
}

export async function readGeoJson(file: string): Promise<GeoJsonDocument> {
  const text = await readFile(file, "utf8").catch((e: unknown) => {
    throw new InputError(file, `cannot read GeoJSON (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  });
  return parseGeoJson(text, file);
}

/** Formats a document in `layout` (its own by default); a bare array or single Feature cannot carry `members`. */
export function formatGeoJson(doc: GeoJsonDocument, layout: GeoJsonLayout = doc.layout): string {
  const value = layout === "array" ? doc.features
    : layout === "Feature" && doc.features.length === 1 ? doc.features[0]
    : { type: "FeatureCollection", ...doc.members, features: doc.features };
  return `${JSON.stringify(value, null, 2)}\n`;
}

type Fail = (path: string, problem: string) => never;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function join(path: string, member: string): string {
  return path ? `${path}.${member}` : member;
}

function checkFeature(v: unknown, path: string, fail: Fail): Feature {
  if (!isObject(v) || v.type !== "Feature") return fail(path, `expected a Feature (got ${describe(v)})`);
  if (!("geometry" in v)) fail(join(path, "geometry"), "missing (use null for a feature without geometry)");
  if (v.geometry !== null) checkGeometry(v.geometry, join(path, "geometry"), fail);
  if (v.nucleusGeometry !== undefined) checkGeometry(v.nucleusGeometry, join(path, "nucleusGeometry"), fail);
  if (v.properties !== undefined && v.properties !== null && !isObject(v.properties)) {
    fail(join(path, "properties"), `expected an object or null (got ${describe(v.properties)})`);
  }
  return { ...v, properties: (v.properties ?? null) as Feature["properties"] } as Feature;
}

function checkGeometry(v: unknown, path: string, fail: Fail): void {
  if (!isObject(v)) return fail(path, `expected a geometry object (got ${describe(v)})`);
  const at = join(path, "coordinates"), c = v.coordinates;
  switch (v.type) {
    case "Point": return checkPosition(c, at, fail);
    case "MultiPoint": return checkList(c, at, 0, fail, checkPosition);
    case "LineString": return checkList(c, at, 2, fail, checkPosition);
    case "MultiLineString": return checkList(c, at, 0, fail, (l, p) => checkList(l, p, 2, fail, checkPosition));
    case "Polygon": return checkList(c, at, 0, fail, (r, p) => checkRing(r, p, fail));
    case "MultiPolygon": return checkList(c, at, 0, fail, (poly, p) => checkList(poly, p, 0, fail, (r, q) => checkRing(r, q, fail)));
    case "GeometryCollection": return checkList(v.geometries, join(path, "geometries"), 0, fail, (g, p) => checkGeometry(g, p, fail));
    default:
      return fail(join(path, "type"), `unknown geometry type ${JSON.stringify(v.type)}; expected Point, MultiPoint, LineString, ` +
        "MultiLineString, Polygon, MultiPolygon or GeometryCollection");
  }
}

function checkList(v: unknown, path: string, min: number, fail: Fail, item: (x: unknown, path: string, fail: Fail) => void): void {
  if (!Array.isArray(v)) return fail(path, `expected an array (got ${describe(v)})`);
  if (v.length < min) fail(path, `expected at least ${min} entries, got ${v.length}`);
  v.forEach((x, i) => item(x, `${path}[${i}]`, fail));
}

function checkPosition(v: unknown, path: string, fail: Fail): void {
  if (!Array.isArray(v) || (v.length !== 2 && v.length !== 3) || !v.every((x) => typeof x === "number" && Number.isFinite(x))) {
    fail(path, `expected a position [x, y] or [x, y, z] of finite numbers (got ${describe(v)})`);
  }
}

/** A linear ring: at least 4 positions, the last equal to the first (RFC 7946 §3.1.6). */
function checkRing(v: unknown, path: string, fail: Fail): void {
  checkList(v, path, 4, fail, checkPosition);
  const r = v as Position[], a = r[0]!, b = r[r.length - 1]!;
  if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
    fail(path, `ring is not closed: first ${JSON.stringify(a)} ≠ last ${JSON.stringify(b)}`);
  }
}

function describe(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
