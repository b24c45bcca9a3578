// The cubic B-spline kernel β³ and its derivative, the Parzen window of Mattes mutual information.
// B-spline transforms have their own evaluation in transforms/; this file serves the histogram only.

/**
 * Centred cubic B-spline: β³(x) = 2/3 − x² + |x|³/2 for |x| < 1, (2 − |x|)³/6 for 1 ≤ |x| < 2, 0 beyond.
 * C², support (−2, 2), Σ_k β³(x − k) = 1 for every x (partition of unity), so a Parzen histogram keeps mass 1.
 * @see Unser (1999) Splines: a perfect fit for signal and image processing, IEEE Signal Process. Mag. 16(6):22–38.
 */
export function cubicBSpline(x: number): number {
  const a = Math.abs(x);
  if (a < 1) return 2 / 3 - a * a + (a * a * a) / 2;
  if (a < 2) return ((2 - a) * (2 - a) * (2 - a)) / 6;
  return 0;
}

/** dβ³/dx: −2x + (3/2) x|x| for |x| < 1, −sign(x) (2 − |x|)²/2 for 1 ≤ |x| < 2, 0 beyond. */
export function cubicBSplineDerivative(x: number): number {
  const a = Math.abs(x);
  if (a < 1) return -2 * x + 1.5 * x * a;
  if (a < 2) return (x < 0 ? 0.5 : -0.5) * (2 - a) * (2 - a);
  return 0;
}

/**
 * The four non-zero weights β³(k − 1 − u), k = 0…3, of a point at fraction u ∈ [0, 1] past a knot, written to out[0…3]:
 * (1 − u)³/6, (3u³ − 6u² + 4)/6, (−3u³ + 3u² + 3u + 1)/6, u³/6. Same values as {@link cubicBSpline}, without branches.
 */
export function cubicBSplineWeights(u: number, out: Float64Array): void {
  const v = 1 - u, u2 = u * u, u3 = u2 * u;
  out[0] = (v * v * v) / 6;
  out[1] = (3 * u3 - 6 * u2 + 4) / 6;
  out[2] = (-3 * u3 + 3 * u2 + 3 * u + 1) / 6;
  out[3] = u3 / 6;
}

/** d/du of the four weights of {@link cubicBSplineWeights}: −(1 − u)²/2, 3u²/2 − 2u, −3u²/2 + u + 1/2, u²/2. */
export function cubicBSplineWeightDerivatives(u: number, out: Float64Array): void {
  const v = 1 - u, u2 = u * u;
  out[0] = -(v * v) / 2;
  out[1] = 1.5 * u2 - 2 * u;
  out[2] = -1.5 * u2 + u + 0.5;
  out[3] = u2 / 2;
}
