// Import of transforms written by other tools (and by our own exports) as a RegistrationTransform T(p) = A(p + d(p)),
// fixed physical → moving physical (pull-back), points [z, y, x] in the LPS physical frame ITK/elastix use.
//
// Read:
// - ITK: a directory from exportItk (affine.tfm [+ displacement.nii.gz]: T = A(p + d(p))) or one .tfm file
//   (one (Matrix)AffineTransform_{double,float}_N_N);
// - elastix: TransformParameters.*.txt (AffineTransform, EulerTransform, SimilarityTransform, TranslationTransform,
//   DeformationFieldTransform), following InitialTransformParametersFileName chains with "Compose" semantics
//   (the initial transform is applied to the point first); a directory means its highest-numbered file;
// - OME-NGFF RFC-5: a Zarr v3 group from exportNgff (a sequence of displacements / affine / scale / translation);
// - terareg's own transform/ directory (transform.json).
// A chain is representable when it holds at most one displacement field and that field is applied first.

import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import * as zarr from "zarrita";
import { InputError } from "../core/errors.js";
import type { Mat3, Space, Vec3 } from "../core/space.js";
import { openImage } from "../io/open.js";
import { FsStore } from "../io/zarr/fs-store.js";
import { identity4, mul4, type Mat4 } from "./affine.js";
import { affineFromItk, ITK_AFFINE_FILE, ITK_FIELD_FILE, parseItkTfm } from "./export-itk.js";
import type { DisplacementGrid, RegistrationTransform } from "./registration-transform.js";
import { loadTransform } from "./transform-io.js";

/** One step of a chain, in the order it is applied to a point. */
type Step = { kind: "affine"; m: Mat4 } | { kind: "field"; grid: DisplacementGrid };

/** Folds steps (applied in order) into A(p + d(p)); `what` names the source for messages. */
function fold(what: string, ndim: 2 | 3, steps: Step[]): RegistrationTransform {
  let affine = identity4();
  let displacement: DisplacementGrid | undefined;
  steps.forEach((s, k) => {
    if (s.kind === "affine") {
      affine = mul4(s.m, affine);
      return;
    }
    const before = steps.slice(0, k).every((p) => p.kind === "affine" && isIdentity4(p.m));
    if (displacement || !before) {
      throw new InputError(what, "a displacement field applied after another transform cannot be represented as A(p + d(p)) (terareg needs the field first, then affines)");
    }
    displacement = s.grid;
  });
  return { ndim, affine, ...(displacement ? { displacement } : {}) };
}

function isIdentity4(m: Mat4): boolean {
  const id = identity4();
  return m.every((v, i) => Math.abs(v - id[i]!) < 1e-15);
}

// ---------------------------------------------------------------------------------------------------------------
// Displacement images (MHA / NIfTI, ITK vector images with components x, y[, z])

