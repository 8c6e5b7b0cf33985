import { describe, expect, it } from "vitest";
import { formatReady } from "./names.js";
import { dueAtOf, type LearnTime, ReadyIndex } from "./ready-index.js";

const name = (id: string, priority: number, readyAt: number, seq = 1): string =>
  formatReady({ priority, readyAt, seq: seq.toString(36).padStart(8, "0"), deliveries: 0, id });

/** Wall and monotonic clocks in step, and no file to look at. */
const at = (now: number): LearnTime => ({ wall: now, monotonic: now, writtenAt: () => undefined });

describe("ReadyIndex", () => {
  it("hands out the most urgent due job, and delayed jobs once due", () => {
    const index = new ReadyIndex();
    const now = 1_000;
    expect(index.add(name("late", 0, 5_000), at(now))).toBe(true);
    expect(index.add(name("low", 9, 10), at(now))).toBe(true);
    expect(index.add(name("high", 1, 20), at(now))).toBe(true);
    expect(index.add(name("high", 1, 20), at(now))).toBe(false);
    expect(index.add("not-a-job.txt", at(now))).toBe(false);
    expect(index.nextDueAt()).toBe(5_000);
    expect(index.take(now)?.id).toBe("high");
    expect(index.take(now)?.id).toBe("low");
    expect(index.take(now)).toBeUndefined();
    expect(index.take(5_000)?.id).toBe("late");
    expect(index.size).toBe(0);
  });

  it("skips what it was told to forget", () => {
    const index = new ReadyIndex();
    const first = name("first", 1, 1);
    index.add(first, at(10));
    index.add(name("second", 1, 2), at(10));
    index.forget(first);
    expect(index.take(10)?.id).toBe("second");
  });

  it("retain drops names a listing did not find, but keeps those learnt during the listing", () => {
    const index = new ReadyIndex();
    const gone = name("gone", 1, 1);
    const kept = name("kept", 1, 2);
    index.add(gone, at(10));
    index.add(kept, at(10));
    const since = index.generation;
    const arrived = name("arrived", 1, 3);
    index.add(arrived, at(10));
    index.retain(new Set([kept]), since, 10);
    expect(index.size).toBe(2);
    expect(index.take(10)?.id).toBe("kept");
    expect(index.take(10)?.id).toBe("arrived");
  });

  it("rebuilds its heaps when stale entries dominate", () => {
    const index = new ReadyIndex();
    const names = Array.from({ length: 3000 }, (_, i) => name(`j${i}`, 1, i, i + 1));
    for (const n of names) index.add(n, at(10_000));
    index.retain(new Set(names.slice(2990)), index.generation, 10_000);
    expect(index.size).toBe(10);
    expect(index.take(10_000)?.id).toBe("j2990");
  });

  it("keeps due times on the monotonic clock: a wall-clock step after learning a name changes nothing", () => {
    const index = new ReadyIndex();
    // Learnt at wall 1 000 000, monotonic 50: due in 5 s, at monotonic 5 050.
    index.add(name("delayed", 1, 1_005_000), { wall: 1_000_000, monotonic: 50, writtenAt: () => 1_000_000 });
    expect(index.nextDueAt()).toBe(5_050);
    expect(index.take(5_049)).toBeUndefined();
    expect(index.take(5_050)?.id).toBe("delayed");
  });
});

describe("dueAtOf", () => {
  const entry = { priority: 1, readyAt: 1_000_000, seq: "00000001", deliveries: 0, id: "a", name: "n" };
  it("a job due by the wall clock is due now", () => {
    expect(dueAtOf(entry, { wall: 1_000_000, monotonic: 7, writtenAt: () => undefined })).toBe(7);
  });
  it("after a backward step, a job whose file was written at or after its due time is due now", () => {
    expect(dueAtOf(entry, { wall: 880_000, monotonic: 7, writtenAt: () => 1_000_003 })).toBe(7);
    // File times lag the clock by up to a tick.
    expect(dueAtOf(entry, { wall: 880_000, monotonic: 7, writtenAt: () => 999_990 })).toBe(7);
  });
  it("a delayed job waits for what is left of its delay, counted from the write when the clock went back since", () => {
    expect(dueAtOf(entry, { wall: 995_000, monotonic: 7, writtenAt: () => 990_000 })).toBe(5_007);
    expect(dueAtOf(entry, { wall: 880_000, monotonic: 7, writtenAt: () => 990_000 })).toBe(10_007);
    expect(dueAtOf(entry, { wall: 995_000, monotonic: 7, writtenAt: () => undefined })).toBe(5_007);
  });
});
