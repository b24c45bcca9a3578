// Which format a path names: by extension first, then by magic bytes for files whose name says nothing.
// The readers and writers themselves live in io/<format>/; this module only classifies.

import { stat } from "node:fs/promises";
import { join } from "node:path";
import { readHead } from "./volume-data.js";

export type FormatName = "tiff" | "zarr" | "nifti" | "metaimage" | "nrrd" | "raster";

const EXTENSIONS: [RegExp, FormatName][] = [
  [/\.(ome\.)?tiff?$|\.(btf|tf8|svs)$/i, "tiff"],
  [/\.(ome\.)?zarr\/?$/i, "zarr"],
  [/\.nii(\.gz)?$/i, "nifti"],
  [/\.(mha|mhd)$/i, "metaimage"],
  [/\.nrrd$/i, "nrrd"],
  [/\.(png|jpe?g|webp)$/i, "raster"],
];

/** The format named by a path's extension, if any. */
export function formatFromExtension(path: string): FormatName | undefined {
  for (const [re, f] of EXTENSIONS) if (re.test(path)) return f;
  return undefined;
}

/** Classifies an existing file or directory by its first bytes (or Zarr metadata files); undefined if unknown. */
export async function sniffFormat(path: string): Promise<FormatName | undefined> {
  const st = await stat(path);
  if (st.isDirectory()) {
    for (const f of ["zarr.json", ".zgroup", ".zarray", ".zattrs"]) {
      if (await stat(join(path, f)).then(() => true, () => false)) return "zarr";
    }
    return undefined;
  }
  const head = await readHead(path, 352);
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const ascii = b.toString("latin1");
  if (ascii.startsWith("II*\0") || ascii.startsWith("MM\0*") || ascii.startsWith("II+\0") || ascii.startsWith("MM\0+")) return "tiff";
  if (b[0] === 0x89 && ascii.startsWith("PNG", 1)) return "raster";
  if (b[0] === 0xff && b[1] === 0xd8) return "raster";
  if (ascii.startsWith("RIFF") && ascii.startsWith("WEBP", 8)) return "raster";
  if (ascii.startsWith("NRRD")) return "nrrd";
  if (b[0] === 0x1f && b[1] === 0x8b) return "nifti"; // gzip: .nii.gz is the only gzip container we read
  if (b.length >= 348 && (b.readInt32LE(0) === 348 || b.readInt32BE(0) === 348 || b.readInt32LE(0) === 540)) return "nifti";
  if (/^\s*(ObjectType|NDims)\s*=/m.test(ascii)) return "metaimage";
  return undefined;
}
