// Pixel data types: names, typed-array constructors, byte sizes and value ranges.
// How a file format encodes a type (TIFF SampleFormat, NIfTI datatype codes, ...) lives with that format in io/.

/** The sample types terareg reads and writes. */
export type DType = "uint8" | "int8" | "uint16" | "int16" | "uint32" | "int32" | "float32" | "float64";

/** A typed array holding samples of one of the {@link DType}s. */
export type PixelArray =
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

export const DTYPES: readonly DType[] = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64"];

const BYTES: Record<DType, number> = {
  uint8: 1, int8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float32: 4, float64: 8,
};

/** Bytes per sample of `dtype`. */
export function bytesPerSample(dtype: DType): number {
  return BYTES[dtype];
}

/** True for float32/float64. */
export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

/** Allocates a zeroed typed array of `length` samples. */
export function allocatePixels(dtype: DType, length: number): PixelArray {
  switch (dtype) {
    case "uint8": return new Uint8Array(length);
    case "int8": return new Int8Array(length);
    case "uint16": return new Uint16Array(length);
    case "int16": return new Int16Array(length);
    case "uint32": return new Uint32Array(length);
    case "int32": return new Int32Array(length);
    case "float32": return new Float32Array(length);
    case "float64": return new Float64Array(length);
  }
}

/**
 * Views `bytes` (native little-endian layout) as samples of `dtype`, copying only when the
 * byte offset is not aligned to the sample size.
 */
export function viewPixels(dtype: DType, bytes: Uint8Array): PixelArray {
  const size = BYTES[dtype];
  if (bytes.byteLength % size !== 0) {
    throw new RangeError(`${bytes.byteLength} bytes is not a whole number of ${dtype} samples`);
  }
  const src = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  const n = src.byteLength / size;
  switch (dtype) {
    case "uint8": return new Uint8Array(src.buffer, src.byteOffset, n);
    case "int8": return new Int8Array(src.buffer, src.byteOffset, n);
    case "uint16": return new Uint16Array(src.buffer, src.byteOffset, n);
    case "int16": return new Int16Array(src.buffer, src.byteOffset, n);
    case "uint32": return new Uint32Array(src.buffer, src.byteOffset, n);
    case "int32": return new Int32Array(src.buffer, src.byteOffset, n);
    case "float32": return new Float32Array(src.buffer, src.byteOffset, n);
    case "float64": return new Float64Array(src.buffer, src.byteOffset, n);
  }
}

/** The bytes of a typed array (a view, no copy). */
export function pixelBytes(a: PixelArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Reverses the byte order of every sample in place (for big-endian files). */
export function swapBytesInPlace(bytes: Uint8Array, sampleSize: number): void {
  if (sampleSize === 1) return;
  for (let i = 0; i + sampleSize <= bytes.length; i += sampleSize) {
    for (let a = i, b = i + sampleSize - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/** Inclusive value range of an integer dtype; ±Infinity for floats. */
export function dtypeRange(dtype: DType): [number, number] {
  switch (dtype) {
    case "uint8": return [0, 255];
    case "int8": return [-128, 127];
    case "uint16": return [0, 65535];
    case "int16": return [-32768, 32767];
    case "uint32": return [0, 4294967295];
    case "int32": return [-2147483648, 2147483647];
    default: return [-Infinity, Infinity];
  }
}
