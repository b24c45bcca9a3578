// Evaluates a RegistrationTransform on a tile of the output grid: moving index c(x) for every output voxel x, for every
// deformation kind. Which moving voxels that needs, and the sampling itself, live in moving-window.ts and warped-source.ts.

import { OptionError } from "../core/errors.js";
import { voxelCount, type Region, type Space, type Vec3 } from "../core/space.js";
import { indexToPhysicalMat4, linearPart, physicalToIndexMat4 } from "../registration/frame.js";
import { mul4, type Mat4 } from "../transforms/affine.js";
import { addBSplineAtKnot, bsplineScratch, checkBSplineGrid, knotWeights, zKnotWeights, type BSplineGrid } from "../transforms/bspline-field.js";
import { deformationOf, type DisplacementGrid, type RegistrationTransform } from "../transforms/registration-transform.js";
import { flowIndex, flowScratch, velocityFlow, type VelocityFlow } from "../transforms/velocity-field.js";
import { clipToImage, unionBounds, type CoordinateBounds } from "./moving-window.js";

/**
 * A transform folded into the index grids of one output level and one moving level:
 * c(x) = K·x + L·d(G·x), where x is an output (fixed) index, G·x the displacement grid's index of physical(x),
 * d the displacement there (physical units, by (bi/tri)linear interpolation, constant beyond the grid),
 * L the linear part of (moving physical → moving index) ∘ A, and K = (moving physical → index) ∘ A ∘ (index → physical).
 * Every matrix is 4×4 row-major on [z, y, x, 1].
 * A B-spline FFD follows the same formula with d its spline (G·x is then the knot index). A velocity field has no
 * additive d: c(x) = V·exp(v)(G·x), the flow integrated in grid indices by flowIndex (as mapPoints does) and V the
 * map (grid index → physical → A → moving index).
 */
export interface TileMapper {
  ndim: 2 | 3;
  /** Output index → moving index for the affine part. */
  k: Mat4;
  /** Physical displacement → moving index offset (3×3, row-major). */
  l: Float64Array;
  /** Output index → index of the deformation's grid (displacement nodes, velocity nodes or knots); null for affine only. */
  g: Mat4 | null;
  grid: DisplacementGrid | null;
  /** The velocity flow and V (velocity-grid index → moving index), for a velocity transform. */
  velocity?: { flow: VelocityFlow; v: Mat4 };
  bspline?: BSplineGrid;
}

/**
 * Folds `transform` (fixed physical → moving physical) into the index grids `outputSpace` (the level of the fixed
 * grid being produced, as from levelSpace) and `movingSpace` (the moving level being read).
 */
export function createTileMapper(transform: RegistrationTransform, outputSpace: Space, movingSpace: Space): TileMapper {
  const toPhysical = indexToPhysicalMat4(outputSpace);
  const toMoving = mul4(physicalToIndexMat4(movingSpace), transform.affine);
  const def = deformationOf(transform);
  const common = { ndim: transform.ndim, k: mul4(toMoving, toPhysical), l: linearPart(toMoving) };
  if (def?.kind === "velocity") {
    const flow = velocityFlow(def.grid);
    return { ...common, g: mul4(physicalToIndexMat4(def.grid.space), toPhysical), grid: null, velocity: { flow, v: mul4(toMoving, indexToPhysicalMat4(def.grid.space)) } };
  }
  if (def?.kind === "bspline") {
    checkBSplineGrid(def.grid);
    return { ...common, g: mul4(physicalToIndexMat4(def.grid.space), toPhysical), grid: null, bspline: def.grid };
  }
  const grid = def?.grid ?? null;
  if (grid) {
    if (grid.ndim !== transform.ndim) {
      throw new OptionError("transform.displacement.ndim", grid.ndim, `${transform.ndim}, the transform's ndim`);
    }
    if (grid.ndim === 2 && grid.shape[0] !== 1) {
      throw new OptionError("transform.displacement.shape", grid.shape, "[1, ny, nx] for a 2D displacement");
    }
    const n = grid.ndim * voxelCount(grid.shape);
    if (grid.data.length !== n) {
      throw new OptionError("transform.displacement.data", `length ${grid.data.length}`, `${grid.ndim}·${voxelCount(grid.shape)} = ${n} values for shape [${grid.shape}]`);
    }
  }
  return { ...common, g: grid ? mul4(physicalToIndexMat4(grid.space), toPhysical) : null, grid };
}

