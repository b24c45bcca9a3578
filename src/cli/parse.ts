// Parsers for CLI values: sizes, level counts, enums, integers and numbers, each failing with an OptionError that
// names the flag, echoes the value and says what was expected.

import { OptionError } from "../core/errors.js";
import type { Vec3 } from "../core/space.js";

/** "WxH" or "WxHxD" (x first, as ITK and most tools print sizes) → [z, y, x]. */
export function parseSize(flag: string, raw: string): Vec3 {
  const m = /^(\d+)x(\d+)(?:x(\d+))?$/i.exec(raw.trim());
  const nums = m ? [m[1], m[2], m[3]].filter((v) => v !== undefined).map(Number) : [];
  if (!m || nums.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new OptionError(flag, raw, 'WIDTHxHEIGHT or WIDTHxHEIGHTxDEPTH with positive integers, e.g. "20000x20000"');
  }
  return [nums[2] ?? 1, nums[1]!, nums[0]!];
}

/** A positive integer within [min, max]. */
export function parseInteger(flag: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new OptionError(flag, raw, `an integer from ${min} to ${max}`);
  }
  return n;
}

/** A finite decimal number within [min, max] ("1.5", "0.01", "1e-3"). */
export function parseNumber(flag: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max) throw new OptionError(flag, raw, `a number from ${min} to ${max}`);
  return n;
}

/** "auto" or a level count. */
export function parseLevels(flag: string, raw: string): number | "auto" {
  return raw === "auto" ? "auto" : parseInteger(flag, raw, 1, 40);
}

/** One of `allowed`, printing the allowed set on failure. */
export function parseEnum<T extends string>(flag: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) throw new OptionError(flag, raw, `one of ${allowed.join(", ")}`);
  return raw as T;
}

/** "512MB", "1.5GB", "2GiB" or a byte count → bytes (powers of 1024, as memory is counted). */
export function parseBytes(flag: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|KIB|MB|MIB|GB|GIB|TB|TIB)?$/i.exec(raw.trim());
  const unit = (m?.[2] ?? "B").toUpperCase().replace("I", "");
  const scale: Record<string, number> = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 };
  const n = m ? Number(m[1]) * scale[unit]! : NaN;
  if (!Number.isFinite(n) || n < 2 ** 20) throw new OptionError(flag, raw, 'a memory size of at least 1MB, e.g. "512MB" or "1.5GB"');
  return Math.round(n);
}
