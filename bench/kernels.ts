// The kernels suite: throughput (Mvox/s, best of N, wall clock) of each kernel on a 4096² image and a 256³ volume,
// inline (1 thread) and on a 2-worker pool. Inputs live on SharedArrayBuffers up front, so no copy is timed.

import { cpuKernels } from "../src/compute/cpu/cpu-kernels.js";
import { referenceKernels } from "../src/compute/reference-kernels.js";
import { localNccFast } from "../src/compute/wasm/local-ncc.js";
import { wasmKernels } from "../src/compute/wasm/wasm-module.js";
import { localNcc } from "../src/metrics/local-ncc.js";
import { createPool } from "../src/compute/cpu/pool.js";
import type { Kernels } from "../src/compute/kernels.js";
import { voxelCount, type Vec3 } from "../src/core/space.js";
import { createLattice, type BSplineLattice } from "../src/kernels/bspline-lattice.js";
import type { Coordinates } from "../src/kernels/resample-at.js";
import { imageNdim, type Field, type Image } from "../src/kernels/types.js";
import { table } from "./markdown.js";

export interface BenchKernelsOptions {
  /** Side of the 2D image. @default 4096 */
  size2d?: number;
  /** Side of the 3D volume. @default 256 */
  size3d?: number;
  /** Runs per cell; the best counts. @default 3 */
  repeats?: number;
  /** Thread counts to compare. @default [1, 2] */
  threads?: number[];
}

function sharedF32(n: number, f: (i: number) => number): Float32Array {
  const a = new Float32Array(new SharedArrayBuffer(4 * n));
  for (let i = 0; i < n; i++) a[i] = f(i);
  return a;
}

/** A textured image and a smooth displacement of ±3 voxels with some voxel-scale jitter, as registration produces. */
function inputs(shape: Vec3): { image: Image; field: Field; coefficients: Image; positions: Coordinates; lattice: BSplineLattice } {
  const n = voxelCount(shape), ndim = imageNdim(shape);
  const [, ny, nx] = shape;
  const image = { data: sharedF32(n, (i) => Math.sin(i * 0.013) + Math.cos((i / nx) * 0.021)), shape };
  const field: Field = {
    data: sharedF32(ndim * n, (j) => {
      const c = Math.floor(j / n), i = j - c * n, x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
      return 3 * Math.sin(0.02 * x + 0.7 * c) * Math.cos(0.017 * y + 0.013 * z) + 0.1 * Math.sin(i);
    }),
    shape, ndim,
  };
  // Absolute positions x + field(x), as the registration's dense stage samples the moving image.
  const positions: Coordinates = { data: new Float64Array(new SharedArrayBuffer(8 * ndim * n)), shape, ndim };
  for (let c = 0; c < ndim; c++) {
    const axis = 3 - ndim + c, stride = axis === 0 ? ny * nx : axis === 1 ? nx : 1, len = shape[axis]!;
    for (let i = 0; i < n; i++) positions.data[c * n + i] = (Math.floor(i / stride) % len) + field.data[c * n + i]!;
  }
  // A B-spline lattice with knots every 16 voxels and coefficients of ±3 voxels, as the B-spline stage evaluates.
  const lattice = createLattice(shape, [ndim === 3 ? 16 : 1, 16, 16], ndim), c = lattice.coefficients.data;
  for (let i = 0; i < c.length; i++) c[i] = 3 * Math.sin(i * 0.7);
  return { image, field, coefficients: image, positions, lattice };
}

async function best(repeats: number, f: () => Promise<unknown>): Promise<number> {
  let t = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await f();
    t = Math.min(t, performance.now() - t0);
  }
  return t / 1000;
}

type Case = [name: string, run: (k: Kernels, x: ReturnType<typeof inputs>) => Promise<unknown>];

const CASES: Case[] = [
  ["resampleField linear", (k, x) => k.resampleField(x.image, x.field)],
  ["resampleField linear + gradient + mask", (k, x) => k.resampleField(x.image, x.field, { gradient: true, mask: true })],
  ["resampleField nearest", (k, x) => k.resampleField(x.image, x.field, { interpolation: "nearest" })],
  ["resampleField cubic (prefiltered)", (k, x) => k.resampleField(x.coefficients, x.field, { interpolation: "cubic", prefiltered: true })],
  ["resampleAt linear + gradient + mask (positions = x + field)", (k, x) => k.resampleAt(x.image, x.positions, { gradient: true, mask: true })],
  ["resampleAffine linear", (k, x) => k.resampleAffine(x.image, x.image.shape, affine(x.image.shape))],
  ["resampleAffine cubic (prefiltered)", (k, x) => k.resampleAffine(x.coefficients, x.image.shape, affine(x.image.shape), { interpolation: "cubic", prefiltered: true })],
  ["bsplineCoefficients (cubic prefilter)", (k, x) => k.bsplineCoefficients(x.image)],
  ["gaussianSmooth σ = 2 vox (truncate 4)", (k, x) => k.gaussianSmooth(x.image, 2)],
  ["gradient", (k, x) => k.gradient(x.image)],
  ["composeFields", (k, x) => k.composeFields(x.field, x.field)],
  ["jacobianDeterminant", (k, x) => k.jacobianDeterminant(x.field)],
  ["latticeWarp (knots every 16 voxels; linear + gradient + mask)", (k, x) => k.latticeWarp(x.image, index4(x.image.shape), x.lattice, x.image.shape)],
  ["splatForce (knots every 16 voxels)", (k, x) => k.splatForce(x.image.data, x.field, index4(x.image.shape), x.lattice)],
];

