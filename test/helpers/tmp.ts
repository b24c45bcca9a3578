// Temporary directories for tests, removed when the test ends.
// Shared by every test file that writes fixtures; nothing here touches ../shared.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";

/** A fresh directory under the OS temp dir, deleted after the test `t`. */
export async function tempDir(t: TestContext, prefix = "terareg-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Path of the shared real-data folder (../shared/data from the repository root). */
export const SHARED_DATA = join(process.cwd(), "..", "shared", "data");
