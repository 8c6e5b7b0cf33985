import { describe, expect, it } from "vitest";
import { formatReady } from "./names.js";
import { ReadyIndex } from "./ready-index.js";

const name = (id: string, priority: number, readyAt: number, seq = 1): string =>
  formatReady({ priority, readyAt, seq: seq.toString(36).padStart(8, "0"), deliveries: 0, id });

describe("ReadyIndex", () => {
  it("hands out the most urgent due job, and delayed jobs once due", () => {
    const index = new ReadyIndex();
    const now = 1_000;
    expect(index.add(name("late", 0, 5_000), now)).toBe(true);
    expect(index.add(name("low", 9, 10), now)).toBe(true);
    expect(index.add(name("high", 1, 20), now)).toBe(true);
    expect(index.add(name("high", 1, 20), now)).toBe(false);
    expect(index.add("not-a-job.txt", now)).toBe(false);
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
    index.add(first, 10);
    index.add(name("second", 1, 2), 10);
    index.forget(first);
    expect(index.take(10)?.id).toBe("second");
  });

  it("retain drops names a listing did not find, but keeps those learnt during the listing", () => {
    const index = new ReadyIndex();
    const gone = name("gone", 1, 1);
    const kept = name("kept", 1, 2);
    index.add(gone, 10);
    index.add(kept, 10);
    const since = index.generation;
    const arrived = name("arrived", 1, 3);
    index.add(arrived, 10);
    index.retain(new Set([kept]), since);
    expect(index.size).toBe(2);
    expect(index.take(10)?.id).toBe("kept");
    expect(index.take(10)?.id).toBe("arrived");
  });

  it("rebuilds its heaps when stale entries dominate", () => {
    const index = new ReadyIndex();
    const names = Array.from({ length: 3000 }, (_, i) => name(`j${i}`, 1, i, i + 1));
    for (const n of names) index.add(n, 10_000);
    index.retain(new Set(names.slice(2990)), index.generation);
    expect(index.size).toBe(10);
    expect(index.take(10_000)?.id).toBe("j2990");
  });
});
