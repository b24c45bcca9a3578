// Linear sampling at given positions (src/kernels/interpolate-linear.ts: sampleLinear, and locateLinear +
// gatherLinearGradient) in wasm, the same float64 arithmetic in the same order, so samples and gradients are bit-equal.

/**
 * Smallest and largest finite value of `n` float64 at `p`, stored as two float64 at `out` (+∞, −∞ when none):
 * the caller turns them into the window of source rows a block reads.
 */
export function finiteRange(p: usize, n: i32, out: usize): void {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = load<f64>(p + (<usize>i << 3));
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  store<f64>(out, lo);
  store<f64>(out + 8, hi);
}

/** locateLinear's lower tap on one axis: ⌊c⌋ clamped to [0, m], m = max(0, n − 2). */
@inline function lowerTap(c: f64, m: f64): f64 {
  const i = Math.floor(c);
  return i > m ? m : i < 0 ? 0 : i;
}

/** locateLinear's fraction on one axis of length n: c − tap clamped to [0, 1], 0 on an axis of length 1. */
@inline function fraction(c: f64, tap: f64, n: i32): f64 {
  const f = c - tap;
  return n == 1 || f < 0 ? 0 : f > 1 ? 1 : f;
}

/**
 * Samples an image of [nz, ny, nx] at `n` positions (float64 planes at cz, cy, cx; cz unused in 2D), writing float32
 * samples at `out`, inside bytes at `mask` (0: none) and the gradient planes at `grad` (0: none; [gz,] gy, gx, each
 * `n` float32 apart). Only a window of the source is in memory, at `win`: planes from winZ, each with rows
 * [winY, winY + wy) (2D: winZ = 0), so voxel (z, y, x) is at win + 4 (((z − winZ)·wy + y − winY)·nx + x).
 * `clamp`: 1 for the clamp boundary; `fill`: the value outside.
 */
