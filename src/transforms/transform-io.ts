// Saving and loading a RegistrationTransform as a run's transform/ directory: transform.json (an OME-NGFF RFC-5
// style sequence: one deformation, then the affine) and the deformation's array as an OME-Zarr image, vector axis first.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../core/errors.js";
import { writeAtomically } from "../core/atomic.js";
import { arraySource } from "../io/array-source.js";
import { openImage } from "../io/open.js";
import { writeImage } from "../io/write.js";
import type { Space, Vec3 } from "../core/space.js";
import { checkBSplineGrid } from "./bspline-field.js";
import { deformationOf, type DisplacementGrid, type RegistrationTransform } from "./registration-transform.js";
import { velocityFlow } from "./velocity-field.js";

const FIELD = "displacement.ome.zarr";
const VELOCITY = "velocity.ome.zarr";
const BSPLINE = "bspline.ome.zarr";

/** The sequence entries; each array's OME-Zarr frame is its grid (displacement / velocity nodes, or B-spline knots). */
type SequenceEntry =
  | { type: "displacements"; path: string; interpolation: "linear"; units: "physical" }
  /** φ = exp(v): the time-1 flow of v (linear between nodes), integrated by RK4 in `steps` equal steps. */
  | { type: "velocity"; path: string; interpolation: "linear"; units: "physical"; integration: "rk4"; steps: number }
  /** φ(p) = p + Σ_k β³(t(p) − k) c_k, t the knot index of p in the array's frame; knots past the array count as 0. */
  | { type: "bspline"; path: string; order: 3; units: "physical" }
  | { type: "affine"; affine: number[][] };

interface TransformJson {
  format: "terareg-transform";
  /** 1: displacements and affine only (what terareg before the velocity and B-spline kinds reads); 2: any kind. */
  version: 1 | 2;
  convention: string;
  ndim: 2 | 3;
  input: "fixed";
  output: "moving";
  /** Applied in order to a fixed physical point [z, y, x]. */
  fixedSpace?: Space;
  movingSpace?: Space;
  fixedShape?: Vec3;
  sequence: SequenceEntry[];
}

/** Writes a vector-first grid (ndim planes over shape) as a single-level float32 OME-Zarr with one channel per component. */
async function writeVectorGrid(path: string, g: DisplacementGrid, prefix: string): Promise<void> {
  const n = g.shape[0] * g.shape[1] * g.shape[2];
  const planes = Array.from({ length: g.ndim }, (_, c) => g.data.slice(c * n, (c + 1) * n));
  const names = (g.ndim === 3 ? ["z", "y", "x"] : ["y", "x"]).map((a) => `${prefix}${a}`);
  await writeImage(arraySource({ shape: g.shape, dtype: "float32", planes, channels: names, space: g.space }), path, { levels: 1, compression: "zstd" });
}

/** Reads what writeVectorGrid wrote, checking the component count and dtype against `ndim`. */
async function readVectorGrid(path: string, ndim: 2 | 3, what: string): Promise<DisplacementGrid> {
  const src = await openImage(path).catch((e: unknown) => {
    throw e instanceof InputError ? e : new InputError(path, `cannot open the ${what} (${(e as Error).message})`, { cause: e });
  });
  try {
    const shape = src.meta.levels[0]!.shape;
    if (src.meta.channels.length !== ndim || src.meta.dtype !== "float32") {
      throw new InputError(path, `expected ${ndim} float32 ${what} components, found ${src.meta.channels.length} ${src.meta.dtype}`);
    }
    if (ndim === 2 && shape[0] !== 1) throw new InputError(path, `a 2D ${what} must be one plane; found shape [${shape}]`);
    const planes = await src.read({ start: [0, 0, 0], size: [...shape] as Vec3 }, 0);
    const n = shape[0] * shape[1] * shape[2];
    const data = new Float32Array(ndim * n);
    planes.forEach((p, c) => data.set(p, c * n));
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) throw new InputError(path, `the ${what} holds a non-finite value (${data[i]}) at element ${i}`);
    }
    return { ndim, shape: [...shape] as Vec3, space: src.meta.space, data };
  } finally {
    await src.close();
  }
}

