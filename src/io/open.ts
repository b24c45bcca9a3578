// Opening an image by path: finds the format (extension, then magic bytes) and hands over to that format's reader.
// Foreign errors from a reader (zlib, RangeError, ...) are wrapped here, once, into an InputError naming the file.

import { stat } from "node:fs/promises";
import { InputError, isTeraregError } from "../core/errors.js";
import type { Source } from "../core/source.js";
import { formatFromExtension, sniffFormat, type FormatName } from "./formats.js";

type Opener = (path: string) => Promise<Source>;

/** Readers, loaded on first use so that start-up stays cheap. */
const OPENERS: Record<FormatName, () => Promise<Opener>> = {
  tiff: async () => (await import("./tiff/open-tiff.js")).openTiff,
  zarr: async () => (await import("./zarr/open-zarr.js")).openZarr,
  nifti: async () => (await import("./nifti/read.js")).openNifti,
  metaimage: async () => (await import("./metaimage/read.js")).openMetaImage,
  nrrd: async () => (await import("./nrrd/read.js")).openNrrd,
  raster: async () => (await import("./raster/read.js")).openRaster,
};

export const READABLE_FORMATS =
  "TIFF/BigTIFF/OME-TIFF, OME-Zarr v2/v3 (or a bare Zarr array), NIfTI (.nii, .nii.gz), MetaImage (.mha, .mhd), NRRD, PNG, JPEG, WebP";

function wrap(path: string, e: unknown): Error {
  if (isTeraregError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new InputError(path, `cannot be read (${msg})`, { cause: e });
}

/** Every error a source throws names its file: a reader's foreign errors become InputErrors. */
function guarded(path: string, src: Source): Source {
  return {
    meta: src.meta,
    async read(region, level, options) {
      try {
        return await src.read(region, level, options);
      } catch (e) {
        throw wrap(path, e);
      }
    },
    close: () => src.close(),
  };
}

/**
 * Opens an image for lazy, region-by-region reading. Only headers are read here.
 * @throws InputError when the path does not exist, the format is unknown, or the header is invalid.
 */
export async function openImage(path: string): Promise<Source> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new InputError(path, "no such file or directory");
  let format = formatFromExtension(path);
  if (!format || (format === "zarr" && !st.isDirectory())) format = await sniffFormat(path).catch(() => undefined);
  if (!format) throw new InputError(path, `unknown image format; terareg reads ${READABLE_FORMATS}`);
  if (st.isFile() && st.size === 0) throw new InputError(path, "empty file (0 bytes)");
  const opener = await OPENERS[format]();
  try {
    return guarded(path, await opener(path));
  } catch (e) {
    throw wrap(path, e);
  }
}
