// The terareg command line: global flags and one registration call per command module.
// Commands only parse, call the library and report; everything else lives below cli/.

import { Command } from "commander";
import { registerInfo } from "./commands/info.js";
import { registerConvert } from "./commands/convert.js";
import { registerGenerate } from "./commands/generate.js";
import { registerRegister } from "./commands/register.js";
import { registerPlan } from "./commands/plan.js";
import { registerTransformPoints } from "./commands/transform-points.js";
import { registerExport } from "./commands/export.js";
import { registerImport } from "./commands/import.js";
import { registerDemo } from "./commands/demo.js";
import { registerWarp } from "./commands/warp.js";
import { registerSynth } from "./commands/synth.js";

export interface GlobalOptions {
  logJson: boolean;
  quiet: boolean;
}

export const VERSION = "0.1.0";

/** Builds the commander program (also used to generate the README's CLI reference). */
export function buildProgram(): Command {
  const program = new Command("terareg");
  program
    .description("register (align) images too large for memory: gigapixel slides, multiplex cycles, terabyte volumes")
    .version(VERSION)
    .option("--log-json", "report progress and the summary as JSON lines (progress on stderr, summary on stdout)")
    .option("--quiet", "no progress bar")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  const globals = (): GlobalOptions => {
    const o = program.opts<{ logJson?: boolean; quiet?: boolean }>();
    return { logJson: Boolean(o.logJson), quiet: Boolean(o.quiet) };
  };
  registerInfo(program);
  registerConvert(program, globals);
  registerGenerate(program, globals);
  registerPlan(program, globals);
  registerRegister(program, globals);
  registerTransformPoints(program, globals);
  registerExport(program, globals);
  registerImport(program, globals);
  registerWarp(program, globals);
  registerDemo(program, globals);
  registerSynth(program, globals);
  for (const c of program.commands) c.exitOverride();
  return program;
}
