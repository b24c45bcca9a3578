// Saving and loading a RegistrationTransform as a run's transform/ directory: transform.json (an OME-NGFF RFC-5
// style sequence: displacements, then affine) and the displacement field as an OME-Zarr image, vector axis first.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../core/errors.js";
import { writeAtomically } from "../core/atomic.js";
import { arraySource } from "../io/array-source.js";
import { openImage } from "../io/open.js";
import { writeImage } from "../io/write.js";
import type { Space, Vec3 } from "../core/space.js";
import type { DisplacementGrid, RegistrationTransform } from "./registration-transform.js";

const FIELD = "displacement.ome.zarr";

interface TransformJson {
  format: "terareg-transform";
  version: 1;
  convention: string;
  ndim: 2 | 3;
  input: "fixed";
  output: "moving";
  /** Applied in order to a fixed physical point [z, y, x]. */
  fixedSpace?: Space;
  movingSpace?: Space;
  fixedShape?: Vec3;
  sequence: ({ type: "displacements"; path: string; interpolation: "linear"; units: "physical" } | { type: "affine"; affine: number[][] })[];
}

/** Writes `t` into directory `dir` (created; the caller makes the whole run atomic if it needs to). */
export async function saveTransform(dir: string, t: RegistrationTransform): Promise<void> {
  await mkdir(dir, { recursive: true });
  const sequence: TransformJson["sequence"] = [];
  if (t.displacement) {
    const d = t.displacement, n = d.shape[0] * d.shape[1] * d.shape[2];
    const planes = Array.from({ length: d.ndim }, (_, c) => d.data.slice(c * n, (c + 1) * n));
    const names = d.ndim === 3 ? ["dz", "dy", "dx"] : ["dy", "dx"];
    await writeImage(arraySource({ shape: d.shape, dtype: "float32", planes, channels: names, space: d.space }), join(dir, FIELD), { levels: 1, compression: "zstd" });
    sequence.push({ type: "displacements", path: FIELD, interpolation: "linear", units: "physical" });
  }
  const rows = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => t.affine[r * 4 + c]!));
  sequence.push({ type: "affine", affine: rows });
  const json: TransformJson = {
    format: "terareg-transform", version: 1, ndim: t.ndim, input: "fixed", output: "moving",
    convention: "maps fixed physical points [z, y, x] to moving physical points (pull-back); the sequence is applied in order",
    ...(t.fixedSpace ? { fixedSpace: t.fixedSpace } : {}),
    ...(t.movingSpace ? { movingSpace: t.movingSpace } : {}),
    ...(t.fixedShape ? { fixedShape: t.fixedShape } : {}),
    sequence,
  };
  await writeAtomically(join(dir, "transform.json"), (tmp) => writeFile(tmp, `${JSON.stringify(json, null, 2)}\n`));
}

/** Reads a transform/ directory written by saveTransform. */
export async function loadTransform(dir: string): Promise<RegistrationTransform> {
  const file = join(dir, "transform.json");
  const text = await readFile(file, "utf8").catch(() => {
    throw new InputError(dir, "is not a terareg transform directory (no transform.json)");
  });
  let json: TransformJson;
  try {
    json = JSON.parse(text) as TransformJson;
  } catch (e) {
    throw new InputError(file, `invalid JSON (${(e as Error).message})`);
  }
  if (json.format !== "terareg-transform" || json.version !== 1 || !Array.isArray(json.sequence)) {
    throw new InputError(file, 'not a terareg transform (expected format "terareg-transform", version 1)');
  }
  const affine = json.sequence.find((s) => s.type === "affine");
  if (!affine || affine.type !== "affine" || affine.affine.flat().length !== 16 || !affine.affine.flat().every(Number.isFinite)) {
    throw new InputError(file, "the sequence needs one affine with a 4×4 matrix of finite numbers");
  }
  const t: RegistrationTransform = {
    ndim: json.ndim, affine: Float64Array.from(affine.affine.flat()),
    ...(json.fixedSpace ? { fixedSpace: json.fixedSpace } : {}),
    ...(json.movingSpace ? { movingSpace: json.movingSpace } : {}),
    ...(json.fixedShape ? { fixedShape: json.fixedShape } : {}),
  };
  const disp = json.sequence.find((s) => s.type === "displacements");
  if (disp && disp.type === "displacements") {
    const src = await openImage(join(dir, disp.path));
    const shape = src.meta.levels[0]!.shape;
    if (src.meta.channels.length !== json.ndim || src.meta.dtype !== "float32") {
      throw new InputError(join(dir, disp.path), `expected ${json.ndim} float32 displacement components, found ${src.meta.channels.length} ${src.meta.dtype}`);
    }
    const planes = await src.read({ start: [0, 0, 0], size: [...shape] as Vec3 }, 0);
    await src.close();
    const n = shape[0] * shape[1] * shape[2];
    const data = new Float32Array(json.ndim * n);
    planes.forEach((p, c) => data.set(p, c * n));
    const grid: DisplacementGrid = { ndim: json.ndim, shape: [...shape] as Vec3, space: src.meta.space, data };
    t.displacement = grid;
  }
  return t;
}
