// Atomic outputs: every file or directory terareg writes appears under its final name only when complete.
// Writers work on a temporary sibling (".tmp-PID-N.NAME", keeping the extension writers look at) and rename it.

import { randomBytes } from "node:crypto";
import { mkdir, rm, rename, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { OutputError } from "./errors.js";

/** A temporary sibling path of `finalPath`, unique per call, ending in the same name (so extensions still tell the format). */
export function temporarySibling(finalPath: string): string {
  return join(dirname(finalPath), `.tmp-${process.pid}-${randomBytes(4).toString("hex")}.${basename(finalPath)}`);
}

/**
 * Runs `write(tmpPath)` and renames the result onto `finalPath` (replacing what was there);
 * if `write` throws, the temporary file or directory is removed and the error re-thrown.
 */
export async function writeAtomically<T>(finalPath: string, write: (tmpPath: string) => Promise<T>): Promise<T> {
  const tmp = temporarySibling(finalPath);
  try {
    await mkdir(dirname(finalPath), { recursive: true });
    const result = await write(tmp);
    const old = await stat(finalPath).catch(() => undefined);
    if (old?.isDirectory()) await rm(finalPath, { recursive: true, force: true });
    await rename(tmp, finalPath);
    return result;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    // A raw file-system error (ENOSPC, EACCES, ...) is named after the output it was writing.
    if (e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === "string") {
      throw new OutputError(finalPath, e.message, { cause: e });
    }
    throw e;
  }
}