/** Reads an ITK displacement field image: components x-first, physical units → our [dz,] dy, dx planes. */
async function readItkField(path: string, ndim: 2 | 3): Promise<DisplacementGrid> {
  const src = await openImage(path);
  try {
    const m = src.meta;
    if (m.channels.length !== ndim) {
      throw new InputError(path, `a ${ndim}D displacement field needs ${ndim} vector components, found ${m.channels.length}`);
    }
    const shape = [...m.levels[0]!.shape] as Vec3;
    if (ndim === 2 && shape[0] !== 1) throw new InputError(path, `a 2D displacement field must be one plane, found ${shape[0]} planes`);
    const planes = await src.read({ start: [0, 0, 0], size: shape }, 0);
    const nvox = shape[0] * shape[1] * shape[2];
    const data = new Float32Array(ndim * nvox);
    [...planes].reverse().forEach((p, c) => data.set(p, c * nvox));
    if (!data.every(Number.isFinite)) throw new InputError(path, "the displacement field has non-finite values");
    return { ndim, shape, space: m.space, data };
  } finally {
    await src.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// ITK

async function importItkDir(dir: string): Promise<RegistrationTransform> {
  const file = join(dir, ITK_AFFINE_FILE);
  const { ndim, affine } = parseItkTfm(await readFile(file, "utf8"), file);
  const field = join(dir, ITK_FIELD_FILE);
  const hasField = await stat(field).then(() => true, () => false);
  const steps: Step[] = [];
  if (hasField) steps.push({ kind: "field", grid: await readItkField(field, ndim) });
  steps.push({ kind: "affine", m: affine });
  return fold(dir, ndim, steps);
}

// ---------------------------------------------------------------------------------------------------------------
// elastix

type ElastixValue = string | number;

/** Parses `(Name v1 v2 ...)` lines; quoted values stay strings, others become numbers when numeric. */
export function parseElastixParameters(text: string): Map<string, ElastixValue[]> {
  const out = new Map<string, ElastixValue[]>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line.startsWith("(")) continue;
    const m = line.match(/^\(\s*([A-Za-z_][\w]*)\s*(.*?)\)\s*(?:\/\/.*)?$/);
    if (!m) continue;
    const values: ElastixValue[] = [];
    for (const t of m[2]!.matchAll(/"([^"]*)"|(\S+)/g)) {
      if (t[1] !== undefined) values.push(t[1]);
      else values.push(Number.isFinite(Number(t[2])) ? Number(t[2]) : t[2]!);
    }
    out.set(m[1]!, values);
  }
  return out;
}

/** ITK/elastix x-first linear part (row-major n×n), translation and centre → our Mat4: y = M(x − c) + t + c. */
function itkCentred(ndim: 2 | 3, matrix: number[], translation: number[], centre: number[]): Mat4 {
  const t = translation.map((tr, r) => {
    let mc = 0;
    for (let k = 0; k < ndim; k++) mc += matrix[r * ndim + k]! * centre[k]!;
    return tr + centre[r]! - mc;
  });
  return affineFromItk({ ndim, matrix, translation: t });
}

function rot2(a: number, s = 1): number[] {
  const c = Math.cos(a), n = Math.sin(a);
  return [s * c, -s * n, s * n, s * c];
}

function mul3(a: number[], b: number[]): number[] {
  const r: number[] = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) r.push(a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!);
  return r;
}

/** ITK Euler3DTransform: R = Rz·Rx·Ry, or Rz·Ry·Rx when ComputeZYX. */
function euler3(ax: number, ay: number, az: number, zyx: boolean): number[] {
  const [cx, sx, cy, sy, cz, sz] = [Math.cos(ax), Math.sin(ax), Math.cos(ay), Math.sin(ay), Math.cos(az), Math.sin(az)];
  const X = [1, 0, 0, 0, cx, -sx, 0, sx, cx], Y = [cy, 0, sy, 0, 1, 0, -sy, 0, cy], Z = [cz, -sz, 0, sz, cz, 0, 0, 0, 1];
  return zyx ? mul3(Z, mul3(Y, X)) : mul3(Z, mul3(X, Y));
}

/** ITK VersorRigid3D / Similarity3D: versor (x, y, z) with w = sqrt(1 − |v|²), scaled by s. */
function versor3(x: number, y: number, z: number, s: number): number[] {
  const w = Math.sqrt(Math.max(0, 1 - (x * x + y * y + z * z)));
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
    2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
    2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
  ].map((v) => v * s);
}

const SUPPORTED_ELASTIX = "AffineTransform, EulerTransform, SimilarityTransform, TranslationTransform, DeformationFieldTransform";

/** The path of a file named inside an elastix parameter file: as written (elastix: the working directory), else beside the file. */
async function elastixPath(file: string, name: string): Promise<string> {
  if (isAbsolute(name)) return name;
  const here = resolve(name);
  if (await stat(here).then(() => true, () => false)) return here;
  return join(dirname(file), name);
}

