/**
 * Counts operations in flight and lets callers wait until there are none: the `flush()` of
 * every output.
 */
export class PendingCounter {
  #count = 0;
  #idle: (() => void)[] = [];

  get count(): number {
    return this.#count;
  }

  add(): void {
    this.#count++;
  }

  done(): void {
    this.#count--;
    if (this.#count === 0) this.#notify();
  }

  /** Call when something other than the count (a spool emptied) may have made the output idle. */
  check(isIdle: () => boolean): void {
    if (isIdle()) this.#notify();
  }

  /** Resolves once `isIdle()` holds (checked now and on every notification). */
  async whenIdle(isIdle: () => boolean, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (isIdle()) return;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#idle.indexOf(waiter);
        if (i >= 0) this.#idle.splice(i, 1);
        reject(signal?.reason);
      };
      const waiter = (): void => {
        if (!isIdle()) {
          this.#idle.push(waiter);
          return;
        }
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#idle.push(waiter);
    });
  }

  #notify(): void {
    const waiters = this.#idle;
    this.#idle = [];
    for (const waiter of waiters) waiter();
  }
}
