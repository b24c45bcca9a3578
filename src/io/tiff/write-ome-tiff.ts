// writeOmeTiff: streams a Source into a tiled, pyramidal BigTIFF OME-TIFF with memory bounded by a band of tiles.
// Level 0 comes from the source band by band; each reduced level is built from the previous level's tiles read back from
// the file. Byte layout lives in bigtiff-ifd.ts, OME-XML in ome-xml-write.ts, tile cutting in tile-encode.ts.

import { open } from "node:fs/promises";
import { allocatePixels, bytesPerSample, type DType, type PixelArray } from "../../core/dtype.js";
import { AbortedError, OptionError } from "../../core/errors.js";
import type { Source } from "../../core/source.js";
import type { Region } from "../../core/space.js";
import { pyramidLevels } from "../../pyramid/levels.js";
import { reducedReader, type RegionReader } from "../../pyramid/reduced-reader.js";
import type { WriteOptions } from "../write-options.js";
import { bigTiffHeader, ifdByteSize, serializeIfd, type IfdEntry } from "./bigtiff-ifd.js";
import { BlockCache } from "./block-cache.js";
import { ByteFile } from "./byte-file.js";
import { buildOmeXml } from "./ome-xml-write.js";
import { readWindow } from "./read-blocks.js";
import { Appender, cutTile, encodeTile, type TileCodec } from "./tile-encode.js";
import type { TiffImage } from "./tiff-image.js";
import { FieldType, Tag } from "./tiff-tags.js";

/** Source samples read per level-0 band (all channels); wider images are cut into column groups of whole tiles. */
const BAND_BYTES = 32 * 1024 * 1024;
/** Working memory per reduced-level block: reduceBlock needs ~56 bytes of float64 per output pixel (one channel at a time). */
const REDUCE_BYTES = 24 * 1024 * 1024;
/** Decoded tiles of the finer level kept while reading it back. */
const READBACK_CACHE_BYTES = 16 * 1024 * 1024;

/** The tiles written for one level: one offset/byte-count array per plane (plane = z + Z · c). */
interface LevelTiles {
  width: number;
  height: number;
  across: number;
  down: number;
  offsets: Float64Array[];
  byteCounts: Float64Array[];
}

interface Checked {
  tile: number;
  codec: TileCodec;
  names: string[];
}

function checkOptions(source: Source, options: WriteOptions): Checked {
  const tile = options.tileSize ?? 512;
  if (!Number.isInteger(tile) || tile < 16 || tile % 16 !== 0 || tile > 32768) {
    throw new OptionError("--tile-size", tile, "a multiple of 16 from 16 to 32768 (TIFF tile edges must be multiples of 16), e.g. 512");
  }
  const codec = options.compression ?? "deflate";
  if (codec !== "deflate" && codec !== "none") throw new OptionError("--compression", codec, 'one of "deflate", "none" for OME-TIFF output');
  if (options.chunkDepth !== undefined) throw new OptionError("--chunk-depth", options.chunkDepth, "no value for OME-TIFF output (it stores one IFD per z-plane; chunk depth is for Zarr)");
  if (options.zarrVersion !== undefined) throw new OptionError("--zarr-version", options.zarrVersion, "no value for OME-TIFF output");
  const names = options.channelNames ?? source.meta.channels;
  if (names.length !== source.meta.channels.length) {
    throw new OptionError("--channel-names", names.join(","), `${source.meta.channels.length} names, one per channel of ${source.meta.path}`);
  }
  return { tile, codec, names: [...names] };
}

/** A read-back view of a written level's plane, in the shape read-blocks.ts reads. */
function writtenImage(lv: LevelTiles, plane: number, id: number, tile: number, dtype: DType, codec: TileCodec): TiffImage {
  return {
    id, name: `written plane ${plane}`, width: lv.width, height: lv.height, samplesPerPixel: 1, dtype, bytesPerSample: bytesPerSample(dtype),
    compression: codec === "deflate" ? 8 : 1, predictor: 1, planar: 1, photometric: 1, subfileType: 0, tiled: true,
    blockWidth: tile, blockHeight: tile, blocksAcross: lv.across, blocksDown: lv.down,
    offsets: lv.offsets[plane]!, byteCounts: lv.byteCounts[plane]!, littleEndian: true, extraSamples: [], subImages: [],
  };
}

function newLevel(width: number, height: number, tile: number, planes: number): LevelTiles {
  const across = Math.ceil(width / tile), down = Math.ceil(height / tile);
  return {
    width, height, across, down,
    offsets: Array.from({ length: planes }, () => new Float64Array(across * down)),
    byteCounts: Array.from({ length: planes }, () => new Float64Array(across * down)),
  };
}

