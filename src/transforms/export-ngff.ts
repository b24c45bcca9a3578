// Export of a RegistrationTransform T(p) = A(p + d(p)) as an OME-NGFF 0.6 (RFC-5 draft) transform: a Zarr v3 group
// whose attributes.ome holds `coordinateSystems` and one `sequence` transform from "fixed" to "moving"
// (displacements, then affine), with the displacement field as a multiscale group at displacements/ (vector axis first).
//
// Conventions:
// - Axes are [z, y, x] (3D) or [y, x] (2D) in both systems, in the fixed/moving physical frame (LPS for world-frame
//   images); the NGFF affine is n × (n+1) rows in that order.
// - Displacement component i is the displacement along output axis i (z, y, x order), in physical units; the field's
//   grid sits at pixel centres: index i ↦ translation + scale ⊙ i.
// - A field grid with a non-identity direction cannot be written as scale + translation. We then write one `affine`
//   (index → physical, vector axis passed through) as the dataset's transform instead. RFC-5 asks for scale
//   (+ translation) only inside `datasets`, so strict readers may refuse such a file; terareg's importer reads it.
// - attributes.terareg records ndim and the fixed/moving image frames, so an import restores them.
// - RFC-5 has no velocity-field or B-spline transform: those kinds are sampled onto a displacement grid
//   (to-displacement-grid.ts) and attributes.terareg.sampled says so.

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Space, Vec3 } from "../core/space.js";
import { createZarrArrayWriter, writeZarrGroup } from "../io/zarr/array-writer.js";
import { deformationOf, type RegistrationTransform } from "./registration-transform.js";
import { toDisplacementGrid } from "./to-displacement-grid.js";
import { sampledNote } from "./export-itk.js";

export const NGFF_VERSION = "0.6.dev3";
export const NGFF_FIELD_PATH = "displacements";
/** The array (single resolution level) inside the displacements group. */
export const NGFF_FIELD_LEVEL = "0";

interface NgffAxisJson {
  name: string;
  type: string;
  unit?: string;
  discrete?: boolean;
}

/** The spatial axis names of an n-D transform, in our order. */
export function spatialAxisNames(ndim: 2 | 3): string[] {
  return ndim === 3 ? ["z", "y", "x"] : ["y", "x"];
}

/** The units of `space` when they are physical (not "pixel" / empty), listed per spatial axis. */
function physicalUnits(space: Space | undefined, ndim: 2 | 3): (string | undefined)[] {
  const all = space?.units ?? ["", "", ""];
  const u = ndim === 3 ? all : all.slice(1);
  return u.map((s) => (s && s !== "pixel" ? s : undefined));
}

function spatialAxes(ndim: 2 | 3, units: (string | undefined)[]): NgffAxisJson[] {
  return spatialAxisNames(ndim).map((name, i) => ({ name, type: "space", ...(units[i] ? { unit: units[i] } : {}) }));
}

const isIdentity3 = (d: readonly number[]) => d.every((v, i) => v === (i % 4 === 0 ? 1 : 0));

/** The rows of our Mat4 restricted to the last `ndim` axes: n × (n+1). */
function affineRows(m: Float64Array, ndim: 2 | 3): number[][] {
  const axes = ndim === 3 ? [0, 1, 2] : [1, 2];
  return axes.map((r) => [...axes.map((c) => m[r * 4 + c]! + 0), m[r * 4 + 3]! + 0]);
}

/** The dataset transform of the field array: index → fixed physical, the vector axis (first) passed through. */
function fieldGridTransform(space: Space, ndim: 2 | 3): Record<string, unknown> {
  const axes = ndim === 3 ? [0, 1, 2] : [1, 2];
  const common = { input: NGFF_FIELD_LEVEL, output: "fixed" };
  if (isIdentity3(space.direction)) {
    return {
      type: "sequence", ...common,
      transformations: [
        { type: "scale", scale: [1, ...axes.map((a) => space.spacing[a]!)] },
        { type: "translation", translation: [0, ...axes.map((a) => space.origin[a]! + 0)] },
      ],
    };
  }
  // p = origin + D · (spacing ⊙ i): one (n+1) × (n+2) affine with the vector axis as an identity first row/column.
  const rows = [[1, ...axes.map(() => 0), 0]];
  for (const r of axes) rows.push([0, ...axes.map((c) => space.direction[r * 3 + c]! * space.spacing[c]! + 0), space.origin[r]! + 0]);
  return { type: "affine", ...common, affine: rows };
}

/**
 * Writes `t` into directory `dir` (created) as an OME-NGFF RFC-5 transform group: zarr.json (attributes.ome with
 * coordinateSystems "fixed" and "moving" and the fixed → moving sequence) and, when t has a displacement,
 * displacements/ (a multiscale group; array displacements/0 of shape [n, (z,) y, x], float32, vector axis first).
 * A 2D transform whose field grid is not planar cannot be written (RangeError). Returns the top-level names written.
 */