/** Steps of one TransformParameters file and its initial chain, in application order. */
async function elastixSteps(file: string, seen: Set<string>): Promise<{ ndim: 2 | 3; steps: Step[] }> {
  const abs = resolve(file);
  if (seen.has(abs)) throw new InputError(file, "InitialTransformParametersFileName chain loops back to this file");
  seen.add(abs);
  const text = await readFile(file, "utf8").catch((e: Error) => {
    throw new InputError(file, `cannot be read (${e.message})`);
  });
  const p = parseElastixParameters(text);
  const kind = String(p.get("Transform")?.[0] ?? "");
  if (!kind) throw new InputError(file, "not an elastix TransformParameters file (no (Transform ...) entry)");
  const dimv = p.get("FixedImageDimension")?.[0] ?? p.get("MovingImageDimension")?.[0];
  const nums = (name: string): number[] => (p.get(name) ?? []).map(Number);
  const params = nums("TransformParameters");
  let ndim: 2 | 3;
  if (dimv === 2 || dimv === 3) ndim = dimv;
  else throw new InputError(file, `FixedImageDimension must be 2 or 3, found ${dimv ?? "none"}`);
  const need = (count: number) => {
    if (params.length !== count || !params.every(Number.isFinite)) {
      throw new InputError(file, `${kind} in ${ndim}D needs ${count} finite TransformParameters, found ${params.length}`);
    }
  };
  const centre = nums("CenterOfRotationPoint");
  const c = centre.length === ndim && centre.every(Number.isFinite) ? centre : new Array<number>(ndim).fill(0);
  let own: Step;
  if (kind === "AffineTransform") {
    need(ndim * ndim + ndim);
    own = { kind: "affine", m: itkCentred(ndim, params.slice(0, ndim * ndim), params.slice(ndim * ndim), c) };
  } else if (kind === "EulerTransform") {
    if (ndim === 2) {
      need(3);
      own = { kind: "affine", m: itkCentred(2, rot2(params[0]!), params.slice(1), c) };
    } else {
      need(6);
      const zyx = String(p.get("ComputeZYX")?.[0] ?? "false") === "true";
      own = { kind: "affine", m: itkCentred(3, euler3(params[0]!, params[1]!, params[2]!, zyx), params.slice(3), c) };
    }
  } else if (kind === "SimilarityTransform") {
    if (ndim === 2) {
      need(4);
      own = { kind: "affine", m: itkCentred(2, rot2(params[1]!, params[0]!), params.slice(2), c) };
    } else {
      need(7);
      own = { kind: "affine", m: itkCentred(3, versor3(params[0]!, params[1]!, params[2]!, params[6]!), params.slice(3, 6), c) };
    }
  } else if (kind === "TranslationTransform") {
    need(ndim);
    const id = ndim === 2 ? [1, 0, 0, 1] : [1, 0, 0, 0, 1, 0, 0, 0, 1];
    own = { kind: "affine", m: itkCentred(ndim, id, params, c) };
  } else if (kind === "DeformationFieldTransform") {
    const name = p.get("DeformationFieldFileName")?.[0];
    if (typeof name !== "string" || !name) throw new InputError(file, "DeformationFieldTransform without a DeformationFieldFileName");
    const order = Number(p.get("DeformationFieldInterpolationOrder")?.[0] ?? 1);
    if (order !== 1) throw new InputError(file, `DeformationFieldInterpolationOrder ${order} is not supported (terareg interpolates fields linearly: order 1)`);
    own = { kind: "field", grid: await readItkField(await elastixPath(file, name), ndim) };
  } else {
    throw new InputError(file, `unsupported elastix transform "${kind}" (terareg imports ${SUPPORTED_ELASTIX})`);
  }
  const initial = p.get("InitialTransformParametersFileName")?.[0];
  if (typeof initial !== "string" || initial === "" || initial === "NoInitialTransform") return { ndim, steps: [own] };
  const how = String(p.get("HowToCombineTransforms")?.[0] ?? "Compose");
  if (how !== "Compose") throw new InputError(file, `HowToCombineTransforms "${how}" is not supported (only "Compose")`);
  const inner = await elastixSteps(await elastixPath(file, initial), seen);
  if (inner.ndim !== ndim) throw new InputError(file, `its initial transform is ${inner.ndim}D but this file is ${ndim}D`);
  return { ndim, steps: [...inner.steps, own] };
}

