// Reads a window of one TIFF image: finds the tiles or strips it overlaps, fetches only their bytes (adjacent ranges
// coalesced), decodes them in parallel through a bounded cache, and copies the overlap into per-sample output planes.

import { allocatePixels, type PixelArray } from "../../core/dtype.js";
import { AbortedError } from "../../core/errors.js";
import type { BlockCache } from "./block-cache.js";
import type { ByteFile } from "./byte-file.js";
import { blockBytes, blockName, decodeBlock } from "./decode-block.js";
import { blockRows, samplesPerBlock, type TiffImage } from "./tiff-image.js";

/** Where blocks come from and where decoded ones are kept. */
export interface BlockSource {
  file: ByteFile;
  cache: BlockCache;
}

/** A window of one image, and where its samples go: `outs[k]` gets sample `samples[k]`, rows of `width` starting at `outOffset`. */
export interface WindowRequest {
  y0: number;
  x0: number;
  height: number;
  width: number;
  samples: readonly number[];
  outs: readonly PixelArray[];
  outOffset: number;
  signal?: AbortSignal | undefined;
}

/** Decoded bytes processed per batch: bounds the transient memory of one large read. */
const BATCH_BYTES = 32 * 1024 * 1024;
/** Two ranges closer than this are read with one call (the gap is read and dropped). */
const COALESCE_GAP = 16 * 1024;
/** A coalesced read never grows beyond this. */
const COALESCE_MAX = 8 * 1024 * 1024;

/** Block indices the window needs, for the samples asked. */
function blocksFor(img: TiffImage, req: WindowRequest): number[] {
  const bx0 = Math.floor(req.x0 / img.blockWidth), bx1 = Math.floor((req.x0 + req.width - 1) / img.blockWidth);
  const by0 = Math.floor(req.y0 / img.blockHeight), by1 = Math.floor((req.y0 + req.height - 1) / img.blockHeight);
  const perPlane = img.blocksAcross * img.blocksDown;
  const planes = img.planar === 2 ? [...new Set(req.samples)] : [0];
  const out: number[] = [];
  for (const p of planes) {
    for (let by = by0; by <= by1; by++) for (let bx = bx0; bx <= bx1; bx++) out.push(p * perPlane + by * img.blocksAcross + bx);
  }
  return out;
}

/** Fetches and decodes the blocks not in the cache; returns all of them by index. */
async function loadBlocks(src: BlockSource, img: TiffImage, indices: number[], req: WindowRequest): Promise<Map<number, PixelArray>> {
  const found = new Map<number, PixelArray>();
  const missing: number[] = [];
  for (const i of indices) {
    const hit = src.cache.get(`${img.id}:${i}`);
    if (hit) found.set(i, hit);
    else missing.push(i);
  }
  // Group the missing blocks' byte ranges into few reads.
  const stored = missing.filter((i) => img.byteCounts[i]! > 0).sort((a, b) => img.offsets[a]! - img.offsets[b]!);
  const groups: number[][] = [];
  for (const i of stored) {
    const g = groups[groups.length - 1];
    if (g) {
      const first = g[0]!, last = g[g.length - 1]!;
      const end = img.offsets[last]! + img.byteCounts[last]!;
      const at = img.offsets[i]!;
      if (at >= end && at - end <= COALESCE_GAP && at + img.byteCounts[i]! - img.offsets[first]! <= COALESCE_MAX) {
        g.push(i);
        continue;
      }
    }
    groups.push([i]);
  }
  const decoded = await Promise.all(groups.map(async (g) => {
    const start = img.offsets[g[0]!]!, last = g[g.length - 1]!;
    const buf = await src.file.read(start, img.offsets[last]! + img.byteCounts[last]! - start, blockName(img, g[0]!));
    return Promise.all(g.map(async (i) => {
      const at = img.offsets[i]! - start;
      const samples = await decodeBlock(src.file.path, img, i, buf.subarray(at, at + img.byteCounts[i]!));
      return [i, samples] as const;
    }));
  }));
  for (const list of decoded) {
    for (const [i, samples] of list) {
      src.file.stats.blocksDecoded++;
      if (!coveredBy(img, i, req)) src.cache.set(`${img.id}:${i}`, samples);
      found.set(i, samples);
    }
  }
  // Blocks with no stored bytes (sparse files) read as zeros.
  for (const i of missing) {
    if (!found.has(i)) found.set(i, allocatePixels(img.dtype, blockBytes(img, i) / img.bytesPerSample));
  }
  return found;
}

/**
 * True when the window covers all of block `index`. Such blocks are not cached: a neighbouring read needs the blocks
 * on the window's edge, and streaming readers (band by band) would otherwise fill the cache with blocks never read again.
 */
function coveredBy(img: TiffImage, index: number, req: WindowRequest): boolean {
  const local = index % (img.blocksAcross * img.blocksDown);
  const bx = (local % img.blocksAcross) * img.blockWidth, by = Math.floor(local / img.blocksAcross) * img.blockHeight;
  const bx1 = Math.min(bx + img.blockWidth, img.width), by1 = by + blockRows(img, index);
  return req.x0 <= bx && req.x0 + req.width >= bx1 && req.y0 <= by && req.y0 + req.height >= by1;
}

/** Copies the part of block `index` that overlaps the window into the output planes. */
function copyBlock(img: TiffImage, index: number, block: PixelArray, req: WindowRequest): void {
  const perPlane = img.blocksAcross * img.blocksDown;
  const plane = img.planar === 2 ? Math.floor(index / perPlane) : -1;
  const local = index % perPlane;
  const bx = (local % img.blocksAcross) * img.blockWidth, by = Math.floor(local / img.blocksAcross) * img.blockHeight;
  const x0 = Math.max(req.x0, bx), x1 = Math.min(req.x0 + req.width, bx + img.blockWidth, img.width);
  const y0 = Math.max(req.y0, by), y1 = Math.min(req.y0 + req.height, by + blockRows(img, index));
  if (x1 <= x0 || y1 <= y0) return;
  const spb = samplesPerBlock(img), n = x1 - x0;
  for (let k = 0; k < req.samples.length; k++) {
    const s = req.samples[k]!;
    if (plane >= 0 && s !== plane) continue;
    const out = req.outs[k]!;
    for (let y = y0; y < y1; y++) {
      const dst = req.outOffset + (y - req.y0) * req.width + (x0 - req.x0);
      const srcRow = (y - by) * img.blockWidth + (x0 - bx);
      if (spb === 1) {
        out.set(block.subarray(srcRow, srcRow + n), dst);
      } else {
        const off = plane >= 0 ? 0 : s;
        for (let i = 0, j = srcRow * spb + off; i < n; i++, j += spb) out[dst + i] = block[j]!;
      }
    }
  }
}

/**
 * Reads the window `req` of `img`, touching only the blocks it overlaps.
 * Blocks are processed in batches of at most 32 MiB decoded, so a large window never holds all its blocks at once.
 */
export async function readWindow(src: BlockSource, img: TiffImage, req: WindowRequest): Promise<void> {
  const all = blocksFor(img, req);
  let i = 0;
  while (i < all.length) {
    if (req.signal?.aborted) throw new AbortedError(`reading ${src.file.path}`);
    const batch: number[] = [];
    let bytes = 0;
    while (i < all.length && (batch.length === 0 || bytes + blockBytes(img, all[i]!) <= BATCH_BYTES)) {
      bytes += blockBytes(img, all[i]!);
      batch.push(all[i++]!);
    }
    const blocks = await loadBlocks(src, img, batch, req);
    for (const [index, block] of blocks) copyBlock(img, index, block, req);
  }
}
