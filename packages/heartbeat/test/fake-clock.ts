import { systemTime, type TimeSource } from "@x/core";
import { afterEach, beforeEach, vi } from "vitest";

/**
 * Runs every test of the enclosing `describe` on vitest's fake timers, starting at 0 ms, so that
 * `setTimeout`, `Date.now()` and `performance` (what `@x/core`'s `systemTime`, the package's
 * default time source, reads) move only when the test advances them.
 */
export function useFakeClock(): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/**
 * A time source whose clock reads `now()` (a test's own variable), with the global timers: the
 * clock can then jump ahead of timers that have not run, or stand still while they do.
 */
export function timeAt(now: () => number): TimeSource {
  return {
    now,
    wallNow: now,
    setTimeout: (callback, ms) => systemTime.setTimeout(callback, ms),
    clearTimeout: (handle) => {
      systemTime.clearTimeout(handle);
    },
  };
}
