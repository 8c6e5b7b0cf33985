import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Pulse } from "./pulse.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const counter = (): { count: number; working(): void } => {
  const pulsable = {
    count: 0,
    working() {
      pulsable.count += 1;
    },
  };
  return pulsable;
};

describe("Pulse", () => {
  it("pulses every tracked delivery once per period with one timer, which stops when nothing is tracked", () => {
    const pulse = new Pulse(1_000);
    const [a, b] = [counter(), counter()];
    pulse.track(a);
    pulse.track(b);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(2_000);
    expect([a.count, b.count]).toEqual([2, 2]);
    pulse.untrack(a);
    vi.advanceTimersByTime(1_000);
    expect([a.count, b.count]).toEqual([2, 3]);
    pulse.untrack(b);
    vi.advanceTimersByTime(1_000); // a tick that finds nothing stops the timer
    expect(vi.getTimerCount()).toBe(0);
  });

  it("stop() clears the timer and the tracked deliveries at once", () => {
    const pulse = new Pulse(1_000);
    const a = counter();
    pulse.track(a);
    pulse.stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5_000);
    expect(a.count).toBe(0);
  });
});
