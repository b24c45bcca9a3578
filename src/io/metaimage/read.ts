// Reads MetaImage images (.mha with LOCAL data, .mhd with a separate data file): raw data window by window, compressed
// data decoded whole on the first read; header text is parsed in header.ts, the ITK frame in itk-frame.ts.

import { stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { bytesPerSample } from "../../core/dtype.js";
import { InputError } from "../../core/errors.js";
import type { Source } from "../../core/source.js";
import type { ImageMeta, Vec3 } from "../../core/space.js";
import { checkDataFits, checkVolumeSize, lazyPlanesSource, readHead, readPlanes, statRegularFile, type DataLocation } from "../volume-data.js";
import { rawWindowSource } from "../raw-window.js";
import { MAX_HEADER_BYTES, parseMetaHeader } from "./header.js";
import { itkFrameToSpace, reportedNdim } from "../itk-frame.js";

/**
 * Opens a MetaImage (.mha, or .mhd + data file named by ElementDataFile, relative to the header) as a
 * single-level Source.
 *
 * - Fields: NDims (1–3), DimSize, ElementSpacing (else ElementSize, else 1), Offset / Origin / Position,
 *   TransformMatrix / Rotation / Orientation (NDims groups, group j = direction of index axis j, as ITK reads it),
 *   ElementType MET_UCHAR/CHAR/USHORT/SHORT/UINT/INT/FLOAT/DOUBLE, ElementNumberOfChannels (interleaved → channels
 *   C0, C1, ...), BinaryDataByteOrderMSB / ElementByteOrderMSB, CompressedData (zlib) + CompressedDataSize, HeaderSize.
 * - Physical space is ITK's (LPS, millimetres). NDims 1 and 2 are 2D (ndim 2, identity z); NDims 3 with one slice
 *   and a planar frame is 2D too.
 * - Not supported: ElementDataFile = LIST or a file pattern, ASCII data (BinaryData = False), 4-D images.
 * @throws InputError naming the file and the problem
 */
export async function openMetaImage(path: string): Promise<Source> {
  const st = await statRegularFile(path);
  const h = parseMetaHeader(path, await readHead(path, Math.min(st.size, MAX_HEADER_BYTES)));
  const names = ["x", "y", "z"];
  const payload = checkVolumeSize(
    path,
    [...h.dimSize.map((size, k) => ({ name: `DimSize along ${names[k]}`, size })), { name: "ElementNumberOfChannels", size: h.channels }],
    h.dtype,
  );
  const n = h.ndims;
  const size = (k: number) => (k < n ? h.dimSize[k]! : 1);
  const shape: Vec3 = [size(2), size(1), size(0)];
  const frameDims: 2 | 3 = n === 3 ? 3 : 2;
  const pad = (v: number[], fill: number) => Array.from({ length: frameDims }, (_, k) => (k < n ? v[k]! : fill));
  const space = itkFrameToSpace(path, {
    ndim: frameDims,
    spacing: pad(h.spacing, 1),
    origin: pad(h.origin, 0),
    columns: Array.from({ length: frameDims }, (_, j) =>
      Array.from({ length: frameDims }, (_, r) => (j < n && r < n ? h.transform[j * n + r]! : j === r ? 1 : 0)),
    ),
  });

  const local = h.dataFile.toUpperCase() === "LOCAL";
  if (/^LIST(\s|$)/i.test(h.dataFile) || h.dataFile.includes("%")) {
    throw new InputError(path, `ElementDataFile = ${h.dataFile} (a list or pattern of slice files) is not supported`);
  }
  const dataPath = local ? path : resolve(dirname(path), h.dataFile);
  let dataSize = st.size;
  if (!local) {
    const ds = await stat(dataPath).catch(() => undefined);
    if (!ds?.isFile()) throw new InputError(path, `data file "${h.dataFile}" named by ElementDataFile is missing (looked for ${dataPath})`);
    dataSize = ds.size;
  }
  const start = local ? h.dataOffset : 0;
  let offset = start + Math.max(h.headerSize, 0);
  if (h.headerSize === -1) {
    if (h.compressed) throw new InputError(path, "HeaderSize = -1 (data at the end of the file) cannot be used with CompressedData");
    offset = dataSize - payload;
  }
  const loc: DataLocation = {
    path: dataPath,
    offset,
    encoding: h.compressed ? "deflate" : "raw",
    ...(h.compressed && h.compressedSize !== undefined ? { compressedLength: h.compressedSize } : {}),
    bigEndian: h.bigEndian && bytesPerSample(h.dtype) > 1,
  };
  if (h.compressed && h.compressedSize !== undefined && offset + h.compressedSize > dataSize) {
    throw new InputError(path, `data is truncated: CompressedDataSize is ${h.compressedSize} but only ${dataSize - offset} bytes follow the header`);
  }
  if (offset < 0 || offset > dataSize) throw new InputError(path, `data is truncated: the data would start at byte ${offset} of a ${dataSize}-byte file`);
  checkDataFits(path, loc, payload, dataSize);
  const nvox = shape[0] * shape[1] * shape[2];
  const meta: ImageMeta = {
    path,
    format: "metaimage",
    ndim: reportedNdim(frameDims, shape, space),
    dtype: h.dtype,
    channels: Array.from({ length: h.channels }, (_, c) => `C${c}`),
    levels: [{ shape, scale: [1, 1, 1] }],
    space,
  };
  const layout = { inner: 1, channels: h.channels, outer: nvox };
  if (loc.encoding === "raw") return rawWindowSource(meta, loc, h.dtype, layout);
  return lazyPlanesSource({ ...meta, residentBytes: payload }, () => readPlanes(path, loc, h.dtype, layout));
}
