// How the CLI shows long work: a progress bar on a TTY, JSON lines on stderr with --log-json, else quiet;
// and the one summary every command ends with. The library only emits ProgressEvents (core/progress.ts).

import cliProgress from "cli-progress";
import type { ProgressEvent, ProgressFn } from "../core/progress.js";
import type { RegistrationEvent } from "../registration/register-images.js";

export interface Reporter {
  progress: ProgressFn;
  /**
   * Prints the closing summary: a line per field on stdout, or one JSON line with --log-json
   * (which also carries the raw `numbers`, e.g. seconds and peakRssBytes).
   */
  summary(title: string, fields: Record<string, string | number>, numbers?: Record<string, number>): void;
  /** Ends any bar still drawn. */
  stop(): void;
}

export { peakRssBytes } from "../core/memory.js";

/**
 * A registration's iteration events as progress: one stage per registration stage and level (`prefix` first, e.g.
 * "global "), iterations against the level's cap, and the metric as the event's value.
 */
export function registrationProgress(reporter: Reporter, prefix = ""): (e: RegistrationEvent) => void {
  return (e) => reporter.progress({
    stage: `${prefix}${e.stage} L${e.level}`, done: e.iteration + 1, total: Math.max(e.maxIterations, e.iteration + 1), unit: "iterations", value: e.value,
  });
}

export function createReporter(options: { logJson: boolean; quiet?: boolean }): Reporter {
  const started = Date.now();
  if (options.logJson) {
    let lastKey = "";
    return {
      progress(e: ProgressEvent) {
        // One line per percent step per stage, plus the last one, so logs stay readable; but every event that carries a
        // value (a registration iteration's metric), so the log holds the whole convergence curve.
        const pct = e.total > 0 ? Math.floor((100 * e.done) / e.total) : 100;
        const key = `${e.stage}:${pct}`;
        if (key === lastKey && e.done !== e.total && e.value === undefined) return;
        lastKey = key;
        process.stderr.write(`${JSON.stringify({ event: "progress", ...e, elapsedMs: Date.now() - started })}\n`);
      },
      summary(title, fields, numbers) {
        process.stdout.write(`${JSON.stringify({ event: "summary", command: title, ...fields, ...numbers })}\n`);
      },
      stop() {},
    };
  }
  const tty = Boolean(process.stderr.isTTY) && !options.quiet;
  let bar: cliProgress.SingleBar | undefined;
  let stage = "";
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    progress(e: ProgressEvent) {
      if (!tty) return;
      if (e.stage !== stage || !bar) {
        stop();
        stage = e.stage;
        bar = new cliProgress.SingleBar(
          { format: `${e.stage.padEnd(18)} [{bar}] {percentage}% | {value}/{total} ${e.unit}{metric} | {eta_formatted} left`, stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(e.total, e.done, { metric: "" });
      }
      bar.update(e.done, { metric: e.value === undefined ? "" : ` | metric ${e.value.toPrecision(6)}` });
      if (e.done >= e.total) stop();
    },
    summary(title, fields) {
      stop();
      const width = Math.max(...Object.keys(fields).map((k) => k.length));
      process.stdout.write(`${title}\n${Object.entries(fields).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n")}\n`);
    },
    stop,
  };
}
