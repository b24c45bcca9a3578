// The serial backend for work that already runs one job per thread (chunk jobs, single registrations): the reference
// kernels, with the wasm SIMD band kernels passed in where kernels.wasm has them. Same bytes as the reference.

import { composeFields } from "../kernels/compose-fields.js";
import { gaussianSmooth, gaussianSmoothField } from "../kernels/gaussian-smooth.js";
import { resampleAt } from "../kernels/resample-at.js";
import { heapAllocator } from "../kernels/resample-common.js";
import { resampleMapped } from "../kernels/resample-mapped.js";
import type { Kernels } from "./kernels.js";
import { referenceKernels } from "./reference-kernels.js";
import {
  latticeSplatArgs, latticeSplatBandWasm, latticeSplatResult, latticeWarpArgs, latticeWarpBandWasm, latticeWarpResult,
} from "./wasm/bspline-cost.js";
import { evaluateLatticeFast } from "./wasm/bspline-lattice.js";
import { composeBandFast } from "./wasm/compose-fields.js";
import { resampleAtBandFast, resampleMappedBandFast } from "./wasm/resample-at.js";
import { smoothPassBandFast } from "./wasm/smooth-pass.js";
import { wasmKernels } from "./wasm/wasm-module.js";

export const serialKernels: Kernels = {
  ...referenceKernels,
  name: wasmKernels() ? "serial+wasm" : "serial",
  resampleAt: async (image, coords, options) => resampleAt(image, coords, options, resampleAtBandFast),
  resampleMapped: async (image, matrix, field, options) => resampleMapped(image, matrix, field, options, resampleMappedBandFast),
  latticeWarp: async (moving, matrix, lattice, shape) => {
    const wasm = wasmKernels();
    if (!wasm) return referenceKernels.latticeWarp(moving, matrix, lattice, shape);
    const args = latticeWarpArgs(moving, matrix, lattice, shape, heapAllocator);
    latticeWarpBandWasm(wasm, args, 0, shape[1]);
    return latticeWarpResult(args);
  },
  evaluateLattice: async (lattice, shape) => evaluateLatticeFast(lattice, shape),
  splatForce: async (dCdW, gradient, matrix, lattice) => {
    const wasm = wasmKernels();
    if (!wasm) return referenceKernels.splatForce(dCdW, gradient, matrix, lattice);
    const args = latticeSplatArgs(dCdW, gradient, matrix, lattice, heapAllocator);
    latticeSplatBandWasm(wasm, args, 0, lattice.coefficients.shape[1]);
    return latticeSplatResult(args);
  },
  composeFields: async (u, v) => composeFields(u, v, composeBandFast),
  gaussianSmooth: async (image, sigma, options) => gaussianSmooth(image, sigma, options, smoothPassBandFast),
  gaussianSmoothField: async (field, sigma, options) => gaussianSmoothField(field, sigma, options, smoothPassBandFast),
};
