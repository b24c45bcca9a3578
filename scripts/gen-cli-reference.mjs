// Regenerates the README's CLI reference from the commander definitions (dist/src/cli/program.js),
// so the reference cannot drift from the code; test/cli/readme.test.ts fails when it is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { cliReference } from "../dist/src/cli/reference.js";

const open = "<!-- cli-reference -->", close = "<!-- /cli-reference -->";
const readme = readFileSync("README.md", "utf8");
const a = readme.indexOf(open), b = readme.indexOf(close);
if (a < 0 || b < a) throw new Error("README.md has no cli-reference markers");
writeFileSync("README.md", `${readme.slice(0, a)}${open}\n${cliReference()}\n${readme.slice(b)}`);
console.log("README.md CLI reference updated");
