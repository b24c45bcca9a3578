import assert from "node:assert/strict";
import { test } from "node:test";
import {
  cubicBSpline, cubicBSplineDerivative, cubicBSplineWeightDerivatives, cubicBSplineWeights,
} from "../../src/metrics/cubic-bspline.js";

test("cubic B-spline: known values, partition of unity, support (−2, 2)", () => {
  assert.equal(cubicBSpline(0), 2 / 3);
  assert.equal(cubicBSpline(1), 1 / 6);
  assert.equal(cubicBSpline(-1), 1 / 6);
  assert.equal(cubicBSpline(2), 0);
  assert.equal(cubicBSpline(-2.5), 0);
  for (let t = -3; t <= 3; t += 0.0625) {
    let sum = 0;
    for (let k = -6; k <= 6; k++) sum += cubicBSpline(t - k);
    assert.ok(Math.abs(sum - 1) < 1e-15, `Σ β³(${t} − k) = ${sum}`);
  }
});

test("cubic B-spline derivative matches central differences, is odd and sums to 0 over the integer shifts", () => {
  const h = 1e-6;
  for (let x = -2.3; x <= 2.3; x += 0.037) {
    const numeric = (cubicBSpline(x + h) - cubicBSpline(x - h)) / (2 * h);
    assert.ok(Math.abs(cubicBSplineDerivative(x) - numeric) < 1e-8, `x = ${x}`);
    assert.ok(Math.abs(cubicBSplineDerivative(-x) + cubicBSplineDerivative(x)) < 1e-15);
    let sum = 0;
    for (let k = -4; k <= 4; k++) sum += cubicBSplineDerivative(x - k);
    assert.ok(Math.abs(sum) < 1e-14);
  }
  for (const knot of [-2, -1, 0, 1, 2]) // continuous at the knots
    assert.ok(Math.abs(cubicBSplineDerivative(knot - 1e-12) - cubicBSplineDerivative(knot + 1e-12)) < 1e-9);
});

test("the four-weight form equals β³(k − 1 − u) and its u-derivative −β³′(k − 1 − u)", () => {
  const w = new Float64Array(4), d = new Float64Array(4);
  for (let u = 0; u <= 1; u += 1 / 64) {
    cubicBSplineWeights(u, w);
    cubicBSplineWeightDerivatives(u, d);
    for (let k = 0; k < 4; k++) {
      assert.ok(Math.abs(w[k]! - cubicBSpline(k - 1 - u)) < 1e-15, `u = ${u}, k = ${k}`);
      assert.ok(Math.abs(d[k]! + cubicBSplineDerivative(k - 1 - u)) < 1e-15, `u = ${u}, k = ${k}`);
    }
  }
});
