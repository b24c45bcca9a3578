// NRRD header text ("NRRD000N" magic, "field: value" lines, blank line) parsed into typed per-axis fields.
// How the axes map to [z, y, x] + channels and to LPS physical space is decided in read.ts.

import type { DType } from "../../core/dtype.js";
import { InputError } from "../../core/errors.js";

/** Every NRRD type name terareg reads (teem's aliases included). */
const TYPE_ALIASES: [DType, string[]][] = [
  ["int8", ["signed char", "int8", "int8_t"]],
  ["uint8", ["uchar", "unsigned char", "uint8", "uint8_t"]],
  ["int16", ["short", "short int", "signed short", "signed short int", "int16", "int16_t"]],
  ["uint16", ["ushort", "unsigned short", "unsigned short int", "uint16", "uint16_t"]],
  ["int32", ["int", "signed int", "int32", "int32_t"]],
  ["uint32", ["uint", "unsigned int", "uint32", "uint32_t"]],
  ["float32", ["float"]],
  ["float64", ["double"]],
];
export const NRRD_TYPES: ReadonlyMap<string, DType> = new Map(TYPE_ALIASES.flatMap(([t, names]) => names.map((n) => [n, t] as const)));

/** Valid NRRD types that terareg does not read. */
const UNSUPPORTED_TYPES = [
  "longlong", "long long", "long long int", "signed long long", "signed long long int", "int64", "int64_t",
  "ulonglong", "unsigned long long", "unsigned long long int", "uint64", "uint64_t", "block",
];

export type NrrdEncoding = "raw" | "gzip";

/** The NRRD fields terareg uses; per-axis arrays follow the file's axis order (fastest first). */
export interface NrrdHeader {
  dtype: DType;
  dimension: number;
  sizes: number[];
  encoding: NrrdEncoding;
  bigEndian: boolean;
  /** The "space" field, lower-cased, if given. */
  space?: string;
  /** Number of world coordinates: from "space dimension", or implied by "space". */
  spaceDimension?: number;
  /** Per axis: a direction vector (with spacing), or null for "none" (a non-spatial axis). */
  spaceDirections?: (number[] | null)[];
  spaceOrigin?: number[];
  /** Per axis, when given: "spacings" (NaN for non-spatial axes). */
  spacings?: number[];
  kinds?: string[];
  spaceUnits?: string[];
  /** Detached data file, as written. */
  dataFile?: string;
  lineSkip: number;
  byteSkip: number;
  /** Byte offset of attached data (just past the blank line), or the header length for a detached header. */
  dataOffset: number;
}

/** Largest header text we look through for the blank line that ends it. */
export const MAX_NRRD_HEADER_BYTES = 1 << 20;

/** "(1,2,3)" → [1, 2, 3]. */
function vector(file: string, field: string, s: string): number[] {
  const m = /^\(([^)]*)\)$/.exec(s.trim());
  if (!m) throw new InputError(file, `${field}: "${s}" is not a vector like (1,0,0)`);
  const v = m[1]!.split(",").map((t) => Number(t.trim()));
  if (v.some((x) => Number.isNaN(x))) throw new InputError(file, `${field}: "${s}" has a non-numeric component`);
  return v;
}

/** Splits a per-axis value list, keeping "(...)" vectors and "quoted strings" whole. */
function axisTokens(s: string): string[] {
  return s.match(/\([^)]*\)|"[^"]*"|\S+/g) ?? [];
}

/**
 * Parses a NRRD header from the start of `bytes` (a whole .nhdr, or the first bytes of a .nrrd).
 * @throws InputError for a missing magic, a missing or malformed required field, an unknown type or encoding
 */
