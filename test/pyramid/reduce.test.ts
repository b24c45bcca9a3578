import assert from "node:assert/strict";
import { test } from "node:test";
import { reduceBlock, reducedShape, sourceRegionFor, type Factors } from "../../src/pyramid/reduce.js";
import { pyramidLevels, nextFactors } from "../../src/pyramid/levels.js";
import { reducedReader } from "../../src/pyramid/reduced-reader.js";
import { arraySource, cropPlane } from "../../src/io/array-source.js";
import type { Region, Vec3 } from "../../src/core/space.js";
import { seeded } from "../helpers/rng.js";

test("reduction keeps a constant image constant and a linear ramp linear (pixel-centre alignment)", () => {
  const shape: Vec3 = [1, 1, 16];
  const ramp = new Float32Array(16).map((_, i) => i);
  const full: Region = { start: [0, 0, 0], size: shape };
  const out = reduceBlock(ramp, full, shape, { start: [0, 0, 0], size: [1, 1, 8] }, [1, 1, 2], "float32");
  // Output j sits at input position 2j + 0.5; away from the replicated edges the ramp is reproduced exactly.
  for (let j = 1; j < 7; j++) assert.equal(out[j], 2 * j + 0.5);
  const flat = new Uint16Array(16).fill(1234);
  const o2 = reduceBlock(flat, full, shape, { start: [0, 0, 0], size: [1, 1, 8] }, [1, 1, 2], "uint16");
  assert.deepEqual([...o2], new Array(8).fill(1234));
});

test("a tile reduced from just its source region equals the same tile of the whole reduced image", async () => {
  const rng = seeded(11);
  const shape: Vec3 = [9, 37, 51];
  const plane = new Uint16Array(shape[0] * shape[1] * shape[2]).map(() => Math.floor(rng() * 65536));
  const factors: Factors = [2, 2, 2];
  const outShape = reducedShape(shape, factors);
  assert.deepEqual(outShape, [5, 19, 26]);
  const whole = reduceBlock(plane, { start: [0, 0, 0], size: shape }, shape, { start: [0, 0, 0], size: outShape }, factors, "uint16");
  const src = arraySource({ shape, dtype: "uint16", planes: [plane] });
  const read = reducedReader((r) => src.read(r, 0), shape, factors, "uint16");
  for (const tile of [
    { start: [0, 0, 0], size: [2, 7, 5] },
    { start: [3, 12, 21], size: [2, 7, 5] },
    { start: [4, 18, 25], size: [1, 1, 1] },
  ] as Region[]) {
    const [got] = await read(tile);
    assert.deepEqual(got, cropPlane(whole, outShape, tile, "uint16"));
    const need = sourceRegionFor(tile, factors, shape);
    for (let a = 0; a < 3; a++) assert.ok(need.size[a]! <= 2 * tile.size[a]! + 2);
  }
});

test("pyramid levels: 2D stops at one tile; thick slices are not halved", () => {
  const lv = pyramidLevels([1, 5000, 3000], [1, 1, 1], 512, "auto");
  assert.deepEqual(lv.map((l) => l.shape), [[1, 5000, 3000], [1, 2500, 1500], [1, 1250, 750], [1, 625, 375], [1, 313, 188]]);
  assert.deepEqual(lv[4]!.scale, [1, 16, 16]);
  assert.deepEqual(nextFactors([5, 40, 40], [17, 0.84, 0.84]), [1, 2, 2]);
  assert.deepEqual(nextFactors([64, 64, 64], [1, 1, 1]), [2, 2, 2]);
  assert.deepEqual(pyramidLevels([1, 100, 100], [1, 1, 1], 512, 3).length, 3);
  assert.throws(() => pyramidLevels([1, 100, 100], [1, 1, 1], 512, 0), /--levels: got 0/);
});

