import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { OptionError } from "../../src/core/errors.js";
import { escapeHtml, formatValue, renderReport, writeReport } from "../../src/qc/write-report.js";
import { tempDir } from "../helpers/tmp.js";
import { sampleReport } from "./fixtures.js";

test("escapeHtml escapes the five markup characters", () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
});

test("formatValue: integers as is, 4 significant digits, dashes for missing", () => {
  assert.deepEqual([12, 0.123456, 1234.5678, 1e-5, NaN, undefined, null, true, "x", Infinity, 0].map(formatValue),
    ["12", "0.1235", "1235", "1.000e-5", "—", "—", "—", "yes", "x", "Infinity", "0"]);
});

test("the report embeds every figure as a data URI and escapes every piece of text", async () => {
  const report = await sampleReport();
  const html = renderReport(report);
  for (const f of report.images) {
    assert.ok(html.includes(`src="data:image/png;base64,${f.png.toString("base64")}"`), `figure ${f.name} embedded`);
    assert.ok(html.includes(escapeHtml(f.caption)), `caption of ${f.name}`);
  }
  assert.equal(html.match(/<img /g)!.length, report.images.length);
  assert.ok(html.includes("<title>QC &lt;b&gt;&amp;&lt;/b&gt; &quot;quotes&quot;</title>"));
  assert.ok(html.includes("<h1>QC &lt;b&gt;&amp;&lt;/b&gt; &quot;quotes&quot;</h1>"));
  assert.ok(html.includes("fixed &lt;slide&gt;.ome.tif") && html.includes("moving &amp; co.ome.zarr"));
  assert.ok(html.includes("sigma &lt;update&gt;") && html.includes("&lt;/pre&gt;"));
  assert.ok(!html.includes("<slide>") && !html.includes("<b>&</b>") && !html.includes('"</pre>"'));
  for (const label of ["median TRE (px)", "median rTRE", "local NCC", "folding fraction (det ≤ 0)", "SD of log Jacobian", "peak memory", "117.7 MiB"]) {
    assert.ok(html.includes(escapeHtml(label)), `summary has ${label}`);
  }
});

test("the report loads nothing: no URLs, no scripts, only data: sources, and a CSP that forbids the rest", async () => {
  const html = renderReport(await sampleReport());
  assert.doesNotMatch(html, /https?:\/\//i);
  assert.doesNotMatch(html, /<script|<link|<iframe|@import|url\(/i);
  for (const m of html.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/g)) assert.ok(m[1]!.startsWith("data:image/png;base64,"), m[1]!.slice(0, 40));
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">/);
  // outside the embedded PNGs, the only "http" is the meta tag's attribute name
  assert.equal(html.replace(/data:image\/png;base64,[A-Za-z0-9+/=]*/g, "").split("http").length - 1, 1);
});

test("writeReport writes one file atomically; a non-PNG figure is rejected by name", async (t) => {
  const dir = await tempDir(t, "terareg-qc-");
  const path = join(dir, "report.html"), report = await sampleReport();
  await writeReport(path, report);
  assert.deepEqual(await readdir(dir), ["report.html"]);
  assert.equal(await readFile(path, "utf8"), renderReport(report));
  const bad = { ...report, images: [{ name: "broken", caption: "", png: Buffer.from("not a png at all, no") }] };
  await assert.rejects(writeReport(join(dir, "bad.html"), bad), (e: unknown) => e instanceof OptionError && /report image "broken"/.test(e.message));
  assert.deepEqual(await readdir(dir), ["report.html"]);
});

test("a report with no sections, parameters or images is still a valid page", () => {
  const html = renderReport({ title: "empty", inputs: { fixed: "a", moving: "b" }, summary: [], images: [], parameters: {} });
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(html.includes("</html>") && !html.includes("Figures") && !html.includes("Parameters"));
});
