// The CLI reference in Markdown, generated from the commander definitions (README.md embeds it).

import { buildProgram } from "./program.js";

export function cliReference(): string {
  const program = buildProgram();
  const parts = ["```", program.helpInformation().trimEnd(), "```"];
  for (const c of program.commands) {
    parts.push("", `### terareg ${c.name()}`, "", "```", c.helpInformation().trimEnd(), "```");
  }
  return parts.join("\n");
}