async function importElastix(file: string): Promise<RegistrationTransform> {
  const { ndim, steps } = await elastixSteps(file, new Set());
  return fold(file, ndim, steps);
}

/** The highest-numbered TransformParameters.N.txt in `dir` (elastix's final transform), if any. */
async function lastElastixFile(dir: string): Promise<string | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const found = names.map((n) => ({ n, m: n.match(/^TransformParameters\.(\d+)(?:\.R(\d+))?\.txt$/) }))
    .filter((x) => x.m && x.m[2] === undefined)
    .sort((a, b) => Number(b.m![1]) - Number(a.m![1]));
  return found[0] ? join(dir, found[0].n) : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// OME-NGFF RFC-5

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

async function readZarrAttrs(dir: string): Promise<Json> {
  const file = join(dir, "zarr.json");
  const text = await readFile(file, "utf8").catch(() => {
    throw new InputError(dir, "no zarr.json (the NGFF transform importer reads Zarr v3 groups)");
  });
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, `invalid JSON (${(e as Error).message})`);
  }
  const attrs = isObj(meta) && isObj(meta.attributes) ? meta.attributes : {};
  return attrs;
}

/** The spatial axes of a coordinate system, checked to be [z, y, x] or [y, x] in that order. */
function spatialNdim(where: string, axes: unknown): 2 | 3 {
  const list = Array.isArray(axes) ? axes.filter(isObj) : [];
  const names = list.filter((a) => a.type === "space" || a.type === undefined).map((a) => String(a.name));
  if (names.join(",") === "z,y,x") return 3;
  if (names.join(",") === "y,x") return 2;
  throw new InputError(where, `spatial axes must be [z, y, x] or [y, x]; found [${names.join(", ")}]`);
}

function numberMatrix(where: string, v: unknown, rows: number, cols: number): number[][] {
  const ok = Array.isArray(v) && v.length === rows && v.every((r) => Array.isArray(r) && r.length === cols && r.every((x) => typeof x === "number" && Number.isFinite(x)));
  if (!ok) throw new InputError(where, `expected a ${rows}×${cols} matrix of finite numbers, found ${JSON.stringify(v)}`);
  return v as number[][];
}

function numberList(where: string, v: unknown, len: number): number[] {
  if (!Array.isArray(v) || v.length !== len || !v.every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw new InputError(where, `expected ${len} finite numbers, found ${JSON.stringify(v)}`);
  }
  return v as number[];
}

/** Our Mat4 from an n-D linear part L (rows) and offset b on the last n of [z, y, x]. */
function mat4From(ndim: 2 | 3, L: number[][], b: number[]): Mat4 {
  const m = identity4();
  const ax = ndim === 3 ? [0, 1, 2] : [1, 2];
  ax.forEach((r, i) => {
    ax.forEach((c, j) => (m[r * 4 + c] = L[i]![j]!));
    m[r * 4 + 3] = b[i]!;
  });
  return m;
}

