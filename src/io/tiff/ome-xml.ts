// Reading the OME-XML of an OME-TIFF: the first Image's Pixels sizes, order, type, physical sizes, channels, TiffData.
// A small tag/attribute scanner, not a general XML parser; mapping planes to IFDs is done in tiff-layout.ts.

/** One physical size with its OME unit symbol (default "µm"). */
export interface OmeLength {
  value: number;
  unit: string;
}

/** One TiffData element: planes starting at (FirstZ, FirstC, FirstT) stored from IFD `ifd` on. */
export interface OmeTiffData {
  ifd?: number;
  firstZ: number;
  firstC: number;
  firstT: number;
  planeCount?: number;
  /** UUID FileName, when the planes live in another file. */
  fileName?: string;
}

/** What terareg uses of an OME-XML document (the first Image only). */
export interface OmePixels {
  sizeX: number;
  sizeY: number;
  sizeZ: number;
  sizeC: number;
  sizeT: number;
  dimensionOrder: string;
  type?: string;
  physicalSize: { x?: OmeLength; y?: OmeLength; z?: OmeLength };
  channels: { name?: string; samplesPerPixel?: number }[];
  tiffData: OmeTiffData[];
  /** How many Image elements the document has (only the first is read). */
  imageCount: number;
}

const NAME = "(?:[A-Za-z_][\\w.-]*:)?";

/** True when an ImageDescription looks like OME-XML. */
export function isOmeXml(description: string | undefined): description is string {
  return description !== undefined && /<(?:[\w.-]+:)?OME[\s>]/.test(description) && /OME>\s*$/.test(description);
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e[0] === "#") return String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" } as Record<string, string>)[e]!;
  });
}

/** Attributes of one start tag's attribute text, namespace prefixes dropped. */
export function parseAttributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    const key = m[1]!.includes(":") ? m[1]!.slice(m[1]!.indexOf(":") + 1) : m[1]!;
    out.set(key, decodeEntities(m[2] ?? m[3] ?? ""));
  }
  return out;
}

function intAttr(a: Map<string, string>, key: string, fallback?: number): number | undefined {
  const v = a.get(key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new SyntaxError(`${key}="${v}" is not a non-negative integer`);
  return n;
}

function lengthAttr(a: Map<string, string>, axis: "X" | "Y" | "Z"): OmeLength | undefined {
  const v = a.get(`PhysicalSize${axis}`);
  if (v === undefined) return undefined;
  const value = Number(v);
  if (!Number.isFinite(value) || value <= 0) throw new SyntaxError(`PhysicalSize${axis}="${v}" is not a positive number`);
  return { value, unit: a.get(`PhysicalSize${axis}Unit`) ?? "µm" };
}

/**
 * Extracts the first Image's Pixels from an OME-XML document.
 * @throws SyntaxError when there is no Pixels element or a size attribute is missing or malformed
 */
export function parseOmeXml(xml: string): OmePixels {
  const images = [...xml.matchAll(new RegExp(`<${NAME}Image[\\s>]`, "g"))];
  if (images.length === 0) throw new SyntaxError("no Image element");
  const from = images[0]!.index!;
  const pixOpen = new RegExp(`<${NAME}Pixels\\b([^>]*?)(/?)>`, "g");
  pixOpen.lastIndex = from;
  const pm = pixOpen.exec(xml);
  if (!pm) throw new SyntaxError("no Pixels element in the first Image");
  const attrs = parseAttributes(pm[1]!);
  const bodyStart = pm.index + pm[0].length;
  const close = new RegExp(`</${NAME}Pixels\\s*>`, "g");
  close.lastIndex = bodyStart;
  const cm = pm[2] === "/" ? null : close.exec(xml);
  const body = cm ? xml.slice(bodyStart, cm.index) : "";
  const size = (k: string): number => {
    const n = intAttr(attrs, k);
    if (n === undefined || n < 1) throw new SyntaxError(`Pixels ${k} is missing or zero`);
    return n;
  };
  const channels = [...body.matchAll(new RegExp(`<${NAME}Channel\\b([^>]*?)/?>`, "g"))].map((m) => {
    const a = parseAttributes(m[1]!);
    const name = a.get("Name"), spp = intAttr(a, "SamplesPerPixel");
    return { ...(name !== undefined ? { name } : {}), ...(spp !== undefined ? { samplesPerPixel: spp } : {}) };
  });
  const tiffData = [...body.matchAll(new RegExp(`<${NAME}TiffData\\b([^>]*?)(?:/>|>([\\s\\S]*?)</${NAME}TiffData\\s*>)`, "g"))].map((m) => {
    const a = parseAttributes(m[1]!);
    const td: OmeTiffData = { firstZ: intAttr(a, "FirstZ", 0)!, firstC: intAttr(a, "FirstC", 0)!, firstT: intAttr(a, "FirstT", 0)! };
    const ifd = intAttr(a, "IFD"), count = intAttr(a, "PlaneCount");
    if (ifd !== undefined) td.ifd = ifd;
    if (count !== undefined) td.planeCount = count;
    const uuid = m[2] ? new RegExp(`<${NAME}UUID\\b([^>]*)>`).exec(m[2]) : null;
    const fileName = uuid ? parseAttributes(uuid[1]!).get("FileName") : undefined;
    if (fileName !== undefined) td.fileName = fileName;
    return td;
  });
  const physicalSize: OmePixels["physicalSize"] = {};
  for (const axis of ["X", "Y", "Z"] as const) {
    const l = lengthAttr(attrs, axis);
    if (l) physicalSize[axis.toLowerCase() as "x" | "y" | "z"] = l;
  }
  const order = attrs.get("DimensionOrder") ?? "XYZCT";
  if (!/^XY(ZCT|ZTC|CZT|CTZ|TZC|TCZ)$/.test(order)) throw new SyntaxError(`DimensionOrder "${order}" is not one of the six OME orders`);
  const out: OmePixels = {
    sizeX: size("SizeX"), sizeY: size("SizeY"), sizeZ: size("SizeZ"), sizeC: size("SizeC"), sizeT: size("SizeT"),
    dimensionOrder: order, physicalSize, channels, tiffData, imageCount: images.length,
  };
  const type = attrs.get("Type");
  if (type !== undefined) out.type = type;
  return out;
}

/** Index of plane (z, c, t) in the order DimensionOrder lists planes (X and Y vary fastest, inside every plane). */
export function planeIndex(order: string, sizes: { z: number; c: number; t: number }, z: number, c: number, t: number): number {
  const pos: Record<string, number> = { Z: z, C: c, T: t };
  const dims: Record<string, number> = { Z: sizes.z, C: sizes.c, T: sizes.t };
  const [a, b, d] = [order[2]!, order[3]!, order[4]!];
  return pos[a]! + dims[a]! * (pos[b]! + dims[b]! * pos[d]!);
}

/** OME length unit symbols → the unit names Space uses (OME-NGFF / UDUNITS names). */
export const OME_UNITS: Record<string, string> = {
  "Å": "angstrom", pm: "picometer", nm: "nanometer", "µm": "micrometer", um: "micrometer", "μm": "micrometer",
  mm: "millimeter", cm: "centimeter", m: "meter", in: "inch", pixel: "pixel",
};
