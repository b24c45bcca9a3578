// Progress events: what long-running library calls report, and a no-op default.
// Rendering (a bar on a TTY, JSON lines with --log-json) is the CLI's job, in cli/progress-render.ts.

/** One step of work done within a named stage. */
export interface ProgressEvent {
  /** What is being done, e.g. "write level 0", "pyramid level 2". */
  stage: string;
  /** Units of work done so far in this stage. */
  done: number;
  /** Units of work in this stage. */
  total: number;
  /** What a unit is, e.g. "tiles", "chunks". */
  unit: string;
  /** The quantity being optimised after this unit, where there is one (a registration iteration's metric). */
  value?: number;
}

export type ProgressFn = (e: ProgressEvent) => void;

export const noProgress: ProgressFn = () => {};
