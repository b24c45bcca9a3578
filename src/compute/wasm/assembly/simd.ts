// Small SIMD helpers the wasm kernels share: widening float32 samples into float64 lanes, exactly as the scalar
// kernels' <f64>load<f32> does per value.

/** The two float32 at `p`, widened to float64 lanes. */
@inline export function widen2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}
