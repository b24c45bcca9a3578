// Writes one suite's section of BENCHMARKS.md between its markers, leaving the other suites' sections alone.

import { readFile, writeFile } from "node:fs/promises";

/** Replaces (or appends) the block between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`. */
export async function writeSection(file: string, name: string, body: string): Promise<void> {
  const open = `<!-- bench:${name} -->`, close = `<!-- /bench:${name} -->`;
  let text = await readFile(file, "utf8").catch(() => "# Benchmarks\n\nRegenerate with `npm run bench` (all suites) or `npm run bench -- SUITE`.\n");
  const block = `${open}\n${body.trim()}\n${close}`;
  const a = text.indexOf(open), b = text.indexOf(close);
  text = a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + close.length) : `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(file, text);
}

export function table(header: string[], rows: (string | number)[][]): string {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

export const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;
