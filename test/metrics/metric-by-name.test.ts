import assert from "node:assert/strict";
import { test } from "node:test";
import { localNcc } from "../../src/metrics/local-ncc.js";
import { mattesMutualInformation } from "../../src/metrics/mattes-mutual-information.js";
import { meanSquares } from "../../src/metrics/mean-squares.js";
import { METRIC_NAMES, metricByName } from "../../src/metrics/metric-by-name.js";
import { seeded } from "../helpers/rng.js";
import { SHAPE_2D, randomImage, randomMask } from "./fixtures.js";

test("metricByName gives each metric with its own options", () => {
  const rng = seeded(61), shape = SHAPE_2D;
  const f = randomImage(rng, shape), w = randomImage(rng, shape), fixedMask = randomMask(rng, f.length);
  assert.deepEqual(METRIC_NAMES, ["mse", "ncc", "mi"]);
  assert.deepEqual(metricByName("mse")(f, w, shape, { fixedMask }), meanSquares(f, w, shape, { fixedMask }));
  assert.deepEqual(metricByName("ncc")(f, w, shape, { radius: 2, fixedMask }), localNcc(f, w, shape, { radius: 2, fixedMask }));
  assert.deepEqual(metricByName("mi")(f, w, shape, { bins: 20 }), mattesMutualInformation(f, w, shape, { bins: 20 }));
});

test("metricByName rejects an unknown name, listing the allowed set", () => {
  assert.throws(() => metricByName("nmi"), { code: "E_OPTION", message: 'metric: got "nmi"; expected one of "mse", "ncc", "mi"' });
});

test("a metric from the registry rejects another metric's options and needs its own required ones", () => {
  const f = new Float32Array(12), shape = [1, 3, 4] as [number, number, number];
  assert.throws(() => metricByName("mse")(f, f, shape, { bins: 16 }), {
    message: 'bins: got 16; expected no such option for metric "mse"; its options are fixedMask, movingMask, samples',
  });
  assert.throws(() => metricByName("ncc")(f, f, shape, { radius: 1, samples: new Int32Array(3) }), {
    message: 'samples: got "3 values"; expected no such option for metric "ncc"; its options are fixedMask, movingMask, radius, gradientMode, epsilon',
  });
  assert.throws(() => metricByName("ncc")(f, f, shape, {}), { message: 'radius: got undefined; expected a window radius in voxels for metric "ncc", e.g. 2' });
  assert.doesNotThrow(() => metricByName("mi")(f, f, shape, { radius: undefined }));
});
