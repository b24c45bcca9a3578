// The fused sampler against the path it replaces: resampleAt (reference kernels) on a float32 copy, then castSamples,
// byte for byte, on random windows and positions (inside, on edges and halves, outside, NaN), 2D and 3D, odd sizes.

import assert from "node:assert/strict";
import { test } from "node:test";
import { allocatePixels, pixelBytes, type DType, type PixelArray } from "../../src/core/dtype.js";
import { voxelCount, type Vec3 } from "../../src/core/space.js";
import { resampleAt } from "../../src/kernels/resample-at.js";
import { castSamples, toFloat32 } from "../../src/warp/cast-samples.js";
import { sampleWindowBand } from "../../src/kernels/sample-window.js";
import { seeded } from "../helpers/rng.js";

const DTYPES: DType[] = ["uint8", "int8", "uint16", "int16", "float32"];

function randomPlane(dtype: DType, n: number, rng: () => number): PixelArray {
  const p = allocatePixels(dtype, n);
  const span = dtype === "uint8" ? 256 : dtype === "int8" ? 256 : 65536;
  const lo = dtype === "int8" ? -128 : dtype === "int16" ? -32768 : 0;
  for (let i = 0; i < n; i++) p[i] = dtype === "float32" ? (rng() - 0.5) * 2000 : lo + Math.floor(rng() * span);
  return p;
}

/** Positions over the window of `shape` and a bit beyond: random, integers, halves, exact edges, and some NaN. */
function randomPositions(shape: Vec3, ndim: 2 | 3, n: number, rng: () => number): Float64Array {
  const out = new Float64Array(ndim * n);
  for (let a = 0; a < ndim; a++) {
    const size = shape[3 - ndim + a]!;
    for (let i = 0; i < n; i++) {
      const r = rng();
      out[a * n + i] = r < 0.1 ? Math.floor(rng() * size) : r < 0.2 ? Math.floor(rng() * size) - 0.5 : r < 0.25 ? size - 1
        : r < 0.3 ? size - 0.5 : r < 0.33 ? -0.5 : r < 0.36 ? NaN : -1.2 + rng() * (size + 1.4);
    }
  }
  return out;
}

for (const ndim of [2, 3] as const) {
  test(`${ndim}D: sampleWindowBand equals resampleAt + castSamples byte for byte (nearest, linear; every float32-exact dtype)`, () => {
    const rng = seeded(ndim === 2 ? 11 : 12);
    for (let k = 0; k < 24; k++) {
      const dtype = DTYPES[k % DTYPES.length]!;
      const shape: Vec3 = ndim === 2 ? [1, 1 + Math.floor(rng() * 23), 1 + Math.floor(rng() * 31)] : [2 + Math.floor(rng() * 5), 1 + Math.floor(rng() * 9), 2 + Math.floor(rng() * 11)];
      const outShape: Vec3 = ndim === 2 ? [1, 1 + Math.floor(rng() * 13), 1 + Math.floor(rng() * 37)] : [1 + Math.floor(rng() * 3), 1 + Math.floor(rng() * 7), 1 + Math.floor(rng() * 29)];
      const n = voxelCount(outShape), coords = randomPositions(shape, ndim, n, rng);
      const planes = [randomPlane(dtype, voxelCount(shape), rng), randomPlane(dtype, voxelCount(shape), rng)];
      const fill = dtype === "float32" ? -3.3 : dtype.startsWith("int") ? -7 : 9;
      for (const interpolation of ["nearest", "linear"] as const) {
        // A 3D image of one plane is sampled as 2D by the warp (its [y, x] positions only), so the kernels see 2D too.
        const sampleNdim = ndim === 3 && shape[0] === 1 ? 2 : ndim;
        const data = sampleNdim === ndim ? coords : coords.subarray(n);
        const want = planes.map((p) => castSamples(resampleAt({ data: toFloat32(p), shape }, { data, shape: outShape, ndim: sampleNdim }, { interpolation, fill }).image.data, dtype));
        // Split into three uneven bands, as a worker pool would.
        const outs = planes.map(() => allocatePixels(dtype, n));
        const cut1 = Math.floor(n / 3), cut2 = Math.floor((2 * n) / 3) + 1;
        for (const [s, e] of [[0, cut1], [cut1, Math.min(n, cut2)], [Math.min(n, cut2), n]] as const) {
          sampleWindowBand({ planes, shape, coords: data, n, ndim: sampleNdim, interpolation, fill, dtype, outs }, s, e);
        }
        outs.forEach((o, c) => {
          assert.ok(Buffer.from(pixelBytes(o)).equals(Buffer.from(pixelBytes(want[c]!))), `${dtype} ${interpolation} shape [${shape}] → [${outShape}], channel ${c}`);
        });
      }
    }
  });
}

test("sampleWindowBand: positions beyond one chunk (1024) and NaN give the fill, cast like the kernels' fill", () => {
  const shape: Vec3 = [1, 3, 4], n = 2500;
  const plane = Uint8Array.from({ length: 12 }, (_, i) => 20 * i);
  const coords = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    coords[i] = i % 5 === 0 ? NaN : (i % 7) * 0.5 - 0.5;
    coords[n + i] = (i % 11) * 0.4 - 0.5;
  }
  const out = new Uint8Array(n);
  sampleWindowBand({ planes: [plane], shape, coords, n, ndim: 2, interpolation: "linear", fill: 300.7, dtype: "uint8", outs: [out] }, 0, n);
  const want = castSamples(resampleAt({ data: toFloat32(plane), shape }, { data: coords, shape: [1, 1, n], ndim: 2 }, { interpolation: "linear", fill: 300.7 }).image.data, "uint8");
  assert.deepEqual(out, want);
  assert.equal(out[0], 255, "a fill above the range saturates, as castSamples does");
});

test("sampleWindow with an offset equals sampling positions shifted first (shiftCoordinates), byte for byte", async () => {
  const { sampleWindow } = await import("../../src/kernels/sample-window.js");
  const { shiftCoordinates } = await import("../../src/warp/moving-window.js");
  const rng = seeded(21);
  for (const [ndim, shape] of [[2, [1, 33, 47]], [3, [7, 19, 23]]] as const) {
    const n = 3000, offset: Vec3 = ndim === 3 ? [5, 0, 112] : [0, 37, 0];
    // Positions in image units: the window's positions plus its start (and a few NaN).
    const coords = randomPositions([...shape], ndim, n, rng);
    for (let a = 0; a < ndim; a++) for (let i = 0; i < n; i++) coords[a * n + i] = coords[a * n + i]! + offset[3 - ndim + a]!;
    const planes = [randomPlane("uint16", shape[0] * shape[1] * shape[2], rng), randomPlane("uint16", shape[0] * shape[1] * shape[2], rng)];
    const shifted = Float64Array.from(coords);
    shiftCoordinates(shifted, n, ndim, offset);
    for (const interpolation of ["nearest", "linear"] as const) {
      const base = { planes, shape: [...shape] as Vec3, n, ndim, interpolation, fill: 5, dtype: "uint16" as const };
      const got = sampleWindow({ ...base, coords, offset }), want = sampleWindow({ ...base, coords: shifted });
      got.forEach((p, c) => assert.deepEqual(pixelBytes(p), pixelBytes(want[c]!), `${ndim}D ${interpolation} channel ${c}`));
    }
  }
});
