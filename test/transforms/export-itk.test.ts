import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { Vec3 } from "../../src/core/space.js";
import { openImage } from "../../src/io/open.js";
import { affineFromParams, identityParams } from "../../src/transforms/affine.js";
import { affineToItk, exportItk, parseItkTfm } from "../../src/transforms/export-itk.js";
import type { RegistrationTransform } from "../../src/transforms/registration-transform.js";
import { tempDir } from "../helpers/tmp.js";

test("ITK affine is written x first: a pure x translation is ITK's first translation entry; the matrix is transposed axis-wise", () => {
  const m = affineFromParams({ ...identityParams(), translation: [7, 5, 3], zoom: [4, 2, 1.5] }, [0, 0, 0], 3);
  const a = affineToItk(m, 3);
  assert.deepEqual(a.translation, [3, 5, 7]);
  assert.deepEqual(a.matrix, [1.5, 0, 0, 0, 2, 0, 0, 0, 4]);
  const m2 = affineFromParams({ ...identityParams(), rotation: [0, 0, Math.PI / 2] }, [0, 0, 0], 2);
  // +90° turns +x into +y: ITK column x of the matrix is (0, 1).
  const a2 = affineToItk(m2, 2);
  assert.ok(Math.abs(a2.matrix[0]!) < 1e-12 && Math.abs(a2.matrix[2]! - 1) < 1e-12);
});

test("affine.tfm round trips (2D and 3D), and a non-zero ITK centre is applied when reading", async (t) => {
  const dir = await tempDir(t);
  const cases: RegistrationTransform[] = [
    { ndim: 2, affine: affineFromParams({ ...identityParams(), rotation: [0, 0, 0.3], zoom: [1, 1.2, 0.9], translation: [0, 4, -3] }, [0, 10, 20], 2) },
    { ndim: 3, affine: affineFromParams({ rotation: [0.2, -0.1, 0.4], zoom: [1.1, 0.9, 1.2], shear: [0.05, -0.1, 0.08], translation: [3, -2, 5] }, [5, 10, 15], 3) },
  ];
  for (const tr of cases) {
    const files = await exportItk(tr, join(dir, `d${tr.ndim}`));
    assert.deepEqual(files, ["affine.tfm", "transform-order.txt"]);
    const text = await readFile(join(dir, `d${tr.ndim}`, "affine.tfm"), "utf8");
    assert.match(text, /^#Insight Transform File V1.0\n#Transform 0\nTransform: AffineTransform_double_(\d)_\1\n/);
    assert.match(text, new RegExp(`AffineTransform_double_${tr.ndim}_${tr.ndim}`));
    const back = parseItkTfm(text);
    assert.equal(back.ndim, tr.ndim);
    assert.deepEqual([...back.affine], [...tr.affine].map((v) => v + 0));
  }
  // ITK: y = M (x − c) + t + c. With M = 2·I, t = 0, c = (1, 2): offset = c − M c = (−1, −2) (x, y).
  const c = parseItkTfm("#Insight Transform File V1.0\n#Transform 0\nTransform: AffineTransform_double_2_2\nParameters: 2 0 0 2 0 0\nFixedParameters: 1 2\n");
  assert.deepEqual([c.affine[3 + 4 * 2], c.affine[3 + 4 * 1]], [-1, -2]);
  assert.throws(() => parseItkTfm("Transform: BSplineTransform_double_2_2\n", "x.tfm"), /x\.tfm.*AffineTransform/);
});

test("displacement.nii.gz holds components (x, y) of the field on its own grid; transform-order.txt states the ANTs order", async (t) => {
  const dir = await tempDir(t);
  const shape: Vec3 = [1, 6, 9], n = 54;
  const data = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    data[i] = i * 0.5; // dy
    data[n + i] = -i; // dx
  }
  const c = Math.cos(0.4), s = Math.sin(0.4);
  const space = { spacing: [1, 2, 3] as Vec3, origin: [0, -4, 6] as Vec3, direction: [1, 0, 0, 0, c, s, 0, -s, c] as [number, number, number, number, number, number, number, number, number], units: ["millimeter", "millimeter", "millimeter"] as [string, string, string] };
  const tr: RegistrationTransform = { ndim: 2, affine: affineFromParams(identityParams(), [0, 0, 0], 2), displacement: { ndim: 2, shape, space, data } };
  await exportItk(tr, dir);
  const src = await openImage(join(dir, "displacement.nii.gz"));
  assert.deepEqual(src.meta.levels[0]!.shape, shape);
  assert.equal(src.meta.channels.length, 2);
  const [cx, cy] = await src.read({ start: [0, 0, 0], size: shape }, 0);
  await src.close();
  assert.deepEqual([...cx!], [...data.subarray(n)]);
  assert.deepEqual([...cy!], [...data.subarray(0, n)]);
  for (let k = 0; k < 9; k++) assert.ok(Math.abs(src.meta.space.direction[k]! - space.direction[k]!) < 1e-6, `direction[${k}]`);
  for (let k = 1; k < 3; k++) assert.ok(Math.abs(src.meta.space.origin[k]! - space.origin[k]!) < 1e-5 && Math.abs(src.meta.space.spacing[k]! - space.spacing[k]!) < 1e-6);
  const order = await readFile(join(dir, "transform-order.txt"), "utf8");
  assert.match(order, /-t affine\.tfm -t displacement\.nii\.gz/);
  assert.match(order, /LAST-added transform .* FIRST/);
});
