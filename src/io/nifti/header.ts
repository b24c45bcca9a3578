// The NIfTI-1 (348-byte) and NIfTI-2 (540-byte) headers: byte layout, decoding in either byte order, encoding.
// What the fields mean in physical space (qform/sform → LPS) lives in orientation.ts; pixel data in read.ts.

import type { DType } from "../../core/dtype.js";
import { InputError } from "../../core/errors.js";

/** The header fields terareg uses, with NIfTI-1 and NIfTI-2 unified (numbers are doubles either way). */
export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  /** dim[0..7]: dim[0] is the number of dimensions used, dim[1..3] are i, j, k (x, y, z), dim[4] is t. */
  dim: number[];
  /** pixdim[0..7]: pixdim[0] is qfac (±1), pixdim[1..3] the voxel size along i, j, k. */
  pixdim: number[];
  datatype: number;
  bitpix: number;
  /** Byte offset of the pixel data in the (decompressed) .nii file. */
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  /** Low 3 bits: spatial unit (1 m, 2 mm, 3 µm); bits 3–5: time unit. */
  xyztUnits: number;
  intentCode: number;
  qformCode: number;
  sformCode: number;
  /** quatern_b, quatern_c, quatern_d. */
  quatern: [number, number, number];
  /** qoffset_x, qoffset_y, qoffset_z (RAS, the unit of xyzt_units). */
  qoffset: [number, number, number];
  /** srow_x, srow_y, srow_z, four numbers each (RAS). */
  srow: number[][];
  descrip: string;
  /** The magic string: "n+1", "ni1", "n+2", "ni2", or "" for an Analyze 7.5 header. */
  magic: string;
}

export const NIFTI1_HEADER_BYTES = 348;
export const NIFTI2_HEADER_BYTES = 540;

/** NIfTI datatype codes terareg reads, and the sample type and channel count each decodes to. */
export const NIFTI_DATATYPES: ReadonlyMap<number, { dtype: DType; samples: number; name: string }> = new Map([
  [2, { dtype: "uint8", samples: 1, name: "UINT8" }],
  [4, { dtype: "int16", samples: 1, name: "INT16" }],
  [8, { dtype: "int32", samples: 1, name: "INT32" }],
  [16, { dtype: "float32", samples: 1, name: "FLOAT32" }],
  [64, { dtype: "float64", samples: 1, name: "FLOAT64" }],
  [128, { dtype: "uint8", samples: 3, name: "RGB24" }],
  [256, { dtype: "int8", samples: 1, name: "INT8" }],
  [512, { dtype: "uint16", samples: 1, name: "UINT16" }],
  [768, { dtype: "uint32", samples: 1, name: "UINT32" }],
  [2304, { dtype: "uint8", samples: 4, name: "RGBA32" }],
]);

/** Codes that are valid NIfTI but that terareg does not read, for a precise message. */
export const NIFTI_UNSUPPORTED_DATATYPES: ReadonlyMap<number, string> = new Map([
  [1, "BINARY (1 bit)"],
  [32, "COMPLEX64"],
  [1024, "INT64"],
  [1280, "UINT64"],
  [1536, "FLOAT128"],
  [1792, "COMPLEX128"],
  [2048, "COMPLEX256"],
]);

/** The datatype code for a sample type (the writer's direction). */
export function niftiDatatypeCode(dtype: DType): number {
  for (const [code, t] of NIFTI_DATATYPES) if (t.dtype === dtype && t.samples === 1) return code;
  throw new RangeError(`no NIfTI datatype for ${dtype}`);
}

function cString(b: Uint8Array, at: number, n: number): string {
  let end = at;
  while (end < at + n && b[end] !== 0) end++;
  return Buffer.from(b.buffer, b.byteOffset + at, end - at).toString("latin1");
}

/**
 * Decodes a NIfTI-1 or NIfTI-2 header from the first bytes of a .nii file, detecting version and byte order
 * from sizeof_hdr. Checks only what is needed to interpret the rest; dims and datatype are checked by the reader.
 */
