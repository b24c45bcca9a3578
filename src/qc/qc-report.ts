// The QC report's data: what writeReport renders to HTML. Building its sections from typed results is
// summary-sections.ts; rendering and writing is write-report.ts.

/** One table cell: numbers are formatted to 4 significant digits; null, undefined and NaN show as "—". */
export type SummaryValue = string | number | boolean | null | undefined;

/** One table row: a label and one value, or one value per column of its section (e.g. before, after). */
export interface SummaryRow {
  label: string;
  value: SummaryValue | readonly SummaryValue[];
}

/** A titled table of the summary. */
export interface SummarySection {
  title: string;
  /** Column headings for rows with several values (e.g. ["before", "after"]); omitted for single values. */
  columns?: readonly string[];
  rows: readonly SummaryRow[];
}

/** One figure of the gallery. */
export interface QcFigure {
  /** Short identifier, also the file stem when written by writeFigures: letters, digits, ".", "_", "-". */
  name: string;
  caption: string;
  /** PNG bytes (from encodePng). */
  png: Buffer;
}

export interface QcReport {
  title: string;
  /** Paths or names of the two inputs, shown as given. */
  inputs: { fixed: string; moving: string };
  summary: readonly SummarySection[];
  images: readonly QcFigure[];
  /** The run's parameters; objects and arrays are shown as JSON. */
  parameters: Record<string, unknown>;
  /** When the run happened, shown as given (e.g. an ISO 8601 time); omitted from the page when absent. */
  created?: string;
}
