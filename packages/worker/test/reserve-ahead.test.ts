import { createMemoryQueue, type QueueAdapter, type Reservation, type ReserveOptions } from "@x/message";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorker } from "../src/index.js";
import { until } from "./helpers.js";

/**
 * A queue whose `reserve` takes a round trip, like beanstalkd's, with the number of reserves in
 * flight recorded. The delay is a resolved-later promise, not a timing assertion.
 */
function slowReserves(queue: QueueAdapter, roundTripMs: number): { queue: QueueAdapter; maxInFlight: () => number; nonBlocking: () => number } {
  let inFlight = 0;
  let max = 0;
  let nonBlocking = 0;
  const wrapped = new Proxy(queue, {
    get(target, property) {
      if (property === "reserve") {
        return async (options: ReserveOptions = {}): Promise<Reservation | null> => {
          inFlight++;
          max = Math.max(max, inFlight);
          if ((options.timeoutMs ?? 0) === 0) nonBlocking++;
          try {
            await new Promise((resolve) => setTimeout(resolve, roundTripMs));
            return await target.reserve(options);
          } finally {
            inFlight--;
          }
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { queue: wrapped, maxInFlight: () => max, nonBlocking: () => nonBlocking };
}

let memory: QueueAdapter;
beforeEach(() => {
  memory = createMemoryQueue();
});
afterEach(async () => {
  await memory.close();
});

describe("reserving ahead while jobs flow (concurrency > 1)", () => {
  it("keeps several reserves in flight, so slow reserves do not serialise the work", async () => {
    for (let i = 0; i < 40; i++) await memory.enqueue({ requestType: "noop", payload: i });
    const slow = slowReserves(memory, 5);
    const handled: number[] = [];
    const worker = createWorker<{ noop: number }>({
      queue: slow.queue,
      handlers: { noop: (n) => void handled.push(n) },
      concurrency: 8,
      handleSignals: false,
      pollTimeoutMs: 0,
      sleepDurationMs: 0,
      shutdownAfterEmptyIterations: 1,
    });
    const result = await worker.run();
    expect(result.reason).toBe("idle");
    expect(handled.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(slow.maxInFlight()).toBeGreaterThan(1);
    expect(slow.maxInFlight()).toBeLessThanOrEqual(8);
    expect(await memory.stats()).toMatchObject({ ready: 0, reserved: 0 });
  });

  it("with one slot it never reserves ahead", async () => {
    for (let i = 0; i < 5; i++) await memory.enqueue({ requestType: "noop", payload: i });
    const slow = slowReserves(memory, 1);
    const worker = createWorker<{ noop: number }>({
      queue: slow.queue,
      handlers: { noop: () => undefined },
      handleSignals: false,
      pollTimeoutMs: 0,
      shutdownAfterEmptyIterations: 1,
    });
    await worker.run();
    expect(slow.maxInFlight()).toBe(1);
  });

  it("empty results of reserves ahead are not counted as empty iterations", async () => {
    // One slow job and four slots: the reserves ahead (timeoutMs 0) come back empty while it
    // runs. The worker must still stop only after two of its own polls (timeoutMs 30) came back
    // empty, i.e. after exactly three polls of its own.
    await memory.enqueue({ requestType: "slow", payload: 1 });
    const calls: { timeoutMs: number; empty: boolean }[] = [];
    const recording = new Proxy(memory, {
      get(target, property) {
        if (property === "reserve") {
          return async (options: ReserveOptions = {}) => {
            const reservation = await target.reserve(options);
            calls.push({ timeoutMs: options.timeoutMs ?? 0, empty: reservation === null });
            return reservation;
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const worker = createWorker<{ slow: number }>({
      queue: recording,
      handlers: { slow: () => gate },
      concurrency: 4,
      handleSignals: false,
      pollTimeoutMs: 30,
      sleepDurationMs: 0,
      shutdownAfterEmptyIterations: 2,
    });
    const run = worker.run();
    await until(() => worker.state === "stopping", "the worker to run out of work");
    release();
    expect((await run).reason).toBe("idle");
    const own = calls.filter((c) => c.timeoutMs === 30);
    const ahead = calls.filter((c) => c.timeoutMs === 0);
    expect(own.map((c) => c.empty)).toEqual([false, true, true]);
    expect(ahead.length).toBeGreaterThan(0);
    expect(ahead.every((c) => c.empty)).toBe(true);
  });

  it("a job reserved ahead just as the worker stops goes straight back to the queue", async () => {
    for (let i = 0; i < 20; i++) await memory.enqueue({ requestType: "noop", payload: i });
    const slow = slowReserves(memory, 20);
    const worker = createWorker<{ noop: number }>({
      queue: slow.queue,
      handlers: { noop: () => new Promise((resolve) => setTimeout(resolve, 5)) },
      concurrency: 8,
      handleSignals: false,
      pollTimeoutMs: 0,
      shutdownAfterEmptyIterations: 1_000_000,
    });
    const run = worker.run();
    await until(() => worker.counters.reserved >= 2, "jobs to flow");
    await worker.close();
    await run;
    const stats = await memory.stats();
    expect(stats.reserved).toBe(0);
    expect(stats.ready + worker.counters.succeeded).toBe(20);
  });
});