export function sampleLinearAt(
  win: usize, winZ: i32, winY: i32, wy: i32, nz: i32, ny: i32, nx: i32, cz: usize, cy: usize, cx: usize, n: i32,
  clamp: i32, fill: f32, out: usize, mask: usize, grad: usize,
): void {
  const is3d = nz > 1;
  if (!is3d && !clamp && mask && grad) {
    sample2dMaskGradient(win, winY, ny, nx, cy, cx, n, fill, out, mask, grad);
    return;
  }
  const hz = <f64>nz - 0.5, hy = <f64>ny - 0.5, hx = <f64>nx - 0.5;
  const mz = <f64>max(0, nz - 2), my = <f64>max(0, ny - 2), mx = <f64>max(0, nx - 2);
  const sz: i32 = nz > 1 ? wy * nx : 0, sy: i32 = ny > 1 ? nx : 0, sx: i32 = nx > 1 ? 1 : 0;
  const planeBytes = <usize>n << 2;
  for (let i = 0; i < n; i++) {
    const q = <usize>i << 3;
    // The gradient's inside-the-grid tests read the positions as given, before clamping (as gatherLinearGradient).
    const z0: f64 = is3d ? load<f64>(cz + q) : 0, y0 = load<f64>(cy + q), x0 = load<f64>(cx + q);
    let z = z0, y = y0, x = x0;
    if (clamp) {
      z = z < 0 ? 0 : z > <f64>(nz - 1) ? <f64>(nz - 1) : z;
      y = y < 0 ? 0 : y > <f64>(ny - 1) ? <f64>(ny - 1) : y;
      x = x < 0 ? 0 : x > <f64>(nx - 1) ? <f64>(nx - 1) : x;
    }
    const o = <usize>i << 2;
    if (!(z >= -0.5 && z <= hz && y >= -0.5 && y <= hy && x >= -0.5 && x <= hx)) {
      store<f32>(out + o, fill);
      if (mask) store<u8>(mask + <usize>i, 0);
      if (grad) {
        store<f32>(grad + o, 0);
        store<f32>(grad + planeBytes + o, 0);
        if (is3d) store<f32>(grad + 2 * planeBytes + o, 0);
      }
      continue;
    }
    const iz = lowerTap(z, mz), iy = lowerTap(y, my), ix = lowerTap(x, mx);
    const fy = fraction(y, iy, ny), fx = fraction(x, ix, nx);
    const b = win + (<usize>(((iz - <f64>winZ) * <f64>wy + iy - <f64>winY) * <f64>nx + ix) << 2);
    const gx = 1 - fx;
    if (mask) store<u8>(mask + <usize>i, 1);
    const a00 = <f64>load<f32>(b), a01 = <f64>load<f32>(b + (<usize>sx << 2));
    const a10 = <f64>load<f32>(b + (<usize>sy << 2)), a11 = <f64>load<f32>(b + (<usize>(sy + sx) << 2));
    const c00 = gx * a00 + fx * a01, c01 = gx * a10 + fx * a11;
    if (!is3d) {
      const gy = 1 - fy;
      if (!grad) {
        store<f32>(out + o, <f32>((1 - fy) * c00 + fy * c01));
        continue;
      }
      store<f32>(out + o, <f32>(gy * c00 + fy * c01));
      store<f32>(grad + o, <f32>(ny > 1 && y0 >= 0 && y0 <= <f64>(ny - 1) ? c01 - c00 : 0));
      store<f32>(grad + planeBytes + o, <f32>(nx > 1 && x0 >= 0 && x0 <= <f64>(nx - 1) ? gy * (a01 - a00) + fy * (a11 - a10) : 0));
      continue;
    }
    const fz = fraction(z, iz, nz);
    const b1 = b + (<usize>sz << 2), gy = 1 - fy;
    const a100 = <f64>load<f32>(b1), a101 = <f64>load<f32>(b1 + (<usize>sx << 2));
    const a110 = <f64>load<f32>(b1 + (<usize>sy << 2)), a111 = <f64>load<f32>(b1 + (<usize>(sy + sx) << 2));
    const c10 = gx * a100 + fx * a101, c11 = gx * a110 + fx * a111;
    if (!grad) {
      store<f32>(out + o, <f32>((1 - fz) * (gy * c00 + fy * c01) + fz * (gy * c10 + fy * c11)));
      continue;
    }
    const gz = 1 - fz;
    const c0 = gy * c00 + fy * c01, c1 = gy * c10 + fy * c11;
    store<f32>(out + o, <f32>(gz * c0 + fz * c1));
    store<f32>(grad + o, <f32>(nz > 1 && z0 >= 0 && z0 <= <f64>(nz - 1) ? c1 - c0 : 0));
    store<f32>(grad + planeBytes + o, <f32>(ny > 1 && y0 >= 0 && y0 <= <f64>(ny - 1) ? gz * (c01 - c00) + fz * (c11 - c10) : 0));
    store<f32>(grad + 2 * planeBytes + o, <f32>(nx > 1 && x0 >= 0 && x0 <= <f64>(nx - 1)
      ? gz * (gy * (a01 - a00) + fy * (a11 - a10)) + fz * (gy * (a101 - a100) + fy * (a111 - a110)) : 0));
  }
}

/**
 * sampleLinearAt's 2D case with the zero boundary, a mask and a gradient (the dense stages' warp of the moving image):
 * the same float64 arithmetic in the same order, with the window offset in integers and the per-axis tests hoisted.
 */
