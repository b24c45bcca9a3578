// AssemblyScript entry of kernels.wasm: the wasm SIMD versions of the hottest band kernels, exported to the loader
// (../wasm-module.ts). Each file here mirrors a TS reference kernel in src/kernels/ operation for operation.

export { smoothX, smoothStrided } from "./smooth";
export { nccBegin, nccFixedSlab, nccWarpedSlab, nccCountedSlab, nccGradientSlab, nccSum, nccStep, nccTail, nccScratchBytes } from "./local-ncc";
export { composeLinearAt, composePositions, finiteRange, mappedPositions, sampleLinearAt } from "./resample-linear";
export { latticeEvaluateBlock, latticeRows, latticeSplatBlock, latticeSplatX } from "./bspline-lattice";
export { latticePositions, projectBlock } from "./bspline-cost";
