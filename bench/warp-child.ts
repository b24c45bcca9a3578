// Child process of the warp benchmark: warps one image through a deformable transform on the worker pool (all cores,
// as `terareg warp` does) and prints {seconds, mpx, peakRssBytes} as JSON.
// Usage: node dist/bench/warp-child.js INPUT SIZE OUT INTERPOLATION [COMPRESSION]
// INPUT is a file, or "pattern" for a procedural moving image; OUT is an output path, or "-" to read tiles without writing.

import { availableParallelism } from "node:os";
import { cpuKernels } from "../src/compute/cpu/cpu-kernels.js";
import { createPool } from "../src/compute/cpu/pool.js";
import { openImage } from "../src/io/open.js";
import type { Compression } from "../src/io/write-options.js";
import { patternSource } from "../src/io/pattern-source.js";
import { writeImage } from "../src/io/write.js";
import type { Source } from "../src/core/source.js";
import type { Vec3 } from "../src/core/space.js";
import type { Interpolation } from "../src/kernels/types.js";
import { affineFromParams } from "../src/transforms/affine.js";
import type { RegistrationTransform } from "../src/transforms/registration-transform.js";
import { warpedSource } from "../src/warp/warped-source.js";

const [input, sizeArg, out, interpolationArg, compression] = process.argv.slice(2);
const size = Number(sizeArg), interpolation = (interpolationArg ?? "linear") as Interpolation;
const shape: Vec3 = [1, size, size];
const moving: Source = input === "pattern" ? patternSource({ shape, dtype: "uint8", channelCount: 3 }) : await openImage(input!);

/** Rotation by 0.1 rad and 2 % zoom about the centre, then a smooth displacement of up to 20 px on a 33 × 33 lattice. */
function deformable(n: number): RegistrationTransform {
  const c = (n - 1) / 2, g = 33, step = (n - 1) / (g - 1);
  const data = new Float32Array(2 * g * g);
  for (let k = 0; k < 2; k++) {
    for (let y = 0; y < g; y++) for (let x = 0; x < g; x++) data[k * g * g + y * g + x] = 20 * Math.sin(0.4 * x + k) * Math.cos(0.3 * y - k);
  }
  return {
    ndim: 2,
    affine: affineFromParams({ translation: [0, 0, 0], rotation: [0, 0, 0.1], zoom: [1, 1.02, 1.02], shear: [0, 0, 0] }, [0, c, c], 2),
    displacement: { ndim: 2, shape: [1, g, g], space: { ...moving.meta.space, spacing: [1, step, step] }, data },
  };
}

const pool = createPool(availableParallelism()), kernels = cpuKernels(pool);
const warped = warpedSource(moving, deformable(size), { meta: moving.meta }, { interpolation, kernels });
const t0 = performance.now();
let checksum = 0;
if (out === "-") {
  const tile = 512;
  for (let y = 0; y < size; y += tile) {
    for (let x = 0; x < size; x += tile) {
      const planes = await warped.read({ start: [0, y, x], size: [1, Math.min(tile, size - y), Math.min(tile, size - x)] }, 0);
      for (const p of planes) checksum += p[0]!;
    }
  }
} else {
  await writeImage(warped, out!, { reduce: kernels.reduceBlock, ...(compression ? { compression: compression as Compression } : {}) });
}
const seconds = (performance.now() - t0) / 1000;
await warped.close();
await pool.close();
process.stdout.write(`${JSON.stringify({ seconds, mpx: (size * size) / 1e6, peakRssBytes: process.resourceUsage().maxRSS * 1024, checksum })}\n`);
