// Maps every coordinate of a GeoJSON document through a point mapping, in one batched call, keeping structure,
// properties and ring closure. Points the mapping cannot place (NaN, e.g. an inverse that did not converge) are an
// error naming the features, never written silently.

import { OptionError, TeraregError } from "../core/errors.js";
import { defaultSpace } from "../core/space.js";
import type { Feature, GeoJsonDocument, Geometry, Position } from "../io/geojson.js";
import { physicalToPixels, pixelsToPhysical } from "./pixel-points.js";
import { mapPoints, mapPointsInverse, type RegistrationTransform } from "./registration-transform.js";

/** Some coordinates came back non-finite; `features` lists the indices of the features holding them. */
export class UnmappedPointsError extends TeraregError {
  readonly features: number[];
  readonly points: number;
  constructor(source: string, features: number[], points: number, names: (string | undefined)[]) {
    const listed = features.slice(0, 10).map((f, k) => (names[k] ? `${f} ("${names[k]}")` : `${f}`)).join(", ");
    super("E_UNMAPPED", `${source}: ${points} point${points === 1 ? "" : "s"} of feature${features.length === 1 ? "" : "s"} ` +
      `${listed}${features.length > 10 ? ` and ${features.length - 10} more` : ""} could not be mapped ` +
      "(the inverse did not converge there, e.g. where the transform folds); nothing was written");
    this.features = features;
    this.points = points;
  }
}

/**
 * A copy of `doc` with every position p replaced by mapPixels([p])[0] (all positions go in one call, each row
 * [x, y] or [x, y, z], and each output row keeps its input's length). Rings are re-closed exactly; stale "bbox"
 * members are dropped. Throws UnmappedPointsError if any mapped coordinate is not finite.
 */
export function mapGeoJson(doc: GeoJsonDocument, mapPixels: (rows: number[][]) => number[][], source = "<geojson>"): GeoJsonDocument {
  const out = structuredClone(doc);
  delete out.members.bbox;
  const positions: Position[] = [], owner: number[] = [], rings: Position[][] = [];
  const seen = new Set<Position>();
  out.features.forEach((f, i) => {
    delete f.bbox;
    for (const g of featureGeometries(f)) {
      walk(g, (p) => {
        if (seen.has(p)) return; // the same array object listed twice is mapped once
        seen.add(p);
        positions.push(p);
        owner.push(i);
      }, (r) => rings.push(r));
    }
  });
  const mapped = positions.length ? mapPixels(positions.map((p) => [...p])) : [];
  if (mapped.length !== positions.length) {
    throw new Error(`point mapping returned ${mapped.length} rows for ${positions.length} points`);
  }
  const failedFeatures = new Set<number>();
  let failedPoints = 0;
  positions.forEach((p, k) => {
    const m = mapped[k]!;
    for (let a = 0; a < p.length; a++) p[a] = m[a]!;
    if (p.some((v) => !Number.isFinite(v))) {
      failedFeatures.add(owner[k]!);
      failedPoints++;
    }
  });
  if (failedPoints > 0) {
    const features = [...failedFeatures].sort((a, b) => a - b);
    throw new UnmappedPointsError(source, features, failedPoints, features.map((i) => featureName(out.features[i]!)));
  }
  for (const r of rings) r[r.length - 1] = [...r[0]!];
  return out;
}

/** The geometries a feature carries: its geometry and, for QuPath cells, its nucleus. */
export function featureGeometries(f: Feature): Geometry[] {
  return [f.geometry, f.nucleusGeometry].filter((g): g is Geometry => g != null);
}

/** Calls `point` on each position and `ring` on each polygon ring of `g` (depth first, file order). */
function walk(g: Geometry, point: (p: Position) => void, ring: (r: Position[]) => void): void {
  delete (g as { bbox?: unknown }).bbox;
  switch (g.type) {
    case "Point": return point(g.coordinates);
    case "MultiPoint": case "LineString": return g.coordinates.forEach(point);
    case "MultiLineString": return g.coordinates.forEach((l) => l.forEach(point));
    case "Polygon": return g.coordinates.forEach((r) => { ring(r); r.forEach(point); });
    case "MultiPolygon": return g.coordinates.forEach((poly) => poly.forEach((r) => { ring(r); r.forEach(point); }));
    case "GeometryCollection": return g.geometries.forEach((c) => walk(c, point, ring));
  }
}

function featureName(f: Feature): string | undefined {
  const name = f.properties?.name;
  return typeof name === "string" ? name : undefined;
}

/**
 * The pixel mapping of a transform for mapGeoJson (and landmark rows): [x, y(, z)] in `units` of the fixed image →
 * the same of the moving image (T), or moving → fixed with `inverse` (T⁻¹, NaN where it does not converge).
 * Pixel units need the image frames the transform recorded; physical units are [x, y(, z)] physical coordinates.
 */
export function pixelMapper(t: RegistrationTransform, opts: { units: "pixel" | "physical"; inverse: boolean }): (rows: number[][]) => number[][] {
  const { units, inverse } = opts;
  if (units === "pixel" && !(t.fixedSpace && t.movingSpace)) {
    throw new OptionError("--units", "pixel", "physical: this transform does not record its images' frames");
  }
  const from = units === "pixel" ? (inverse ? t.movingSpace! : t.fixedSpace!) : defaultSpace();
  const to = units === "pixel" ? (inverse ? t.fixedSpace! : t.movingSpace!) : defaultSpace();
  return (rows) => {
    const q = inverse ? mapPointsInverse(t, pixelsToPhysical(rows, from)) : mapPoints(t, pixelsToPhysical(rows, from));
    return physicalToPixels(q, to, 3).map((m, k) => m.slice(0, rows[k]!.length));
  };
}
