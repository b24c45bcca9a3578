// The CPU backend: each kernel checked as in kernels/, then its bands run on the worker pool over shared memory.
// Multi-pass kernels (B-spline prefilter, separable smoothing) run one pool call per pass, so passes never overlap.

import { allocatePixels, type DType, type PixelArray } from "../../core/dtype.js";
import { voxelCount } from "../../core/space.js";
import { blockCount, combineBlockSums } from "../../kernels/block-sums.js";
import { prefilterUnits } from "../../kernels/bspline-prefilter.js";
import { checkSameGrid, checkField, checkImage, imageNdim, rowCount, type Field, type Image } from "../../kernels/types.js";
import { resolveExpSteps } from "../../kernels/exp-velocity.js";
import { scaleField } from "../../kernels/field-arithmetic.js";
import { planSmoothing, runSmoothing, type SmoothPass } from "../../kernels/gaussian-smooth.js";
import { checkSpacing } from "../../kernels/gradient.js";
import { sampleResult, type ResolvedResample } from "../../kernels/resample-common.js";
import { checkResampleAffine, resampleAffineArgs } from "../../kernels/resample-affine.js";
import { checkResampleAt, resampleAtArgs } from "../../kernels/resample-at.js";
import { checkResampleField, resampleFieldArgs } from "../../kernels/resample-field.js";
import { checkResampleMapped, resampleMappedArgs } from "../../kernels/resample-mapped.js";
import type { Vec3 } from "../../core/space.js";
import type { Kernels } from "../kernels.js";
import type { Pool } from "./pool.js";
import { mappedBounds, type TileMapper } from "../../warp/tile-mapper.js";
import { reduceUnits } from "../../pyramid/reduce.js";
import { meanSquaresBlockArgs, meanSquaresBlockResult } from "../../metrics/mean-squares.js";
import { wasmKernels } from "../wasm/wasm-module.js";
import { checkEvaluateLattice } from "../../kernels/bspline-lattice.js";
import { latticeSplatArgs, latticeSplatResult, latticeWarpArgs, latticeWarpResult } from "../wasm/bspline-cost.js";
import { referenceKernels } from "../reference-kernels.js";

/** Arrays of one size kept for reuse (cpuKernels' release). */
const BIN_DEPTH = 8;
/** Array sizes kept for reuse at once. */
const BIN_SIZES = 8;

