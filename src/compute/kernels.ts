// The kernel interface every compute backend implements (DESIGN §5): the same calls, the same bytes out.
// Backends: reference-kernels.ts (serial TS, the reference), serial-kernels.ts (serial, wasm SIMD where built),
// cpu/cpu-kernels.ts (worker pool, wasm SIMD in the workers); WebGPU later.

import type { Vec3 } from "../core/space.js";
import type { SmoothOptions } from "../kernels/gaussian-smooth.js";
import type { ResampleOptions, ResampleResult } from "../kernels/resample-common.js";
import type { Coordinates } from "../kernels/resample-at.js";
import type { ResampleFieldOptions } from "../kernels/resample-field.js";
import type { WindowSamplingInput } from "../kernels/sample-window.js";
import type { DType, PixelArray } from "../core/dtype.js";
import type { Region } from "../core/space.js";
import type { Factors } from "../pyramid/reduce.js";
import type { MappedTile, TileMapper } from "../warp/tile-mapper.js";
import type { Field, Image } from "../kernels/types.js";
import type { BSplineLattice } from "../kernels/bspline-lattice.js";
import type { DenseMeanSquaresOptions } from "../metrics/mean-squares.js";
import type { MetricResult } from "../metrics/metric.js";

/** Asynchronous versions of the kernels in kernels/, with the same arguments, meaning and results. */
export interface Kernels {
  /** Backend name for reports, e.g. "reference" or "cpu×4". */
  readonly name: string;
  resampleField(image: Image, field: Field, options?: ResampleFieldOptions): Promise<ResampleResult>;
  resampleAffine(image: Image, outShape: Vec3, matrix: ArrayLike<number>, options?: ResampleOptions): Promise<ResampleResult>;
  resampleAt(image: Image, coords: Coordinates, options?: ResampleOptions): Promise<ResampleResult>;
  /** out(x) = I(B·x + K·u(x)) on u's grid (kernels/resample-mapped.ts): resampleAt without the position array. */
  resampleMapped(image: Image, matrix: ArrayLike<number>, field: Field, options?: ResampleOptions): Promise<ResampleResult>;
  /**
   * The moving image warped through a B-spline lattice onto the fixed grid `shape`: samples at B·x + K·u(x), inside
   * mask and moving gradient (kernels/bspline-cost.ts latticeWarp, the B-spline stage's warp).
   */
  latticeWarp(moving: Image, matrix: ArrayLike<number>, lattice: BSplineLattice, shape: Vec3): Promise<ResampleResult>;
  /** The displacement of a B-spline lattice on the image grid `shape` (kernels/bspline-lattice.ts evaluateLattice). */
  evaluateLattice(lattice: BSplineLattice, shape: Vec3): Promise<Field>;
  /** ∂C/∂W on that warp pulled back onto the lattice's knots (kernels/bspline-cost.ts splatForce). */
  splatForce(dCdW: Float32Array, gradient: Field, matrix: ArrayLike<number>, lattice: BSplineLattice): Promise<Field>;
  /** A warp tile's moving positions, clipped to the moving image of `movingShape`, and their bounds (warp/tile-mapper.ts mapTile). */
  mapTile(mapper: TileMapper, region: Region, movingShape: Vec3): Promise<MappedTile>;
  /**
   * Hands back arrays this backend returned (mapTile's coords, sampleWindow's planes, latticeWarp's samples, mask and
   * gradient) once the caller is done with them, so the next call can reuse their memory; the caller must not touch
   * them afterwards. Others are ignored.
   */
  release(...arrays: PixelArray[]): void;
  /** A block of a pyramid level reduced to the next (pyramid/reduce.ts reduceBlock), in `dtype`. */
  reduceBlock(input: PixelArray, inRegion: Region, inShape: Vec3, out: Region, factors: Factors, dtype: DType): Promise<PixelArray>;
  /** Every channel of a warp's moving window at the same positions, in the window's dtype (kernels/sample-window.ts). */
  sampleWindow(sampling: WindowSamplingInput): Promise<PixelArray[]>;
  bsplineCoefficients(image: Image): Promise<Image>;
  gaussianSmooth(image: Image, sigma: number | Vec3, options?: SmoothOptions): Promise<Image>;
  gaussianSmoothField(field: Field, sigma: number | Vec3, options?: SmoothOptions): Promise<Field>;
  gradient(image: Image, spacing?: Vec3): Promise<Field>;
  composeFields(u: Field, v: Field): Promise<Field>;
  expVelocity(v: Field, steps?: number): Promise<Field>;
  jacobianDeterminant(field: Field, spacing?: Vec3): Promise<Image>;
  /**
   * Mean squares over every voxel (metrics/mean-squares.ts, without samples): its sum runs by fixed blocks, so every
   * backend and thread count gives the same bits. With `gradientInto` the derivative is written there.
   */
  meanSquares(fixed: Float32Array, warped: Float32Array, shape: Vec3, options?: DenseMeanSquaresOptions): Promise<MetricResult>;
  /** Σ data in float64 by fixed blocks (block-sums.ts): identical bits on every backend and thread count. */
  sum(data: Float32Array): Promise<number>;
  /**
   * `image` placed where this backend reads it without a copy per call (the CPU pool: shared memory; the reference:
   * the image itself), for an image many calls read, such as a registration level. The caller must not modify
   * `image.data` afterwards; the result's data may be it.
   */
  resident(image: Image): Promise<Image>;
}