function sample2dMaskGradient(
  win: usize, winY: i32, ny: i32, nx: i32, cy: usize, cx: usize, n: i32, fill: f32, out: usize, mask: usize, grad: usize,
): void {
  const hy = <f64>ny - 0.5, hx = <f64>nx - 0.5, my = <f64>max(0, ny - 2), mx = <f64>max(0, nx - 2);
  const syBytes: usize = ny > 1 ? <usize>nx << 2 : 0, sxBytes: usize = nx > 1 ? 4 : 0;
  const lastY = <f64>(ny - 1), lastX = <f64>(nx - 1), tallY = ny > 1, wideX = nx > 1;
  const gradX = grad + (<usize>n << 2);
  for (let i = 0; i < n; i++) {
    const q = <usize>i << 3, o = <usize>i << 2;
    const y = load<f64>(cy + q), x = load<f64>(cx + q);
    if (!(y >= -0.5 && y <= hy && x >= -0.5 && x <= hx)) {
      store<f32>(out + o, fill);
      store<u8>(mask + <usize>i, 0);
      store<f32>(grad + o, 0);
      store<f32>(gradX + o, 0);
      continue;
    }
    const iy = lowerTap(y, my), ix = lowerTap(x, mx);
    const fy = fraction(y, iy, ny), fx = fraction(x, ix, nx);
    const b = win + ((<usize>((<i32>iy - winY) * nx + <i32>ix)) << 2);
    const gx = 1 - fx, gy = 1 - fy;
    store<u8>(mask + <usize>i, 1);
    const a00 = <f64>load<f32>(b), a01 = <f64>load<f32>(b + sxBytes);
    const a10 = <f64>load<f32>(b + syBytes), a11 = <f64>load<f32>(b + syBytes + sxBytes);
    const c00 = gx * a00 + fx * a01, c01 = gx * a10 + fx * a11;
    store<f32>(out + o, <f32>(gy * c00 + fy * c01));
    store<f32>(grad + o, <f32>(tallY && y >= 0 && y <= lastY ? c01 - c00 : 0));
    store<f32>(gradX + o, <f32>(wideX && x >= 0 && x <= lastX ? gy * (a01 - a00) + fy * (a11 - a10) : 0));
  }
}

/**
 * Positions of a composition (kernels/compose-fields.ts composeBand) for output rows [start, start + rows) of a grid
 * [nz, ny, nx]: p = x + v(x) per axis, float64 planes at `pos` ([z,] y, x, each rows·nx apart), from the block's v
 * (`ndim` float32 planes at `v`, rows·nx apart).
 */
export function composePositions(v: usize, pos: usize, start: i32, rows: i32, ny: i32, nx: i32, ndim: i32): void {
  const n = rows * nx, vPlane = <usize>n << 2, pPlane = <usize>n << 3;
  for (let r = 0; r < rows; r++) {
    const g = start + r, z = g / ny, y = g - z * ny;
    for (let x = 0; x < nx; x++) {
      const i = <usize>(r * nx + x), vi = i << 2, pi = i << 3;
      if (ndim == 3) {
        store<f64>(pos + pi, <f64>z + <f64>load<f32>(v + vi));
        store<f64>(pos + pPlane + pi, <f64>y + <f64>load<f32>(v + vPlane + vi));
        store<f64>(pos + 2 * pPlane + pi, <f64>x + <f64>load<f32>(v + 2 * vPlane + vi));
      } else {
        store<f64>(pos + pi, <f64>y + <f64>load<f32>(v + vi));
        store<f64>(pos + pPlane + pi, <f64>x + <f64>load<f32>(v + vPlane + vi));
      }
    }
  }
}

/**
 * Positions c = B·x + K·u(x) (src/kernels/resample-mapped.ts mappedRows) for rows [start, start + rows) of a grid
 * [·, ny, nx]: `b` 16 float64 (row-major 4×4, [z, y, x, 1]), u the block's `ndim` float32 planes (rows·nx apart),
 * float64 planes out at `pos`.
 */
export function mappedPositions(u: usize, pos: usize, b: usize, start: i32, rows: i32, ny: i32, nx: i32, ndim: i32): void {
  const n = rows * nx, uPlane = <usize>n << 2, first = ndim == 3 ? 0 : 1;
  for (let r = first; r < 3; r++) {
    const row = b + (<usize>(r * 4) << 3);
    const b0 = load<f64>(row), b1 = load<f64>(row + 8), b2 = load<f64>(row + 16), b3 = load<f64>(row + 24);
    const o = pos + (<usize>((r - first) * n) << 3);
    for (let k = 0; k < rows; k++) {
      const g = start + k, z = g / ny, y = g - z * ny;
      const base = b0 * <f64>z + b1 * <f64>y + b3;
      for (let x = 0; x < nx; x++) {
        const i = <usize>(k * nx + x), d = u + (i << 2);
        let c = base + b2 * <f64>x;
        if (ndim == 3) c += b0 * <f64>load<f32>(d) + b1 * <f64>load<f32>(d + uPlane) + b2 * <f64>load<f32>(d + 2 * uPlane);
        else c += b1 * <f64>load<f32>(d) + b2 * <f64>load<f32>(d + uPlane);
        store<f64>(o + (i << 3), c);
      }
    }
  }
}