/** The Kernels interface on `pool`; the pool stays the caller's to close. Results are byte-identical to the reference. */
export function cpuKernels(pool: Pool): Kernels {
  // Output arrays this backend made for a warp (mapTile's positions, sampleWindow's planes), handed back by release()
  // and kept by type and length for the next tile: a warp asks for the same few sizes thousands of times, and fresh
  // shared memory costs page faults and forced collections. Only arrays made here are taken back (`ours`), at most
  // BIN_DEPTH of a size and BIN_SIZES sizes (edge tiles bring odd sizes; the least recently used size is dropped).
  const bins = new Map<string, PixelArray[]>(), ours = new WeakSet<PixelArray>();
  const take = (dtype: DType, n: number): PixelArray => {
    const a = bins.get(`${allocatePixels(dtype, 0).constructor.name}:${n}`)?.pop() ?? pool.pixels(dtype, n);
    ours.add(a);
    return a;
  };
  const release = (...arrays: PixelArray[]): void => {
    for (const a of arrays) {
      if (!ours.has(a)) continue;
      ours.delete(a);
      const key = `${a.constructor.name}:${a.length}`, bin = bins.get(key) ?? [];
      if (bin.length < BIN_DEPTH) bin.push(a);
      // Most recently used size last; past BIN_SIZES sizes, the least recently used goes.
      bins.delete(key);
      bins.set(key, bin);
      if (bins.size > BIN_SIZES) bins.delete(bins.keys().next().value!);
    }
  };
  const reusable = { float32: (n: number) => take("float32", n) as Float32Array, uint8: (n: number) => take("uint8", n) as Uint8Array };
  // A warp's mapper with its arrays (the displacement grid above all) copied to shared memory once, not per tile.
  const sharedMappers = new WeakMap<TileMapper, TileMapper>();
  const shareArrays = <T>(value: T): T => {
    if (ArrayBuffer.isView(value)) return pool.share(value as unknown as Float64Array) as unknown as T;
    if (Array.isArray(value)) return value.map(shareArrays) as unknown as T;
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shareArrays(v)])) as T;
    }
    return value;
  };
  const coefficients = async (image: Image): Promise<Image> => {
    checkImage("bsplineCoefficients: image", image);
    const data = pool.allocate.float32(image.data.length);
    data.set(image.data);
    const args = { data, shape: image.shape };
    await pool.run("prefilterX", args, rowCount(image.shape));
    await pool.run("prefilterStrided", { ...args, axis: 1 }, prefilterUnits(image.shape, 1));
    if (image.shape[0] > 1) await pool.run("prefilterStrided", { ...args, axis: 0 }, prefilterUnits(image.shape, 0));
    return { data, shape: [...image.shape] };
  };
  const sourceOf = async (image: Image, r: ResolvedResample): Promise<Float32Array> =>
    r.interpolation === "cubic" && !r.prefiltered ? (await coefficients(image)).data : pool.share(image.data);
  const smooth = async (data: Float32Array, shape: Vec3, planes: number, passes: SmoothPass[]): Promise<Float32Array> => {
    const out = pool.allocate.float32(data.length);
    const tmp = passes.length > 1 ? pool.allocate.float32(data.length) : out;
    await runSmoothing(pool.share(data), out, tmp, shape, planes, passes, (args, rows) => pool.run("smoothPass", args, rows));
    return out;
  };
  const compose = async (u: Field, v: Field): Promise<Field> => {
    checkField("composeFields: u", u);
    checkField("composeFields: v", v);
    checkSameGrid("composeFields: u", u, "composeFields: v", v);
    const out = pool.allocate.float32(u.data.length);
    await pool.run("compose", { u: pool.share(u.data), v: pool.share(v.data), shape: u.shape, ndim: u.ndim, out }, rowCount(u.shape));
    return { data: out, shape: [...u.shape], ndim: u.ndim };
  };
  return {
    name: `cpu×${pool.threads}${wasmKernels() ? "+wasm" : ""}`,
    async resampleField(image, field, options = {}) {
      const r = checkResampleField(image, field, options);
      const shared = { ...field, data: pool.share(field.data) };
      const args = resampleFieldArgs(await sourceOf(image, r), image.shape, shared, r, options.offset, pool.allocate);
      await pool.run("resampleField", args, rowCount(field.shape));
      return sampleResult(args);
    },
    async resampleAffine(image, outShape, matrix, options = {}) {
      const r = checkResampleAffine(image, outShape, matrix, options);
      const args = resampleAffineArgs(await sourceOf(image, r), image.shape, outShape, matrix, r, pool.allocate);
      await pool.run("resampleAffine", args, rowCount(outShape));
      return sampleResult(args);
    },
    async resampleAt(image, coords, options = {}) {
      const r = checkResampleAt(image, coords, options);
      const shared = { ...coords, data: pool.share(coords.data) };
      const args = resampleAtArgs(await sourceOf(image, r), image.shape, shared, r, pool.allocate);
      await pool.run("resampleAt", args, rowCount(coords.shape));
      return sampleResult(args);
    },
    async resampleMapped(image, matrix, field, options = {}) {
      const r = checkResampleMapped(image, matrix, field, options);
      const shared = { ...field, data: pool.share(field.data) };
      const args = resampleMappedArgs(await sourceOf(image, r), image.shape, matrix, shared, r, pool.allocate);
      await pool.run("resampleMapped", args, rowCount(field.shape));
      return sampleResult(args);
    },
    async latticeWarp(moving, matrix, lattice, shape) {
      // The band kernels are wasm only; without kernels.wasm this runs the reference on the calling thread.
      if (!wasmKernels()) return referenceKernels.latticeWarp(moving, matrix, lattice, shape);
      // The outputs come from the bins: the B-spline stage releases them after each splat, so an L-BFGS run writes the
      // same few arrays every iteration instead of fresh shared memory (whose first writes fault in page by page).
      const args = latticeWarpArgs(moving, matrix, lattice, shape, reusable, (a) => pool.share(a));
      await pool.run("latticeWarp", args, shape[1]);
      return latticeWarpResult(args);
    },
    async evaluateLattice(lattice, shape) {
      if (!wasmKernels()) return referenceKernels.evaluateLattice(lattice, shape);
      checkEvaluateLattice(lattice, shape);
      const nd = lattice.coefficients.ndim, out = pool.allocate.float32(nd * voxelCount(shape));
      await pool.run("evaluateLattice", { lattice, shape: [...shape], out }, shape[1]);
      return { data: out, shape: [...shape], ndim: nd };
    },
    async splatForce(dCdW, gradient, matrix, lattice) {
      if (!wasmKernels()) return referenceKernels.splatForce(dCdW, gradient, matrix, lattice);
      const args = latticeSplatArgs(dCdW, gradient, matrix, lattice, pool.allocate, (a) => pool.share(a));
      await pool.run("latticeSplat", args, lattice.coefficients.shape[1]);
      return latticeSplatResult(args);
    },
    async mapTile(mapper, region, movingShape) {
      let shared = sharedMappers.get(mapper);
      if (!shared) sharedMappers.set(mapper, (shared = shareArrays(mapper)));
      const rows = region.size[0] * region.size[1];
      const coords = take("float64", mapper.ndim * voxelCount(region.size)) as Float64Array, bounds = pool.allocate.float64(7 * rows);
      await pool.run("mapTile", { mapper: shared, region, movingShape, coords, bounds }, rows);
      return { coords, bounds: mappedBounds(bounds) };
    },
    async reduceBlock(input, inRegion, inShape, out, factors, dtype) {
      const result = pool.pixels(dtype, voxelCount(out.size));
      await pool.run("reduceBlock", { input: pool.share(input), inRegion, inShape, out, factors, dtype, result }, reduceUnits(out, inRegion));
      return result;
    },
    async sampleWindow(sampling) {
      // Positions are the unit of work: each worker samples every channel over its share of them.
      const planes = sampling.planes.map((p) => pool.share(p)), coords = pool.share(sampling.coords);
      const outs = planes.map(() => take(sampling.dtype, sampling.n));
      await pool.run("sampleWindow", { ...sampling, planes, coords, outs }, sampling.n);
      return outs;
    },
    release,
    bsplineCoefficients: coefficients,
    async gaussianSmooth(image, sigma, options) {
      checkImage("gaussianSmooth: image", image);
      const passes = planSmoothing("gaussianSmooth", image.shape, sigma, options);
      return { data: await smooth(image.data, image.shape, 1, passes), shape: [...image.shape] };
    },
    async gaussianSmoothField(field, sigma, options) {
      checkField("gaussianSmoothField: field", field);
      const passes = planSmoothing("gaussianSmoothField", field.shape, sigma, options);
      return { data: await smooth(field.data, field.shape, field.ndim, passes), shape: [...field.shape], ndim: field.ndim };
    },
    async gradient(image, spacing) {
      checkImage("gradient: image", image);
      const s = checkSpacing("gradient", spacing);
      const ndim = imageNdim(image.shape);
      const out = pool.allocate.float32(ndim * voxelCount(image.shape));
      await pool.run("gradient", { src: pool.share(image.data), shape: image.shape, spacing: s, out }, rowCount(image.shape));
      return { data: out, shape: [...image.shape], ndim };
    },
    composeFields: compose,
    async expVelocity(v, steps) {
      const n = resolveExpSteps(v, steps);
      let u = scaleField(v, 2 ** -n);
      for (let i = 0; i < n; i++) u = await compose(u, u);
      return u;
    },
    async jacobianDeterminant(field, spacing) {
      checkField("jacobianDeterminant: field", field);
      const s = checkSpacing("jacobianDeterminant", spacing);
      const out = pool.allocate.float32(voxelCount(field.shape));
      await pool.run("jacobian", { field: pool.share(field.data), shape: field.shape, ndim: field.ndim, spacing: s, out }, rowCount(field.shape));
      return { data: out, shape: [...field.shape] };
    },
    async resident(image) {
      checkImage("resident: image", image);
      return { data: pool.share(image.data), shape: [...image.shape] };
    },
    async meanSquares(fixed, warped, shape, options = {}) {
      const { args, count } = meanSquaresBlockArgs(fixed, warped, shape, options, pool.allocate, (a) => pool.share(a));
      if (count > 0) await pool.run("meanSquares", args, args.out.length);
      const result = meanSquaresBlockResult(args, count), into = options.gradientInto;
      // A gradientInto off shared memory was written through a shared copy.
      if (into && into !== result.gradient) {
        into.set(result.gradient);
        result.gradient = into;
      }
      return result;
    },
    async sum(data) {
      const out = pool.allocate.float64(blockCount(data.length));
      await pool.run("blockSums", { data: pool.share(data), out }, out.length);
      return combineBlockSums(out);
    },
  };
}
