// writeOmeTiff: streams a Source into a tiled, pyramidal BigTIFF OME-TIFF with memory bounded by a few bands of tiles.
// Level 0 comes from the source band by band and every reduced level from the bands above it (pyramid/band-cascade.ts);
// byte layout lives in bigtiff-ifd.ts, OME-XML in ome-xml-write.ts, tile cutting in tile-encode.ts.

import { open, rm, type FileHandle } from "node:fs/promises";
import { allocatePixels, bytesPerSample, type PixelArray } from "../../core/dtype.js";
import { AbortedError, OptionError } from "../../core/errors.js";
import type { Source } from "../../core/source.js";
import type { Region } from "../../core/space.js";
import { bandCascade } from "../../pyramid/band-cascade.js";
import { pyramidLevels } from "../../pyramid/levels.js";
import type { WriteOptions } from "../write-options.js";
import { bigTiffHeader, ifdByteSize, serializeIfd, type IfdEntry } from "./bigtiff-ifd.js";
import { buildOmeXml } from "./ome-xml-write.js";
import { Appender, cutTile, encodeTile, type TileCodec } from "./tile-encode.js";
import { FieldType, Tag } from "./tiff-tags.js";

/** Source samples read per level-0 band (all channels); wider images are cut into column groups of whole tiles. */
const BAND_BYTES = 32 * 1024 * 1024;
/**
 * Sets how many tiles of a reduced level are cut per group (and so their order in the file), as when each group's
 * reduction needed ~56 bytes of float64 per output pixel: kept so the file's bytes stay what they were.
 */
const REDUCE_BYTES = 24 * 1024 * 1024;
/** Bytes copied per read when a reduced level's tiles move from their spool file into the output. */
const COPY_BYTES = 8 * 1024 * 1024;

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

function newLevel(width: number, height: number, tile: number, planes: number): LevelTiles {
  const across = Math.ceil(width / tile), down = Math.ceil(height / tile);
  return {
    width, height, across, down,
    offsets: Array.from({ length: planes }, () => new Float64Array(across * down)),
    byteCounts: Array.from({ length: planes }, () => new Float64Array(across * down)),
  };
}

/**
 * Writes `source` as a pyramidal OME-TIFF to exactly `path` (the caller makes it atomic).
 *
 * Always BigTIFF, little-endian, tiled; one IFD per (z, channel) in XYZCT order (IFD = z + Z · c), each with its
 * reduced levels (y and x halved; planes stay separate) as SubIFDs; the OME-XML (2016-06) is in IFD 0.
 * Memory is bounded by a few full-width bands of one tile row per level (the source is still read in column groups
 * of at most 32 MiB) plus the reduction's working set, not by the image; the reduced levels' compressed tiles wait in
 * spool files beside `path` (removed at the end). Same input and options give the same bytes.
 *
 * Honours tileSize (multiple of 16, default 512), compression ("deflate" default, or "none"), levels, channelNames, reduce,
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
  // Reduced levels are built while level 0 streams in, but the file keeps every level's tiles together, level after
  // level: each reduced level's compressed tiles wait in a spool file beside the output and are copied in at the end.
  const spools: { path: string; handle: FileHandle }[] = [];
  const sinks: LevelSink[] = [];
  let ahead: Promise<PixelArray[]> | undefined;
  try {
    await handle.write(bigTiffHeader(0), 0, 16, 0);
    const out = new Appender(handle, 16);
    for (let l = 0; l < pyramid.length; l++) {
      const [, H, W] = pyramid[l]!.shape;
      const lv = newLevel(W, H, tile, P);
      // Column groups of whole tiles: how many tiles one source read (level 0) or one reduction (levels ≥ 1) covered.
      const perTile = l === 0 ? tile * tile * bps * C : tile * tile * (56 + 4 * bps + 2 * bps * C);
      const group = Math.max(1, Math.floor((l === 0 ? BAND_BYTES : REDUCE_BYTES) / perTile));
      let appender = out;
      if (l > 0) {
        const spool = { path: `${path}.level${l}`, handle: await open(`${path}.level${l}`, "w+") };
        spools.push(spool);
        appender = new Appender(spool.handle, 0);
      }
      sinks.push({ level: l, lv, group, appender, inFlight: Promise.resolve(), done: 0, total: lv.across * lv.down * P });
      options.progress?.({ stage: `write level ${l}`, done: 0, total: sinks[l]!.total, unit: "tiles" });
    }
    const context = { tile, codec, dtype, C, Z, options };
    const widths = pyramid.map((lv) => lv.shape[2]);

    for (let z = 0; z < Z; z++) {
      const cascade = bandCascade(pyramid, tile, dtype, async (l, band, planes) => {
        abortCheck();
        const sink = sinks[l]!;
        for (let gx = 0; gx < sink.lv.across; gx += sink.group) await writeGroup(context, sink, z, band, gx, planes, widths[l]!, 0);
      }, options.reduce);
      const level0 = sinks[0]!;
      // The source's groups in file order; the next one is read while this one is compressed and reduced.
      const groups: Region[] = [];
      for (let ty = 0; ty < level0.lv.down; ty++) {
        for (let gx = 0; gx < level0.lv.across; gx += level0.group) {
          const y0 = ty * tile, x0 = gx * tile, tx1 = Math.min(level0.lv.across, gx + level0.group);
          groups.push({ start: [z, y0, x0], size: [1, Math.min(Y, y0 + tile) - y0, Math.min(X, tx1 * tile) - x0] });
        }
      }
      const readGroup = (k: number): Promise<PixelArray[]> => {
        const planes = source.read(groups[k]!, 0, { channels: channelList, ...(options.signal ? { signal: options.signal } : {}) });
        planes.catch(() => undefined); // raised when awaited; a read ahead of an earlier error must not go unhandled
        return planes;
      };
      ahead = groups.length > 0 ? readGroup(0) : undefined;
      let k = 0;
      for (let ty = 0; ty < level0.lv.down; ty++) {
        const h = groups[k]!.size[1];
        // Groups narrower than the image are also gathered into one full-width band for the reduced levels.
        const whole = level0.group >= level0.lv.across;
        const band = whole || pyramid.length === 1 ? undefined : names.map(() => allocatePixels(dtype, h * X));
        let bandPlanes: PixelArray[] | undefined;
        for (let gx = 0; gx < level0.lv.across; gx += level0.group, k++) {
          abortCheck();
          const x0 = groups[k]!.start[2], w = groups[k]!.size[2];
          const planes = await ahead!;
          ahead = k + 1 < groups.length ? readGroup(k + 1) : undefined;
          await writeGroup(context, level0, z, ty, gx, planes, w, x0);
          if (band) planes.forEach((p, c) => { for (let r = 0; r < h; r++) band[c]!.set(p.subarray(r * w, (r + 1) * w), r * X + x0); });
          else bandPlanes = planes;
        }
        if (pyramid.length > 1) await cascade.push(band ?? bandPlanes!);
      }
    }
    for (const sink of sinks) await sink.inFlight;
    // The reduced levels' tiles follow level 0 in level order; their offsets move from spool to file positions.
    for (let l = 1; l < sinks.length; l++) {
      abortCheck();
      const base = out.position, spool = spools[l - 1]!.handle, size = sinks[l]!.appender.position;
      for (let at = 0; at < size; at += COPY_BYTES) {
        const chunk = new Uint8Array(Math.min(COPY_BYTES, size - at));
        const { bytesRead } = await spool.read(chunk, 0, chunk.length, at);
        if (bytesRead !== chunk.length) throw new RangeError(`spool of level ${l}: read ${bytesRead} of ${chunk.length} bytes at ${at}`);
        await out.append([chunk]);
      }
      for (const offsets of sinks[l]!.lv.offsets) for (let i = 0; i < offsets.length; i++) offsets[i] = offsets[i]! + base;
    }
    const written = sinks.map((sink) => sink.lv);

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
    await ahead?.catch(() => undefined);
    for (const sink of sinks) await sink.inFlight.catch(() => undefined);
    await handle.close();
    for (const spool of spools) {
      await spool.handle.close();
      await rm(spool.path, { force: true });
    }
  }
}

/** One level being written: its tiles' places, how many tiles a group holds, where they go, and the group in flight. */
interface LevelSink {
  level: number;
  lv: LevelTiles;
  group: number;
  appender: Appender;
  /** The last group's compression and append; at most one group waits at a time. */
  inFlight: Promise<void>;
  done: number;
  total: number;
}

