// Shows a volume as its three orthogonal mid-slices side by side; a 2D image passes through as one panel.
// Every QC figure renders planes through here, so 2D and 3D inputs take one code path.

import { OptionError } from "../core/errors.js";
import type { Vec3 } from "../core/space.js";
import { checkImage, type Image } from "../kernels/types.js";
import { blit, createRgb, type Colour, type Rgb } from "./rgb.js";
import type { RangeOf } from "./robust-range.js";

/**
 * Which plane a panel shows. `axis` is the axis held at `index` (0 = z, 1 = y, 2 = x, in [z, y, x] order);
 * panel rows run along `rowAxis` and columns along `colAxis`, both increasing away from the top-left corner.
 * A 2D image is its own z-slice: {axis: 0, index: 0, rowAxis: 1, colAxis: 2}.
 */
export interface SliceView {
  axis: 0 | 1 | 2;
  index: number;
  rowAxis: 1 | 0;
  colAxis: 2 | 1;
}

/** Columns of background between panels. */
export const PANEL_GAP = 4;
/** Colour between and below panels. */
export const PANEL_BACKGROUND: Colour = [0, 0, 0];

/** The three views of a volume, in panel order left to right: mid z (rows y, cols x), mid y (rows z, cols x), mid x (rows z, cols y). */
export function midViews(shape: Vec3): SliceView[] {
  if (shape[0] === 1) return [{ axis: 0, index: 0, rowAxis: 1, colAxis: 2 }];
  return [
    { axis: 0, index: Math.floor(shape[0] / 2), rowAxis: 1, colAxis: 2 },
    { axis: 1, index: Math.floor(shape[1] / 2), rowAxis: 0, colAxis: 2 },
    { axis: 2, index: Math.floor(shape[2] / 2), rowAxis: 0, colAxis: 1 },
  ];
}

/** The plane `view` of `image` as a 2D image of shape [1, rows, cols] (a copy; a 2D image's own plane is returned as is). */
export function extractSlice(image: Image, view: SliceView): Image {
  const [nz, ny, nx] = image.shape;
  if (nz === 1 && view.axis === 0) return image;
  const size = [nz, ny, nx], strides = [ny * nx, nx, 1];
  const rows = size[view.rowAxis]!, cols = size[view.colAxis]!;
  const out = new Float32Array(rows * cols);
  const base = view.index * strides[view.axis]!, rs = strides[view.rowAxis]!, cs = strides[view.colAxis]!;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = image.data[base + r * rs + c * cs]!;
  }
  return { data: out, shape: [1, rows, cols] };
}

/** Layout options for the panel strip. */
export interface PanelOptions {
  /** Columns between panels. @default PANEL_GAP (4) */
  gap?: number;
  /** Fill between and below panels. @default PANEL_BACKGROUND (black) */
  background?: Colour;
  /** Each image's display window. @default robustRange (memoisedRanges shares them across a QC pass's figures) */
  rangeOf?: RangeOf;
}

/**
 * Renders `input` (one image, or several on the same grid) plane by plane: a 2D input gives `render(input)`;
 * a 3D input gives its mid z, y and x slices (see `midViews`) rendered by `render` and placed left to right,
 * top-aligned, `gap` columns apart. Width = sum of panel widths + 2 · gap; height = the tallest panel.
 * No spacing correction: a voxel is one pixel in every panel.
 * @param render draws one plane; gets slices of the same kind as `input` (an Image, or an array in input order).
 */
export function orthogonalSlices<T extends Image | readonly Image[]>(
  input: T, render: (slice: T, view: SliceView) => Rgb, options: PanelOptions = {},
): Rgb {
  const images: readonly Image[] = Array.isArray(input) ? (input as readonly Image[]) : [input as Image];
  if (images.length === 0) throw new OptionError("orthogonalSlices: input", "[]", "at least one image");
  images.forEach((im, i) => checkImage(`orthogonalSlices: input[${i}]`, im));
  const shape = images[0]!.shape;
  images.forEach((im, i) => {
    if (im.shape.some((s, a) => s !== shape[a])) {
      throw new OptionError(`orthogonalSlices: input[${i}].shape`, im.shape, `the shape of input[0], [${shape}]; resample both onto one grid first`);
    }
  });
  const panels = midViews(shape).map((view) => {
    const slices = images.map((im) => extractSlice(im, view));
    return render((Array.isArray(input) ? slices : slices[0]) as T, view);
  });
  if (panels.length === 1) return panels[0]!;
  const gap = options.gap ?? PANEL_GAP;
  if (!Number.isInteger(gap) || gap < 0) throw new OptionError("orthogonalSlices: gap", gap, "a non-negative integer");
  const width = panels.reduce((w, p) => w + p.width, 0) + gap * (panels.length - 1);
  const out = createRgb(width, Math.max(...panels.map((p) => p.height)), options.background ?? PANEL_BACKGROUND);
  let x = 0;
  for (const p of panels) {
    blit(out, p, x, 0);
    x += p.width + gap;
  }
  return out;
}
