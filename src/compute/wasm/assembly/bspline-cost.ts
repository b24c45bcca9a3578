// The two B-spline cost steps around the lattice kernels (bspline-lattice.ts) in wasm: the warped positions of a block
// evaluated by latticeEvaluateBlock, and the force ∂C/∂u of a block (src/kernels/bspline-cost.ts projectForce).

import { widen2 } from "./simd";

/**
 * Positions c = B·x + K·u(x) (src/kernels/resample-mapped.ts mappedRows, the same operations in the same order) for
 * the voxels (z, y0 + k, x) of a block laid out [nz, by, nx]: u the block's `ndim` float32 component planes
 * (nz·by·nx apart, components [z,] y, x), `b` 16 float64 (row-major 4×4), float64 planes out at `pos` ([z,] y, x).
 */
export function latticePositions(u: usize, pos: usize, b: usize, nz: i32, y0: i32, by: i32, nx: i32, ndim: i32): void {
  const n = nz * by * nx, uPlane = <usize>n << 2, first = ndim == 3 ? 0 : 1;
  for (let r = first; r < 3; r++) {
    const row = b + (<usize>(r * 4) << 3);
    const b0 = load<f64>(row), b1 = load<f64>(row + 8), b2 = load<f64>(row + 16), b3 = load<f64>(row + 24);
    const o = pos + (<usize>((r - first) * n) << 3);
    const v0 = f64x2.splat(b0), v1 = f64x2.splat(b1), v2 = f64x2.splat(b2), two = f64x2.splat(2);
    for (let z = 0; z < nz; z++) {
      for (let k = 0; k < by; k++) {
        const base = b0 * <f64>z + b1 * <f64>(y0 + k) + b3, vb = f64x2.splat(base);
        const line = (z * by + k) * nx;
        // Two voxels at a time, each lane doing the scalar loop's operations in its order (same bytes).
        let x = 0, xs = f64x2(0, 1);
        for (; x + 2 <= nx; x += 2, xs = f64x2.add(xs, two)) {
          const i = <usize>(line + x), d = u + (i << 2);
          const c = f64x2.add(vb, f64x2.mul(v2, xs));
          let s: v128;
          if (ndim == 3) {
            s = f64x2.add(f64x2.add(f64x2.mul(v0, widen2(d)), f64x2.mul(v1, widen2(d + uPlane))), f64x2.mul(v2, widen2(d + 2 * uPlane)));
          } else {
            s = f64x2.add(f64x2.mul(v1, widen2(d)), f64x2.mul(v2, widen2(d + uPlane)));
          }
          v128.store(o + (i << 3), f64x2.add(c, s));
        }
        for (; x < nx; x++) {
          const i = <usize>(line + x), d = u + (i << 2);
          let c = base + b2 * <f64>x;
          if (ndim == 3) c += b0 * <f64>load<f32>(d) + b1 * <f64>load<f32>(d + uPlane) + b2 * <f64>load<f32>(d + 2 * uPlane);
          else c += b1 * <f64>load<f32>(d) + b2 * <f64>load<f32>(d + uPlane);
          store<f64>(o + (i << 3), c);
        }
      }
    }
  }
}

/**
 * The force of `n` voxels for component a: out[i] = dw[i] · (0 + k0·g0[i] + k1·g1[i] + k2·g2[i]) rounded to float32
 * (2D: 0 + k1·g0[i] + k2·g1[i]), 0 where dw[i] is 0. dw, out: float32; g: `ndim` float32 planes `n` apart; k: the
 * column a of B's linear part, k0 unused in 2D.
 */
export function projectBlock(dw: usize, g: usize, n: i32, ndim: i32, k0: f64, k1: f64, k2: f64, out: usize): void {
  const plane = <usize>n << 2;
  if (ndim == 3) {
    for (let i = 0; i < n; i++) {
      const o = <usize>i << 2, w = <f64>load<f32>(dw + o);
      store<f32>(out + o, w != 0
        ? <f32>(w * (0 + k0 * <f64>load<f32>(g + o) + k1 * <f64>load<f32>(g + plane + o) + k2 * <f64>load<f32>(g + 2 * plane + o)))
        : 0);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const o = <usize>i << 2, w = <f64>load<f32>(dw + o);
      store<f32>(out + o, w != 0 ? <f32>(w * (0 + k1 * <f64>load<f32>(g + o) + k2 * <f64>load<f32>(g + plane + o))) : 0);
    }
  }
}
