import { describe, expect, it } from "vitest";
import { RunQueue } from "./run-queue.js";

describe("RunQueue", () => {
  it("pops in time order with a FIFO tie-break, across many interleaved adds", () => {
    const queue = new RunQueue<string>();
    const expected: [number, number, string][] = [];
    let seq = 0;
    // Deterministic pseudo-random times with many duplicates.
    let x = 7;
    for (let i = 0; i < 500; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const time = x % 20;
      const item = `item${i}`;
      queue.add(time, item);
      expected.push([time, seq++, item]);
    }
    expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const popped: string[] = [];
    while (!queue.empty()) {
      expect(queue.peekTime()).toBe(expected[popped.length]?.[0]);
      popped.push(queue.get() ?? "");
    }
    expect(popped).toEqual(expected.map((e) => e[2]));
    expect(queue.get()).toBeUndefined();
    expect(queue.peek()).toBeUndefined();
  });

  it("keeps FIFO order for items re-added at equal times after earlier pops", () => {
    const queue = new RunQueue<string>();
    queue.add(10, "a");
    queue.add(5, "b");
    expect(queue.get()).toBe("b");
    queue.add(10, "c");
    queue.add(10, "d");
    expect([queue.get(), queue.get(), queue.get()]).toEqual(["a", "c", "d"]);
    queue.add(1, "e");
    expect(queue.size).toBe(1);
    queue.clear();
    expect(queue.size).toBe(0);
  });
});
