// Cubic B-spline lattice evaluation and its adjoint (src/kernels/bspline-lattice.ts evaluateLattice, splatToLattice)
// in wasm, one component and one block of image rows y at a time, the float64 operations of the TS kernel in its order.
// Axis tables: for each voxel of an axis, the first knot (int32) and `taps` float64 weights.

import { widen2 } from "./simd";

/** x pass: rows[r, x] = Σ_j wx[x, j] · coef[r, first[x] + j] over the kzky knot rows of `coef` (float32). */
export function latticeRows(coef: usize, kzky: i32, kx: i32, nx: i32, xFirst: usize, xW: usize, taps: i32, rows: usize): void {
  for (let r = 0; r < kzky; r++) {
    const co = <usize>(r * kx), ro = rows + (<usize>(r * nx) << 3);
    for (let x = 0; x < nx; x++) {
      const f = coef + ((co + <usize>load<i32>(xFirst + (<usize>x << 2))) << 2), wo = xW + (<usize>(x * taps) << 3);
      let s: f64 = 0;
      for (let j = 0; j < taps; j++) s += load<f64>(wo + (<usize>j << 3)) * <f64>load<f32>(f + (<usize>j << 2));
      store<f64>(ro + (<usize>x << 3), s);
    }
  }
}

/** acc[0, nx) += w · src[0, nx) in float64, two at a time. */
@inline function axpy(acc: usize, w: f64, src: usize, nx: i32): void {
  const wv = f64x2.splat(w);
  let x = 0;
  for (; x + 2 <= nx; x += 2) {
    const o = <usize>x << 3;
    v128.store(acc + o, f64x2.add(v128.load(acc + o), f64x2.mul(wv, v128.load(src + o))));
  }
  for (; x < nx; x++) {
    const o = <usize>x << 3;
    store<f64>(acc + o, load<f64>(acc + o) + w * load<f64>(src + o));
  }
}

/** acc[0, n) += w · f64(src[0, n)) (acc float64, src float32), two at a time with the scalar's operations per lane. */
@inline function axpyF32(acc: usize, w: f64, src: usize, n: usize): void {
  const wv = f64x2.splat(w);
  let i: usize = 0;
  for (; i + 2 <= n; i += 2) {
    const p = acc + (i << 3);
    v128.store(p, f64x2.add(v128.load(p), f64x2.mul(wv, widen2(src + (i << 2)))));
  }
  for (; i < n; i++) {
    const p = acc + (i << 3);
    store<f64>(p, load<f64>(p) + w * <f64>load<f32>(src + (i << 2)));
  }
}

/**
 * Rows y ∈ [y0, y1) of the evaluation: the y pass from `rows` [kz, ky, nx] into `planes` [kz, y1 − y0, nx] (float64
 * scratch), then the z pass into `out` [nz, y1 − y0, nx] (float32, accumulated in float32 as the TS kernel's output).
 */
export function latticeEvaluateBlock(
  rows: usize, kz: i32, ky: i32, nx: i32, y0: i32, y1: i32, yFirst: usize, yW: usize, tapsY: i32,
  planes: usize, nz: i32, zFirst: usize, zW: usize, tapsZ: i32, out: usize,
): void {
  const by = y1 - y0, rowBytes = <usize>nx << 3;
  memory.fill(planes, 0, <usize>(kz * by) * rowBytes);
  for (let z = 0; z < kz; z++) {
    for (let y = y0; y < y1; y++) {
      const po = planes + <usize>(z * by + y - y0) * rowBytes;
      for (let j = 0; j < tapsY; j++) {
        const w = load<f64>(yW + (<usize>(y * tapsY + j) << 3));
        if (w == 0) continue;
        axpy(po, w, rows + <usize>(z * ky + load<i32>(yFirst + (<usize>y << 2)) + j) * rowBytes, nx);
      }
    }
  }
  const plane = <usize>(by * nx);
  memory.fill(out, 0, <usize>nz * plane << 2);
  for (let z = 0; z < nz; z++) {
    const o = out + (<usize>z * plane << 2);
    for (let j = 0; j < tapsZ; j++) {
      const w = load<f64>(zW + (<usize>(z * tapsZ + j) << 3));
      if (w == 0) continue;
      const po = planes + ((<usize>(load<i32>(zFirst + (<usize>z << 2)) + j) * plane) << 3);
      accumulateF32(o, w, po, plane);
    }
  }
}