interface GroupContext {
  tile: number;
  codec: TileCodec;
  dtype: Source["meta"]["dtype"];
  C: number;
  Z: number;
  options: WriteOptions;
}

/**
 * Cuts the tiles of group `gx` (tiles gx … gx + group − 1 of tile row `ty`) out of `planes` (one per channel, rows of
 * `width` samples whose first column is image column `x0`), compresses them on the thread pool and appends them in
 * order: channel by channel, tile by tile. Returns once the previous group of the level is appended.
 */
async function writeGroup(ctx: GroupContext, sink: LevelSink, z: number, ty: number, gx: number, planes: PixelArray[], width: number, x0: number): Promise<void> {
  const { tile, codec, dtype, C, Z, options } = ctx, lv = sink.lv;
  const tx1 = Math.min(lv.across, gx + sink.group);
  const h = Math.min(lv.height, (ty + 1) * tile) - ty * tile;
  const encoded: Promise<Uint8Array>[] = [];
  for (let c = 0; c < C; c++) {
    for (let tx = gx; tx < tx1; tx++) {
      const cx = tx * tile - x0;
      encoded.push(encodeTile(cutTile(planes[c]!, width, 0, cx, h, Math.min(tile, lv.width - tx * tile), tile, dtype), codec));
    }
  }
  const previous = sink.inFlight;
  sink.inFlight = (async () => {
    const parts = await Promise.all(encoded);
    await previous;
    const at = await sink.appender.append(parts);
    let k = 0;
    for (let c = 0; c < C; c++) {
      for (let tx = gx; tx < tx1; tx++, k++) {
        lv.offsets[z + Z * c]![ty * lv.across + tx] = at[k]!;
        lv.byteCounts[z + Z * c]![ty * lv.across + tx] = parts[k]!.length;
      }
    }
    sink.done += parts.length;
    options.progress?.({ stage: `write level ${sink.level}`, done: sink.done, total: sink.total, unit: "tiles" });
  })();
  sink.inFlight.catch(() => undefined); // its error is raised by the awaits below, not as an unhandled rejection
  // At most one group per level waits for compression; awaiting here also surfaces its errors promptly.
  await previous;
}
