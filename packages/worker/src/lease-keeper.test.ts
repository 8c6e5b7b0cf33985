import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type KeptLease, LeaseKeeper } from "./lease-keeper.js";

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function lease(touchEveryMs: number): KeptLease & { touches: number[] } {
  const job = {
    keepAlive: true,
    touchAt: 0,
    touchEveryMs,
    touches: [] as number[],
    touch() {
      job.touches.push(Date.now());
    },
  };
  return job;
}

describe("LeaseKeeper", () => {
  it("touches every job once per interval with one timer for all", () => {
    const a = lease(100);
    const b = lease(250);
    const keeper = new LeaseKeeper([a, b]);
    keeper.add(a);
    keeper.add(b);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(500);
    expect(a.touches).toEqual([100, 200, 300, 400, 500]);
    expect(b.touches).toEqual([250, 500]);
    keeper.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a job with no finite interval (a lease without end) arms no timer and is never touched", () => {
    const endless = lease(Number.POSITIVE_INFINITY);
    const keeper = new LeaseKeeper([endless]);
    keeper.add(endless);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(endless.touches).toEqual([]);
  });

  it("a lease of weeks waits in steps of setTimeout's longest delay instead of firing at once, over and over", () => {
    const weeks = 2 ** 33; // about 100 days: more than setTimeout can wait in one go
    const long = lease(weeks);
    const keeper = new LeaseKeeper([long]);
    const timers = vi.spyOn(globalThis, "setTimeout");
    keeper.add(long);
    vi.advanceTimersByTime(60_000);
    // One timer set, none fired: no storm of 1 ms timers.
    expect(timers).toHaveBeenCalledTimes(1);
    expect(long.touches).toEqual([]);
    vi.advanceTimersByTime(weeks - 60_000);
    expect(long.touches).toEqual([weeks]);
    keeper.stop();
    timers.mockRestore();
  });
});