/** Where mapTileCoordinates writes: `ndim` planes of `n` values, the region's voxels (C order) from `offset` in each. */
export interface CoordinateLayout {
  n: number;
  offset: number;
}

/**
 * Writes the moving index of every voxel of `region` (output grid) into `out`, vector-first like resampleAt's
 * Coordinates: `ndim` planes over region.size, components [z, y, x] (3D) or [y, x] (2D), C order.
 * Each value is a fixed function of the voxel's absolute index (a row term plus a per-x term, in the same order
 * whatever the tile), so overlapping tiles get bit-identical coordinates; that is what makes tiled warps exact.
 */
export function mapTileCoordinates(m: TileMapper, region: Region, out: Float64Array, layout?: CoordinateLayout): void {
  const [z0, y0, x0] = region.start;
  const [dz, dy, dx] = region.size;
  const n = layout?.n ?? dz * dy * dx, first = layout?.offset ?? 0;
  if (out.length < m.ndim * n || first + dz * dy * dx > n) {
    throw new RangeError(`coordinate buffer of ${out.length} values (planes of ${n} from ${first}); need ${m.ndim} planes holding ${dz * dy * dx} values`);
  }
  if (m.velocity) return flowTile(m, region, out, n, first);
  if (m.bspline) return bsplineTile(m, region, out, n, first);
  const k = m.k, kz = k[2]!, ky = k[6]!, kx = k[10]!;
  let o = first;
  for (let z = z0; z < z0 + dz; z++) {
    for (let y = y0; y < y0 + dy; y++) {
      const bz = k[0]! * z + k[1]! * y + k[3]!;
      const by = k[4]! * z + k[5]! * y + k[7]!;
      const bx = k[8]! * z + k[9]! * y + k[11]!;
      if (m.grid) {
        if (m.ndim === 3) displacedRow3(m, z, y, x0, dx, bz, by, bx, out, o, n);
        else displacedRow2(m, z, y, x0, dx, by, bx, out, o, n);
      } else if (m.ndim === 3) {
        for (let i = 0; i < dx; i++) {
          const x = x0 + i;
          out[o + i] = bz + kz * x;
          out[n + o + i] = by + ky * x;
          out[2 * n + o + i] = bx + kx * x;
        }
      } else {
        for (let i = 0; i < dx; i++) {
          const x = x0 + i;
          out[o + i] = by + ky * x;
          out[n + o + i] = bx + kx * x;
        }
      }
      o += dx;
    }
  }
}

/**
 * One row of a 2D displaced map. The displacement follows addDisplacementAt (registration-transform.ts):
 * index clamped to the grid, lower tap min(⌊g⌋, n − 2), bilinear weights.
 */
