// Deterministic integer hashing and a seeded generator for the synthetic pairs (`terareg synth`).
// Everything procedural there is a pure function of (seed, coordinates), so any tile can be computed on its own.

/** 32-bit integer mixer ("lowbias32"), identical on every platform. */
export function hash32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hash of a seed and up to four integer coordinates. */
export function hashCoords(seed: number, a: number, b = 0, c = 0, d = 0): number {
  let h = hash32(seed ^ 0x9e3779b9);
  h = hash32(h ^ Math.imul(a | 0, 0x27d4eb2d));
  h = hash32(h ^ Math.imul(b | 0, 0x165667b1));
  h = hash32(h ^ Math.imul(c | 0, 0x61c88647));
  return d === 0 ? h : hash32(h ^ Math.imul(d | 0, 0x7feb352d));
}

/** A value in [0, 1) from a seed and coordinates. */
export function unitHash(seed: number, a: number, b = 0, c = 0, d = 0): number {
  return hashCoords(seed, a, b, c, d) / 4294967296;
}

/** A seeded generator of uniform values in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let s = hash32(seed ^ 0x5bd1e995) | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/** Smooth 2D value noise in [−1, 1] with lattice period `period` pixels. */
export function valueNoise2(seed: number, y: number, x: number, period: number): number {
  const gy = y / period, gx = x / period;
  const iy = Math.floor(gy), ix = Math.floor(gx);
  const fy = smooth(gy - iy), fx = smooth(gx - ix);
  const v = (a: number, b: number) => 2 * unitHash(seed, a, b) - 1;
  const top = v(iy, ix) * (1 - fx) + v(iy, ix + 1) * fx;
  const bottom = v(iy + 1, ix) * (1 - fx) + v(iy + 1, ix + 1) * fx;
  return top * (1 - fy) + bottom * fy;
}

/** Smooth 3D value noise in [−1, 1] with lattice period `period` voxels. */
export function valueNoise3(seed: number, z: number, y: number, x: number, period: number): number {
  const gz = z / period, gy = y / period, gx = x / period;
  const iz = Math.floor(gz), iy = Math.floor(gy), ix = Math.floor(gx);
  const fz = smooth(gz - iz), fy = smooth(gy - iy), fx = smooth(gx - ix);
  const v = (a: number, b: number, c: number) => 2 * unitHash(seed, a, b, c) - 1;
  const plane = (zz: number) => {
    const top = v(zz, iy, ix) * (1 - fx) + v(zz, iy, ix + 1) * fx;
    const bottom = v(zz, iy + 1, ix) * (1 - fx) + v(zz, iy + 1, ix + 1) * fx;
    return top * (1 - fy) + bottom * fy;
  };
  return plane(iz) * (1 - fz) + plane(iz + 1) * fz;
}
