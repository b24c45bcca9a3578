// Export of a RegistrationTransform T(p) = A(p + d(p)) as elastix / transformix TransformParameters files.
// Checked with transformix 5.0.1 (-def on points): with (HowToCombineTransforms "Compose") a file's
// InitialTransformParametersFileName transform is applied to the point FIRST, then the file's own transform. So the
// field is TransformParameters.0.txt (DeformationFieldTransform) and the affine TransformParameters.1.txt, with the
// field as its initial transform; transformix -tp TransformParameters.1.txt then maps p → A(p + d(p)).
// A B-spline FFD is written natively as a BSplineTransform (grid padded with zero knots so elastix's valid region
// covers the whole support); a velocity field has no elastix equivalent and is sampled onto a DeformationFieldTransform.

import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { indexToPhysical, type Space, type Vec3 } from "../core/space.js";
import { isPlanarSpace, spaceToItkFrame, type ItkFrame } from "../io/itk-frame.js";
import { affineToItk, writeItkDisplacement } from "./export-itk.js";
import { deformationOf, type RegistrationTransform } from "./registration-transform.js";
import type { BSplineGrid } from "./bspline-field.js";
import { sampledNote } from "./export-itk.js";
import { toDisplacementGrid } from "./to-displacement-grid.js";

export const ELASTIX_FIELD_FILE = "deformation_field.mha";

/** The fixed image's level-0 grid, which elastix records for resampling (transformix -in). */
export interface ElastixFixedGeometry {
  /** Level-0 shape [z, y, x] (z = 1 for 2D). */
  shape: Vec3;
  space: Space;
}

export interface ElastixExportOptions {
  /**
   * Directory the files will finally live in, used for the paths written into them (elastix resolves
   * InitialTransformParametersFileName and DeformationFieldFileName against the working directory, not the
   * parameter file). Set it when writing into a temporary directory that is renamed afterwards. @default dir
   */
  finalDir?: string;
  /** FinalBSplineInterpolationOrder for resampling images with transformix -in. @default 1 */
  interpolationOrder?: 0 | 1 | 2 | 3;
  /** ResultImagePixelType of transformix -in. @default "float" */
  resultPixelType?: string;
}

export interface ElastixExport {
  /** File names written, in the order elastix reads them. */
  files: string[];
  /** The TransformParameters file to give transformix -tp (it pulls in the others). */
  entry: string;
}

/** A number as elastix's parameter parser reads it back: full double precision, never exponent notation. */
export function elastixNumber(x: number): string {
  const s = String(x + 0);
  if (!/e/i.test(s)) return s;
  return x.toFixed(20).replace(/0+$/, "").replace(/\.$/, "");
}

const list = (v: number[]) => v.map(elastixNumber).join(" ");

/** Size, Index, Spacing, Origin and Direction of a grid (x-first `size`, LPS frame `f`), each key after `prefix`. */
function gridLines(prefix: "" | "Grid", size: number[], f: ItkFrame): string[] {
  return [
    `(${prefix}Size ${size.join(" ")})`,
    `(${prefix}Index ${size.map(() => "0").join(" ")})`,
    `(${prefix}Spacing ${list(f.spacing)})`,
    `(${prefix}Origin ${list(f.origin)})`,
    // elastix reads Direction column by column: entry i·D + j is direction(j, i).
    `(${prefix}Direction ${list(f.columns.flat())})`,
  ];
}

/** The image-specific block of a TransformParameters file for the fixed grid (axes x first, LPS). */
function geometryLines(ndim: 2 | 3, fixed: ElastixFixedGeometry, o: ElastixExportOptions): string[] {
  const f = spaceToItkFrame("<elastix TransformParameters>", fixed.space, ndim);
  const size = ndim === 2 ? [fixed.shape[2], fixed.shape[1]] : [fixed.shape[2], fixed.shape[1], fixed.shape[0]];
  return [
    "// Image specific",
    `(FixedImageDimension ${ndim})`,
    `(MovingImageDimension ${ndim})`,
    '(FixedInternalImagePixelType "float")',
    '(MovingInternalImagePixelType "float")',
    ...gridLines("", size, f),
    '(UseDirectionCosines "true")',
    "",
    "// ResampleInterpolator specific",
    '(ResampleInterpolator "FinalBSplineInterpolator")',
    `(FinalBSplineInterpolationOrder ${o.interpolationOrder ?? 1})`,
    "",
    "// Resampler specific",
    '(Resampler "DefaultResampler")',
    "(DefaultPixelValue 0)",
    '(ResultImageFormat "mha")',
    `(ResultImagePixelType "${o.resultPixelType ?? "float"}")`,
    '(CompressResultImage "false")',
  ];
}

/**
 * Zero knots added on every side of a B-spline grid for elastix. elastix evaluates a BSplineTransform only where the
 * continuous grid index t lies in [1, K − 2) (all 4 support knots inside) and returns the point unmoved elsewhere;
 * ours is non-zero for t ∈ (−2, K + 1). Three zero knots per side make the two agree everywhere.
 */
export const ELASTIX_BSPLINE_PAD = 3;