export function parseNrrdHeader(file: string, bytes: Uint8Array): NrrdHeader {
  if (bytes.length === 0) throw new InputError(file, "empty file: no NRRD header");
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  if (!/^NRRD000[1-5]\r?\n/.test(text)) {
    throw new InputError(file, `not a NRRD file: it does not start with a "NRRD0001".."NRRD0005" line`);
  }
  const fields = new Map<string, string>();
  let pos = text.indexOf("\n") + 1;
  let dataOffset = -1;
  while (pos < text.length) {
    let end = text.indexOf("\n", pos);
    const next = end < 0 ? text.length : end + 1;
    if (end < 0) end = text.length;
    const line = text.slice(pos, end).replace(/\r$/, "");
    pos = next;
    if (line === "") {
      dataOffset = next;
      break;
    }
    if (line.startsWith("#")) continue;
    if (/^[^:]*:=/.test(line)) continue; // key/value pair, not a field
    const colon = line.indexOf(": ");
    if (colon < 0) throw new InputError(file, `malformed header line "${line.slice(0, 60)}" (expected "field: value")`);
    fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 2).trim());
  }
  const get = (k: string) => fields.get(k);
  const dataFile = get("data file") ?? get("datafile");
  if (dataOffset < 0) {
    if (dataFile === undefined) {
      throw new InputError(file, "header is truncated: no blank line ends it and no detached \"data file\" is named");
    }
    dataOffset = bytes.length;
  }
  const typeName = get("type")?.toLowerCase();
  if (typeName === undefined) throw new InputError(file, 'missing required field "type"');
  const dtype = NRRD_TYPES.get(typeName);
  if (!dtype) {
    if (UNSUPPORTED_TYPES.includes(typeName)) throw new InputError(file, `type "${typeName}" is not supported (64-bit integers and blocks)`);
    throw new InputError(file, `unknown type "${typeName}"; supported: ${TYPE_ALIASES.map(([, n]) => n[0]).join(", ")} and their aliases`);
  }
  const dimension = Number(get("dimension"));
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > 16) {
    throw new InputError(file, `dimension is ${get("dimension") ?? "missing"}; it must be a positive integer`);
  }
  const perAxis = (k: string): string[] | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    const t = axisTokens(v);
    if (t.length !== dimension) throw new InputError(file, `"${k}" lists ${t.length} values for ${dimension} axes`);
    return t;
  };
  const sizes = perAxis("sizes")?.map(Number);
  if (!sizes) throw new InputError(file, 'missing required field "sizes"');
  const enc = get("encoding")?.toLowerCase();
  let encoding: NrrdEncoding;
  if (enc === "raw") encoding = "raw";
  else if (enc === "gzip" || enc === "gz") encoding = "gzip";
  else if (enc === undefined) throw new InputError(file, 'missing required field "encoding"');
  else throw new InputError(file, `unsupported encoding "${enc}"; terareg reads "raw" and "gzip"`);
  const endian = get("endian")?.toLowerCase();
  if (endian !== undefined && endian !== "little" && endian !== "big") {
    throw new InputError(file, `endian is "${endian}"; expected "little" or "big"`);
  }
  const space = get("space")?.toLowerCase();
  const sd = get("space dimension");
  const dirs = perAxis("space directions")?.map((t) => (t.toLowerCase() === "none" ? null : vector(file, "space directions", t)));
  const origin = get("space origin");
  const int = (k: string, d: number) => {
    const v = get(k) ?? get(k.replace(" ", ""));
    if (v === undefined) return d;
    const x = Number(v);
    if (!Number.isSafeInteger(x)) throw new InputError(file, `"${k}" is "${v}"; it must be an integer`);
    return x;
  };
  return {
    dtype,
    dimension,
    sizes,
    encoding,
    bigEndian: endian === "big",
    ...(space !== undefined ? { space } : {}),
    ...(sd !== undefined ? { spaceDimension: Number(sd) } : {}),
    ...(dirs ? { spaceDirections: dirs } : {}),
    ...(origin !== undefined && origin.toLowerCase() !== "none" ? { spaceOrigin: vector(file, "space origin", origin) } : {}),
    ...(perAxis("spacings") ? { spacings: perAxis("spacings")!.map((t) => (/^nan$/i.test(t) ? NaN : Number(t))) } : {}),
    ...(perAxis("kinds") ? { kinds: perAxis("kinds")!.map((t) => t.toLowerCase()) } : {}),
    ...(get("space units") ? { spaceUnits: axisTokens(get("space units")!).map((t) => t.replace(/"/g, "")) } : {}),
    ...(dataFile !== undefined ? { dataFile } : {}),
    lineSkip: int("line skip", 0),
    byteSkip: int("byte skip", 0),
    dataOffset,
  };
}
