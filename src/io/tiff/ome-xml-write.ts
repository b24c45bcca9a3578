// Writing OME-XML (2016-06 schema) for an OME-TIFF whose planes are one IFD each in XYZCT order.
// Reading OME-XML is ome-xml.ts's job; the IFDs themselves are laid out by write-ome-tiff.ts.

import type { DType } from "../../core/dtype.js";
import type { Space } from "../../core/space.js";

/** What the OME-XML describes. */
export interface OmeXmlInit {
  sizeX: number;
  sizeY: number;
  sizeZ: number;
  channelNames: readonly string[];
  dtype: DType;
  space: Space;
}

const OME_TYPE: Record<DType, string> = {
  uint8: "uint8", int8: "int8", uint16: "uint16", int16: "int16", uint32: "uint32", int32: "int32", float32: "float", float64: "double",
};

/** Space unit names → OME UnitsLength symbols; units not listed (e.g. "pixel") leave the physical size out. */
const UNIT_SYMBOLS: Record<string, string> = {
  angstrom: "Å", picometer: "pm", nanometer: "nm", micrometer: "µm", micron: "µm", millimeter: "mm", centimeter: "cm", meter: "m", inch: "in",
};

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function physical(axis: "X" | "Y" | "Z", value: number, unit: string): string {
  const sym = UNIT_SYMBOLS[unit];
  if (!sym || !(value > 0) || !Number.isFinite(value)) return "";
  return ` PhysicalSize${axis}="${value}" PhysicalSize${axis}Unit="${sym}"`;
}

/**
 * The OME-XML for planes stored one per IFD, IFD index = z + sizeZ · c (DimensionOrder XYZCT, T = 1).
 * Deterministic: no UUIDs, dates or file names, so equal inputs give equal bytes.
 */
export function buildOmeXml(init: OmeXmlInit): string {
  const { sizeX, sizeY, sizeZ, channelNames, dtype, space } = init;
  const sizeC = channelNames.length;
  const phys = physical("X", space.spacing[2], space.units[2]) + physical("Y", space.spacing[1], space.units[1]) +
    (sizeZ > 1 ? physical("Z", space.spacing[0], space.units[0]) : "");
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' +
      ' xsi:schemaLocation="http://www.openmicroscopy.org/Schemas/OME/2016-06 http://www.openmicroscopy.org/Schemas/OME/2016-06/ome.xsd"' +
      ' Creator="terareg">',
    '  <Image ID="Image:0">',
    `    <Pixels ID="Pixels:0" DimensionOrder="XYZCT" Type="${OME_TYPE[dtype]}" SizeX="${sizeX}" SizeY="${sizeY}" SizeZ="${sizeZ}"` +
      ` SizeC="${sizeC}" SizeT="1"${phys} BigEndian="false" Interleaved="false">`,
  ];
  channelNames.forEach((name, c) => lines.push(`      <Channel ID="Channel:0:${c}" Name="${esc(name)}" SamplesPerPixel="1"/>`));
  for (let c = 0; c < sizeC; c++) {
    for (let z = 0; z < sizeZ; z++) {
      lines.push(`      <TiffData IFD="${z + sizeZ * c}" FirstZ="${z}" FirstC="${c}" FirstT="0" PlaneCount="1"/>`);
    }
  }
  lines.push("    </Pixels>", "  </Image>", "</OME>");
  return lines.join("\n");
}
