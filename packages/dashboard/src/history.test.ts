import { describe, expect, it } from "vitest";
import { ratesOf, SampleRing } from "./history.js";

const sample = (at: number, ready: number, buried: number) => ({ at, ready, delayed: 0, reserved: 0, buried });

describe("SampleRing", () => {
  it("keeps the last samples, oldest first", () => {
    const ring = new SampleRing(3);
    for (let i = 1; i <= 5; i++) ring.push(sample(i, i, 0));
    expect(ring.toArray().map((s) => s.at)).toEqual([3, 4, 5]);
  });
});

describe("ratesOf", () => {
  it("derives failures from the growth of buried and the drain from the fall of the depth", () => {
    const rates = ratesOf([sample(0, 100, 0), sample(2000, 80, 4), sample(4000, 90, 2)]);
    expect(rates).toEqual([
      { at: 2000, depth: 84, failedPerSecond: 2, drainedPerSecond: 8 },
      // Buried fell (jobs were kicked): no failures; the queue grew by 8 in 2 s.
      { at: 4000, depth: 92, failedPerSecond: 0, drainedPerSecond: -4 },
    ]);
  });

  it("skips intervals of no length (a clock step back)", () => {
    expect(ratesOf([sample(5, 1, 0), sample(5, 2, 0), sample(3, 3, 0)])).toEqual([]);
  });
});