/**
 * out[i] = f32(f64(out[i]) + w · src[i]) for i < n (out float32, src float64), two at a time: each lane does the
 * scalar's operations (widen, multiply, add, round to float32), so the bytes are the scalar loop's.
 */
@inline function accumulateF32(out: usize, w: f64, src: usize, n: usize): void {
  const wv = f64x2.splat(w);
  let i: usize = 0;
  for (; i + 2 <= n; i += 2) {
    const d = out + (i << 2);
    const sum = f64x2.add(widen2(d), f64x2.mul(wv, v128.load(src + (i << 3))));
    v128.store64_lane(d, f32x4.demote_f64x2_zero(sum), 0);
  }
  for (; i < n; i++) {
    const d = out + (i << 2);
    store<f32>(d, <f32>(<f64>load<f32>(d) + w * load<f64>(src + (i << 3))));
  }
}

/**
 * The adjoint for rows y ∈ [y0, y1) of a field component `src` [nz, y1 − y0, nx] (float32): the zᵀ pass into
 * `planes` [kz, y1 − y0, nx] (float64 scratch), then the yᵀ pass added into `rows` [kz, ky, nx] (float64, kept by the
 * caller across blocks, which must come in increasing y).
 */
export function latticeSplatBlock(
  src: usize, nz: i32, nx: i32, y0: i32, y1: i32, zFirst: usize, zW: usize, tapsZ: i32, planes: usize,
  kz: i32, ky: i32, yFirst: usize, yW: usize, tapsY: i32, rows: usize,
): void {
  const by = y1 - y0, rowBytes = <usize>nx << 3, plane = <usize>(by * nx);
  memory.fill(planes, 0, <usize>kz * plane << 3);
  for (let z = 0; z < nz; z++) {
    const o = src + (<usize>z * plane << 2);
    for (let j = 0; j < tapsZ; j++) {
      const w = load<f64>(zW + (<usize>(z * tapsZ + j) << 3));
      if (w == 0) continue;
      const po = planes + ((<usize>(load<i32>(zFirst + (<usize>z << 2)) + j) * plane) << 3);
      axpyF32(po, w, o, plane);
    }
  }
  for (let z = 0; z < kz; z++) {
    for (let y = y0; y < y1; y++) {
      const po = planes + <usize>(z * by + y - y0) * rowBytes;
      for (let j = 0; j < tapsY; j++) {
        const w = load<f64>(yW + (<usize>(y * tapsY + j) << 3));
        if (w == 0) continue;
        axpy(rows + <usize>(z * ky + load<i32>(yFirst + (<usize>y << 2)) + j) * rowBytes, w, po, nx);
      }
    }
  }
}

/** xᵀ pass: coef[r, first[x] + j] += wx[x, j] · rows[r, x] (float64 coef), skipping zero rows values. */
export function latticeSplatX(rows: usize, kzky: i32, kx: i32, nx: i32, xFirst: usize, xW: usize, taps: i32, coef: usize): void {
  for (let r = 0; r < kzky; r++) {
    const co = <usize>(r * kx), ro = rows + (<usize>(r * nx) << 3);
    for (let x = 0; x < nx; x++) {
      const v = load<f64>(ro + (<usize>x << 3));
      if (v == 0) continue;
      const f = coef + ((co + <usize>load<i32>(xFirst + (<usize>x << 2))) << 3), wo = xW + (<usize>(x * taps) << 3);
      for (let j = 0; j < taps; j++) {
        const p = f + (<usize>j << 3);
        store<f64>(p, load<f64>(p) + load<f64>(wo + (<usize>j << 3)) * v);
      }
    }
  }
}
