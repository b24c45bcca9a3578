// Writing an image by path: picks the writer from the output name and makes the write atomic (temp name → rename).
// Each writer pulls the source region by region; none of them holds a whole full-resolution image.

import { OptionError } from "../core/errors.js";
import { writeAtomically } from "../core/atomic.js";
import type { Source } from "../core/source.js";
import type { WriteOptions } from "./write-options.js";

type Writer = (source: Source, path: string, options: WriteOptions) => Promise<void>;

const WRITERS: [RegExp, string, () => Promise<Writer>][] = [
  [/\.(ome\.)?tiff?$/i, "pyramidal OME-TIFF (BigTIFF)", async () => (await import("./tiff/write-ome-tiff.js")).writeOmeTiff],
  [/\.(ome\.)?zarr\/?$/i, "OME-Zarr", async () => (await import("./zarr/write-ome-zarr.js")).writeOmeZarr],
  [/\.nii(\.gz)?$/i, "NIfTI", async () => (await import("./nifti/write.js")).writeNifti],
  [/\.mha$/i, "MetaImage", async () => (await import("./metaimage/write.js")).writeMetaImage],
  [/\.png$/i, "PNG", async () => (await import("./raster/write.js")).writePng],
];

export const WRITABLE_FORMATS = ".ome.tif/.tif (pyramidal OME-TIFF), .ome.zarr/.zarr (OME-Zarr v3 or v2), .nii/.nii.gz, .mha, .png";

/** The kind of output a path names, or undefined. */
export function outputKind(path: string): string | undefined {
  return WRITERS.find(([re]) => re.test(path))?.[1];
}

/**
 * Writes `source` to `path`, the format chosen by the extension. The output appears under its final
 * name only when complete; on failure nothing is left behind.
 */
export async function writeImage(source: Source, path: string, options: WriteOptions = {}): Promise<void> {
  const entry = WRITERS.find(([re]) => re.test(path.replace(/\/+$/, "")));
  if (!entry) throw new OptionError("output", path, `a name ending in one of ${WRITABLE_FORMATS}`);
  const writer = await entry[2]();
  const finalPath = path.replace(/\/+$/, "");
  await writeAtomically(finalPath, (tmp) => writer(source, tmp, options));
}
