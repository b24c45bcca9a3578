// The band kernels a worker can run, by name: each writes the output rows (or units) [start, end) of its arguments.
// The kernels themselves live in kernels/; this table is the contract between the pool and its workers.

import { blockSumsBand } from "../../kernels/block-sums.js";
import { prefilterStridedBand, prefilterXBand } from "../../kernels/bspline-prefilter.js";
import { gradientBand } from "../../kernels/gradient.js";
import { jacobianBand } from "../../kernels/jacobian-determinant.js";
import { resampleAffineBand } from "../../kernels/resample-affine.js";
import { resampleFieldBand } from "../../kernels/resample-field.js";
import { sampleWindowBand } from "../../kernels/sample-window.js";
import { mapTileBand } from "../../warp/tile-mapper.js";
import { reduceBlockBand } from "../../pyramid/reduce.js";
import { meanSquaresBlocksBand } from "../../metrics/mean-squares.js";
import { latticeSplatBandFast, latticeWarpBandFast } from "../wasm/bspline-cost.js";
import { evaluateLatticeBandFast } from "../wasm/bspline-lattice.js";
import { composeBandFast } from "../wasm/compose-fields.js";
import { resampleAtBandFast, resampleMappedBandFast } from "../wasm/resample-at.js";
import { smoothPassBandFast } from "../wasm/smooth-pass.js";

export const BAND_KERNELS = {
  resampleField: resampleFieldBand,
  resampleAffine: resampleAffineBand,
  resampleAt: resampleAtBandFast,
  resampleMapped: resampleMappedBandFast,
  latticeWarp: latticeWarpBandFast,
  latticeSplat: latticeSplatBandFast,
  evaluateLattice: evaluateLatticeBandFast,
  prefilterX: prefilterXBand,
  prefilterStrided: prefilterStridedBand,
  smoothPass: smoothPassBandFast,
  gradient: gradientBand,
  jacobian: jacobianBand,
  compose: composeBandFast,
  blockSums: blockSumsBand,
  meanSquares: meanSquaresBlocksBand,
  sampleWindow: sampleWindowBand,
  mapTile: mapTileBand,
  reduceBlock: reduceBlockBand,
} as const;

export type KernelName = keyof typeof BAND_KERNELS;

export type KernelArgs<K extends KernelName> = Parameters<(typeof BAND_KERNELS)[K]>[0];

/** The band kernel called `name`; throws, listing the kernels, for an unknown name. */
export function bandKernel(name: string): (args: unknown, start: number, end: number) => void {
  const kernel = (BAND_KERNELS as Record<string, (a: unknown, s: number, e: number) => void>)[name];
  if (!kernel) throw new RangeError(`unknown kernel "${name}"; kernels: ${Object.keys(BAND_KERNELS).join(", ")}`);
  return kernel;
}

/** Runs kernel `name` on units [start, end) of `args`. */
export function runBand(name: string, args: unknown, start: number, end: number): void {
  bandKernel(name)(args, start, end);
}