export async function exportNgff(t: RegistrationTransform, dir: string): Promise<string[]> {
  const n = t.ndim;
  await mkdir(dir, { recursive: true });
  const def = deformationOf(t);
  const field = def ? toDisplacementGrid(def) : undefined;
  const fixedUnits = physicalUnits(t.fixedSpace ?? field?.space, n);
  const movingUnits = physicalUnits(t.movingSpace ?? t.fixedSpace ?? field?.space, n);
  const names = spatialAxisNames(n);
  const steps: Record<string, unknown>[] = [];
  const written = ["zarr.json"];
  if (field) {
    const d = field;
    if (n === 2 && (d.shape[0] !== 1 || d.space.direction[0] !== 1 || d.space.direction[1] !== 0 || d.space.direction[2] !== 0
      || d.space.direction[3] !== 0 || d.space.direction[6] !== 0)) {
      throw new RangeError("a 2D transform's displacement grid must be one plane with an identity z row/column");
    }
    const shape = n === 3 ? [3, ...d.shape] : [2, d.shape[1], d.shape[2]];
    const fieldDir = join(dir, NGFF_FIELD_PATH);
    const vectorAxis: NgffAxisJson = { name: "d", type: "displacement", discrete: true };
    await writeZarrGroup(fieldDir, 3, {
      ome: {
        version: NGFF_VERSION,
        multiscales: [{
          name: "displacements",
          coordinateSystems: [{ name: "fixed", axes: [vectorAxis, ...spatialAxes(n, fixedUnits)] }],
          datasets: [{ path: NGFF_FIELD_LEVEL, coordinateTransformations: [fieldGridTransform(d.space, n)] }],
        }],
      },
    });
    // One chunk per component plane (capped so huge fields still chunk), C order, vector axis first.
    const plane = shape.slice(1);
    const chunks = [1, ...plane.map((s, i) => (i === 0 && n === 3 ? Math.min(s, 64) : Math.min(s, 512)))];
    const w = await createZarrArrayWriter(join(fieldDir, NGFF_FIELD_LEVEL), {
      shape, chunks, dtype: "float32", zarrVersion: 3, compression: "zstd", dimensionNames: ["d", ...names],
    });
    const [nz, ny, nx] = d.shape, nvox = nz * ny * nx;
    const [cz, cy, cx] = n === 3 ? chunks.slice(1) as Vec3 : [1, chunks[1]!, chunks[2]!];
    for (let c = 0; c < n; c++) {
      for (let z0 = 0; z0 < nz; z0 += cz) {
        for (let y0 = 0; y0 < ny; y0 += cy) {
          for (let x0 = 0; x0 < nx; x0 += cx) {
            const buf = new Float32Array(cz * cy * cx);
            for (let z = 0; z < cz && z0 + z < nz; z++) {
              for (let y = 0; y < cy && y0 + y < ny; y++) {
                const src = c * nvox + ((z0 + z) * ny + (y0 + y)) * nx + x0;
                const len = Math.min(cx, nx - x0);
                buf.set(d.data.subarray(src, src + len), (z * cy + y) * cx);
              }
            }
            const coords = n === 3 ? [c, z0 / cz, y0 / cy, x0 / cx] : [c, y0 / cy, x0 / cx];
            await w.writeChunk(coords, buf);
          }
        }
      }
    }
    steps.push({ type: "displacements", path: NGFF_FIELD_PATH, interpolation: "linear", input: "fixed", output: "fixed-displaced" });
    written.push(NGFF_FIELD_PATH);
  }
  steps.push({ type: "affine", affine: affineRows(t.affine, n), input: field ? "fixed-displaced" : "fixed", output: "moving" });
  const systems = [
    { name: "fixed", axes: spatialAxes(n, fixedUnits) },
    ...(field ? [{ name: "fixed-displaced", axes: spatialAxes(n, fixedUnits) }] : []),
    { name: "moving", axes: spatialAxes(n, movingUnits) },
  ];
  await writeZarrGroup(dir, 3, {
    ome: {
      version: NGFF_VERSION,
      coordinateSystems: systems,
      coordinateTransformations: [{
        type: "sequence", name: "terareg fixed to moving (pull-back)", input: "fixed", output: "moving", transformations: steps,
      }],
    },
    terareg: {
      ndim: n,
      convention: "maps fixed physical points to moving physical points (pull-back): p -> A(p + d(p)); axes [z, y, x] / [y, x]",
      ...(t.fixedSpace ? { fixedSpace: t.fixedSpace } : {}),
      ...(t.movingSpace ? { movingSpace: t.movingSpace } : {}),
      ...(def && def.kind !== "displacement" ? { sampled: sampledNote(def)[0] } : {}),
    },
  });
  return written;
}
