// MetaImage (.mha / .mhd) header text: "Key = Value" lines up to ElementDataFile, parsed into typed fields.
// Where the pixel data is and what it means in physical space is decided in read.ts.

import type { DType } from "../../core/dtype.js";
import { InputError } from "../../core/errors.js";

/** MetaIO element types terareg reads and writes. */
export const MET_TYPES: ReadonlyMap<string, DType> = new Map([
  ["MET_UCHAR", "uint8"],
  ["MET_CHAR", "int8"],
  ["MET_USHORT", "uint16"],
  ["MET_SHORT", "int16"],
  ["MET_UINT", "uint32"],
  ["MET_INT", "int32"],
  ["MET_FLOAT", "float32"],
  ["MET_DOUBLE", "float64"],
]);

/** The MetaIO element type name of a sample type. */
export function metTypeName(dtype: DType): string {
  for (const [name, t] of MET_TYPES) if (t === dtype) return name;
  throw new RangeError(`no MetaImage type for ${dtype}`);
}

/** The header fields terareg uses, axes listed x first as in the file. */
export interface MetaHeader {
  ndims: number;
  dimSize: number[];
  spacing: number[];
  origin: number[];
  /** TransformMatrix as written: NDims groups of NDims numbers, group j = direction of index axis j. */
  transform: number[];
  dtype: DType;
  channels: number;
  bigEndian: boolean;
  compressed: boolean;
  /** CompressedDataSize, when given. */
  compressedSize?: number;
  /** HeaderSize: bytes to skip in the data file; −1 means "the data is at the end of the file". */
  headerSize: number;
  /** ElementDataFile: "LOCAL" or a file name relative to the header. */
  dataFile: string;
  /** Byte offset just past the ElementDataFile line (where LOCAL data starts). */
  dataOffset: number;
}

/** Largest header text we look through for ElementDataFile. */
export const MAX_HEADER_BYTES = 1 << 20;

function parseBool(v: string): boolean {
  return /^(t|true|1|yes)$/i.test(v.trim());
}

/**
 * Parses the header at the start of `bytes` (the whole .mhd, or the first bytes of a .mha).
 * @throws InputError for a missing or malformed required field, or when no ElementDataFile line is found
 */
