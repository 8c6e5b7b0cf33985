import { createMessage } from "@x/message";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PrefetchBuffer } from "./prefetch.js";
import type { BeanstalkReservation } from "./reservation.js";

/** What the buffer uses of a reservation, recorded. */
function reservation(jobId: number, priority: number, leaseMs = 10_000) {
  const calls: string[] = [];
  const fake = {
    jobId,
    leaseMs,
    isHeld: true,
    message: createMessage({ payload: jobId, priority }),
    touch: async () => {
      calls.push("touch");
      await Promise.resolve();
    },
    giveBack: (reason: string) => {
      calls.push(`giveBack ${reason}`);
      fake.isHeld = false;
    },
  };
  return { calls, fake, reservation: fake as unknown as BeanstalkReservation };
}

describe("PrefetchBuffer", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("hands out the most urgent job first, then the oldest of equal priority, skipping lost ones", async () => {
    const buffer = new PrefetchBuffer();
    const a = reservation(1, 5);
    const b = reservation(2, 1);
    const c = reservation(3, 5);
    const lost = reservation(4, 0);
    lost.fake.isHeld = false;
    for (const r of [a, b, c, lost]) buffer.add(r.reservation);
    const order = [await buffer.take(), await buffer.take(), await buffer.take(), await buffer.take()].map((r) => r?.jobId);
    expect(order).toEqual([2, 1, 3, undefined]);
  });

  it("touches a waiting job at half its lease, and before handing out one that waited that long", async () => {
    const buffer = new PrefetchBuffer();
    const waiting = reservation(1, 0, 2_000);
    buffer.add(waiting.reservation);
    await vi.advanceTimersByTimeAsync(900);
    expect(waiting.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(300);
    expect(waiting.calls).toEqual(["touch"]);
    expect((await buffer.take())?.jobId).toBe(1);
  });

  it("clear() forgets the jobs and leaves no timer behind; releaseAll() gives them back", async () => {
    const buffer = new PrefetchBuffer();
    const before = vi.getTimerCount();
    const a = reservation(1, 0);
    buffer.add(a.reservation);
    expect(vi.getTimerCount()).toBe(before + 1);
    buffer.clear();
    expect(vi.getTimerCount()).toBe(before);
    expect(buffer.size).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(a.calls).toEqual([]);

    const b = reservation(2, 0);
    buffer.add(b.reservation);
    buffer.releaseAll("the caller went away");
    expect(b.calls).toEqual(["giveBack the caller went away"]);
    expect(vi.getTimerCount()).toBe(before);
  });
});