export function decodeNiftiHeader(file: string, b: Uint8Array): NiftiHeader {
  if (b.length < 4) throw new InputError(file, `file too short for a NIfTI header (${b.length} bytes)`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = v.getInt32(0, true), be = v.getInt32(0, false);
  let version: 1 | 2, littleEndian: boolean;
  if (le === NIFTI1_HEADER_BYTES || be === NIFTI1_HEADER_BYTES) [version, littleEndian] = [1, le === NIFTI1_HEADER_BYTES];
  else if (le === NIFTI2_HEADER_BYTES || be === NIFTI2_HEADER_BYTES) [version, littleEndian] = [2, le === NIFTI2_HEADER_BYTES];
  else {
    throw new InputError(file, `bad sizeof_hdr ${le} (expected 348 for NIfTI-1 or 540 for NIfTI-2, in either byte order); not a NIfTI file`);
  }
  const need = version === 1 ? NIFTI1_HEADER_BYTES : NIFTI2_HEADER_BYTES;
  if (b.length < need) throw new InputError(file, `header is truncated: NIfTI-${version} needs ${need} bytes, the file has ${b.length}`);
  const i16 = (o: number) => v.getInt16(o, littleEndian);
  const i32 = (o: number) => v.getInt32(o, littleEndian);
  const f32 = (o: number) => v.getFloat32(o, littleEndian);
  const f64 = (o: number) => v.getFloat64(o, littleEndian);
  const i64 = (o: number) => {
    const x = v.getBigInt64(o, littleEndian);
    return x > BigInt(Number.MAX_SAFE_INTEGER) || x < -BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(x);
  };
  if (version === 1) {
    return {
      version, littleEndian,
      dim: Array.from({ length: 8 }, (_, k) => i16(40 + 2 * k)),
      pixdim: Array.from({ length: 8 }, (_, k) => f32(76 + 4 * k)),
      intentCode: i16(68), datatype: i16(70), bitpix: i16(72),
      voxOffset: f32(108), sclSlope: f32(112), sclInter: f32(116),
      xyztUnits: b[123]!,
      descrip: cString(b, 148, 80),
      qformCode: i16(252), sformCode: i16(254),
      quatern: [f32(256), f32(260), f32(264)],
      qoffset: [f32(268), f32(272), f32(276)],
      srow: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f32(280 + 16 * r + 4 * c))),
      magic: cString(b, 344, 4),
    };
  }
  return {
    version, littleEndian,
    magic: cString(b, 4, 4),
    datatype: i16(12), bitpix: i16(14),
    dim: Array.from({ length: 8 }, (_, k) => i64(16 + 8 * k)),
    pixdim: Array.from({ length: 8 }, (_, k) => f64(104 + 8 * k)),
    voxOffset: i64(168), sclSlope: f64(176), sclInter: f64(184),
    descrip: cString(b, 240, 80),
    qformCode: i32(344), sformCode: i32(348),
    quatern: [f64(352), f64(360), f64(368)],
    qoffset: [f64(376), f64(384), f64(392)],
    srow: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f64(400 + 32 * r + 8 * c))),
    xyztUnits: i32(500), intentCode: i32(504),
  };
}

/**
 * Encodes a header for a single-file .nii (magic "n+1" / "n+2"), followed by the 4-byte extension flag (zero).
 * `voxOffset` should be 352 for NIfTI-1 and 544 for NIfTI-2 (the header plus that flag).
 * @returns header + extension flag bytes
 */
export function encodeNiftiHeader(h: Omit<NiftiHeader, "magic">): Uint8Array {
  const n = h.version === 1 ? NIFTI1_HEADER_BYTES : NIFTI2_HEADER_BYTES;
  const b = new Uint8Array(n + 4);
  const v = new DataView(b.buffer);
  const le = h.littleEndian;
  const ascii = (at: number, s: string, max: number) => b.set(Buffer.from(s.slice(0, max - 1), "latin1"), at);
  if (h.version === 1) {
    v.setInt32(0, n, le);
    b[38] = "r".charCodeAt(0); // regular
    h.dim.forEach((d, k) => v.setInt16(40 + 2 * k, d, le));
    v.setInt16(68, h.intentCode, le);
    v.setInt16(70, h.datatype, le);
    v.setInt16(72, h.bitpix, le);
    h.pixdim.forEach((p, k) => v.setFloat32(76 + 4 * k, p, le));
    v.setFloat32(108, h.voxOffset, le);
    v.setFloat32(112, h.sclSlope, le);
    v.setFloat32(116, h.sclInter, le);
    b[123] = h.xyztUnits;
    ascii(148, h.descrip, 80);
    v.setInt16(252, h.qformCode, le);
    v.setInt16(254, h.sformCode, le);
    h.quatern.forEach((q, k) => v.setFloat32(256 + 4 * k, q, le));
    h.qoffset.forEach((q, k) => v.setFloat32(268 + 4 * k, q, le));
    h.srow.forEach((row, r) => row.forEach((x, c) => v.setFloat32(280 + 16 * r + 4 * c, x, le)));
    ascii(344, "n+1", 4);
  } else {
    v.setInt32(0, n, le);
    b.set([0x6e, 0x2b, 0x32, 0x00, 0x0d, 0x0a, 0x1a, 0x0a], 4); // "n+2\0\r\n\032\n"
    v.setInt16(12, h.datatype, le);
    v.setInt16(14, h.bitpix, le);
    h.dim.forEach((d, k) => v.setBigInt64(16 + 8 * k, BigInt(d), le));
    h.pixdim.forEach((p, k) => v.setFloat64(104 + 8 * k, p, le));
    v.setBigInt64(168, BigInt(h.voxOffset), le);
    v.setFloat64(176, h.sclSlope, le);
    v.setFloat64(184, h.sclInter, le);
    ascii(240, h.descrip, 80);
    v.setInt32(344, h.qformCode, le);
    v.setInt32(348, h.sformCode, le);
    h.quatern.forEach((q, k) => v.setFloat64(352 + 8 * k, q, le));
    h.qoffset.forEach((q, k) => v.setFloat64(376 + 8 * k, q, le));
    h.srow.forEach((row, r) => row.forEach((x, c) => v.setFloat64(400 + 32 * r + 8 * c, x, le)));
    v.setInt32(500, h.xyztUnits, le);
    v.setInt32(504, h.intentCode, le);
  }
  return b;
}
