/**
 * Structured concurrency for background work (middleware hooks, settlements): every promise is
 * tracked, its failure is reported, and `wait()` returns only when all of them (including ones
 * added while waiting) have settled. walnats loses such tasks at shutdown.
 */
export class Tasks {
  readonly #pending = new Set<Promise<unknown>>();

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Number of tasks still running. */
  get size(): number {
    return this.#pending.size;
  }

  /** Tracks a promise; a rejection goes to `onError`, never unhandled. */
  add(promise: Promise<unknown>): void {
    const tracked = promise.then(
      () => undefined,
      (error: unknown) => {
        this.onError(error);
      },
    );
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  /** Resolves once every tracked task has settled. */
  async wait(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
