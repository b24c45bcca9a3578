// TIFF tag numbers, field types and their byte sizes, shared by the TIFF reader and the OME-TIFF writer.
// What a tag's value means for the image (layout, dtype, levels) is decided in tiff-image.ts and tiff-layout.ts.

/** Tag numbers this package reads or writes (TIFF 6.0, BigTIFF, Adobe and OME conventions). */
export const Tag = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  ImageDescription: 270,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  XResolution: 282,
  YResolution: 283,
  PlanarConfiguration: 284,
  ResolutionUnit: 296,
  Software: 305,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SubIFDs: 330,
  ExtraSamples: 338,
  SampleFormat: 339,
  JPEGTables: 347,
  ImageDepth: 32997,
} as const;

/** Field types (TIFF 6.0 + BigTIFF). */
export const FieldType = {
  BYTE: 1, ASCII: 2, SHORT: 3, LONG: 4, RATIONAL: 5, SBYTE: 6, UNDEFINED: 7, SSHORT: 8, SLONG: 9,
  SRATIONAL: 10, FLOAT: 11, DOUBLE: 12, IFD: 13, LONG8: 16, SLONG8: 17, IFD8: 18,
} as const;

const TYPE_SIZES: Record<number, number> = {
  1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8,
};

/** Bytes per value of a field type, or undefined for a type this package does not know (such entries are skipped). */
export function fieldTypeSize(type: number): number | undefined {
  return TYPE_SIZES[type];
}

/** Tags whose values the reader loads; any other entry is skipped without reading its (possibly huge) value. */
export const LOADED_TAGS: ReadonlySet<number> = new Set(Object.values(Tag));

const TAG_NAMES = new Map<number, string>(Object.entries(Tag).map(([k, v]) => [v, k]));

/** "TileOffsets (324)" for messages. */
export function tagName(tag: number): string {
  return `${TAG_NAMES.get(tag) ?? "tag"} (${tag})`;
}

/** TIFF Compression codes this package decodes, with names for messages. */
export const COMPRESSION_NAMES: Record<number, string> = {
  1: "none", 5: "LZW", 7: "JPEG", 8: "Adobe deflate", 32773: "PackBits", 32946: "deflate",
};
