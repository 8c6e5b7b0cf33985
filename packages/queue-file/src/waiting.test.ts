import { systemTime } from "@x/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { INITIAL_POLL_DELAY_MS } from "./options.js";
import { nextPollDelay, Sleepers } from "./waiting.js";

describe("nextPollDelay", () => {
  it("doubles from the initial delay up to the poll interval", () => {
    const delays: number[] = [];
    let delay: number | undefined;
    for (let i = 0; i < 8; i++) delays.push((delay = nextPollDelay(delay, 100, Infinity)));
    expect(delays).toEqual([INITIAL_POLL_DELAY_MS, 10, 20, 40, 80, 100, 100, 100]);
  });

  it("is cut short by the next known event and never negative", () => {
    expect(nextPollDelay(80, 100, 3)).toBe(3);
    expect(nextPollDelay(80, 100, -50)).toBe(0);
    expect(nextPollDelay(undefined, 2, Infinity)).toBe(2);
  });
});

describe("Sleepers", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a sleep ends after its time", async () => {
    const sleepers = new Sleepers(systemTime);
    let done = false;
    const sleeping = sleepers.sleep(100, undefined).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(done).toBe(true);
  });

  it("wakeAll ends every sleep at once", async () => {
    const sleepers = new Sleepers(systemTime);
    const sleeping = Promise.all([sleepers.sleep(60_000, undefined), sleepers.sleep(60_000, undefined)]);
    sleepers.wakeAll();
    await sleeping;
    expect(vi.getTimerCount()).toBe(0);
  });

  it("abort rejects with the signal's reason, failAll with the given error", async () => {
    const sleepers = new Sleepers(systemTime);
    const controller = new AbortController();
    const aborted = sleepers.sleep(60_000, controller.signal);
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    const closed = sleepers.sleep(60_000, undefined);
    const error = new Error("closed");
    sleepers.failAll(error);
    await expect(closed).rejects.toBe(error);
    expect(vi.getTimerCount()).toBe(0);
  });
});
