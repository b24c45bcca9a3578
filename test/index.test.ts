import assert from "node:assert/strict";
import { test } from "node:test";
import * as api from "../src/index.js";

test("the public export list is deliberate (update this snapshot when adding to the API)", () => {
  assert.deepEqual(Object.keys(api).sort(), [
    "AbortedError", "BudgetError", "DTYPES", "InputError", "OptionError", "OutputError", "READABLE_FORMATS", "TeraregError",
    "WRITABLE_FORMATS", "allocatePixels", "arraySource", "bytesPerSample", "deformationOf", "formatLandmarks", "freeMemoryBudget", "indexToPhysical", "isTeraregError",
    "levelSpace", "loadTransform", "makePlan", "mapPoints", "mapPointsInverse", "openImage", "parseLandmarks", "patternSource",
    "physicalToIndex", "planFiles", "pyramidLevels", "readLandmarks", "registerChunked", "registerImages", "rejectNaN", "saveTransform", "toDisplacementGrid", "voxelCount",
    "warpedSource", "withPyramid", "writeImage",
  ]);
});