function displacedRow2(
  m: TileMapper, z: number, y: number, x0: number, dx: number, by: number, bx: number, out: Float64Array, o: number, n: number,
): void {
  const { k, l } = m, g = m.g!, grid = m.grid!;
  const [, ny, nx] = grid.shape, plane = ny * nx, d = grid.data;
  const my = Math.max(ny - 2, 0), mx = Math.max(nx - 2, 0);
  const sy = ny > 1 ? nx : 0, sx = nx > 1 ? 1 : 0;
  // Matrix entries in locals: `out` is a Float64Array too, so V8 would otherwise reload them after every store.
  const ky = k[6]!, kx = k[10]!, gy1 = g[6]!, gx1 = g[10]!, l4 = l[4]!, l5 = l[5]!, l7 = l[7]!, l8 = l[8]!;
  const gyb = g[4]! * z + g[5]! * y + g[7]!, gxb = g[8]! * z + g[9]! * y + g[11]!;
  // The grid cell changes every few hundred voxels: its 8 values are reloaded only when it does, and with no x → y
  // coupling (gy1 = 0, an axis-aligned grid) the y weights are the row's. Same operations in the same order, same bits.
  let cell = -1, d00 = 0, d01 = 0, d10 = 0, d11 = 0, e00 = 0, e01 = 0, e10 = 0, e11 = 0;
  let gyRow = gyb < 0 ? 0 : gyb > ny - 1 ? ny - 1 : gyb, iyRow = Math.floor(gyRow);
  if (iyRow > my) iyRow = my;
  const fyRow = ny > 1 ? gyRow - iyRow : 0, rowFixed = gy1 === 0;
  for (let i = 0; i < dx; i++) {
    const x = x0 + i;
    let gx = gxb + gx1 * x;
    gx = gx < 0 ? 0 : gx > nx - 1 ? nx - 1 : gx;
    let ix = Math.floor(gx);
    if (ix > mx) ix = mx;
    let iy = iyRow, fy = fyRow;
    if (!rowFixed) {
      let gy = gyb + gy1 * x;
      gy = gy < 0 ? 0 : gy > ny - 1 ? ny - 1 : gy;
      iy = Math.floor(gy);
      if (iy > my) iy = my;
      fy = ny > 1 ? gy - iy : 0;
    }
    const fx = nx > 1 ? gx - ix : 0, hy = 1 - fy, hx = 1 - fx;
    const b = iy * nx + ix;
    if (b !== cell) {
      const b1 = b + plane;
      cell = b;
      d00 = d[b]!;
      d01 = d[b + sx]!;
      d10 = d[b + sy]!;
      d11 = d[b + sy + sx]!;
      e00 = d[b1]!;
      e01 = d[b1 + sx]!;
      e10 = d[b1 + sy]!;
      e11 = d[b1 + sy + sx]!;
    }
    const ddy = (d00 * hx + d01 * fx) * hy + (d10 * hx + d11 * fx) * fy;
    const ddx = (e00 * hx + e01 * fx) * hy + (e10 * hx + e11 * fx) * fy;
    out[o + i] = by + ky * x + (l4 * ddy + l5 * ddx);
    out[n + o + i] = bx + kx * x + (l7 * ddy + l8 * ddx);
  }
}

