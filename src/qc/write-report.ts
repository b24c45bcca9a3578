// The QC report: one self-contained report.html (figures as base64 data URIs, inline CSS, no scripts, no requests).
// What goes into it is qc-report.ts and summary-sections.ts; the figures are drawn by the other qc/ modules.

import { writeFile } from "node:fs/promises";
import { writeAtomically } from "../core/atomic.js";
import { OptionError } from "../core/errors.js";
import type { QcFigure, QcReport, SummarySection, SummaryValue } from "./qc-report.js";

/**
 * The page's Content-Security-Policy: nothing may load except the inline style and data: images, so opening the
 * report can never make a network request, even if a future figure or caption slipped a URL in.
 */
export const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

const HTML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Text made safe for HTML element content and quoted attribute values (& < > " ' escaped). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch]!);
}

/** A cell's text: integers as is, other numbers to 4 significant digits, booleans yes/no, missing and NaN "—". */
export function formatValue(v: SummaryValue): string {
  if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) return "—";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "string") return v;
  if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

/** Width and height from a PNG's IHDR chunk; throws an OptionError naming the figure when the bytes are not a PNG. */
export function pngSize(figure: QcFigure): [number, number] {
  const b = figure.png;
  if (!Buffer.isBuffer(b) || b.length < 24 || PNG_SIGNATURE.some((v, i) => b[i] !== v) || b.toString("latin1", 12, 16) !== "IHDR") {
    throw new OptionError(`report image "${figure.name}"`, `${Buffer.isBuffer(b) ? b.length : typeof b} bytes`, "PNG bytes (from encodePng)");
  }
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

function table(section: SummarySection): string {
  const head = section.columns ? `<thead><tr><th></th>${section.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead>` : "";
  const rows = section.rows.map((r) => {
    const values: readonly SummaryValue[] = Array.isArray(r.value) ? r.value : [r.value as SummaryValue];
    return `<tr><th scope="row">${escapeHtml(r.label)}</th>${values.map((v) => `<td>${escapeHtml(formatValue(v))}</td>`).join("")}</tr>`;
  });
  return `<section><h3>${escapeHtml(section.title)}</h3><table>${head}<tbody>${rows.join("")}</tbody></table></section>`;
}

function parameterValue(v: unknown): string {
  if (v !== null && typeof v === "object") return `<pre>${escapeHtml(JSON.stringify(v, null, 2) ?? String(v))}</pre>`;
  if (typeof v === "string") return escapeHtml(v);
  return escapeHtml(formatValue(typeof v === "number" || typeof v === "boolean" || v === null || v === undefined ? v : String(v)));
}

function figure(f: QcFigure, index: number): string {
  const [w, h] = pngSize(f);
  const id = `fig-${index + 1}-${f.name.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  return `<figure id="${escapeHtml(id)}"${w > 2 * h ? ' class="wide"' : ""}>`
    + `<img src="data:image/png;base64,${f.png.toString("base64")}" width="${w}" height="${h}" alt="${escapeHtml(f.caption)}">`
    + `<figcaption><b>${escapeHtml(f.name)}</b> — ${escapeHtml(f.caption)}</figcaption></figure>`;
}

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1b1b;background:#fafafa;margin:0 auto;padding:1.5em;max-width:1200px}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
h3{font-size:1em;margin:1em 0 .3em}.meta{color:#555}
table{border-collapse:collapse;background:#fff;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}td{text-align:right}
thead th{background:#f0f0f0}th[scope=row]{font-weight:normal;color:#333}
.inputs td,.params td{text-align:left;word-break:break-all}pre{margin:0;font-size:.9em;white-space:pre-wrap}
.summary{display:flex;flex-wrap:wrap;gap:0 2em}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:1.2em}
figure{margin:0;background:#fff;border:1px solid #ddd;padding:.5em}figure.wide{grid-column:1/-1}
figure img{display:block;width:100%;height:auto;image-rendering:pixelated;background:#000}
figcaption{font-size:.9em;color:#333;margin-top:.4em}
`;

/**
 * The report as one HTML document: title, inputs, the summary sections, the parameters and the figure gallery.
 * Every piece of text is escaped; figures are embedded as data: URIs; the page loads nothing (see REPORT_CSP).
 * @throws OptionError when a figure's bytes are not a PNG.
 */
export function renderReport(report: QcReport): string {
  const params = Object.entries(report.parameters);
  const body = [
    `<h1>${escapeHtml(report.title)}</h1>`,
    report.created === undefined ? "" : `<p class="meta">${escapeHtml(report.created)}</p>`,
    `<h2>Inputs</h2><table class="inputs"><tbody>`
      + `<tr><th scope="row">fixed</th><td>${escapeHtml(report.inputs.fixed)}</td></tr>`
      + `<tr><th scope="row">moving</th><td>${escapeHtml(report.inputs.moving)}</td></tr></tbody></table>`,
    report.summary.length === 0 ? "" : `<h2>Summary</h2><div class="summary">${report.summary.map(table).join("")}</div>`,
    params.length === 0 ? "" : `<h2>Parameters</h2><table class="params"><tbody>${
      params.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${parameterValue(v)}</td></tr>`).join("")}</tbody></table>`,
    report.images.length === 0 ? "" : `<h2>Figures</h2><div class="gallery">${report.images.map(figure).join("")}</div>`,
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body.filter((s) => s !== "").join("\n")}
</body>
</html>
`;
}

/** Writes renderReport(report) to `path` (UTF-8), atomically: the file appears under its name only when complete. */
export async function writeReport(path: string, report: QcReport): Promise<void> {
  const html = renderReport(report);
  await writeAtomically(path, (tmp) => writeFile(tmp, html, "utf8"));
}
