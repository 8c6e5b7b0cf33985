import { afterEach, beforeEach, vi } from "vitest";

/**
 * Runs every test of the enclosing `describe` on vitest's fake timers, starting at 0 ms, so that
 * `setTimeout`, `Date.now()` and `performance.now()` (the package's default clock) move only
 * when the test advances them.
 */
export function useFakeClock(): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}
