// Bounded concurrency for chunk I/O: a few reads or writes in flight overlap file-system latency with decoding.
// Nothing here knows about Zarr; it only caps how many promises run at once.

/** Runs `fn` over `items` with at most `limit` calls in flight; rejects with the first error. */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const bad = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (bad) throw bad.reason;
}

/** A set of background tasks capped at `limit`: `add` waits for room; `drain` waits for all and rethrows the first error. */
export class PendingTasks {
  readonly #limit: number;
  readonly #tasks = new Set<Promise<void>>();
  #error: { e: unknown } | undefined;

  constructor(limit: number) {
    this.#limit = limit;
  }

  async add(task: Promise<void>): Promise<void> {
    const p: Promise<void> = task.then(
      () => { this.#tasks.delete(p); },
      (e: unknown) => { this.#tasks.delete(p); this.#error ??= { e }; },
    );
    this.#tasks.add(p);
    while (this.#tasks.size >= this.#limit) await Promise.race(this.#tasks);
    if (this.#error) throw this.#error.e;
  }

  async drain(): Promise<void> {
    await Promise.all(this.#tasks);
    if (this.#error) throw this.#error.e;
  }
}