/** scale / translation / affine / identity (possibly nested in sequences) on `n` axes → one Mat4 step list. */
function simpleSteps(where: string, t: Json, n: number, ndim: 2 | 3, offset: number): Mat4[] {
  const pick = (v: number[]) => v.slice(offset);
  switch (t.type) {
    case "identity":
      return [];
    case "sequence":
      if (!Array.isArray(t.transformations)) throw new InputError(where, "a sequence without transformations");
      return t.transformations.filter(isObj).flatMap((s) => simpleSteps(where, s, n, ndim, offset));
    case "scale": {
      const s = pick(numberList(`${where} (scale)`, t.scale, n));
      return [mat4From(ndim, s.map((v, i) => s.map((_, j) => (i === j ? v : 0))), s.map(() => 0))];
    }
    case "translation": {
      const s = pick(numberList(`${where} (translation)`, t.translation, n));
      return [mat4From(ndim, s.map((_, i) => s.map((__, j) => (i === j ? 1 : 0))), s)];
    }
    case "affine": {
      const raw = t.affine as unknown;
      const rows = Array.isArray(raw) && raw.length === n + 1 ? raw.slice(0, n) : raw; // accept (n+1)×(n+1) too
      const m = numberMatrix(`${where} (affine)`, rows, n, n + 1);
      const sub = m.slice(offset).map((r) => r.slice(offset));
      return [mat4From(ndim, sub.map((r) => r.slice(0, ndim)), sub.map((r) => r[ndim]!))];
    }
    default:
      throw new InputError(where, `unsupported NGFF transformation "${String(t.type)}" here (terareg reads identity, scale, translation, affine, sequence, displacements)`);
  }
}

/** Reads an RFC-5 displacements multiscale group (vector axis first) at `path` → DisplacementGrid. */
async function readNgffField(path: string, ndim: 2 | 3): Promise<DisplacementGrid> {
  const attrs = await readZarrAttrs(path);
  const ome = isObj(attrs.ome) ? attrs.ome : attrs;
  const ms = Array.isArray(ome.multiscales) && isObj(ome.multiscales[0]) ? ome.multiscales[0] : undefined;
  if (!ms) throw new InputError(path, "the displacement field must be a multiscales group (RFC-5)");
  const cs = Array.isArray(ms.coordinateSystems) && isObj(ms.coordinateSystems[0]) ? ms.coordinateSystems[0] : undefined;
  const axes = (cs && Array.isArray(cs.axes) ? cs.axes : Array.isArray(ms.axes) ? ms.axes : []).filter(isObj);
  if (axes[0]?.type !== "displacement") {
    throw new InputError(path, `the first axis must be the vector axis of type "displacement"; axes are ${JSON.stringify(axes.map((a) => a.name))}`);
  }
  if (spatialNdim(path, axes.slice(1)) !== ndim) throw new InputError(path, `the field's spatial axes do not match the ${ndim}D transform`);
  const ds = Array.isArray(ms.datasets) && isObj(ms.datasets[0]) ? ms.datasets[0] : undefined;
  if (!ds || typeof ds.path !== "string") throw new InputError(path, "no datasets[0].path in the displacement field");
  const grid = (Array.isArray(ds.coordinateTransformations) ? ds.coordinateTransformations : []).filter(isObj)
    .flatMap((t) => simpleSteps(`${path} (datasets[0])`, t, ndim + 1, ndim, 1))
    .reduce((acc, m) => mul4(m, acc), identity4());
  const store = new FsStore(path);
  let chunk: { data: unknown; shape: number[] };
  try {
    const arr = await zarr.open.v3(zarr.root(store).resolve(ds.path), { kind: "array" });
    chunk = await zarr.get(arr) as { data: unknown; shape: number[] };
  } catch (e) {
    throw new InputError(path, `cannot read array "${ds.path}": ${(e as Error).message}`, { cause: e });
  }
  const shape = chunk.shape;
  if (shape.length !== ndim + 1 || shape[0] !== ndim) throw new InputError(path, `the field array must have shape [${ndim}, ...spatial], found [${shape.join(", ")}]`);
  const data = Float32Array.from(chunk.data as ArrayLike<number>);
  if (!data.every(Number.isFinite)) throw new InputError(path, "the displacement field has non-finite values");
  const sp: Vec3 = ndim === 3 ? [shape[1]!, shape[2]!, shape[3]!] : [1, shape[1]!, shape[2]!];
  // index → physical: p = M i + o with M = D · diag(spacing)
  const spacing = [0, 1, 2].map((j) => Math.hypot(grid[j]!, grid[4 + j]!, grid[8 + j]!)) as Vec3;
  if (spacing.some((s) => !(s > 0))) throw new InputError(path, "the field grid transform is singular");
  const direction = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => grid[r * 4 + c]! / spacing[c]! + 0)) as Mat3;
  const units = (axes.slice(1).map((a) => (typeof a.unit === "string" ? a.unit : "pixel")));
  const u3 = (ndim === 3 ? units : [units[0]!, ...units]) as [string, string, string];
  const space: Space = { spacing, origin: [grid[3]! + 0, grid[7]! + 0, grid[11]! + 0], direction, units: u3 };
  return { ndim, shape: sp, space, data };
}

