import { InvalidOptionError } from "./errors.js";

/** A handle returned by {@link TimeSource.setTimeout}. */
export type TimerHandle = unknown;

/**
 * Time and timers behind one interface, so scheduling can be driven by a fake in tests and
 * stepped in fault tests. Two readings, because they answer different questions: `now()` is
 * monotonic and never jumps (use it for leases, deadlines, rates), `wallNow()` is the calendar
 * time (use it only where a time must mean something to another machine or survive a reboot).
 */
export interface TimeSource {
  /**
   * Milliseconds on a monotonic clock, anchored to the Unix epoch at process start
   * (`performance.timeOrigin + performance.now()`): it reads like `Date.now()` but never jumps
   * when the wall clock is stepped.
   */
  now(): number;
  /** Calendar time, `Date.now()`: may jump both ways (NTP, VM resume, manual fixes). */
  wallNow(): number;
  /** Calls `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The real time source. Each method reads the globals on every call, so fake timers installed
 * after construction (`vi.useFakeTimers()`) still apply.
 */
export const systemTime: TimeSource = Object.freeze({
  now: () => performance.timeOrigin + performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (callback: () => void, ms: number): TimerHandle => setTimeout(callback, ms),
  clearTimeout: (handle: TimerHandle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout> | undefined);
  },
});

/** The `time` option of a factory: {@link systemTime} when absent, the value when it fits. */
export function timeSourceOption(value: unknown, option = "time"): TimeSource {
  if (value === undefined) return systemTime;
  for (const method of ["now", "wallNow", "setTimeout", "clearTimeout"]) {
    if (typeof (value as Partial<Record<string, unknown>> | null)?.[method] !== "function") {
      throw new InvalidOptionError(option, value, `must have now(), wallNow(), setTimeout() and clearTimeout() (${method} is missing)`);
    }
  }
  return value as TimeSource;
}

/** setTimeout's longest delay (2^31 - 1 ms, about 24.8 days); a longer one would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Waits `ms` milliseconds on `time`. When `signal` aborts first it rejects with the signal's
 * reason, like `node:timers/promises`: the one abort behaviour of every `@x` sleep. A wait
 * longer than {@link MAX_TIMER_MS} is made of several timers.
 */
export async function sleep(ms: number, signal?: AbortSignal, time: TimeSource = systemTime): Promise<void> {
  signal?.throwIfAborted();
  let left = Math.max(0, ms);
  do {
    const step = Math.min(left, MAX_TIMER_MS);
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        time.clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = time.setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, step);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    left -= step;
  } while (left > 0);
}
