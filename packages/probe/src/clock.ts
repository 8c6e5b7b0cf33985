/**
 * Time and timers behind one interface, so the scheduler, the handle backoff and the outputs can
 * be driven by a fake clock in tests.
 */
export interface Clock {
  /**
   * Milliseconds on a monotonic clock. The default is anchored to the Unix epoch at process
   * start (`performance.timeOrigin + performance.now()`), so it reads like `Date.now()` but never
   * jumps backwards when the wall clock is adjusted.
   */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: unknown): void;
}

/** The real clock: a monotonic epoch-anchored `now()` and Node's timers. */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout | undefined);
  },
};

/** A promise that resolves after `ms` on `clock`, or rejects when `signal` aborts. */
export async function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