async function importNgff(dir: string): Promise<RegistrationTransform> {
  const attrs = await readZarrAttrs(dir);
  const ome = isObj(attrs.ome) ? attrs.ome : attrs;
  const list = Array.isArray(ome.coordinateTransformations) ? ome.coordinateTransformations.filter(isObj) : [];
  if (list.length === 0) throw new InputError(dir, "no coordinateTransformations in the group's attributes");
  const top = list.find((t) => t.input === "fixed" && t.output === "moving") ?? list[0]!;
  const systems = Array.isArray(ome.coordinateSystems) ? ome.coordinateSystems.filter(isObj) : [];
  const input = systems.find((s) => s.name === top.input) ?? systems[0];
  if (!input) throw new InputError(dir, "no coordinateSystems in the group's attributes");
  const ndim = spatialNdim(dir, input.axes);
  const flat = top.type === "sequence" && Array.isArray(top.transformations) ? top.transformations.filter(isObj) : [top];
  const steps: Step[] = [];
  for (const t of flat) {
    if (t.type === "displacements") {
      if (typeof t.path !== "string") throw new InputError(dir, "a displacements transformation without a path (inline fields are not supported)");
      if (t.interpolation !== undefined && t.interpolation !== "linear") throw new InputError(dir, `displacements interpolation "${String(t.interpolation)}" is not supported (linear only)`);
      steps.push({ kind: "field", grid: await readNgffField(join(dir, t.path), ndim) });
    } else {
      for (const m of simpleSteps(dir, t, ndim, ndim, 0)) steps.push({ kind: "affine", m });
    }
  }
  const out = fold(dir, ndim, steps);
  const tr = isObj(attrs.terareg) ? attrs.terareg : {};
  if (isObj(tr.fixedSpace)) out.fixedSpace = tr.fixedSpace as unknown as Space;
  if (isObj(tr.movingSpace)) out.movingSpace = tr.movingSpace as unknown as Space;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Reads the transform at `path` (see the file header for the formats) as a RegistrationTransform mapping fixed
 * physical points [z, y, x] to moving physical points.
 * @throws InputError naming the file for unknown layouts, unsupported transform kinds and invalid parameters.
 */
export async function importTransform(path: string): Promise<RegistrationTransform> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new InputError(path, "no such file or directory");
  if (st.isDirectory()) {
    const has = (name: string) => stat(join(path, name)).then(() => true, () => false);
    if (await has("transform.json")) return loadTransform(path);
    if (await has(ITK_AFFINE_FILE)) return importItkDir(path);
    if (await has("zarr.json")) return importNgff(path);
    const tp = await lastElastixFile(path);
    if (tp) return importElastix(tp);
    throw new InputError(path, `no transform found: expected transform.json, ${ITK_AFFINE_FILE}, an NGFF zarr.json or TransformParameters.N.txt`);
  }
  if (/\.tfm$/i.test(path)) {
    const { ndim, affine } = parseItkTfm(await readFile(path, "utf8"), path);
    return { ndim, affine };
  }
  if (/zarr\.json$/.test(path)) return importNgff(dirname(path));
  const head = (await readFile(path, "utf8").catch(() => "")).slice(0, 100_000);
  if (/^\s*\(Transform\s/m.test(head)) return importElastix(path);
  if (/^#Insight Transform File/m.test(head)) {
    const { ndim, affine } = parseItkTfm(head, path);
    return { ndim, affine };
  }
  throw new InputError(path, "unknown transform file (expected an ITK .tfm, an elastix TransformParameters file, or a directory)");
}
