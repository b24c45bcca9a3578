// The serial reference backend: the kernels of kernels/ behind the async Kernels interface, run on the calling thread.
// Other backends must match it byte for byte (the conformance tests compare against it).

import { blockSum } from "../kernels/block-sums.js";
import { latticeWarp, splatForce } from "../kernels/bspline-cost.js";
import { evaluateLattice } from "../kernels/bspline-lattice.js";
import { bsplineCoefficients } from "../kernels/bspline-prefilter.js";
import { composeFields } from "../kernels/compose-fields.js";
import { expVelocity } from "../kernels/exp-velocity.js";
import { gaussianSmooth, gaussianSmoothField } from "../kernels/gaussian-smooth.js";
import { gradient } from "../kernels/gradient.js";
import { jacobianDeterminant } from "../kernels/jacobian-determinant.js";
import { resampleAffine } from "../kernels/resample-affine.js";
import { resampleAt } from "../kernels/resample-at.js";
import { resampleField } from "../kernels/resample-field.js";
import { resampleMapped } from "../kernels/resample-mapped.js";
import { sampleWindow } from "../kernels/sample-window.js";
import { mapTile } from "../warp/tile-mapper.js";
import { reduceBlock } from "../pyramid/reduce.js";
import { meanSquares } from "../metrics/mean-squares.js";
import type { Kernels } from "./kernels.js";

export const referenceKernels: Kernels = {
  name: "reference",
  resampleField: async (image, field, options) => resampleField(image, field, options),
  resampleAffine: async (image, outShape, matrix, options) => resampleAffine(image, outShape, matrix, options),
  resampleAt: async (image, coords, options) => resampleAt(image, coords, options),
  resampleMapped: async (image, matrix, field, options) => resampleMapped(image, matrix, field, options),
  latticeWarp: async (moving, matrix, lattice, shape) => latticeWarp(moving, matrix, lattice, shape),
  evaluateLattice: async (lattice, shape) => evaluateLattice(lattice, shape),
  splatForce: async (dCdW, gradient, matrix, lattice) => splatForce(dCdW, gradient, matrix, lattice),
  mapTile: async (mapper, region, movingShape) => mapTile(mapper, region, movingShape),
  sampleWindow: async (sampling) => sampleWindow(sampling),
  release: () => undefined,
  reduceBlock: async (input, inRegion, inShape, out, factors, dtype) => reduceBlock(input, inRegion, inShape, out, factors, dtype),
  bsplineCoefficients: async (image) => bsplineCoefficients(image),
  gaussianSmooth: async (image, sigma, options) => gaussianSmooth(image, sigma, options),
  gaussianSmoothField: async (field, sigma, options) => gaussianSmoothField(field, sigma, options),
  gradient: async (image, spacing) => gradient(image, spacing),
  composeFields: async (u, v) => composeFields(u, v),
  expVelocity: async (v, steps) => expVelocity(v, steps),
  jacobianDeterminant: async (field, spacing) => jacobianDeterminant(field, spacing),
  meanSquares: async (fixed, warped, shape, options) => meanSquares(fixed, warped, shape, options),
  sum: async (data) => blockSum(data),
  resident: async (image) => image,
};