/** The [1 3 3 1]/8 filter written out per output voxel: x, then y, then z, taps at clamped global indices. */
function plainReduce(input: ArrayLike<number>, inRegion: Region, inShape: Vec3, out: Region, factors: Factors): Float64Array {
  const taps = [1 / 8, 3 / 8, 3 / 8, 1 / 8];
  const tapsOf = (a: number, j: number): [number[], number[]] => factors[a] === 1
    ? [[j - inRegion.start[a]!, j - inRegion.start[a]!, j - inRegion.start[a]!, j - inRegion.start[a]!], [1, 0, 0, 0]]
    : [[0, 1, 2, 3].map((t) => Math.min(inShape[a]! - 1, Math.max(0, 2 * j - 1 + t)) - inRegion.start[a]!), taps];
  const [, sy, sx] = inRegion.size, at = (z: number, y: number, x: number) => input[(z * sy + y) * sx + x]!;
  const res = new Float64Array(out.size[0] * out.size[1] * out.size[2]);
  let o = 0;
  for (let z = out.start[0]; z < out.start[0] + out.size[0]; z++) {
    for (let y = out.start[1]; y < out.start[1] + out.size[1]; y++) {
      for (let x = out.start[2]; x < out.start[2] + out.size[2]; x++, o++) {
        const [iz, wz] = tapsOf(0, z), [iy, wy] = tapsOf(1, y), [ix, wx] = tapsOf(2, x);
        const rowX = (zz: number, yy: number) => wx[0]! * at(zz, yy, ix[0]!) + wx[1]! * at(zz, yy, ix[1]!) + wx[2]! * at(zz, yy, ix[2]!) + wx[3]! * at(zz, yy, ix[3]!);
        const colY = (zz: number) => wy[0]! * rowX(zz, iy[0]!) + wy[1]! * rowX(zz, iy[1]!) + wy[2]! * rowX(zz, iy[2]!) + wy[3]! * rowX(zz, iy[3]!);
        res[o] = factors[0] === 1 ? colY(iz[0]!) : wz[0]! * colY(iz[0]!) + wz[1]! * colY(iz[1]!) + wz[2]! * colY(iz[2]!) + wz[3]! * colY(iz[3]!);
      }
    }
  }
  return res;
}

test("reduceBlock equals the filter written out per voxel, rounded and clamped (every dtype, edges, kept axes)", () => {
  const rng = seeded(21);
  const ranges: Record<string, [number, number]> = { uint8: [0, 255], int8: [-128, 127], uint16: [0, 65535], int16: [-32768, 32767], uint32: [0, 2 ** 32 - 1], int32: [-(2 ** 31), 2 ** 31 - 1] };
  for (const dtype of ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64"] as const) {
    for (let k = 0; k < 12; k++) {
      const inShape: Vec3 = [1 + Math.floor(rng() * 3), 1 + Math.floor(rng() * 30), 1 + Math.floor(rng() * 30)];
      const factors: Factors = [inShape[0] > 1 && rng() < 0.5 ? 2 : 1, rng() < 0.8 ? 2 : 1, rng() < 0.8 ? 2 : 1];
      const outShape = reducedShape(inShape, factors);
      const start: Vec3 = [0, 0, 0], size: Vec3 = [0, 0, 0];
      for (let a = 0; a < 3; a++) {
        start[a] = Math.floor(rng() * outShape[a]!);
        size[a] = 1 + Math.floor(rng() * (outShape[a]! - start[a]!));
      }
      const out: Region = { start, size };
      const src = sourceRegionFor(out, factors, inShape);
      const n = src.size[0] * src.size[1] * src.size[2];
      const input = dtype === "float32" ? new Float32Array(n) : dtype === "float64" ? new Float64Array(n)
        : new { uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array, uint32: Uint32Array, int32: Int32Array }[dtype](n);
      for (let i = 0; i < n; i++) {
        const [lo, hi] = ranges[dtype] ?? [-1e6, 1e6];
        input[i] = dtype.startsWith("float") ? lo + rng() * (hi - lo) : lo + Math.floor(rng() * (hi - lo + 1));
      }
      const got = reduceBlock(input, src, inShape, out, factors, dtype);
      const want = plainReduce(input, src, inShape, out, factors);
      for (let i = 0; i < want.length; i++) {
        const [lo, hi] = ranges[dtype] ?? [-Infinity, Infinity];
        const w = dtype === "float32" ? Math.fround(want[i]!) : dtype === "float64" ? want[i]! : Math.min(hi, Math.max(lo, Math.round(want[i]!)));
        // Integer arrays hold no −0, so compare those by value; floats bit for bit.
        assert.ok(dtype.startsWith("float") ? Object.is(got[i], w) : got[i] === w, `${dtype} [${inShape}] ÷ [${factors}], output ${i}: ${got[i]} vs ${w}`);
      }
    }
  }
});
