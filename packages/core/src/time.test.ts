import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { InvalidOptionError } from "./errors.js";
import { MAX_TIMER_MS, sleep, systemTime, timeSourceOption } from "./time.js";

describe("sleep", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("resolves after the time has passed, not before", async () => {
    let done = false;
    const slept = sleep(1_000).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await slept;
    expect(done).toBe(true);
  });

  it("rejects with the signal's reason when aborted, before or during the wait", async () => {
    const reason = new Error("stop");
    await expect(sleep(10, AbortSignal.abort(reason))).rejects.toBe(reason);
    const controller = new AbortController();
    const slept = sleep(10_000, controller.signal);
    controller.abort(reason);
    await expect(slept).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("waits longer than one timer can", async () => {
    let done = false;
    const slept = sleep(MAX_TIMER_MS + 5).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(5);
    await slept;
    expect(done).toBe(true);
  });
});

describe("systemTime", () => {
  it("has a monotonic now() that reads like the epoch, and the wall clock apart", () => {
    const wall = systemTime.wallNow();
    expect(Math.abs(systemTime.now() - wall)).toBeLessThan(60_000);
    const a = systemTime.now();
    expect(systemTime.now()).toBeGreaterThanOrEqual(a);
  });

  it("checks an injected time source", () => {
    expect(timeSourceOption(undefined)).toBe(systemTime);
    expect(() => timeSourceOption({ now: () => 1 })).toThrow(InvalidOptionError);
    expect(() => timeSourceOption({ now: () => 1 })).toThrow(/wallNow is missing/);
  });
});
