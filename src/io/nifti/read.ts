// Reads single-file NIfTI-1 / NIfTI-2 images (.nii, .nii.gz) into a lazily decoded, single-level Source.
// The header is validated before anything is allocated; .nii voxels are read per window, .nii.gz decoded whole once.

import { open as openFile } from "node:fs/promises";
import { bytesPerSample, type DType, type PixelArray } from "../../core/dtype.js";
import { InputError } from "../../core/errors.js";
import type { Source } from "../../core/source.js";
import type { ImageMeta, Vec3 } from "../../core/space.js";
import { NIFTI1_HEADER_BYTES, NIFTI2_HEADER_BYTES, NIFTI_DATATYPES, NIFTI_UNSUPPORTED_DATATYPES, decodeNiftiHeader, type NiftiHeader } from "./header.js";
import { reportedNdim } from "../itk-frame.js";
import { niftiSpace } from "./orientation.js";
import { rawWindowSource } from "../raw-window.js";
import { checkDataFits, checkVolumeSize, lazyPlanesSource, readPlanes, readPrefix, statRegularFile, type DataLocation } from "../volume-data.js";

/** What the header says about the voxel array, after validation. */
interface NiftiLayout {
  shape: Vec3;
  ndim: 2 | 3;
  /** Stored sample type. */
  stored: DType;
  /** Channels from dims 4..7 (t, vector components, ...), before RGB expansion. */
  volumes: number;
  /** Samples per voxel (3 for RGB24, 4 for RGBA32, else 1). */
  samples: number;
  channelNames: string[];
  /** scl_slope / scl_inter when they change the values. */
  scale?: { slope: number; inter: number };
  /** The sample type the reader returns (float when scaled). */
  dtype: DType;
}

const EXTRA_AXIS_NAMES = ["t", "c", "u", "v"]; // dim[4] time, dim[5] vector component, dim[6], dim[7]

function layoutOf(file: string, h: NiftiHeader): NiftiLayout {
  const n = h.dim[0]!;
  if (!Number.isInteger(n) || n < 1 || n > 7) {
    throw new InputError(file, `dim[0] is ${n}; it must be 1..7 (is the header corrupt?)`);
  }
  if (h.magic === "ni1" || h.magic === "ni2") {
    throw new InputError(file, `magic "${h.magic}" marks a two-file .hdr/.img NIfTI; only single-file .nii / .nii.gz is supported`);
  }
  if (h.magic !== "n+1" && h.magic !== "n+2") {
    throw new InputError(file, `magic is "${h.magic}", not "n+1" or "n+2": Analyze 7.5 and other non-NIfTI headers are not supported`);
  }
  const type = NIFTI_DATATYPES.get(h.datatype);
  if (!type) {
    const known = NIFTI_UNSUPPORTED_DATATYPES.get(h.datatype);
    if (known) throw new InputError(file, `datatype ${h.datatype} (${known}) is not supported; convert to an integer or float32/float64 type`);
    throw new InputError(
      file,
      `unknown datatype code ${h.datatype}; supported: ${[...NIFTI_DATATYPES].map(([c, t]) => `${c} ${t.name}`).join(", ")}`,
    );
  }
  const dims = h.dim.slice(1, n + 1).map((d, k) => ({ name: `dim[${k + 1}]`, size: d }));
  const stored = type.dtype;
  checkVolumeSize(file, [...dims, { name: "samples per voxel", size: type.samples }], stored);
  const size = (k: number) => (k <= n ? h.dim[k]! : 1);
  const shape: Vec3 = [size(3), size(2), size(1)];
  const extra = [4, 5, 6, 7].map(size);
  const volumes = extra.reduce((a, b) => a * b, 1);
  if (type.samples > 1 && volumes > 1) {
    throw new InputError(file, `${type.name} data with ${volumes} volumes is not supported; only a single RGB volume is`);
  }
  let channelNames: string[];
  if (type.samples === 3) channelNames = ["R", "G", "B"];
  else if (type.samples === 4) channelNames = ["R", "G", "B", "A"];
  else {
    // name each channel by its index along every extra axis longer than 1, fastest axis (t) last in the name
    channelNames = Array.from({ length: volumes }, (_, v) => {
      let rest = v;
      const parts: string[] = [];
      extra.forEach((len, k) => {
        const i = rest % len;
        rest = (rest - i) / len;
        if (len > 1) parts.push(`${EXTRA_AXIS_NAMES[k]}${i}`);
      });
      return parts.length ? parts.join("_") : "C0";
    });
  }
  const slope = Number.isFinite(h.sclSlope) ? h.sclSlope : 0;
  const inter = Number.isFinite(h.sclInter) ? h.sclInter : 0;
  const scaled = type.samples === 1 && slope !== 0 && !(slope === 1 && inter === 0);
  return {
    shape,
    ndim: n >= 3 ? 3 : 2,
    stored,
    volumes,
    samples: type.samples,
    channelNames,
    ...(scaled ? { scale: { slope, inter } } : {}),
    dtype: scaled ? (stored === "float64" ? "float64" : "float32") : stored,
  };
}

