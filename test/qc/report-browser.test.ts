// Opens report.html in headless Chromium (Debian's /usr/bin/chromium, or $TERAREG_CHROMIUM) when one is installed:
// a screenshot must render, and every embedded figure must decode. Skipped, with the reason, when there is none.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import sharp from "sharp";
import { REPORT_CSP, writeReport } from "../../src/qc/write-report.js";
import { tempDir } from "../helpers/tmp.js";
import { sampleReport } from "./fixtures.js";

const CHROMIUM = process.env["TERAREG_CHROMIUM"] ?? "/usr/bin/chromium";
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (install Debian's "chromium" or set TERAREG_CHROMIUM)`;

/** Runs Chromium headless on `url` with a fresh profile; resolves with stdout. */
async function chromium(url: string, extra: string[]): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), "terareg-chromium-"));
  const args = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars", `--user-data-dir=${profile}`,
    ...extra, url,
  ];
  try {
    return await new Promise((resolve, reject) => {
      execFile(CHROMIUM, args, { timeout: 90_000, maxBuffer: 64 << 20, env: { ...process.env, HOME: profile } }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${CHROMIUM} failed: ${err.message}\n${stderr.slice(-2000)}`));
        else resolve(stdout);
      });
    });
  } finally {
    await rm(profile, { recursive: true, force: true }).catch(() => undefined);
  }
}

test("report.html renders offline in headless Chromium with every figure decoded", { skip, timeout: 240_000 }, async (t) => {
  const dir = await tempDir(t, "terareg-qc-browser-");
  const report = await sampleReport("QC browser check");
  const page = join(dir, "report.html");
  await writeReport(page, report);

  const shot = join(dir, "shot.png");
  await chromium(pathToFileURL(page).href, [`--screenshot=${shot}`, "--window-size=1200,2000"]);
  const stats = await sharp(shot).stats();
  const meta = await sharp(shot).metadata();
  assert.deepEqual([meta.width, meta.height], [1200, 2000]);
  assert.ok(stats.channels.some((c) => c.stdev > 1), "the screenshot is not blank");

  // A probe copy: the same page plus a load handler that counts decoded images into the title (the CSP is widened
  // only to let that one inline script run; images still come from data: URIs alone).
  const html = await readFile(page, "utf8");
  assert.ok(html.includes(REPORT_CSP) && html.includes("</body>"));
  const probe = html
    .replace(REPORT_CSP, `${REPORT_CSP}; script-src 'unsafe-inline'`)
    .replace("</body>", `<script>addEventListener("load", () => { const all = [...document.images];
  document.title = "decoded " + all.filter((i) => i.complete && i.naturalWidth > 0).length + " of " + all.length; });</script>\n</body>`);
  const probePath = join(dir, "probe.html");
  await writeFile(probePath, probe);
  const dom = await chromium(pathToFileURL(probePath).href, ["--virtual-time-budget=10000", "--dump-dom"]);
  const title = /<title>([^<]*)<\/title>/.exec(dom)?.[1];
  assert.equal(title, `decoded ${report.images.length} of ${report.images.length}`, `title after load: ${title}`);
});