export function parseMetaHeader(file: string, bytes: Uint8Array): MetaHeader {
  if (bytes.length === 0) throw new InputError(file, "empty file: no MetaImage header");
  const fields = new Map<string, string>();
  let pos = 0;
  let dataOffset = -1;
  while (pos < bytes.length) {
    let end = bytes.indexOf(0x0a, pos);
    const next = end < 0 ? bytes.length : end + 1;
    if (end < 0) end = bytes.length;
    const line = Buffer.from(bytes.buffer, bytes.byteOffset + pos, end - pos).toString("latin1").replace(/\r$/, "");
    pos = next;
    if (line.trim() === "") continue;
    const eq = line.indexOf("=");
    if (eq < 0) {
      throw new InputError(file, `not a MetaImage header: line "${line.slice(0, 60)}" has no "Key = Value" form`);
    }
    const key = line.slice(0, eq).trim().toLowerCase();
    fields.set(key, line.slice(eq + 1).trim());
    if (key === "elementdatafile") {
      dataOffset = next;
      break;
    }
  }
  if (dataOffset < 0) {
    throw new InputError(file, `no ElementDataFile line in the header${bytes.length >= MAX_HEADER_BYTES ? " (first 1 MiB)" : ""}; not a MetaImage file or truncated header`);
  }
  const get = (k: string) => fields.get(k.toLowerCase());
  const numbers = (k: string, n: number, fallback?: number[]): number[] => {
    const raw = get(k);
    if (raw === undefined) {
      if (fallback) return fallback;
      throw new InputError(file, `missing ${k}`);
    }
    const v = raw.split(/\s+/).filter((s) => s !== "").map(Number);
    if (v.length < n || v.slice(0, n).some((x) => Number.isNaN(x))) {
      throw new InputError(file, `${k} = "${raw}" must hold ${n} numbers`);
    }
    return v.slice(0, n);
  };
  const objectType = get("ObjectType");
  if (objectType !== undefined && objectType.toLowerCase() !== "image") {
    throw new InputError(file, `ObjectType is "${objectType}"; only Image is supported`);
  }
  const ndims = Number(get("NDims"));
  if (!Number.isInteger(ndims) || ndims < 1 || ndims > 3) {
    throw new InputError(file, `NDims is ${get("NDims") ?? "missing"}; terareg reads 1, 2 or 3 dimensions`);
  }
  const typeName = get("ElementType");
  if (typeName === undefined) throw new InputError(file, "missing ElementType");
  const dtype = MET_TYPES.get(typeName.toUpperCase());
  if (!dtype) {
    throw new InputError(file, `unknown or unsupported ElementType "${typeName}"; supported: ${[...MET_TYPES.keys()].join(", ")}`);
  }
  if (get("BinaryData") !== undefined && !parseBool(get("BinaryData")!)) {
    throw new InputError(file, "BinaryData = False (ASCII pixel data) is not supported");
  }
  const identity = Array.from({ length: ndims * ndims }, (_, k) => (k % (ndims + 1) === 0 ? 1 : 0));
  const matrixKey = ["TransformMatrix", "Rotation", "Orientation"].find((k) => get(k) !== undefined) ?? "TransformMatrix";
  const originKey = ["Offset", "Origin", "Position"].find((k) => get(k) !== undefined) ?? "Offset";
  const sizeDefault = get("ElementSize") !== undefined ? numbers("ElementSize", ndims) : Array<number>(ndims).fill(1);
  const channels = get("ElementNumberOfChannels") === undefined ? 1 : Number(get("ElementNumberOfChannels"));
  if (!Number.isInteger(channels) || channels < 1) {
    throw new InputError(file, `ElementNumberOfChannels is ${get("ElementNumberOfChannels")}; it must be a positive integer`);
  }
  const msb = get("BinaryDataByteOrderMSB") ?? get("ElementByteOrderMSB");
  const compressedSize = get("CompressedDataSize") === undefined ? undefined : Number(get("CompressedDataSize"));
  if (compressedSize !== undefined && (!Number.isSafeInteger(compressedSize) || compressedSize < 0)) {
    throw new InputError(file, `CompressedDataSize is ${get("CompressedDataSize")}; it must be a non-negative integer`);
  }
  const headerSize = get("HeaderSize") === undefined ? 0 : Number(get("HeaderSize"));
  if (!Number.isSafeInteger(headerSize) || headerSize < -1) {
    throw new InputError(file, `HeaderSize is ${get("HeaderSize")}; it must be −1 or a non-negative integer`);
  }
  return {
    ndims,
    dimSize: numbers("DimSize", ndims),
    spacing: numbers("ElementSpacing", ndims, sizeDefault),
    origin: numbers(originKey, ndims, Array<number>(ndims).fill(0)),
    transform: numbers(matrixKey, ndims * ndims, identity),
    dtype,
    channels,
    bigEndian: msb !== undefined && parseBool(msb),
    compressed: get("CompressedData") !== undefined && parseBool(get("CompressedData")!),
    ...(compressedSize !== undefined && compressedSize > 0 ? { compressedSize } : {}),
    headerSize,
    dataFile: get("ElementDataFile")!,
    dataOffset,
  };
}

/** Formats a number so that it reads back as the same double. */
const num = (x: number) => String(x);

/** The header text of a single-file .mha with LOCAL data (the fields ITK writes, in ITK's order). */
export function formatMetaHeader(h: Omit<MetaHeader, "dataFile" | "dataOffset" | "headerSize">): string {
  const lines = [
    "ObjectType = Image",
    `NDims = ${h.ndims}`,
    "BinaryData = True",
    `BinaryDataByteOrderMSB = ${h.bigEndian ? "True" : "False"}`,
    `CompressedData = ${h.compressed ? "True" : "False"}`,
    ...(h.compressed && h.compressedSize !== undefined ? [`CompressedDataSize = ${h.compressedSize}`] : []),
    `TransformMatrix = ${h.transform.map(num).join(" ")}`,
    `Offset = ${h.origin.map(num).join(" ")}`,
    `CenterOfRotation = ${h.origin.map(() => "0").join(" ")}`,
    `ElementSpacing = ${h.spacing.map(num).join(" ")}`,
    `DimSize = ${h.dimSize.join(" ")}`,
    ...(h.channels > 1 ? [`ElementNumberOfChannels = ${h.channels}`] : []),
    `ElementType = ${metTypeName(h.dtype)}`,
    "ElementDataFile = LOCAL",
  ];
  return lines.join("\n") + "\n";
}
