// The public API of terareg: the only entry point for library users. Its export list is snapshot-tested
// (test/index.test.ts), so every addition is a reviewed decision.

export type { DType, PixelArray } from "./core/dtype.js";
export { DTYPES, allocatePixels, bytesPerSample } from "./core/dtype.js";
export type { ImageMeta, LevelInfo, Mat3, Region, Space, Vec3 } from "./core/space.js";
export { indexToPhysical, physicalToIndex, levelSpace, voxelCount } from "./core/space.js";
export type { ReadOptions, Source } from "./core/source.js";
export type { ProgressEvent, ProgressFn } from "./core/progress.js";
export { AbortedError, BudgetError, InputError, OptionError, OutputError, TeraregError, isTeraregError } from "./core/errors.js";
export { openImage, READABLE_FORMATS } from "./io/open.js";
export { writeImage, WRITABLE_FORMATS } from "./io/write.js";
export type { Compression, WriteOptions } from "./io/write-options.js";
export { arraySource } from "./io/array-source.js";
export { patternSource } from "./io/pattern-source.js";
export { rejectNaN } from "./io/reject-nan.js";
export { pyramidLevels } from "./pyramid/levels.js";
export { withPyramid } from "./pyramid/with-pyramid.js";
export { registerImages } from "./registration/register-images.js";
export type { RegisterOptions, RegistrationResult, RegistrationEvent, MetricChoice, DenseMode } from "./registration/register-images.js";
export type { Preset } from "./registration/presets.js";
export type { RegistrationTransform, DisplacementGrid, VelocityGrid, BSplineGrid, Deformation } from "./transforms/registration-transform.js";
export { deformationOf, mapPoints, mapPointsInverse } from "./transforms/registration-transform.js";
export { toDisplacementGrid } from "./transforms/to-displacement-grid.js";
export { loadTransform, saveTransform } from "./transforms/transform-io.js";
export { warpedSource } from "./warp/warped-source.js";
export type { WarpOptions } from "./warp/warped-source.js";
export { readLandmarks, parseLandmarks, formatLandmarks } from "./io/landmarks.js";
export { registerChunked, planFiles } from "./chunked/register-chunked.js";
export type { ChunkedRunOptions, ChunkedRunResult, ChunkSummary } from "./chunked/register-chunked.js";
export { makePlan, freeMemoryBudget } from "./chunked/plan.js";
export type { Plan, PlanOptions } from "./chunked/plan.js";
