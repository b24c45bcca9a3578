// ANHIR / ImageJ landmark CSVs: header ",X,Y[,Z]", one "id,X,Y[,Z]" row per point, X = column, Y = row,
// in pixels of the image as shipped. Pairing fixed and moving points by ID also lives here.

import { readFile } from "node:fs/promises";
import { InputError } from "../core/errors.js";

/** Landmarks by ID; each point is [x, y] or [x, y, z] in pixels (file order, x first). */
export type Landmarks = Map<string, number[]>;

/** Parses an ANHIR landmark CSV. */
export function parseLandmarks(text: string, file = "<landmarks>"): Landmarks {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) throw new InputError(file, "empty landmark file; expected a header ',X,Y' and one row per point");
  const header = lines[0]!.split(",").map((h) => h.trim());
  const axes = header.slice(1);
  if (!(axes.length === 2 || axes.length === 3) || axes[0] !== "X" || axes[1] !== "Y" || (axes[2] !== undefined && axes[2] !== "Z")) {
    throw new InputError(file, `header "${lines[0]}" is not an ANHIR landmark header (",X,Y" or ",X,Y,Z")`);
  }
  const out: Landmarks = new Map();
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r]!.split(",").map((c) => c.trim());
    const values = cells.slice(1).map(Number);
    if (cells.length !== axes.length + 1 || values.some((v) => !Number.isFinite(v))) {
      throw new InputError(file, `line ${r + 1} "${lines[r]}" is not "id,${axes.join(",")}" with finite numbers`);
    }
    if (out.has(cells[0]!)) throw new InputError(file, `line ${r + 1}: landmark id ${cells[0]} appears twice`);
    out.set(cells[0]!, values);
  }
  return out;
}

export async function readLandmarks(file: string): Promise<Landmarks> {
  const text = await readFile(file, "utf8").catch((e: unknown) => {
    throw new InputError(file, `cannot read landmarks (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  });
  return parseLandmarks(text, file);
}

/** Formats landmarks as an ANHIR CSV (IDs in insertion order). */
export function formatLandmarks(points: Landmarks): string {
  const dims = points.values().next().value?.length ?? 2;
  const rows = [`,${["X", "Y", "Z"].slice(0, dims).join(",")}`];
  for (const [id, p] of points) rows.push(`${id},${p.map((v) => +v.toFixed(6)).join(",")}`);
  return `${rows.join("\n")}\n`;
}

/** The IDs present in both sets, in the order of `a`. */
export function commonIds(a: Landmarks, b: Landmarks): string[] {
  return [...a.keys()].filter((id) => b.has(id));
}
