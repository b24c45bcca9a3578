// `terareg info FILE [--json]`: the metadata of an image, without reading its pixels.

import type { Command } from "commander";
import { openImage } from "../../io/open.js";
import type { ImageMeta } from "../../core/space.js";
import { bytesPerSample } from "../../core/dtype.js";
import { formatBytes } from "../../core/errors.js";

/** Human-readable lines describing `meta`. */
export function describeImage(meta: ImageMeta): string {
  const s = meta.space;
  const l0 = meta.levels[0]!;
  // Printed x first, as sizes are usually written; a 2D image shows x and y only.
  const xyz = (v: readonly number[]) => `${[...v].reverse().slice(0, meta.ndim).map((n) => +n.toPrecision(8)).join(" × ")}`;
  const bytes = l0.shape[0] * l0.shape[1] * l0.shape[2] * meta.channels.length * bytesPerSample(meta.dtype);
  const lines = [
    `${meta.path}`,
    `  format     ${meta.format}`,
    `  size       ${xyz(l0.shape)} (x × y${meta.ndim === 3 ? " × z" : ""}), ${meta.channels.length} channel(s), ${meta.dtype}, ${formatBytes(bytes)} at full resolution`,
    `  channels   ${meta.channels.join(", ")}`,
    `  spacing    ${xyz(s.spacing)} ${[...new Set(s.units.slice(3 - meta.ndim))].join("/")}`,
    `  origin     ${xyz(s.origin)}`,
    `  direction  [${s.direction.map((v) => +v.toFixed(6)).join(", ")}] (row-major, [z, y, x] order)`,
    `  levels     ${meta.levels.length}`,
  ];
  meta.levels.forEach((lv, i) => {
    const chunk = lv.chunk ? `, tiles ${xyz(lv.chunk)}` : "";
    lines.push(`    ${String(i).padStart(2)}: ${xyz(lv.shape)} (scale ${xyz(lv.scale)}${chunk})`);
  });
  return lines.join("\n");
}

export function registerInfo(program: Command): void {
  program
    .command("info")
    .description("print an image's metadata (levels, channels, dtype, spacing, origin, direction) without reading pixels")
    .argument("<file>", "image file or Zarr directory")
    .option("--json", "print the metadata as JSON")
    .action(async (file: string, opts: { json?: boolean }) => {
      const src = await openImage(file);
      try {
        process.stdout.write(opts.json ? `${JSON.stringify(src.meta, null, 2)}\n` : `${describeImage(src.meta)}\n`);
      } finally {
        await src.close();
      }
    });
}
