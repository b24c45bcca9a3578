// Export of a RegistrationTransform T(p) = A(p + d(p)) as elastix / transformix TransformParameters files.
// Checked with transformix 5.0.1 (-def on points): with (HowToCombineTransforms "Compose") a file's
// InitialTransformParametersFileName transform is applied to the point FIRST, then the file's own transform. So the
// field is TransformParameters.0.txt (DeformationFieldTransform) and the affine TransformParameters.1.txt, with the
// field as its initial transform; transformix -tp TransformParameters.1.txt then maps p → A(p + d(p)).

import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Space, Vec3 } from "../core/space.js";
import { isPlanarSpace, spaceToItkFrame } from "../io/itk-frame.js";
import { affineToItk, writeItkDisplacement } from "./export-itk.js";
import type { RegistrationTransform } from "./registration-transform.js";

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
    `(Size ${size.join(" ")})`,
    `(Index ${size.map(() => "0").join(" ")})`,
    `(Spacing ${list(f.spacing)})`,
    `(Origin ${list(f.origin)})`,
    // elastix reads Direction column by column: entry i·D + j is direction(j, i).
    `(Direction ${list(f.columns.flat())})`,
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

const quote = (path: string) => `"${path.replace(/\\/g, "/").replace(/"/g, '\\"')}"`;

/**
 * Writes `t` as elastix TransformParameters into directory `dir`:
 * - affine only: TransformParameters.0.txt (AffineTransform, centre 0);
 * - with a displacement: deformation_field.mha (components x, y[, z], LPS physical units), TransformParameters.0.txt
 *   (DeformationFieldTransform, linear) and TransformParameters.1.txt (AffineTransform whose initial transform is
 *   .0, so the field is applied first: T(p) = A(p + d(p))).
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
  if (t.displacement) {
    await writeItkDisplacement(t.displacement, join(dir, ELASTIX_FIELD_FILE));
    files.push(ELASTIX_FIELD_FILE);
    const name = "TransformParameters.0.txt";
    const text = [
      '(Transform "DeformationFieldTransform")',
      "(NumberOfParameters 0)",
      `(DeformationFieldFileName ${quote(join(finalDir, ELASTIX_FIELD_FILE))})`,
      "(DeformationFieldInterpolationOrder 1)",
      '(InitialTransformParametersFileName "NoInitialTransform")',
      '(HowToCombineTransforms "Compose")',
      "",
      ...geometry,
    ];
    await writeFile(join(dir, name), `${text.join("\n")}\n`);
    files.push(name);
    initial = join(finalDir, name);
  }
  const a = affineToItk(t.affine, n);
  const name = `TransformParameters.${t.displacement ? 1 : 0}.txt`;
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