/** One row of a 3D displaced map; trilinear, same rules as displacedRow2. */
function displacedRow3(
  m: TileMapper, z: number, y: number, x0: number, dx: number, bz: number, by: number, bx: number,
  out: Float64Array, o: number, n: number,
): void {
  const { k, l } = m, g = m.g!, grid = m.grid!;
  const [nz, ny, nx] = grid.shape, vol = nz * ny * nx, d = grid.data;
  const mz = Math.max(nz - 2, 0), my = Math.max(ny - 2, 0), mx = Math.max(nx - 2, 0);
  const sz = nz > 1 ? ny * nx : 0, sy = ny > 1 ? nx : 0, sx = nx > 1 ? 1 : 0;
  const kz = k[2]!, ky = k[6]!, kx = k[10]!, gz1 = g[2]!, gy1 = g[6]!, gx1 = g[10]!;
  const l0 = l[0]!, l1 = l[1]!, l2 = l[2]!, l3 = l[3]!, l4 = l[4]!, l5 = l[5]!, l6 = l[6]!, l7 = l[7]!, l8 = l[8]!;
  const gzb = g[0]! * z + g[1]! * y + g[3]!, gyb = g[4]! * z + g[5]! * y + g[7]!, gxb = g[8]! * z + g[9]! * y + g[11]!;
  const lerp = (b: number, hx: number, fx: number, hy: number, fy: number, hz: number, fz: number): number =>
    ((d[b]! * hx + d[b + sx]! * fx) * hy + (d[b + sy]! * hx + d[b + sy + sx]! * fx) * fy) * hz
    + ((d[b + sz]! * hx + d[b + sz + sx]! * fx) * hy + (d[b + sz + sy]! * hx + d[b + sz + sy + sx]! * fx) * fy) * fz;
  for (let i = 0; i < dx; i++) {
    const x = x0 + i;
    let gz = gzb + gz1 * x, gy = gyb + gy1 * x, gx = gxb + gx1 * x;
    gz = gz < 0 ? 0 : gz > nz - 1 ? nz - 1 : gz;
    gy = gy < 0 ? 0 : gy > ny - 1 ? ny - 1 : gy;
    gx = gx < 0 ? 0 : gx > nx - 1 ? nx - 1 : gx;
    let iz = Math.floor(gz), iy = Math.floor(gy), ix = Math.floor(gx);
    if (iz > mz) iz = mz;
    if (iy > my) iy = my;
    if (ix > mx) ix = mx;
    const fz = nz > 1 ? gz - iz : 0, fy = ny > 1 ? gy - iy : 0, fx = nx > 1 ? gx - ix : 0;
    const hz = 1 - fz, hy = 1 - fy, hx = 1 - fx;
    const b = (iz * ny + iy) * nx + ix;
    const ddz = lerp(b, hx, fx, hy, fy, hz, fz);
    const ddy = lerp(b + vol, hx, fx, hy, fy, hz, fz);
    const ddx = lerp(b + 2 * vol, hx, fx, hy, fy, hz, fz);
    out[o + i] = bz + kz * x + (l0 * ddz + l1 * ddy + l2 * ddx);
    out[n + o + i] = by + ky * x + (l3 * ddz + l4 * ddy + l5 * ddx);
    out[2 * n + o + i] = bx + kx * x + (l6 * ddz + l7 * ddy + l8 * ddx);
  }
}

/**
 * One mapping job, all plain data so a band can run on a worker: the tile `region`, its positions `coords` (planes of
 * voxelCount(region.size)) and `bounds`, 7 values per row of the tile (rows are (z, y) pairs in C order).
 */
export interface TileMapping {
  mapper: TileMapper;
  region: Region;
  movingShape: Vec3;
  coords: Float64Array;
  bounds: Float64Array;
}

/** A mapped tile: positions in moving index units, NaN outside the moving image, and the bounds of the others. */
export interface MappedTile {
  coords: Float64Array;
  bounds: CoordinateBounds | undefined;
}

/**
 * Rows [start, end) of a mapping job: their positions mapped (mapTileCoordinates) and clipped (clipToImage), and the
 * band's bounds at bounds[7·start …] as [inside, min z, y, x, max z, y, x] (inside 0: none, or not a band's first row).
 */
export function mapTileBand(a: TileMapping, start: number, end: number): void {
  const [z0, y0, x0] = a.region.start, [, dy, dx] = a.region.size, n = voxelCount(a.region.size);
  for (let r = start; r < end;) {
    // The band's rows in one plane form a rectangle: map it in one call.
    const z = Math.floor(r / dy), y = r % dy, rows = Math.min(end - r, dy - y);
    mapTileCoordinates(a.mapper, { start: [z0 + z, y0 + y, x0], size: [1, rows, dx] }, a.coords, { n, offset: r * dx });
    r += rows;
  }
  const b = clipToImage(a.coords, n, a.mapper.ndim, a.movingShape, start * dx, end * dx);
  if (b) a.bounds.set([b.inside, ...b.min, ...b.max], 7 * start);
}

/** The bounds mapTileBand left in a job's `bounds`. */
export function mappedBounds(bounds: Float64Array): CoordinateBounds | undefined {
  const bands: CoordinateBounds[] = [];
  for (let i = 0; i < bounds.length; i += 7) {
    if (bounds[i]! > 0) bands.push({ inside: bounds[i]!, min: [bounds[i + 1]!, bounds[i + 2]!, bounds[i + 3]!], max: [bounds[i + 4]!, bounds[i + 5]!, bounds[i + 6]!] });
  }
  return unionBounds(bands);
}

