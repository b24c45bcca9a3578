// Bilinear (2D) and trilinear (3D) sampling of one row of positions: locate + gather, fused sampling, and the gradient.
// Inside the image's outer half voxel the taps are clamped (replicate); bounds follow Boundary in types.ts.

import type { Vec3 } from "../core/space.js";
import type { RowScratch } from "./row-scratch.js";

/**
 * Lower tap index and fraction per axis for positions [0, n). The lower tap is clamped to [0, n − 2] and the
 * fraction to [0, 1], so a position in the outer half voxel takes the border value and c = n − 1 is exact.
 * An axis of length 1 gets fraction 0. 2D images (shape[0] = 1) ignore cz.
 */
export function locateLinear(s: RowScratch, n: number, shape: Vec3, clamp: boolean): void {
  const [nz, ny, nx] = shape;
  const is3d = nz > 1;
  const { cz, cy, cx, inside, base, tz, ty, tx } = s;
  const hz = nz - 0.5, hy = ny - 0.5, hx = nx - 0.5;
  const mz = Math.max(0, nz - 2), my = Math.max(0, ny - 2), mx = Math.max(0, nx - 2);
  for (let i = 0; i < n; i++) {
    let z = is3d ? cz[i]! : 0, y = cy[i]!, x = cx[i]!;
    if (clamp) {
      z = z < 0 ? 0 : z > nz - 1 ? nz - 1 : z;
      y = y < 0 ? 0 : y > ny - 1 ? ny - 1 : y;
      x = x < 0 ? 0 : x > nx - 1 ? nx - 1 : x;
    }
    if (!(z >= -0.5 && z <= hz && y >= -0.5 && y <= hy && x >= -0.5 && x <= hx)) {
      inside[i] = 0;
      base[i] = 0;
      tz[i] = 0;
      ty[i] = 0;
      tx[i] = 0;
      continue;
    }
    let iz = Math.floor(z), iy = Math.floor(y), ix = Math.floor(x);
    iz = iz > mz ? mz : iz < 0 ? 0 : iz;
    iy = iy > my ? my : iy < 0 ? 0 : iy;
    ix = ix > mx ? mx : ix < 0 ? 0 : ix;
    const fz = z - iz, fy = y - iy, fx = x - ix;
    inside[i] = 1;
    base[i] = (iz * ny + iy) * nx + ix;
    tz[i] = nz === 1 || fz < 0 ? 0 : fz > 1 ? 1 : fz;
    ty[i] = ny === 1 || fy < 0 ? 0 : fy > 1 ? 1 : fy;
    tx[i] = nx === 1 || fx < 0 ? 0 : fx > 1 ? 1 : fx;
  }
}

/**
 * locateLinear and gatherLinear fused for one plane (the warp's hot path): same arithmetic, so the same bits,
 * without the round trip through the scratch arrays. Records `inside` for the mask.
 */
export function sampleLinear(
  s: RowScratch, n: number, image: Float32Array, shape: Vec3, clamp: boolean, fill: number, out: Float32Array, off: number,
): void {
  const [nz, ny, nx] = shape;
  const [sz, sy, sx] = steps(shape);
  const { cz, cy, cx, inside } = s;
  const hz = nz - 0.5, hy = ny - 0.5, hx = nx - 0.5;
  const mz = Math.max(0, nz - 2), my = Math.max(0, ny - 2), mx = Math.max(0, nx - 2);
  const is3d = nz > 1;
  for (let i = 0; i < n; i++) {
    let z = is3d ? cz[i]! : 0, y = cy[i]!, x = cx[i]!;
    if (clamp) {
      z = z < 0 ? 0 : z > nz - 1 ? nz - 1 : z;
      y = y < 0 ? 0 : y > ny - 1 ? ny - 1 : y;
      x = x < 0 ? 0 : x > nx - 1 ? nx - 1 : x;
    }
    if (!(z >= -0.5 && z <= hz && y >= -0.5 && y <= hy && x >= -0.5 && x <= hx)) {
      inside[i] = 0;
      out[off + i] = fill;
      continue;
    }
    let iz = Math.floor(z), iy = Math.floor(y), ix = Math.floor(x);
    iz = iz > mz ? mz : iz < 0 ? 0 : iz;
    iy = iy > my ? my : iy < 0 ? 0 : iy;
    ix = ix > mx ? mx : ix < 0 ? 0 : ix;
    const fz0 = z - iz, fy0 = y - iy, fx0 = x - ix;
    const fy = ny === 1 || fy0 < 0 ? 0 : fy0 > 1 ? 1 : fy0;
    const fx = nx === 1 || fx0 < 0 ? 0 : fx0 > 1 ? 1 : fx0;
    const b = (iz * ny + iy) * nx + ix, gx = 1 - fx;
    inside[i] = 1;
    const c00 = gx * image[b]! + fx * image[b + sx]!;
    const c01 = gx * image[b + sy]! + fx * image[b + sy + sx]!;
    if (!is3d) {
      out[off + i] = (1 - fy) * c00 + fy * c01;
      continue;
    }
    const fz = nz === 1 || fz0 < 0 ? 0 : fz0 > 1 ? 1 : fz0;
    const b1 = b + sz, gy = 1 - fy;
    const c10 = gx * image[b1]! + fx * image[b1 + sx]!;
    const c11 = gx * image[b1 + sy]! + fx * image[b1 + sy + sx]!;
    out[off + i] = (1 - fz) * (gy * c00 + fy * c01) + fz * (gy * c10 + fy * c11);
  }
}

