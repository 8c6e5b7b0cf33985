import type { TimeSource } from "@x/core";
import { INITIAL_POLL_DELAY_MS } from "./options.js";

/**
 * The next pause of a blocking `reserve` that found nothing: it doubles from
 * {@link INITIAL_POLL_DELAY_MS} up to `maxMs`, and is cut short by the next moment something is
 * known to happen (a delayed job falls due, a lease runs out) and by the deadline.
 */
export function nextPollDelay(previousMs: number | undefined, maxMs: number, untilSomethingMs: number): number {
  const backoff = previousMs === undefined ? Math.min(INITIAL_POLL_DELAY_MS, maxMs) : Math.min(previousMs * 2, maxMs);
  return Math.max(0, Math.min(backoff, untilSomethingMs));
}

/** Why a pause ended early without a timeout: a local change (`wake`) or closing. */
interface Sleeper {
  wake(): void;
  fail(error: unknown): void;
}

/**
 * Pauses of blocking reserves in this process. A local enqueue, release or kick wakes them at
 * once; other processes' changes are seen at the next poll. `close` fails them all. Not
 * `@x/core`'s `sleep`, which cannot be cut short by anything but an abort; on abort it behaves
 * the same (rejects with the signal's reason).
 */
export class Sleepers {
  readonly #sleepers = new Set<Sleeper>();
  readonly #time: TimeSource;

  constructor(time: TimeSource) {
    this.#time = time;
  }

  /** Waits `ms`, or less when woken; rejects with the signal's reason on abort. */
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.#time.clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#sleepers.delete(sleeper);
      };
      const sleeper: Sleeper = {
        wake: () => {
          done();
          resolve();
        },
        fail: (error) => {
          done();
          reject(error);
        },
      };
      const onAbort = (): void => {
        sleeper.fail(signal?.reason);
      };
      const timer = this.#time.setTimeout(() => {
        sleeper.wake();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#sleepers.add(sleeper);
    });
  }

  wakeAll(): void {
    for (const sleeper of [...this.#sleepers]) sleeper.wake();
  }

  failAll(error: unknown): void {
    for (const sleeper of [...this.#sleepers]) sleeper.fail(error);
  }
}
