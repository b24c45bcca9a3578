// Landmark arrows over a grey image: from each fixed landmark to where its moving partner lands, before and after.
// Mapping the landmarks (T⁻¹ of the moving points) and the TRE numbers are the caller's and tre.ts's job.

import { OptionError } from "../core/errors.js";
import type { Image } from "../kernels/types.js";
import { drawDisc, drawLine, drawRing } from "./draw.js";
import { orthogonalSlices, type PanelOptions } from "./orthogonal-slices.js";
import { normaliseToByte, robustRange } from "./robust-range.js";
import { createRgb, type Colour, type Rgb } from "./rgb.js";

/** Line and end dot from a fixed landmark to its moving partner before registration. */
export const BEFORE_COLOUR: Colour = [255, 0, 0];
/** Line and end dot from a fixed landmark to its moving partner after registration. */
export const AFTER_COLOUR: Colour = [0, 255, 0];
/** Ring around each fixed landmark. */
export const FIXED_COLOUR: Colour = [255, 255, 0];

export interface LandmarkArrowOptions extends PanelOptions {
  /** Radius in pixels of the end dots; the fixed ring has radius dotRadius + 1. @default 2 */
  dotRadius?: number;
  /** Half-width of the lines in pixels (0 draws one-pixel lines). @default 0 */
  lineRadius?: number;
}

/**
 * Landmark point (ANHIR order [x, y] or [x, y, z], pixels of the landmark file) → fractional QC index [z, y, x].
 * Pixel centres as in DESIGN §2: a QC pixel covers 1/scale file pixels, so q = p · scale − (1 − scale) / 2.
 */
export function landmarkToQcIndex(p: readonly number[], scale: readonly number[]): [number, number, number] {
  const q = p.map((v, a) => v * scale[a]! - (1 - scale[a]!) / 2);
  return [q[2] ?? 0, q[1]!, q[0]!];
}

/**
 * The base image in grey (1st–99th percentile window) with, for every landmark i, a BEFORE_COLOUR line and dot from
 * fixedPts[i] to mappedBefore[i], an AFTER_COLOUR line and dot from fixedPts[i] to mappedAfter[i], and a FIXED_COLOUR
 * ring around fixedPts[i]; drawn in that order (all before lines, all after lines, dots, rings), positions rounded
 * to the nearest pixel. For a volume each of the three mid-slice panels shows every landmark projected onto its plane.
 * @param base the fixed image at QC resolution, [z, y, x].
 * @param fixedPts, mappedBefore, mappedAfter points [x, y] (2D) or [x, y, z] (3D) in pixels of the landmark files,
 *   mapped into fixed space; mappedBefore or mappedAfter may be empty to leave that set out.
 * @param scale QC pixels per landmark pixel: one number, or one per axis in [x, y(, z)] order.
 */
export function landmarkArrows(
  base: Image, fixedPts: readonly number[][], mappedBefore: readonly number[][], mappedAfter: readonly number[][],
  scale: number | readonly number[], options: LandmarkArrowOptions = {},
): Rgb {
  const dims = base.shape[0] === 1 ? 2 : 3;
  const scales = typeof scale === "number" ? new Array<number>(dims).fill(scale) : [...scale];
  if (scales.length !== dims || !scales.every((s) => s > 0 && Number.isFinite(s))) {
    throw new OptionError("landmarkArrows: scale", scale, `a positive number, or ${dims} of them in [x, y${dims === 3 ? ", z" : ""}] order`);
  }
  const check = (what: string, pts: readonly number[][], optional: boolean): void => {
    if (optional && pts.length === 0) return;
    if (pts.length !== fixedPts.length) {
      throw new OptionError(`landmarkArrows: ${what}`, `${pts.length} points`, `one point per fixed landmark (${fixedPts.length})${optional ? ", or none" : ""}`);
    }
    const bad = pts.findIndex((p) => p.length !== dims || !p.every(Number.isFinite));
    if (bad >= 0) throw new OptionError(`landmarkArrows: ${what}[${bad}]`, pts[bad], `${dims} finite coordinates [x, y${dims === 3 ? ", z" : ""}] for a ${dims}D image`);
  };
  check("fixedPts", fixedPts, false);
  check("mappedBefore", mappedBefore, true);
  check("mappedAfter", mappedAfter, true);
  const dot = Math.max(0, Math.floor(options.dotRadius ?? 2)), line = Math.max(0, Math.floor(options.lineRadius ?? 0));
  const toIndex = (pts: readonly number[][]) => pts.map((p) => landmarkToQcIndex(p, scales));
  const fixed = toIndex(fixedPts), before = toIndex(mappedBefore), after = toIndex(mappedAfter);
  const range = (options.rangeOf ?? robustRange)(base);
  return orthogonalSlices(base, (slice, view) => {
    const [, ny, nx] = slice.shape;
    const out = createRgb(nx, ny);
    for (let i = 0; i < nx * ny; i++) out.data.fill(normaliseToByte(slice.data[i]!, range), 3 * i, 3 * i + 3);
    const at = (q: readonly number[]): [number, number] => [Math.round(q[view.colAxis]!), Math.round(q[view.rowAxis]!)];
    const arrows = (ends: [number, number, number][], c: Colour) => ends.forEach((q, i) => {
      const [x0, y0] = at(fixed[i]!), [x1, y1] = at(q);
      drawLine(out, x0, y0, x1, y1, c, line);
    });
    const dots = (ends: [number, number, number][], c: Colour) => ends.forEach((q) => drawDisc(out, ...at(q), dot, c));
    arrows(before, BEFORE_COLOUR);
    arrows(after, AFTER_COLOUR);
    dots(before, BEFORE_COLOUR);
    dots(after, AFTER_COLOUR);
    fixed.forEach((q) => drawRing(out, ...at(q), dot + 1, FIXED_COLOUR));
    return out;
  }, options);
}