/** The "BSplineTransform specific" lines and parameters of `g` (physical, [z, y, x]) in elastix's x-first LPS terms. */
function bsplineLines(g: BSplineGrid): { parameters: number[]; lines: string[] } {
  const nd = g.ndim, pad = ELASTIX_BSPLINE_PAD, [kz, ky, kx] = g.shape, nIn = kz * ky * kx;
  const shape: [number, number, number] = [nd === 3 ? kz + 2 * pad : 1, ky + 2 * pad, kx + 2 * pad];
  const nOut = shape[0] * shape[1] * shape[2], dz = nd === 3 ? pad : 0;
  // Coefficient images x first: all x coefficients (x fastest over the grid, as our C order), then y[, then z].
  const parameters = new Array<number>(nd * nOut).fill(0);
  for (let c = 0; c < nd; c++) {
    const src = (nd - 1 - c) * nIn; // elastix component c (x = 0) is our component nd − 1 − c
    for (let z = 0; z < kz; z++) {
      for (let y = 0; y < ky; y++) {
        for (let x = 0; x < kx; x++) {
          parameters[c * nOut + ((z + dz) * shape[1] + y + pad) * shape[2] + x + pad] = g.data[src + (z * ky + y) * kx + x]! + 0;
        }
      }
    }
  }
  const origin = indexToPhysical(g.space, [nd === 3 ? -pad : 0, -pad, -pad]);
  const f = spaceToItkFrame("<elastix BSplineTransform grid>", { ...g.space, origin }, nd);
  const size = nd === 3 ? [shape[2], shape[1], shape[0]] : [shape[2], shape[1]];
  return {
    parameters,
    lines: [
      "// BSplineTransform specific",
      ...gridLines("Grid", size, f),
      "(BSplineTransformSplineOrder 3)",
      '(UseCyclicTransform "false")',
    ],
  };
}

const quote = (path: string) => `"${path.replace(/\\/g, "/").replace(/"/g, '\\"')}"`;

/**
 * Writes `t` as elastix TransformParameters into directory `dir`:
 * - affine only: TransformParameters.0.txt (AffineTransform, centre 0);
 * - with a displacement: deformation_field.mha (components x, y[, z], LPS physical units), TransformParameters.0.txt
 *   (DeformationFieldTransform, linear) and TransformParameters.1.txt (AffineTransform whose initial transform is
 *   .0, so the field is applied first: T(p) = A(p + d(p)));
 * - with a velocity field: the same, the field being exp(v) sampled at the velocity grid's nodes (toDisplacementGrid;
 *   an approximation between nodes, stated in the file);
 * - with a B-spline: TransformParameters.0.txt is a BSplineTransform (order 3, same coefficients), then the affine.
 * Paths inside the files are absolute (under `finalDir`), because elastix resolves them against the working directory.
 */
export async function exportElastix(
  t: RegistrationTransform, dir: string, fixed: ElastixFixedGeometry, options: ElastixExportOptions = {},
): Promise<ElastixExport> {
  const n = t.ndim;
  if (n === 2 && !isPlanarSpace(fixed.space)) {
    throw new RangeError("a 2D transform needs a planar fixed frame (identity z row/column, z origin 0, z spacing 1)");
  }
  await mkdir(dir, { recursive: true });
  const finalDir = resolve(options.finalDir ?? dir);
  const geometry = geometryLines(n, fixed, options);
  const files: string[] = [];
  let initial = "NoInitialTransform";
  const def = deformationOf(t);
  if (def?.kind === "bspline") {
    const b = bsplineLines(def.grid);
    const name = "TransformParameters.0.txt";
    const text = [
      '(Transform "BSplineTransform")',
      `(NumberOfParameters ${b.parameters.length})`,
      `(TransformParameters ${list(b.parameters)})`,
      '(InitialTransformParametersFileName "NoInitialTransform")',
      '(UseBinaryFormatForTransformationParameters "false")',
      '(HowToCombineTransforms "Compose")',
      "",
      ...geometry,
      "",
      ...b.lines,
    ];
    await writeFile(join(dir, name), `${text.join("\n")}\n`);
    files.push(name);
    initial = join(finalDir, name);
  } else if (def) {
    await writeItkDisplacement(toDisplacementGrid(def), join(dir, ELASTIX_FIELD_FILE));
    files.push(ELASTIX_FIELD_FILE);
    const name = "TransformParameters.0.txt";
    const text = [
      '(Transform "DeformationFieldTransform")',
      "(NumberOfParameters 0)",
      `(DeformationFieldFileName ${quote(join(finalDir, ELASTIX_FIELD_FILE))})`,
      "(DeformationFieldInterpolationOrder 1)",
      '(InitialTransformParametersFileName "NoInitialTransform")',
      '(HowToCombineTransforms "Compose")',
      ...sampledNote(def).map((line) => `// ${line}`),
      "",
      ...geometry,
    ];
    await writeFile(join(dir, name), `${text.join("\n")}\n`);
    files.push(name);
    initial = join(finalDir, name);
  }
  const a = affineToItk(t.affine, n);
  const name = `TransformParameters.${def ? 1 : 0}.txt`;
  const text = [
    '(Transform "AffineTransform")',
    `(NumberOfParameters ${n * n + n})`,
    `(TransformParameters ${list([...a.matrix, ...a.translation])})`,
    `(InitialTransformParametersFileName ${initial === "NoInitialTransform" ? '"NoInitialTransform"' : quote(initial)})`,
    '(UseBinaryFormatForTransformationParameters "false")',
    '(HowToCombineTransforms "Compose")',
    "",
    ...geometry,
    "",
    "// AdvancedAffineTransform specific",
    `(CenterOfRotationPoint ${Array.from({ length: n }, () => "0").join(" ")})`,
  ];
  await writeFile(join(dir, name), `${text.join("\n")}\n`);
  files.push(name);
  return { files, entry: name };
}
