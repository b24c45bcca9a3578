// NIfTI orientation: qform quaternions round-trip every rotation and reflection, and the sform / qform / pixdim
// choice follows ITK's NiftiImageIO precedence.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "../../../src/core/errors.js";
import type { Mat3, Space } from "../../../src/core/space.js";
import type { NiftiHeader } from "../../../src/io/nifti/header.js";
import { chooseFrame, niftiOrientation, niftiSpace, qformAffine } from "../../../src/io/nifti/orientation.js";
import { assertSpaceClose, awkwardSpace3d, seeded } from "../../helpers/image-fixtures.js";

function header(over: Partial<NiftiHeader>): NiftiHeader {
  return {
    version: 1, littleEndian: true, dim: [3, 4, 4, 4, 1, 1, 1, 1], pixdim: [1, 1, 1, 1, 0, 0, 0, 0], datatype: 4, bitpix: 16,
    voxOffset: 352, sclSlope: 0, sclInter: 0, xyztUnits: 2, intentCode: 0, qformCode: 0, sformCode: 0,
    quatern: [0, 0, 0], qoffset: [0, 0, 0], srow: [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], descrip: "", magic: "n+1", ...over,
  };
}

/** A random proper rotation (QR of a random matrix via Gram–Schmidt), optionally with one axis reflected. */
function randomDirection(rng: () => number, reflect: boolean): Mat3 {
  const cols = [0, 1, 2].map(() => [rng() - 0.5, rng() - 0.5, rng() - 0.5]);
  for (let j = 0; j < 3; j++) {
    for (let k = 0; k < j; k++) {
      const d = cols[j]!.reduce((s, x, r) => s + x * cols[k]![r]!, 0);
      cols[j] = cols[j]!.map((x, r) => x - d * cols[k]![r]!);
    }
    const n = Math.hypot(...cols[j]!);
    cols[j] = cols[j]!.map((x) => x / n);
  }
  if (reflect) cols[1] = cols[1]!.map((x) => -x);
  return [0, 1, 2].flatMap((r) => [0, 1, 2].map((j) => cols[j]![r]!)) as Mat3;
}

describe("qform", () => {
  test("quaternion + qfac encode every rotation and reflection (100 random frames)", () => {
    const rng = seeded(21);
    for (let t = 0; t < 100; t++) {
      const space: Space = {
        spacing: [0.5 + rng() * 3, 0.5 + rng() * 3, 0.5 + rng() * 3],
        origin: [(rng() - 0.5) * 200, (rng() - 0.5) * 200, (rng() - 0.5) * 200],
        direction: randomDirection(rng, t % 2 === 1),
        units: ["millimeter", "millimeter", "millimeter"],
      };
      const o = niftiOrientation("mem", space, 3);
      const h = header({ pixdim: [...o.pixdim, 0, 0, 0, 0], quatern: o.quatern, qoffset: o.qoffset, qformCode: 1 });
      const { space: back, from } = niftiSpace("mem", h, 3);
      assert.equal(from, "qform");
      assertSpaceClose(back, space, 1e-9, `frame ${t}`);
    }
  });

  test("the qform matrix matches nifti_quatern_to_mat44 for a known case (90° about z, qfac −1)", () => {
    const s = Math.SQRT1_2;
    const m = qformAffine(header({ quatern: [0, 0, s], qoffset: [1, 2, 3], pixdim: [-1, 2, 3, 4, 0, 0, 0, 0] }), [2, 3, 4]);
    const expected = [[0, -3, 0, 1], [2, 0, 0, 2], [0, 0, -4, 3]];
    m.forEach((row, r) => row.forEach((x, c) => assert.ok(Math.abs(x - expected[r]![c]!) < 1e-12, `m[${r}][${c}] = ${x}`)));
  });
});

