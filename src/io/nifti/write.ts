// Writes a Source as a single-file NIfTI (.nii or .nii.gz): NIfTI-1, or NIfTI-2 when a dimension exceeds 32767.
// Orientation encoding lives in orientation.ts, header bytes in header.ts; reading the source is slab by slab.

import { createWriteStream } from "node:fs";
import { endianness } from "node:os";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { writeAtomically } from "../../core/atomic.js";
import { bytesPerSample, pixelBytes } from "../../core/dtype.js";
import { OutputError } from "../../core/errors.js";
import type { Source } from "../../core/source.js";
import type { WriteOptions } from "../write-options.js";
import { isPlanarSpace } from "../itk-frame.js";
import { encodeNiftiHeader, niftiDatatypeCode, NIFTI1_HEADER_BYTES, NIFTI2_HEADER_BYTES } from "./header.js";
import { NIFTI_XFORM_SCANNER_ANAT, niftiOrientation } from "./orientation.js";
import { checkSimpleWriteOptions, slabRegions, throwIfAborted } from "../simple-writer.js";

const NIFTI_INTENT_VECTOR = 1007;
const NIFTI1_MAX_DIM = 32767;

/** xyzt_units code for our unit names (0 = unknown, e.g. "pixel"). */
function unitCode(unit: string): number {
  switch (unit) {
    case "meter": return 1;
    case "millimeter": return 2;
    case "micrometer": return 3;
    default: return 0;
  }
}

/**
 * Writes level 0 of `source` to `path` (.nii, or .nii.gz gzip-compressed), reading one bounded z-slab at a time.
 *
 * - Geometry: our LPS Space becomes RAS qform and sform (both NIFTI_XFORM_SCANNER_ANAT, as ITK writes), pixdim holds
 *   the spacing. A 2D source with a planar frame is written with dim[0] = 2; anything else as 3D.
 * - Channels: more than one is written as a vector image, ITK-style: dim[5] = channels, intent VECTOR; channel names
 *   are not stored (they read back as c0, c1, ...).
 * - NIfTI-1 unless a dimension exceeds 32767, then NIfTI-2. Header in the host byte order (little-endian on every
 *   platform Node supports).
 * - Options: `compression` may be "none" for .nii, "gzip" or "deflate" for .nii.gz; `progress` and `signal` are
 *   honoured; tiling, levels > 1 and channelNames are rejected (OptionError).
 * The file appears under its name only when complete.
 */
export async function writeNifti(source: Source, path: string, options: WriteOptions = {}): Promise<void> {
  const gz = /\.nii\.gz$/i.test(path);
  if (!gz && !/\.nii$/i.test(path)) throw new OutputError(path, 'a NIfTI file name must end in ".nii" or ".nii.gz"');
  checkSimpleWriteOptions("NIfTI", options, gz ? ["gzip", "deflate"] : ["none"]);
  const meta = source.meta;
  const [nz, ny, nx] = meta.levels[0]!.shape;
  const nc = meta.channels.length;
  const ndim: 2 | 3 = meta.ndim === 2 && nz === 1 && isPlanarSpace(meta.space) ? 2 : 3;
  const o = niftiOrientation(path, meta.space, ndim);
  const dim = [nc > 1 ? 5 : ndim, nx, ny, nz, 1, nc, 1, 1];
  const version: 1 | 2 = dim.some((d) => d > NIFTI1_MAX_DIM) ? 2 : 1;
  const header = encodeNiftiHeader({
    version,
    littleEndian: endianness() === "LE",
    dim,
    pixdim: [...o.pixdim, 1, 1, 1, 1],
    datatype: niftiDatatypeCode(meta.dtype),
    bitpix: 8 * bytesPerSample(meta.dtype),
    voxOffset: (version === 1 ? NIFTI1_HEADER_BYTES : NIFTI2_HEADER_BYTES) + 4,
    sclSlope: 1,
    sclInter: 0,
    xyztUnits: unitCode(meta.space.units[2]),
    intentCode: nc > 1 ? NIFTI_INTENT_VECTOR : 0,
    qformCode: NIFTI_XFORM_SCANNER_ANAT,
    sformCode: NIFTI_XFORM_SCANNER_ANAT,
    quatern: o.quatern,
    qoffset: o.qoffset,
    srow: o.srow,
    descrip: "terareg",
  });
  const slabs = slabRegions(source);
  const total = slabs.length * nc;
  async function* bytes(): AsyncGenerator<Uint8Array> {
    yield header;
    let done = 0;
    // NIfTI stores channel after channel ([c][z][y][x]), so each slab is read once per channel
    for (let c = 0; c < nc; c++) {
      for (const region of slabs) {
        throwIfAborted(`write ${path}`, options.signal);
        const [plane] = await source.read(region, 0, { channels: [c], ...(options.signal ? { signal: options.signal } : {}) });
        yield pixelBytes(plane!);
        options.progress?.({ stage: "write NIfTI", done: ++done, total, unit: "slabs" });
      }
    }
  }
  await writeAtomically(path, async (tmp) => {
    if (gz) await pipeline(bytes, createGzip(), createWriteStream(tmp));
    else await pipeline(bytes, createWriteStream(tmp));
  });
}
