// Writes the report's figures as separate PNG files (qc/overlay.png, …) beside report.html, for the viewer and scripts.
// Drawing and encoding them is the other qc/ modules' job.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeAtomically } from "../core/atomic.js";
import { OptionError } from "../core/errors.js";
import type { QcFigure } from "./qc-report.js";

/**
 * Writes each figure to `dir/<name>.png`, atomically. Names must be letters, digits, ".", "_" or "-" and unique.
 * @returns the paths written, in figure order.
 */
export async function writeFigures(dir: string, figures: readonly QcFigure[]): Promise<string[]> {
  const seen = new Set<string>();
  for (const f of figures) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(f.name)) throw new OptionError("writeFigures: name", f.name, 'letters, digits, ".", "_" or "-", not starting with "." or "-"');
    if (seen.has(f.name)) throw new OptionError("writeFigures: name", f.name, "a name used by no other figure");
    seen.add(f.name);
  }
  const paths: string[] = [];
  for (const f of figures) {
    const path = join(dir, `${f.name}.png`);
    await writeAtomically(path, (tmp) => writeFile(tmp, f.png));
    paths.push(path);
  }
  return paths;
}
