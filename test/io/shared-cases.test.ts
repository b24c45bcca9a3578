// Every case of ../shared/data (cases.json) opens through openImage with the size, dtype, channels, spacing
// and direction its MANIFEST.md states.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { openImage } from "../../src/io/open.js";
import { SHARED_DATA } from "../helpers/tmp.js";
import type { DType } from "../../src/core/dtype.js";

interface Expect {
  file: string;
  /** x-first as MANIFEST writes it: W×H[×D]. */
  size: number[];
  channels: number;
  dtype: DType;
  spacingXYZ?: number[];
  /** Diagonal of the direction in x, y order (±1). */
  flipXY?: [number, number];
}

const D = (c: string, f: string) => join(c, f);
const EXPECT: Expect[] = [
  { file: D("anhir_rat_kidney_he_pancytokeratin", "fixed.jpg"), size: [1164, 787], channels: 3, dtype: "uint8" },
  { file: D("anhir_rat_kidney_he_pancytokeratin", "moving.jpg"), size: [1123, 724], channels: 3, dtype: "uint8" },
  { file: D("anhir_lung_lesion_1_he_prospc", "fixed.jpg"), size: [890, 733], channels: 3, dtype: "uint8" },
  { file: D("anhir_lung_lesion_1_he_prospc", "moving.jpg"), size: [891, 735], channels: 3, dtype: "uint8" },
  { file: D("elastix_example_2d_brain_mr", "fixed.mhd"), size: [256, 256], channels: 1, dtype: "int16", spacingXYZ: [1, 1] },
  { file: D("elastix_example_2d_brain_mr", "moving.mhd"), size: [256, 256], channels: 1, dtype: "int16" },
  { file: D("itk_brainweb_pd_translation", "fixed.png"), size: [221, 257], channels: 1, dtype: "uint8" },
  { file: D("itk_brainweb_pd_translation", "moving.png"), size: [221, 257], channels: 1, dtype: "uint8" },
  { file: D("ants_r16_r64_brain_slices", "fixed.jpg"), size: [256, 256], channels: 1, dtype: "uint8" },
  { file: D("ants_r16_r64_brain_slices", "moving.jpg"), size: [256, 256], channels: 1, dtype: "uint8" },
  { file: D("itk_course_spine_mr_t1_t2", "fixed.nrrd"), size: [230, 512], channels: 1, dtype: "int16", spacingXYZ: [0.6769, 0.6769], flipXY: [1, 1] },
  { file: D("itk_course_spine_mr_t1_t2", "moving.nrrd"), size: [242, 555], channels: 1, dtype: "int16", spacingXYZ: [0.6, 0.6], flipXY: [-1, -1] },
  { file: D("sct_mt0_to_mt1_3d", "fixed.nii.gz"), size: [40, 40, 5], channels: 1, dtype: "int16", spacingXYZ: [0.844, 0.844, 17] },
  { file: D("sct_mt0_to_mt1_3d", "moving.nii.gz"), size: [40, 40, 5], channels: 1, dtype: "int16", spacingXYZ: [0.844, 0.844, 17] },
  { file: D("sct_mt0_to_mt1_3d", "fixed_seg.nii.gz"), size: [40, 40, 5], channels: 1, dtype: "uint8" },
  { file: D("valis_cycif_3_cycles", "fixed_cycle_CD8_FOXP3_CD20.png"), size: [512, 384], channels: 1, dtype: "uint8" },
  { file: D("skimage_stereo_motorcycle", "fixed.png"), size: [741, 500], channels: 3, dtype: "uint8" },
  { file: D("itkelastix_lung_sem_serial_sections", "2016_12_02_0101_s00_01.png"), size: [800, 800], channels: 1, dtype: "uint8" },
];

const present = existsSync(SHARED_DATA);

test("every shared case opens with the size, dtype, spacing and direction its MANIFEST states", { skip: !present && `no ${SHARED_DATA}` }, async () => {
  for (const e of EXPECT) {
    const src = await openImage(join(SHARED_DATA, e.file));
    const m = src.meta;
    const shape = [...m.levels[0]!.shape].reverse(); // x, y, z
    assert.deepEqual(shape.slice(0, e.size.length), e.size, e.file);
    if (e.size.length === 2) assert.equal(shape[2], 1, e.file);
    assert.equal(m.channels.length, e.channels, `${e.file} channels`);
    assert.equal(m.dtype, e.dtype, `${e.file} dtype`);
    if (e.spacingXYZ) {
      e.spacingXYZ.forEach((s, i) => assert.ok(Math.abs(m.space.spacing[2 - i]! - s) < 1e-3, `${e.file} spacing ${m.space.spacing}`));
    }
    if (e.flipXY) {
      assert.ok(Math.abs(m.space.direction[8] - e.flipXY[0]) < 1e-9 && Math.abs(m.space.direction[4] - e.flipXY[1]) < 1e-9, `${e.file} direction ${m.space.direction}`);
    }
    // A small read at the far corner works and has the right length.
    const l0 = m.levels[0]!.shape;
    const planes = await src.read({ start: [l0[0] - 1, l0[1] - 2, l0[2] - 3], size: [1, 2, 3] }, 0);
    assert.equal(planes.length, e.channels);
    assert.equal(planes[0]!.length, 6);
    await src.close();
  }
});

test("cases.json lists only files that exist", { skip: !present && `no ${SHARED_DATA}` }, async () => {
  const { readFile } = await import("node:fs/promises");
  const cases = JSON.parse(await readFile(join(SHARED_DATA, "cases.json"), "utf8")) as { cases: { id: string; fixed: string | string[]; moving?: string | string[] }[] };
  for (const c of cases.cases) {
    for (const f of [c.fixed, c.moving].flat()) if (f) assert.ok(existsSync(join(SHARED_DATA, c.id, f)), `${c.id}/${f}`);
  }
});