/** Reads one region through each channel's reader in turn (one channel's reduction work alive at a time). */
async function readChannels(readers: RegionReader[], region: Region): Promise<PixelArray[]> {
  const out: PixelArray[] = [];
  for (const r of readers) out.push((await r(region))[0]!);
  return out;
}

/**
 * Writes `source` as a pyramidal OME-TIFF to exactly `path` (the caller makes it atomic).
 *
 * Always BigTIFF, little-endian, tiled; one IFD per (z, channel) in XYZCT order (IFD = z + Z · c), each with its
 * reduced levels (y and x halved; planes stay separate) as SubIFDs; the OME-XML (2016-06) is in IFD 0.
 * Memory is bounded by a band of one tile row (at most 32 MiB of samples, split into column groups) plus the
 * reduction's working set, not by the image. Same input and options give the same bytes.
 *
 * Honours tileSize (multiple of 16, default 512), compression ("deflate" default, or "none"), levels, channelNames,
 * progress ({stage: "write level N", unit: "tiles"}) and signal; rejects chunkDepth and zarrVersion.
 * @throws OptionError for a bad option, AbortedError when `signal` fires; source read errors pass through.
 */
export async function writeOmeTiff(source: Source, path: string, options: WriteOptions = {}): Promise<void> {
  const { tile, codec, names } = checkOptions(source, options);
  const meta = source.meta;
  const dtype = meta.dtype, bps = bytesPerSample(dtype);
  const [Z, Y, X] = meta.levels[0]!.shape;
  const C = names.length, P = Z * C;
  const pyramid = pyramidLevels([1, Y, X], meta.space.spacing, tile, options.levels ?? "auto");
  const channelList = names.map((_, c) => c);
  const abortCheck = (): void => {
    if (options.signal?.aborted) throw new AbortedError(`writing ${path}`);
  };
  abortCheck();

  const handle = await open(path, "w+");
  let inFlight: Promise<void> = Promise.resolve();
  try {
    await handle.write(bigTiffHeader(0), 0, 16, 0);
    const out = new Appender(handle, 16);
    const written: LevelTiles[] = [];

    for (let l = 0; l < pyramid.length; l++) {
      const [, H, W] = pyramid[l]!.shape;
      const lv = newLevel(W, H, tile, P);
      const total = lv.across * lv.down * P;
      let done = 0;
      options.progress?.({ stage: `write level ${l}`, done, total, unit: "tiles" });
      // Column groups of whole tiles, sized so a group's samples (level 0) or reduction work (levels ≥ 1) fit the budget.
      const perTile = l === 0 ? tile * tile * bps * C : tile * tile * (56 + 4 * bps + 2 * bps * C);
      const group = Math.max(1, Math.floor((l === 0 ? BAND_BYTES : REDUCE_BYTES) / perTile));
      // Reduced levels are built one channel at a time, so the float work of the reduction does not grow with C.
      let readReduced: ((plane: number) => RegionReader) | undefined;
      if (l > 0) {
        const prev = written[l - 1]!;
        const src = { file: ByteFile.wrap(path, handle, out.position), cache: new BlockCache(READBACK_CACHE_BYTES) };
        readReduced = (plane) => {
          const image = writtenImage(prev, plane, plane, tile, dtype, codec);
          const readFiner: RegionReader = async (r: Region) => {
            const o = allocatePixels(dtype, r.size[1] * r.size[2]);
            await readWindow(src, image, { y0: r.start[1], x0: r.start[2], height: r.size[1], width: r.size[2], samples: [0], outs: [o], outOffset: 0 });
            return [o];
          };
          return reducedReader(readFiner, [1, prev.height, prev.width], pyramid[l]!.factors, dtype);
        };
      }
      for (let z = 0; z < Z; z++) {
        const readers = readReduced ? names.map((_, c) => readReduced!(z + Z * c)) : undefined;
        for (let ty = 0; ty < lv.down; ty++) {
          for (let gx = 0; gx < lv.across; gx += group) {
            abortCheck();
            const tx1 = Math.min(lv.across, gx + group);
            const y0 = ty * tile, x0 = gx * tile, h = Math.min(H, y0 + tile) - y0, w = Math.min(W, tx1 * tile) - x0;
            const planes = readers
              ? await readChannels(readers, { start: [0, y0, x0], size: [1, h, w] })
              : await source.read({ start: [z, y0, x0], size: [1, h, w] }, 0, { channels: channelList, ...(options.signal ? { signal: options.signal } : {}) });
            const encoded: Promise<Uint8Array>[] = [];
            for (let c = 0; c < C; c++) {
              for (let tx = gx; tx < tx1; tx++) {
                const cx = (tx - gx) * tile;
                encoded.push(encodeTile(cutTile(planes[c]!, w, 0, cx, h, Math.min(tile, w - cx), tile, dtype), codec));
              }
            }
            // Compression runs on the thread pool while the next group is read and reduced; appends stay in order.
            const previous = inFlight;
            inFlight = (async () => {
              const parts = await Promise.all(encoded);
              await previous;
              const at = await out.append(parts);
              let k = 0;
              for (let c = 0; c < C; c++) {
                for (let tx = gx; tx < tx1; tx++, k++) {
                  lv.offsets[z + Z * c]![ty * lv.across + tx] = at[k]!;
                  lv.byteCounts[z + Z * c]![ty * lv.across + tx] = parts[k]!.length;
                }
              }
              done += parts.length;
              options.progress?.({ stage: `write level ${l}`, done, total, unit: "tiles" });
            })();
            inFlight.catch(() => undefined); // its error is raised by the awaits below, not as an unhandled rejection
            // At most one group waits for compression; awaiting here also surfaces its errors promptly.
            await previous;
          }
        }
      }
      await inFlight;
      written.push(lv);
    }

    abortCheck();
    const xml = buildOmeXml({ sizeX: X, sizeY: Y, sizeZ: Z, channelNames: names, dtype, space: meta.space });
    const entriesFor = (l: number, p: number, subIfds: number[]): IfdEntry[] => {
      const lv = written[l]!;
      const e: IfdEntry[] = [
        { tag: Tag.NewSubfileType, type: FieldType.LONG, values: [l > 0 ? 1 : 0] },
        { tag: Tag.ImageWidth, type: FieldType.LONG, values: [lv.width] },
        { tag: Tag.ImageLength, type: FieldType.LONG, values: [lv.height] },
        { tag: Tag.BitsPerSample, type: FieldType.SHORT, values: [bps * 8] },
        { tag: Tag.Compression, type: FieldType.SHORT, values: [codec === "deflate" ? 8 : 1] },
        { tag: Tag.Photometric, type: FieldType.SHORT, values: [1] },
        { tag: Tag.SamplesPerPixel, type: FieldType.SHORT, values: [1] },
        { tag: Tag.PlanarConfiguration, type: FieldType.SHORT, values: [1] },
        { tag: Tag.Software, type: FieldType.ASCII, values: "terareg" },
        { tag: Tag.TileWidth, type: FieldType.LONG, values: [tile] },
        { tag: Tag.TileLength, type: FieldType.LONG, values: [tile] },
        { tag: Tag.TileOffsets, type: FieldType.LONG8, values: lv.offsets[p]! },
        { tag: Tag.TileByteCounts, type: FieldType.LONG8, values: lv.byteCounts[p]! },
        { tag: Tag.SampleFormat, type: FieldType.SHORT, values: [dtype.startsWith("float") ? 3 : dtype.startsWith("int") ? 2 : 1] },
      ];
      if (l === 0 && p === 0) e.push({ tag: Tag.ImageDescription, type: FieldType.ASCII, values: xml });
      if (l === 0 && subIfds.length > 0) e.push({ tag: Tag.SubIFDs, type: FieldType.IFD8, values: subIfds });
      return e;
    };
    // Lay out every IFD first (sizes do not depend on offsets), then serialise with the offsets known.
    if (out.position % 8 !== 0) await out.append([new Uint8Array(8 - (out.position % 8))]);
    const L = written.length;
    const placeholder = Array.from({ length: L - 1 }, () => 0);
    const mainAt: number[] = [], subAt: number[][] = [];
    let cursor = out.position;
    for (let p = 0; p < P; p++) {
      mainAt.push(cursor);
      cursor += ifdByteSize(entriesFor(0, p, placeholder));
      const subs: number[] = [];
      for (let l = 1; l < L; l++) {
        subs.push(cursor);
        cursor += ifdByteSize(entriesFor(l, p, []));
      }
      subAt.push(subs);
    }
    for (let p = 0; p < P; p++) {
      abortCheck();
      const parts = [serializeIfd(entriesFor(0, p, subAt[p]!), mainAt[p]!, p + 1 < P ? mainAt[p + 1]! : 0)];
      for (let l = 1; l < L; l++) parts.push(serializeIfd(entriesFor(l, p, []), subAt[p]![l - 1]!, 0));
      await out.append(parts);
    }
    await handle.write(bigTiffHeader(mainAt[0]!), 0, 16, 0);
  } finally {
    await inFlight.catch(() => undefined);
    await handle.close();
  }
}
