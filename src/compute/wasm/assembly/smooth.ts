// Gaussian smoothing passes (src/kernels/gaussian-smooth.ts smoothPassBand) in wasm SIMD: float32 in and out,
// float64 weights and sums in the reference's order, two outputs per f64x2, so the bytes equal the reference's.

import { widen2 } from "./simd";

/**
 * Pass along x over `rows` rows of `nx` float32 at `src`, into `dst`: out = w₀·a + Σ_{k=1..R} w_k (a₋ₖ + a₊ₖ), the
 * row padded by replication in the float64 scratch `pad` (nx + 2R values). `w`: the half kernel, R + 1 float64.
 */
export function smoothX(src: usize, dst: usize, pad: usize, w: usize, radius: i32, rows: i32, nx: i32): void {
  const w0 = load<f64>(w), w0v = f64x2.splat(w0);
  const rowBytes = <usize>nx << 2, r = <usize>radius;
  for (let g = 0; g < rows; g++) {
    const o = src + <usize>g * rowBytes, od = dst + <usize>g * rowBytes;
    const first = <f64>load<f32>(o), last = <f64>load<f32>(o + rowBytes - 4);
    for (let k: usize = 0; k < r; k++) {
      store<f64>(pad + (k << 3), first);
      store<f64>(pad + ((r + <usize>nx + k) << 3), last);
    }
    for (let x: usize = 0; x < <usize>nx; x++) store<f64>(pad + ((r + x) << 3), <f64>load<f32>(o + (x << 2)));
    let x = 0;
    for (; x + 2 <= nx; x += 2) {
      const c = pad + ((r + <usize>x) << 3);
      let acc = f64x2.mul(w0v, v128.load(c));
      for (let k: usize = 1; k <= r; k++) {
        const wk = f64x2.splat(load<f64>(w + (k << 3)));
        acc = f64x2.add(acc, f64x2.mul(wk, f64x2.add(v128.load(c - (k << 3)), v128.load(c + (k << 3)))));
      }
      v128.store64_lane(od + (<usize>x << 2), f32x4.demote_f64x2_zero(acc), 0);
    }
    for (; x < nx; x++) {
      const c = pad + ((r + <usize>x) << 3);
      let acc = w0 * load<f64>(c);
      for (let k: usize = 1; k <= r; k++) acc += load<f64>(w + (k << 3)) * (load<f64>(c - (k << 3)) + load<f64>(c + (k << 3)));
      store<f32>(od + (<usize>x << 2), <f32>acc);
    }
  }
}

/**
 * Pass along y (axis 1) or z (axis 0) for rows [start, end) of a stack of [nz, ny, nx] images, row g = (plane·nz +
 * z)·ny + y; neighbours clamped to the image. Source row q is at `win` + (q − winStart)·nx floats (the caller copied
 * the rows the band reads); output row g at `dst` + (g − start)·nx. `acc`: float64 scratch of nx values.
 */
export function smoothStrided(win: usize, winStart: i32, dst: usize, acc: usize, w: usize, radius: i32, start: i32, end: i32, nz: i32, ny: i32, nx: i32, axis: i32): void {
  const w0 = load<f64>(w), w0v = f64x2.splat(w0);
  const rowBytes = <usize>nx << 2;
  const n = axis == 1 ? ny : nz, stride = axis == 1 ? 1 : ny, slab = nz * ny;
  for (let g = start; g < end; g++) {
    const q = g % slab;
    const i = axis == 1 ? q % ny : q / ny;
    const o = win + <usize>(g - winStart) * rowBytes;
    let x = 0;
    for (; x + 2 <= nx; x += 2) {
      v128.store(acc + (<usize>x << 3), f64x2.mul(w0v, widen2(o + (<usize>x << 2))));
    }
    for (; x < nx; x++) store<f64>(acc + (<usize>x << 3), w0 * <f64>load<f32>(o + (<usize>x << 2)));
    for (let k = 1; k <= radius; k++) {
      const a = win + <usize>(g - winStart + (max(i - k, 0) - i) * stride) * rowBytes;
      const b = win + <usize>(g - winStart + (min(i + k, n - 1) - i) * stride) * rowBytes;
      const wkS = load<f64>(w + (<usize>k << 3)), wk = f64x2.splat(wkS);
      for (x = 0; x + 2 <= nx; x += 2) {
        const s = f64x2.add(widen2(a + (<usize>x << 2)), widen2(b + (<usize>x << 2)));
        const p = acc + (<usize>x << 3);
        v128.store(p, f64x2.add(v128.load(p), f64x2.mul(wk, s)));
      }
      for (; x < nx; x++) {
        const p = acc + (<usize>x << 3);
        store<f64>(p, load<f64>(p) + wkS * (<f64>load<f32>(a + (<usize>x << 2)) + <f64>load<f32>(b + (<usize>x << 2))));
      }
    }
    const od = dst + <usize>(g - start) * rowBytes;
    for (x = 0; x + 2 <= nx; x += 2) v128.store64_lane(od + (<usize>x << 2), f32x4.demote_f64x2_zero(v128.load(acc + (<usize>x << 3))), 0);
    for (; x < nx; x++) store<f32>(od + (<usize>x << 2), <f32>load<f64>(acc + (<usize>x << 3)));
  }
}