/** Steps to the upper tap per axis; 0 on an axis of length 1, where the fraction is 0 anyway. */
function steps(shape: Vec3): Vec3 {
  const [nz, ny, nx] = shape;
  return [nz > 1 ? ny * nx : 0, ny > 1 ? nx : 0, nx > 1 ? 1 : 0];
}

/**
 * out[off + i] = Σ weights · taps, written as (1 − t)·a + t·b so that t ∈ {0, 1} returns a tap exactly;
 * `fill` outside.
 */
export function gatherLinear(s: RowScratch, n: number, image: Float32Array, shape: Vec3, fill: number, out: Float32Array, off: number): void {
  const [sz, sy, sx] = steps(shape);
  const { inside, base, tz, ty, tx } = s;
  if (shape[0] === 1) {
    for (let i = 0; i < n; i++) {
      if (!inside[i]) {
        out[off + i] = fill;
        continue;
      }
      const b = base[i]!, fy = ty[i]!, fx = tx[i]!, gx = 1 - fx;
      const c0 = gx * image[b]! + fx * image[b + sx]!;
      const c1 = gx * image[b + sy]! + fx * image[b + sy + sx]!;
      out[off + i] = (1 - fy) * c0 + fy * c1;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    if (!inside[i]) {
      out[off + i] = fill;
      continue;
    }
    const b = base[i]!, fz = tz[i]!, fy = ty[i]!, fx = tx[i]!, gx = 1 - fx, gy = 1 - fy;
    const b1 = b + sz;
    const c00 = gx * image[b]! + fx * image[b + sx]!;
    const c01 = gx * image[b + sy]! + fx * image[b + sy + sx]!;
    const c10 = gx * image[b1]! + fx * image[b1 + sx]!;
    const c11 = gx * image[b1 + sy]! + fx * image[b1 + sy + sx]!;
    const c0 = gy * c00 + fy * c01, c1 = gy * c10 + fy * c11;
    out[off + i] = (1 - fz) * c0 + fz * c1;
  }
}

/**
 * Like gatherLinear, and also the gradient of the interpolant, ∂I/∂c per axis (intensity per image voxel), into
 * `grad` (planes [gz, gy, gx] in 3D, [gy, gx] in 2D) at `off`. On an axis where the position lies outside
 * [0, n − 1] (the replicated half voxel, or a length-1 axis) the interpolant is flat and that component is 0;
 * on a cell face the derivative of the upper cell is taken (of the lower one at c = n − 1). 0 outside.
 */
export function gatherLinearGradient(
  s: RowScratch, n: number, image: Float32Array, shape: Vec3, fill: number, out: Float32Array, off: number, grad: Float32Array[],
): void {
  const [sz, sy, sx] = steps(shape);
  const [nz, ny, nx] = shape;
  const { cz, cy, cx, inside, base, tz, ty, tx } = s;
  if (nz === 1) {
    const gyOut = grad[0]!, gxOut = grad[1]!;
    for (let i = 0; i < n; i++) {
      if (!inside[i]) {
        out[off + i] = fill;
        gyOut[off + i] = 0;
        gxOut[off + i] = 0;
        continue;
      }
      const b = base[i]!, fy = ty[i]!, fx = tx[i]!, gx = 1 - fx, gy = 1 - fy;
      const a00 = image[b]!, a01 = image[b + sx]!, a10 = image[b + sy]!, a11 = image[b + sy + sx]!;
      const c0 = gx * a00 + fx * a01, c1 = gx * a10 + fx * a11;
      out[off + i] = gy * c0 + fy * c1;
      const y = cy[i]!, x = cx[i]!;
      gyOut[off + i] = ny > 1 && y >= 0 && y <= ny - 1 ? c1 - c0 : 0;
      gxOut[off + i] = nx > 1 && x >= 0 && x <= nx - 1 ? gy * (a01 - a00) + fy * (a11 - a10) : 0;
    }
    return;
  }
  const gzOut = grad[0]!, gyOut = grad[1]!, gxOut = grad[2]!;
  for (let i = 0; i < n; i++) {
    if (!inside[i]) {
      out[off + i] = fill;
      gzOut[off + i] = 0;
      gyOut[off + i] = 0;
      gxOut[off + i] = 0;
      continue;
    }
    const b = base[i]!, fz = tz[i]!, fy = ty[i]!, fx = tx[i]!, gx = 1 - fx, gy = 1 - fy, gz = 1 - fz;
    const b1 = b + sz;
    const a000 = image[b]!, a001 = image[b + sx]!, a010 = image[b + sy]!, a011 = image[b + sy + sx]!;
    const a100 = image[b1]!, a101 = image[b1 + sx]!, a110 = image[b1 + sy]!, a111 = image[b1 + sy + sx]!;
    const c00 = gx * a000 + fx * a001, c01 = gx * a010 + fx * a011;
    const c10 = gx * a100 + fx * a101, c11 = gx * a110 + fx * a111;
    const c0 = gy * c00 + fy * c01, c1 = gy * c10 + fy * c11;
    out[off + i] = gz * c0 + fz * c1;
    const z = cz[i]!, y = cy[i]!, x = cx[i]!;
    gzOut[off + i] = nz > 1 && z >= 0 && z <= nz - 1 ? c1 - c0 : 0;
    gyOut[off + i] = ny > 1 && y >= 0 && y <= ny - 1 ? gz * (c01 - c00) + fz * (c11 - c10) : 0;
    gxOut[off + i] = nx > 1 && x >= 0 && x <= nx - 1
      ? gz * (gy * (a001 - a000) + fy * (a011 - a010)) + fz * (gy * (a101 - a100) + fy * (a111 - a110))
      : 0;
  }
}
