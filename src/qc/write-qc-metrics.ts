// metrics.json of the qc/ folder: the run's quality numbers as plain JSON, next to report.html.
// The numbers come from tre.ts, kernels/jacobian-stats.ts and the stages; this only serialises them.

import { readFile, writeFile } from "node:fs/promises";
import { writeAtomically } from "../core/atomic.js";
import { InputError } from "../core/errors.js";

/** JSON.stringify replacer: typed arrays become plain arrays, bigints decimal strings (NaN and ±Infinity become null, as JSON does). */
function plain(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number | bigint>, (v) => typeof v === "bigint" ? v.toString() : v);
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** The JSON text writeQcMetrics writes: 2-space indent, trailing newline. */
export function formatQcMetrics(data: Record<string, unknown>): string {
  return `${JSON.stringify(data, plain, 2)}\n`;
}

/** Writes `data` as JSON to `path`, atomically. Non-finite numbers are stored as null. */
export async function writeQcMetrics(path: string, data: Record<string, unknown>): Promise<void> {
  const text = formatQcMetrics(data);
  await writeAtomically(path, (tmp) => writeFile(tmp, text, "utf8"));
}

/** Reads a metrics.json written by writeQcMetrics. @throws InputError when unreadable or not a JSON object. */
export async function readQcMetrics(path: string): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, "utf8"));
  } catch (e) {
    throw new InputError(path, `cannot read QC metrics (${(e as Error).message})`, { cause: e });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new InputError(path, "QC metrics must be a JSON object");
  return value as Record<string, unknown>;
}
