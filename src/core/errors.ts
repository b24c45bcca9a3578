// The TeraregError family: every error terareg throws on purpose, each with a literal code and typed fields.
// Foreign errors are wrapped once, at the boundary where they enter, and kept as `cause`.

/** Base class; `code` lets callers branch on the kind of failure without parsing messages. */
export class TeraregError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A file that cannot be read as what it claims to be: corrupt, truncated, unsupported or absurd. */
export class InputError extends TeraregError {
  readonly file: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super("E_INPUT", `${file}: ${problem}`, options);
    this.file = file;
  }
}

/** An option or argument with a bad value; the message names it, echoes the value and says what is expected. */
export class OptionError extends TeraregError {
  readonly option: string;
  readonly value: string;
  constructor(option: string, value: unknown, expected: string) {
    super("E_OPTION", `${option}: got ${JSON.stringify(value)}; expected ${expected}`);
    this.option = option;
    this.value = String(value);
  }
}

/** An output that cannot be written (unsupported combination, I/O failure). */
export class OutputError extends TeraregError {
  readonly file: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super("E_OUTPUT", `${file}: ${problem}`, options);
    this.file = file;
  }
}

/** A stage that would go over the memory budget. */
export class BudgetError extends TeraregError {
  readonly stage: string;
  readonly neededBytes: number;
  readonly budgetBytes: number;
  constructor(stage: string, neededBytes: number, budgetBytes: number) {
    super(
      "E_BUDGET",
      `${stage}: needs ${formatBytes(neededBytes)} but the memory budget is ${formatBytes(budgetBytes)}`,
    );
    this.stage = stage;
    this.neededBytes = neededBytes;
    this.budgetBytes = budgetBytes;
  }
}

/** Work cancelled through an AbortSignal. */
export class AbortedError extends TeraregError {
  constructor(what: string) {
    super("E_ABORTED", `${what}: aborted`);
  }
}

export function isTeraregError(e: unknown): e is TeraregError {
  return e instanceof TeraregError;
}

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}