/**
 * The sampling and sum of a composition (kernels/compose-fields.ts composeBand): for each of `n` positions (float64
 * planes at cz, cy, cx), located once with the clamped boundary, every component c of u is gathered linearly from its
 * window (win + c·compBytes, laid out as in sampleLinearAt) and out_c = v_c + that sample, both rounded to float32 as
 * the TS kernel does. v and out: `ndim` float32 planes, `n` apart.
 */
export function composeLinearAt(
  win: usize, compBytes: usize, winZ: i32, winY: i32, wy: i32, nz: i32, ny: i32, nx: i32, cz: usize, cy: usize, cx: usize,
  n: i32, ndim: i32, v: usize, out: usize,
): void {
  const is3d = nz > 1;
  const hz = <f64>nz - 0.5, hy = <f64>ny - 0.5, hx = <f64>nx - 0.5;
  const mz = <f64>max(0, nz - 2), my = <f64>max(0, ny - 2), mx = <f64>max(0, nx - 2);
  const sz: usize = nz > 1 ? <usize>(wy * nx) << 2 : 0, sy: usize = ny > 1 ? <usize>nx << 2 : 0, sx: usize = nx > 1 ? 4 : 0;
  const planeBytes = <usize>n << 2;
  for (let i = 0; i < n; i++) {
    const q = <usize>i << 3, o = <usize>i << 2;
    let z: f64 = is3d ? load<f64>(cz + q) : 0, y = load<f64>(cy + q), x = load<f64>(cx + q);
    z = z < 0 ? 0 : z > <f64>(nz - 1) ? <f64>(nz - 1) : z;
    y = y < 0 ? 0 : y > <f64>(ny - 1) ? <f64>(ny - 1) : y;
    x = x < 0 ? 0 : x > <f64>(nx - 1) ? <f64>(nx - 1) : x;
    const inside = z >= -0.5 && z <= hz && y >= -0.5 && y <= hy && x >= -0.5 && x <= hx;
    const iz = lowerTap(z, mz), iy = lowerTap(y, my), ix = lowerTap(x, mx);
    const fz = fraction(z, iz, nz), fy = fraction(y, iy, ny), fx = fraction(x, ix, nx);
    const gx = 1 - fx, gy = 1 - fy;
    const rel = inside ? <usize>(((iz - <f64>winZ) * <f64>wy + iy - <f64>winY) * <f64>nx + ix) << 2 : 0;
    for (let c = 0; c < ndim; c++) {
      let sample: f32 = 0; // outside (NaN positions only, the boundary being clamped): the fill, 0
      if (inside) {
        const b = win + <usize>c * compBytes + rel;
        const c00 = gx * <f64>load<f32>(b) + fx * <f64>load<f32>(b + sx);
        const c01 = gx * <f64>load<f32>(b + sy) + fx * <f64>load<f32>(b + sy + sx);
        if (!is3d) sample = <f32>((1 - fy) * c00 + fy * c01);
        else {
          const b1 = b + sz;
          const c10 = gx * <f64>load<f32>(b1) + fx * <f64>load<f32>(b1 + sx);
          const c11 = gx * <f64>load<f32>(b1 + sy) + fx * <f64>load<f32>(b1 + sy + sx);
          sample = <f32>((1 - fz) * (gy * c00 + fy * c01) + fz * (gy * c10 + fy * c11));
        }
      }
      const p = <usize>c * planeBytes + o;
      store<f32>(out + p, <f32>(<f64>load<f32>(v + p) + <f64>sample));
    }
  }
}