/** Maps and clips a whole tile on the calling thread (the reference for Kernels.mapTile). */
export function mapTile(mapper: TileMapper, region: Region, movingShape: Vec3): MappedTile {
  const rows = region.size[0] * region.size[1];
  const a: TileMapping = { mapper, region, movingShape, coords: new Float64Array(mapper.ndim * voxelCount(region.size)), bounds: new Float64Array(7 * rows) };
  mapTileBand(a, 0, rows);
  return { coords: a.coords, bounds: mappedBounds(a.bounds) };
}

/** Calls fn(z, y, x, i) for every voxel of `region` in C order, i the voxel's offset in the tile. */
function forEachVoxel(region: Region, fn: (z: number, y: number, x: number, i: number) => void): void {
  const [z0, y0, x0] = region.start, [dz, dy, dx] = region.size;
  let i = 0;
  for (let z = z0; z < z0 + dz; z++) for (let y = y0; y < y0 + dy; y++) for (let x = x0; x < x0 + dx; x++, i++) fn(z, y, x, i);
}

/** A velocity tile: each voxel's grid index G·x flowed by exp(v) (flowIndex, as mapPoints), then mapped by V. */
function flowTile(m: TileMapper, region: Region, out: Float64Array, n: number, first: number): void {
  const g = m.g!, { flow, v } = m.velocity!, p = new Float64Array(3), scratch = flowScratch();
  forEachVoxel(region, (z, y, x, j) => {
    const i = first + j;
    p[0] = g[0]! * z + g[1]! * y + g[2]! * x + g[3]!;
    p[1] = g[4]! * z + g[5]! * y + g[6]! * x + g[7]!;
    p[2] = g[8]! * z + g[9]! * y + g[10]! * x + g[11]!;
    flowIndex(flow, p, 1, scratch);
    const [pz, py, px] = [p[0]!, p[1]!, p[2]!];
    if (m.ndim === 3) out[i] = v[0]! * pz + v[1]! * py + v[2]! * px + v[3]!;
    out[(m.ndim - 2) * n + i] = v[4]! * pz + v[5]! * py + v[6]! * px + v[7]!;
    out[(m.ndim - 1) * n + i] = v[8]! * pz + v[9]! * py + v[10]! * px + v[11]!;
  });
}

/**
 * A B-spline tile: c(x) = K·x + L·d(G·x). When x feeds neither knot coordinate z nor y (g[2] = g[6] = 0: the knot
 * grid is axis-aligned with the output grid, as a lattice fitted on the fixed grid is), each row is separable
 * (bsplineRow); otherwise d is evaluated per voxel by addBSplineAtKnot, as mapPoints does.
 */
function bsplineTile(m: TileMapper, region: Region, out: Float64Array, n: number, first: number): void {
  const g = m.g!;
  if (g[2] === 0 && g[6] === 0) {
    const [z0, y0, x0] = region.start, [dz, dy, dx] = region.size;
    const rows = new Float64Array(m.ndim * m.bspline!.shape[2]), w = new Float64Array(12);
    let o = first;
    for (let z = z0; z < z0 + dz; z++) {
      for (let y = y0; y < y0 + dy; y++, o += dx) bsplineRow(m, z, y, x0, dx, out, o, n, rows, w);
    }
    return;
  }
  const { k, l } = m, grid = m.bspline!, d = new Float64Array(3), w = bsplineScratch();
  forEachVoxel(region, (z, y, x, j) => {
    const i = first + j;
    d.fill(0);
    addBSplineAtKnot(grid, g[0]! * z + g[1]! * y + g[2]! * x + g[3]!, g[4]! * z + g[5]! * y + g[6]! * x + g[7]!, g[8]! * z + g[9]! * y + g[10]! * x + g[11]!, d, w);
    const [dz, dy, dx] = [d[0]!, d[1]!, d[2]!];
    if (m.ndim === 3) out[i] = k[0]! * z + k[1]! * y + k[2]! * x + k[3]! + (l[0]! * dz + l[1]! * dy + l[2]! * dx);
    out[(m.ndim - 2) * n + i] = k[4]! * z + k[5]! * y + k[6]! * x + k[7]! + (l[3]! * dz + l[4]! * dy + l[5]! * dx);
    out[(m.ndim - 1) * n + i] = k[8]! * z + k[9]! * y + k[10]! * x + k[11]! + (l[6]! * dz + l[7]! * dy + l[8]! * dx);
  });
}