/** Applies value = stored × slope + inter into a new float array. */
function applyScale(p: PixelArray, dtype: DType, s: { slope: number; inter: number }): PixelArray {
  const out = dtype === "float64" ? new Float64Array(p.length) : new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i]! * s.slope + s.inter;
  return out;
}

/**
 * Opens a NIfTI-1 or NIfTI-2 file (.nii or .nii.gz, either byte order) as a single-level Source.
 *
 * - Geometry: physical space is ITK's LPS in millimetres, chosen from sform / qform / pixdim exactly as ITK's
 *   NiftiImageIO does (see orientation.ts). A file with dim[0] = 2 is 2D (ndim 2, identity z, the sform's x/y block
 *   as ITK reads it); a one-slice volume is 2D too when its frame is planar, else 3D with its full frame.
 * - Types: uint8, int8, int16, uint16, int32, uint32, float32, float64; RGB24 / RGBA32 become 3 / 4 uint8 channels.
 * - scl_slope / scl_inter: when slope ≠ 0 and (slope, inter) ≠ (1, 0), values are returned scaled, as float32
 *   (float64 for float64 data); otherwise the stored type is returned unchanged.
 * - dim[4..7] > 1 become channels, named t0, t1, ... (time), c0, ... (vector components, dim[5]), joined as "t1_c0"
 *   when several are present. A .nii is read window by window from the file; a .nii.gz is decoded on the first read
 *   and kept until close().
 * @throws InputError naming the file and the problem for anything corrupt, truncated, absurd or unsupported
 */
export async function openNifti(path: string): Promise<Source> {
  const st = await statRegularFile(path);
  if (st.size === 0) throw new InputError(path, "empty file: no NIfTI header");
  const fh = await openFile(path, "r");
  const magic = Buffer.alloc(2);
  await fh.read(magic, 0, 2, 0).finally(() => fh.close());
  const gz = magic[0] === 0x1f && magic[1] === 0x8b;
  const stream: DataLocation = { path, offset: 0, encoding: gz ? "deflate" : "raw", bigEndian: false };
  const head = await readPrefix(path, stream, NIFTI2_HEADER_BYTES);
  const h = decodeNiftiHeader(path, head);
  const lay = layoutOf(path, h);
  const { space } = niftiSpace(path, h, lay.ndim);
  const ndim = reportedNdim(lay.ndim, lay.shape, space);
  const headerBytes = h.version === 1 ? NIFTI1_HEADER_BYTES : NIFTI2_HEADER_BYTES;
  if (!Number.isSafeInteger(h.voxOffset) || h.voxOffset < 0) {
    throw new InputError(path, `vox_offset is ${h.voxOffset}; it must be a non-negative integer`);
  }
  const voxOffset = Math.max(h.voxOffset, headerBytes);
  const nvox = lay.shape[0] * lay.shape[1] * lay.shape[2];
  const payload = nvox * lay.volumes * lay.samples * bytesPerSample(lay.stored);
  const loc: DataLocation = gz
    ? { path, offset: 0, encoding: "deflate", skip: voxOffset, bigEndian: !h.littleEndian }
    : { path, offset: voxOffset, encoding: "raw", bigEndian: !h.littleEndian };
  checkDataFits(path, loc, payload, st.size);
  const meta: ImageMeta = {
    path,
    format: "nifti",
    ndim,
    dtype: lay.dtype,
    channels: lay.channelNames,
    levels: [{ shape: lay.shape, scale: [1, 1, 1] }],
    space,
  };
  const layout = lay.samples > 1 ? { inner: 1, channels: lay.samples, outer: nvox } : { inner: nvox, channels: lay.volumes, outer: 1 };
  const scale = lay.scale;
  const scaled = scale ? (p: PixelArray) => applyScale(p, lay.dtype, scale) : undefined;
  if (!gz) return rawWindowSource(meta, loc, lay.stored, layout, scaled);
  return lazyPlanesSource({ ...meta, residentBytes: nvox * lay.volumes * lay.samples * bytesPerSample(lay.dtype) }, async () => {
    const planes = await readPlanes(path, loc, lay.stored, layout);
    return scaled ? planes.map(scaled) : planes;
  });
}
