import { describe, expect, it } from "vitest";
import { coalescing, Mutex } from "./serial.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("coalescing", () => {
  it("callers during a run share one follow-up run that starts after theirs", async () => {
    const gates = [deferred(), deferred()];
    let runs = 0;
    const trigger = coalescing(async () => {
      const gate = gates[runs++];
      await gate?.promise;
    });
    const first = trigger();
    const second = trigger();
    const third = trigger();
    expect(second).toBe(third);
    expect(runs).toBe(1);
    gates[0]?.resolve();
    await first;
    await Promise.resolve();
    expect(runs).toBe(2);
    gates[1]?.resolve();
    await Promise.all([second, third]);
    expect(runs).toBe(2);
    await trigger();
    expect(runs).toBe(3);
  });

  it("a failed run rejects its callers but not the next run", async () => {
    let fail = true;
    const trigger = coalescing(async () => {
      if (fail) throw new Error("boom");
    });
    await expect(trigger()).rejects.toThrow("boom");
    fail = false;
    await expect(trigger()).resolves.toBeUndefined();
  });
});

describe("Mutex", () => {
  it("runs tasks one at a time in call order, even after a failure", async () => {
    const mutex = new Mutex();
    const order: string[] = [];
    const gate = deferred();
    const a = mutex.run(async () => {
      order.push("a start");
      await gate.promise;
      order.push("a end");
    });
    const b = mutex.run(async () => {
      order.push("b");
      throw new Error("b failed");
    });
    const c = mutex.run(async () => {
      order.push("c");
      return 3;
    });
    gate.resolve();
    await a;
    await expect(b).rejects.toThrow("b failed");
    expect(await c).toBe(3);
    expect(order).toEqual(["a start", "a end", "b", "c"]);
  });
});
