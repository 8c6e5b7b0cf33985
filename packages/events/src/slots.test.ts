import { describe, expect, it } from "vitest";
import { ActorSlots, type Priority, Slots } from "./slots.js";

/** A small deterministic PRNG (mulberry32), so the property test is reproducible. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("Slots", () => {
  it("hands out up to max slots at once and takes them back", async () => {
    const slots = new Slots(5);
    expect(await slots.take(3)).toBe(3);
    expect(await slots.take(3)).toBe(2);
    expect(slots.available).toBe(0);
    expect(slots.tryTake(1)).toBe(0);
    slots.release(4);
    expect(slots.tryTake(10)).toBe(4);
    expect(slots.used).toBe(5);
  });

  it("waits for a free slot and is abortable", async () => {
    const slots = new Slots(1);
    await slots.take(1);
    const controller = new AbortController();
    const waiting = slots.take(1, "normal", controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    const next = slots.take(1);
    slots.release(1);
    expect(await next).toBe(1);
  });

  it("serves waiters high before normal before low, then in arrival order", async () => {
    const rand = random(42);
    const priorities: Priority[] = ["high", "normal", "low"];
    // Like walnats' Hypothesis test: limits 1..150, 1..200 jobs, all waiting at the same moment.
    for (let round = 0; round < 200; round++) {
      const limit = 1 + Math.floor(rand() * 150);
      const jobs = 1 + Math.floor(rand() * 200);
      const slots = new Slots(limit);
      await slots.take(limit); // saturate
      const order: { priority: Priority; index: number }[] = [];
      const waiting = Array.from({ length: jobs }, (_, index) => {
        const priority = priorities[Math.floor(rand() * 3)] ?? "normal";
        return slots.take(1, priority).then(() => {
          order.push({ priority, index });
          slots.release(1);
        });
      });
      slots.release(limit);
      await Promise.all(waiting);
      const rank = { high: 0, normal: 1, low: 2 };
      for (let i = 1; i < order.length; i++) {
        const [a, b] = [order[i - 1], order[i]];
        if (a === undefined || b === undefined) throw new Error("unreachable");
        expect(rank[a.priority]).toBeLessThanOrEqual(rank[b.priority]);
        if (a.priority === b.priority) expect(a.index).toBeLessThan(b.index);
      }
    }
  });
});

describe("ActorSlots", () => {
  it("takes a slot from the actor's maxJobs and the listen call's at once, and gives back to both", async () => {
    const shared = new Slots(3);
    const a = new ActorSlots(2, shared, "normal");
    const b = new ActorSlots(5, shared, "normal");
    expect(await a.take(10)).toBe(2); // the actor's own limit
    expect(await b.take(10)).toBe(1); // what is left of the shared limit
    expect(shared.available).toBe(0);
    expect(a.tryTake(1)).toBe(0);
    expect(b.tryTake(1)).toBe(0);
    a.release(2);
    // b's own 4 free slots do not help: only 2 are free in the listen call.
    expect(b.tryTake(4)).toBe(2);
    expect(shared.available).toBe(0);
    b.release(3);
    expect(shared.available).toBe(3);
    expect(await a.take(1)).toBe(1);
  });

  it("gives its own slots back when waiting for a shared one is aborted", async () => {
    const shared = new Slots(1);
    await shared.take(1);
    const slots = new ActorSlots(2, shared, "high");
    const controller = new AbortController();
    const waiting = slots.take(2, controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    shared.release(1);
    expect(slots.tryTake(2)).toBe(1);
  });
});