describe("sform / qform precedence (ITK NiftiImageIO)", () => {
  const size: [number, number, number] = [1, 1, 1];
  const q = { quatern: [0, 0, 1] as [number, number, number], qoffset: [5, 6, 7] as [number, number, number] }; // 180° about z
  const s = { srow: [[1, 0, 0, -1], [0, 1, 0, -2], [0, 0, 1, -3]] };

  test("no codes → pixdim only: identity direction, zero origin", () => {
    const { space, from } = niftiSpace("mem", header({ pixdim: [1, 2, 3, 4, 0, 0, 0, 0], ...q, ...s }), 3);
    assert.equal(from, "pixdim");
    assert.deepEqual(space.spacing, [4, 3, 2]);
    assert.deepEqual(space.origin, [0, 0, 0]);
    assert.deepEqual(space.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });
  test("qform only → qform", () => {
    assert.equal(chooseFrame("mem", header({ qformCode: 1, ...q, ...s }), size).from, "qform");
  });
  test("sform only → sform", () => {
    assert.equal(chooseFrame("mem", header({ sformCode: 2, ...q, ...s }), size).from, "sform");
  });
  test("both, sform SCANNER_ANAT (1) → sform even when they disagree", () => {
    assert.equal(chooseFrame("mem", header({ qformCode: 1, sformCode: 1, ...q, ...s }), size).from, "sform");
  });
  test("both, sform ALIGNED_ANAT (2), disagreeing → qform", () => {
    assert.equal(chooseFrame("mem", header({ qformCode: 1, sformCode: 2, ...q, ...s }), size).from, "qform");
  });
  test("both, sform ALIGNED_ANAT (2), agreeing → sform", () => {
    const srow = [[-1, 0, 0, 5], [0, -1, 0, 6], [0, 0, 1, 7]];
    assert.equal(chooseFrame("mem", header({ qformCode: 1, sformCode: 2, ...q, srow }), size).from, "sform");
  });
  test("sheared sform with a qform → qform; without → InputError", () => {
    const srow = [[1, 0.3, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]];
    assert.equal(chooseFrame("mem", header({ qformCode: 1, sformCode: 1, ...q, srow }), size).from, "qform");
    assert.throws(() => chooseFrame("mem", header({ sformCode: 1, srow }), size), (e) => e instanceof InputError && e.message.includes("sheared"));
  });
  test("RAS → LPS: the sform's x and y are negated, origin and direction alike", () => {
    const { space } = niftiSpace("mem", header({ sformCode: 1, srow: [[2, 0, 0, 10], [0, 3, 0, 20], [0, 0, 4, 30]], pixdim: [1, 2, 3, 4, 0, 0, 0, 0] }), 3);
    assert.deepEqual(space.origin, [30, -20, -10]);
    assert.deepEqual(space.direction, [1, 0, 0, 0, -1, 0, 0, 0, -1]); // z kept, y and x flipped
    assert.deepEqual(space.spacing, [4, 3, 2]);
  });
  test("metres and microns are converted to millimetres", () => {
    const h = header({ sformCode: 1, srow: [[0.002, 0, 0, 0.01], [0, 0.002, 0, 0], [0, 0, 0.002, 0]], pixdim: [1, 0.002, 0.002, 0.002, 0, 0, 0, 0], xyztUnits: 1 });
    const { space } = niftiSpace("mem", h, 3);
    assertSpaceClose(space, { spacing: [2, 2, 2], origin: [0, 0, -10], direction: [1, 0, 0, 0, -1, 0, 0, 0, -1], units: space.units }, 1e-9);
  });
  test("awkward frame through the sform alone", () => {
    const space = awkwardSpace3d(true);
    const o = niftiOrientation("mem", space, 3);
    const { space: back, from } = niftiSpace("mem", header({ sformCode: 1, srow: o.srow, pixdim: [...o.pixdim, 0, 0, 0, 0] }), 3);
    assert.equal(from, "sform");
    assertSpaceClose(back, space, 1e-12);
  });
});
