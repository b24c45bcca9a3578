#!/usr/bin/env node
// Entry point of the `terareg` executable: runs the program and turns every failure into one line and an exit code.
// Exit codes: 0 ok, 1 bad input/output or failed work, 2 bad usage/options, 70 internal error (a bug: please report).

import { CommanderError } from "commander";
import { isTeraregError } from "../core/errors.js";
import { buildProgram } from "./program.js";

/** Maps an error to the exit code and the one line printed on stderr. */
export function describeFailure(e: unknown): { code: number; line: string } {
  if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : 2, line: "" };
  if (isTeraregError(e)) return { code: e.code === "E_OPTION" ? 2 : 1, line: `terareg: ${e.message}` };
  const msg = e instanceof Error ? e.message : String(e);
  return { code: 70, line: `terareg: internal error: ${msg} (set TERAREG_DEBUG=1 for the stack trace, and please report it)` };
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (e) {
    const { code, line } = describeFailure(e);
    if (line) process.stderr.write(`${line}\n`);
    if (process.env.TERAREG_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exitCode = code;
  }
}

await main();