/**
 * One row of an axis-aligned B-spline tile. The row's knot coordinates z and y are constant, so the knots' rows are
 * first combined with their z and y weights into one row of kx values per component (`rows`), and each voxel then
 * needs only its 4 x weights: the same d(t) as addBSplineAtKnot (knots off the grid count as 0), summed y before x.
 */
function bsplineRow(
  m: TileMapper, z: number, y: number, x0: number, dx: number, out: Float64Array, o: number, n: number, rows: Float64Array, w: Float64Array,
): void {
  const { k, l } = m, g = m.g!, grid = m.bspline!, nd = grid.ndim, d = grid.data;
  const [kz, ky, kx] = grid.shape, nKnots = kz * ky * kx;
  const tz = g[0]! * z + g[1]! * y + g[3]!, ty = g[4]! * z + g[5]! * y + g[7]!, txb = g[8]! * z + g[9]! * y + g[11]!, gx1 = g[10]!;
  const ky0 = knotWeights(ty, w, 4), kz0 = zKnotWeights(nd, tz, w), zTaps = nd === 3 ? 4 : 1;
  // rows[c·kx + j] = Σ_{a,b} w_z(a) w_y(b) c_(kz0+a, ky0+b, j), over the knots on the grid.
  rows.fill(0);
  for (let c = 0; c < nd; c++) {
    for (let a = 0; a < zTaps; a++) {
      const kzi = kz0 + a;
      if (kzi < 0 || kzi >= kz) continue;
      for (let b = 0; b < 4; b++) {
        const kyi = ky0 + b;
        if (kyi < 0 || kyi >= ky) continue;
        const wt = w[a]! * w[4 + b]!, src = c * nKnots + (kzi * ky + kyi) * kx, dst = c * kx;
        for (let j = 0; j < kx; j++) rows[dst + j] = rows[dst + j]! + wt * d[src + j]!;
      }
    }
  }
  const bz = k[0]! * z + k[1]! * y + k[3]!, by = k[4]! * z + k[5]! * y + k[7]!, bx = k[8]! * z + k[9]! * y + k[11]!;
  const kzx = k[2]!, kyx = k[6]!, kxx = k[10]!, oz = 0, oy = nd === 3 ? kx : 0, ox = oy + kx;
  for (let i = 0; i < dx; i++) {
    const x = x0 + i, kx0 = knotWeights(txb + gx1 * x, w, 8);
    // The displacement [z, y, x] (z stays 0 in 2D); each component over the 4 x taps on the grid.
    let ddz = 0, ddy = 0, ddx = 0;
    if (kx0 + 3 >= 0 && kx0 < kx) {
      for (let e = 0; e < 4; e++) {
        const j = kx0 + e;
        if (j < 0 || j >= kx) continue;
        const we = w[8 + e]!;
        if (nd === 3) ddz += we * rows[oz + j]!;
        ddy += we * rows[oy + j]!;
        ddx += we * rows[ox + j]!;
      }
    }
    if (m.ndim === 3) out[o + i] = bz + kzx * x + (l[0]! * ddz + l[1]! * ddy + l[2]! * ddx);
    out[(m.ndim - 2) * n + o + i] = by + kyx * x + (l[3]! * ddz + l[4]! * ddy + l[5]! * ddx);
    out[(m.ndim - 1) * n + o + i] = bx + kxx * x + (l[6]! * ddz + l[7]! * ddy + l[8]! * ddx);
  }
}
