import { describe, expect, it } from "vitest";
import { FakeClock } from "../test/support/fake-clock.js";
import { sleepOn, systemClock } from "./clock.js";

describe("systemClock", () => {
  it("reads milliseconds anchored to the Unix epoch and never goes backwards", () => {
    const readings = Array.from({ length: 1_000 }, () => systemClock.now());
    expect(readings[0]).toBeGreaterThan(Date.UTC(2020, 0, 1));
    expect(readings.every((t, i) => i === 0 || t >= (readings[i - 1] ?? 0))).toBe(true);
  });

  it("runs and cancels timers", async () => {
    let fired = 0;
    const cancelled = systemClock.setTimeout(() => fired++, 0);
    systemClock.clearTimeout(cancelled);
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 1));
    expect(fired).toBe(0);
  });
});

describe("sleepOn", () => {
  it("resolves after the delay on the given clock, and rejects with the signal's reason, freeing its timer", async () => {
    const clock = new FakeClock(0);
    let slept = false;
    const sleeping = sleepOn(clock, 500).then(() => (slept = true));
    await clock.advance(499);
    expect(slept).toBe(false);
    await clock.advance(1);
    await sleeping;
    expect(slept).toBe(true);

    const stop = new AbortController();
    const interrupted = sleepOn(clock, 500, stop.signal);
    stop.abort(new Error("stop"));
    await expect(interrupted).rejects.toThrow("stop");
    expect(clock.pending).toBe(0);
    await expect(sleepOn(clock, 1, stop.signal)).rejects.toThrow("stop");
  });
});
