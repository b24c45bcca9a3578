// The dense halves of the B-spline stage's cost, as reference kernels: the moving image warped through a lattice,
// and a force on that warp pulled back onto the knots. The wasm band versions (compute/wasm/bspline-cost.ts) match them.

import { voxelCount, type Vec3 } from "../core/space.js";
import { evaluateLattice, splatToLattice, type BSplineLattice } from "./bspline-lattice.js";
import type { ResampleResult } from "./resample-common.js";
import { resampleMapped } from "./resample-mapped.js";
import { createField, type Field, type Image } from "./types.js";

/**
 * The moving image at B·x + K·u(x), u the lattice evaluated on the fixed grid of `shape`: linear samples (0 outside),
 * the inside mask and the moving gradient at each sample (index units of the moving image).
 * @param matrix B, fixed index → moving index, row-major 4×4 [z, y, x, 1]; K is its linear part.
 */
export function latticeWarp(moving: Image, matrix: ArrayLike<number>, lattice: BSplineLattice, shape: Vec3): ResampleResult {
  return resampleMapped(moving, matrix, evaluateLattice(lattice, shape), { interpolation: "linear", gradient: true, mask: true });
}

/**
 * ∂C/∂u_a(x) = ∂C/∂W(x) · Σ_r K_ra g_r(x) for every component a, with g the moving image's gradient at the warped
 * positions (index units, planes [z,] y, x) and K the linear part of `b`; 0 where ∂C/∂W is 0. The sum starts at 0 and
 * runs over r in the order [z,] y, x in float64, and each value is rounded once to float32.
 */
export function projectForce(dCdW: Float32Array, g: Field, b: ArrayLike<number>): Field {
  const shape = g.shape, nd = g.ndim, n = voxelCount(shape), first = nd === 3 ? 0 : 1, out = createField(shape, nd);
  const gd = g.data, o = out.data;
  const g0 = gd.subarray(0, n), g1 = gd.subarray(n, 2 * n), g2 = nd === 3 ? gd.subarray(2 * n, 3 * n) : g1;
  for (let a = first; a < 3; a++) {
    const plane = o.subarray((a - first) * n, (a - first + 1) * n);
    if (nd === 3) {
      const k0 = b[a]!, k1 = b[4 + a]!, k2 = b[8 + a]!;
      for (let i = 0; i < n; i++) {
        const dw = dCdW[i]!;
        if (dw !== 0) plane[i] = dw * (0 + k0 * g0[i]! + k1 * g1[i]! + k2 * g2[i]!);
      }
    } else {
      const k1 = b[4 + a]!, k2 = b[8 + a]!;
      for (let i = 0; i < n; i++) {
        const dw = dCdW[i]!;
        if (dw !== 0) plane[i] = dw * (0 + k1 * g0[i]! + k2 * g1[i]!);
      }
    }
  }
  return out;
}

/**
 * ∂C/∂c over the knots for a metric derivative ∂C/∂W on the warp of {@link latticeWarp}: the projected force
 * ({@link projectForce}) splatted onto the lattice (the adjoint of evaluation). A Field over the knots.
 */
export function splatForce(dCdW: Float32Array, g: Field, matrix: ArrayLike<number>, lattice: BSplineLattice): Field {
  return splatToLattice(projectForce(dCdW, g, matrix), lattice);
}