/** affine() as the 4×4 index map [z, y, x, 1] that latticeWarp and splatForce take. */
function index4(shape: Vec3): number[] {
  const a = affine(shape);
  return shape[0] === 1 ? [1, 0, 0, 0, 0, a[0]!, a[1]!, a[2]!, 0, a[3]!, a[4]!, a[5]!, 0, 0, 0, 1] : a;
}

/** A rotation by 0.1 rad in the y-x plane with a 2% scaling, about the centre, index to index (z kept in 3D). */
function affine(shape: Vec3): number[] {
  const c = Math.cos(0.1), s = Math.sin(0.1), k = 1.02;
  const cy = (shape[1] - 1) / 2, cx = (shape[2] - 1) / 2;
  const rows = [
    [k * c, -k * s, cy - k * c * cy + k * s * cx],
    [k * s, k * c, cx - k * s * cy - k * c * cx],
  ];
  if (shape[0] === 1) return [...rows[0]!, ...rows[1]!, 0, 0, 1];
  return [1, 0, 0, 0, 0, ...rows[0]!, 0, ...rows[1]!, 0, 0, 0, 1];
}

/** Markdown table of Mvox/s (output voxels per second) per kernel, size and thread count. */
export async function benchKernels(options: BenchKernelsOptions = {}): Promise<string> {
  const size2d = options.size2d ?? 4096, size3d = options.size3d ?? 256, repeats = options.repeats ?? 3;
  const threads = options.threads ?? [1, 2];
  const shapes: Vec3[] = [[1, size2d, size2d], [size3d, size3d, size3d]];
  const pools = threads.map(createPool);
  const backends = [referenceKernels, ...pools.map(cpuKernels)];
  const cells = new Map<string, string>();
  const ncc = new Map<string, string>();
  try {
    for (const shape of shapes) {
      const x = inputs(shape);
      x.coefficients = await backends[0]!.bsplineCoefficients(x.image);
      for (const [name, run] of CASES) {
        for (const k of backends) {
          const seconds = await best(repeats, () => run(k, x));
          cells.set(`${name}|${shape}|${k.name}`, (voxelCount(shape) / seconds / 1e6).toFixed(1));
        }
      }
      // Local NCC runs on the calling thread: the TS reference against the wasm version.
      const warped = (await backends[0]!.resampleField(x.image, x.field, { mask: true }));
      for (const [label, f] of [["TS", localNcc], ["wasm", localNccFast]] as const) {
        const seconds = await best(repeats, async () => f(x.image.data, warped.image.data, shape, { radius: 2, movingMask: warped.mask! }));
        ncc.set(`${shape}|${label}`, (voxelCount(shape) / seconds / 1e6).toFixed(1));
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  const columns = shapes.flatMap((s) => backends.map((k) => [s, k.name] as const));
  const size = (s: Vec3) => (s[0] === 1 ? `${s[1]}²` : `${s[0]}³`);
  const header = ["kernel", ...columns.map(([s, k]) => `${size(s)} ${k === "reference" ? "TS ref" : `${k.replace(/^cpu×(\d+).*$/, "$1")} thr`}`)];
  const rows = CASES.map(([name]) => [name, ...columns.map(([s, k]) => cells.get(`${name}|${s}|${k}`) ?? "")]);
  const wasm = wasmKernels() ? "with kernels.wasm (wasm SIMD where a kernel has it: Gaussian smoothing, resampleAt linear, composeFields, local NCC, the B-spline warp and splat)" : "WITHOUT kernels.wasm (TERAREG_WASM=0 or not built)";
  return [
    `Mvox/s of output voxels, best of ${repeats} wall-clock runs; float32; displacements ±3 voxels; "TS ref" is the serial TypeScript reference (referenceKernels), "1 thr" / "2 thr" the worker pool over SharedArrayBuffers ${wasm}.`,
    "",
    table(header, rows),
    "",
    "Local NCC (radius 2, moving mask, value and exact gradient; the registration's dense metric), on the calling thread:",
    "",
    table(["", ...shapes.map((s) => `${size(s)} TS`), ...shapes.map((s) => `${size(s)} wasm`)],
      [["localNcc", ...shapes.map((s) => ncc.get(`${s}|TS`) ?? ""), ...shapes.map((s) => ncc.get(`${s}|wasm`) ?? "")]]),
  ].join("\n");
}
