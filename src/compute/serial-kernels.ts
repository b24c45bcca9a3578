// The serial backend for work that already runs one job per thread (chunk jobs, single registrations): the reference
// kernels, with the wasm SIMD band kernels passed in where kernels.wasm has them. Same bytes as the reference.

import { composeFields } from "../kernels/compose-fields.js";
import { gaussianSmooth, gaussianSmoothField } from "../kernels/gaussian-smooth.js";
import { resampleAt } from "../kernels/resample-at.js";
import { resampleMapped } from "../kernels/resample-mapped.js";
import type { Kernels } from "./kernels.js";
import { referenceKernels } from "./reference-kernels.js";
import { composeBandFast } from "./wasm/compose-fields.js";
import { resampleAtBandFast, resampleMappedBandFast } from "./wasm/resample-at.js";
import { smoothPassBandFast } from "./wasm/smooth-pass.js";
import { wasmKernels } from "./wasm/wasm-module.js";

export const serialKernels: Kernels = {
  ...referenceKernels,
  name: wasmKernels() ? "serial+wasm" : "serial",
  resampleAt: async (image, coords, options) => resampleAt(image, coords, options, resampleAtBandFast),
  resampleMapped: async (image, matrix, field, options) => resampleMapped(image, matrix, field, options, resampleMappedBandFast),
  composeFields: async (u, v) => composeFields(u, v, composeBandFast),
  gaussianSmooth: async (image, sigma, options) => gaussianSmooth(image, sigma, options, smoothPassBandFast),
  gaussianSmoothField: async (field, sigma, options) => gaussianSmoothField(field, sigma, options, smoothPassBandFast),
};
