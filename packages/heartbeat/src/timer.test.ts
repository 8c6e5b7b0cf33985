import { MAX_TIMER_MS as MAX_TIMER_DELAY_MS, systemTime } from "@x/core";
import { describe, expect, it, vi } from "vitest";
import { useFakeClock } from "../test/fake-clock.js";
import { startTimer } from "./timer.js";

describe("startTimer", () => {
  useFakeClock();

  it("fires once after a delay beyond setTimeout's 2^31 - 1 ms limit, not after 1 ms", () => {
    const fired: number[] = [];
    const delay = 3 * MAX_TIMER_DELAY_MS + 5;
    startTimer(systemTime, () => fired.push(Date.now()), delay);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(delay - 1001);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([delay]);
    vi.advanceTimersByTime(4 * MAX_TIMER_DELAY_MS);
    expect(fired).toHaveLength(1);
  });

  it("never asks setTimeout for more than the limit, and cancels at any step", () => {
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    let fired = false;
    const cancel = startTimer(systemTime, () => (fired = true), 2 * MAX_TIMER_DELAY_MS + 1);
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS + 10);
    expect(setTimeoutSpy.mock.calls.map(([, ms]) => ms)).toEqual([MAX_TIMER_DELAY_MS, MAX_TIMER_DELAY_MS]);
    cancel();
    cancel();
    vi.advanceTimersByTime(3 * MAX_TIMER_DELAY_MS);
    expect(fired).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    setTimeoutSpy.mockRestore();
  });

  it("treats a negative delay as 0", () => {
    let fired = false;
    startTimer(systemTime, () => (fired = true), -5);
    vi.advanceTimersByTime(0);
    expect(fired).toBe(true);
  });
});