/** Writes `t` into directory `dir` (created; the caller makes the whole run atomic if it needs to). */
export async function saveTransform(dir: string, t: RegistrationTransform): Promise<void> {
  await mkdir(dir, { recursive: true });
  const sequence: TransformJson["sequence"] = [];
  const def = deformationOf(t);
  if (def?.kind === "displacement") {
    await writeVectorGrid(join(dir, FIELD), def.grid, "d");
    sequence.push({ type: "displacements", path: FIELD, interpolation: "linear", units: "physical" });
  } else if (def?.kind === "velocity") {
    const { steps } = velocityFlow(def.grid); // checks the grid, and the step count mapPoints integrates with
    await writeVectorGrid(join(dir, VELOCITY), def.grid, "v");
    sequence.push({ type: "velocity", path: VELOCITY, interpolation: "linear", units: "physical", integration: "rk4", steps });
  } else if (def?.kind === "bspline") {
    checkBSplineGrid(def.grid);
    await writeVectorGrid(join(dir, BSPLINE), def.grid, "c");
    sequence.push({ type: "bspline", path: BSPLINE, order: 3, units: "physical" });
  }
  const rows = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => t.affine[r * 4 + c]!));
  sequence.push({ type: "affine", affine: rows });
  const json: TransformJson = {
    format: "terareg-transform", version: def && def.kind !== "displacement" ? 2 : 1, ndim: t.ndim, input: "fixed", output: "moving",
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
  if (json.format !== "terareg-transform" || (json.version !== 1 && json.version !== 2) || !Array.isArray(json.sequence)) {
    throw new InputError(file, 'not a terareg transform (expected format "terareg-transform", version 1 or 2)');
  }
  if (json.ndim !== 2 && json.ndim !== 3) throw new InputError(file, `ndim must be 2 or 3, found ${JSON.stringify(json.ndim)}`);
  const seq = json.sequence as { type?: unknown }[];
  const kinds = ["displacements", "velocity", "bspline", "affine"];
  const unknown = seq.find((s) => !kinds.includes(s?.type as string));
  if (unknown) throw new InputError(file, `unknown sequence entry type ${JSON.stringify(unknown?.type)} (terareg reads ${kinds.join(", ")})`);
  const affine = json.sequence[json.sequence.length - 1];
  if (!affine || affine.type !== "affine" || json.sequence.filter((s) => s.type === "affine").length !== 1
    || !Array.isArray(affine.affine) || affine.affine.flat().length !== 16 || !affine.affine.flat().every(Number.isFinite)) {
    throw new InputError(file, "the sequence must end in one affine with a 4×4 matrix of finite numbers");
  }
  const deformations = json.sequence.slice(0, -1);
  if (deformations.length > 1) throw new InputError(file, `the sequence holds ${deformations.length} deformations (${deformations.map((d) => d.type).join(", ")}); terareg reads at most one before the affine`);
  const t: RegistrationTransform = {
    ndim: json.ndim, affine: Float64Array.from(affine.affine.flat()),
    ...(json.fixedSpace ? { fixedSpace: json.fixedSpace } : {}),
    ...(json.movingSpace ? { movingSpace: json.movingSpace } : {}),
    ...(json.fixedShape ? { fixedShape: json.fixedShape } : {}),
  };
  const entry = deformations[0];
  if (!entry || entry.type === "affine") return t;
  if (typeof entry.path !== "string" || entry.path.length === 0) throw new InputError(file, `the ${entry.type} entry needs a "path" to its OME-Zarr array`);
  if (entry.units !== "physical") throw new InputError(file, `the ${entry.type} entry has units ${JSON.stringify(entry.units)}; terareg writes and reads "physical"`);
  const path = join(dir, entry.path);
  if (entry.type === "displacements") {
    t.displacement = await readVectorGrid(path, json.ndim, "displacement");
  } else if (entry.type === "velocity") {
    if (entry.integration !== "rk4" || !(Number.isInteger(entry.steps) && entry.steps >= 1 && entry.steps <= 100000)) {
      throw new InputError(file, `the velocity entry needs integration "rk4" and an integer steps 1 … 100000; found ${JSON.stringify(entry.integration)}, ${JSON.stringify(entry.steps)}`);
    }
    t.velocity = { ...(await readVectorGrid(path, json.ndim, "velocity field")), steps: entry.steps };
  } else {
    if (entry.order !== 3) throw new InputError(file, `the bspline entry has order ${JSON.stringify(entry.order)}; terareg reads cubic (3) B-splines`);
    t.bspline = await readVectorGrid(path, json.ndim, "B-spline coefficients");
  }
  return t;
}
