// The serial backend for work that already runs one job per thread (chunk jobs, single registrations): the reference
// kernels, with the wasm SIMD versions swapped in where kernels.wasm has them. Same bytes as the reference.

import { bsplineCoefficients } from "../kernels/bspline-prefilter.js";
import { checkResampleAt, resampleAtArgs } from "../kernels/resample-at.js";
import { checkResampleMapped, resampleMappedArgs } from "../kernels/resample-mapped.js";
import { sampleResult } from "../kernels/resample-common.js";
import { checkField, checkImage, checkSameGrid, rowCount } from "../kernels/types.js";
import { planSmoothing, smoothInline } from "../kernels/gaussian-smooth.js";
import type { Kernels } from "./kernels.js";
import { referenceKernels } from "./reference-kernels.js";
import { composeBandFast } from "./wasm/compose-fields.js";
import { resampleAtBandFast, resampleMappedBandFast } from "./wasm/resample-at.js";
import { smoothPassBandFast } from "./wasm/smooth-pass.js";
import { wasmKernels } from "./wasm/wasm-module.js";

export const serialKernels: Kernels = {
  ...referenceKernels,
  name: wasmKernels() ? "serial+wasm" : "serial",
  resampleAt: async (image, coords, options) => {
    const r = checkResampleAt(image, coords, options);
    const source = r.interpolation === "cubic" && !r.prefiltered ? bsplineCoefficients(image).data : image.data;
    const args = resampleAtArgs(source, image.shape, coords, r);
    resampleAtBandFast(args, 0, rowCount(coords.shape));
    return sampleResult(args);
  },
  resampleMapped: async (image, matrix, field, options) => {
    const r = checkResampleMapped(image, matrix, field, options);
    const source = r.interpolation === "cubic" && !r.prefiltered ? bsplineCoefficients(image).data : image.data;
    const args = resampleMappedArgs(source, image.shape, matrix, field, r);
    resampleMappedBandFast(args, 0, rowCount(field.shape));
    return sampleResult(args);
  },
  composeFields: async (u, v) => {
    checkField("composeFields: u", u);
    checkField("composeFields: v", v);
    checkSameGrid("composeFields: u", u, "composeFields: v", v);
    const out = new Float32Array(u.data.length);
    composeBandFast({ u: u.data, v: v.data, shape: u.shape, ndim: u.ndim, out }, 0, rowCount(u.shape));
    return { data: out, shape: [...u.shape], ndim: u.ndim };
  },
  gaussianSmooth: async (image, sigma, options) => {
    checkImage("gaussianSmooth: image", image);
    const passes = planSmoothing("gaussianSmooth", image.shape, sigma, options);
    return { data: smoothInline(image.data, image.shape, 1, passes, smoothPassBandFast), shape: [...image.shape] };
  },
  gaussianSmoothField: async (field, sigma, options) => {
    checkField("gaussianSmoothField: field", field);
    const passes = planSmoothing("gaussianSmoothField", field.shape, sigma, options);
    return { data: smoothInline(field.data, field.shape, field.ndim, passes, smoothPassBandFast), shape: [...field.shape], ndim: field.ndim };
  },
};
