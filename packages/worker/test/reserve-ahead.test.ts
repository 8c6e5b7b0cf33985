import { createMemoryQueue, type QueueAdapter, type Reservation } from "@x/message";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorker } from "../src/index.js";
import { record, until, withReserve } from "./helpers.js";

/**
 * A queue whose `reserve` takes a round trip, like beanstalkd's, with the number of reserves in
 * flight recorded. The delay is a resolved-later promise, not a timing assertion.
 */
function slowReserves(queue: QueueAdapter, roundTripMs: number): { queue: QueueAdapter; maxInFlight: () => number } {
  let inFlight = 0;
  let max = 0;
  const wrapped = withReserve(queue, async (options) => {
    inFlight++;
    max = Math.max(max, inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, roundTripMs));
      return await queue.reserve(options);
    } finally {
      inFlight--;
    }
  });
  return { queue: wrapped, maxInFlight: () => max };
}

/** A promise opened by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Lets the event loop run a few turns (queue calls, timers of 0 ms). */
const turns = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setTimeout(resolve, 0));
};

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

  it("slots freed together are refilled together, without waiting for the loop's own reserve", async () => {
    for (let i = 0; i < 8; i++) await memory.enqueue({ requestType: "work", payload: i });
    const firstBatch = gate();
    const secondBatch = gate();
    const ownReserve = gate();
    let holdOwnReserves = false;
    let ownReserveHeld = false;
    // The loop's own reserves (timeoutMs 50) pass through until `holdOwnReserves`; then one waits
    // at `ownReserve`, like a reserve that takes a round trip.
    const queue = withReserve(memory, async (options) => {
      if (options.timeoutMs !== 0 && holdOwnReserves) {
        ownReserveHeld = true;
        await ownReserve.promise;
      }
      return memory.reserve(options);
    });
    const worker = createWorker<{ work: number }>({
      queue,
      handlers: { work: (n) => (n < 4 ? firstBatch.promise : secondBatch.promise) },
      concurrency: 4,
      handleSignals: false,
      pollTimeoutMs: 50,
      shutdownAfterEmptyIterations: 1,
    });
    const run = worker.run();
    await until(() => worker.counters.inFlight === 4, "four jobs to run");
    holdOwnReserves = true;
    firstBatch.open();
    // All four slots free at once: while the loop's own reserve is held, the other three refill.
    await until(() => ownReserveHeld && worker.counters.inFlight === 3, "three slots to refill beside the held reserve");
    expect(worker.counters.succeeded).toBe(4);
    ownReserve.open();
    secondBatch.open();
    const result = await run;
    expect(result.reason).toBe("idle");
    expect(result.counters).toMatchObject({ reserved: 8, succeeded: 8 });
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
    const recording = withReserve(memory, async (options) => {
      const reservation = await memory.reserve(options);
      calls.push({ timeoutMs: options.timeoutMs ?? 0, empty: reservation === null });
      return reservation;
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

  it("a job reserved ahead after close() is handed back before close() resolves: nothing is left reserved", async () => {
    for (let i = 0; i < 3; i++) await memory.enqueue({ requestType: "work", payload: i });
    const aheadGate = gate();
    const releaseGate = gate();
    const handlerGate = gate();
    let released: string | undefined;
    // The loop's own reserves wait (timeoutMs 1000) and pass through; reserves ahead (timeoutMs 0)
    // are held until `aheadGate` opens, and the release of what they got until `releaseGate` opens.
    const queue = withReserve(memory, async (options) => {
      if (options.timeoutMs !== 0) return memory.reserve(options);
      await aheadGate.promise;
      const reservation = await memory.reserve(options);
      if (reservation === null) return null;
      const held: Reservation = {
        message: reservation.message,
        leaseMs: reservation.leaseMs,
        ack: () => reservation.ack(),
        bury: (reason) => reservation.bury(reason),
        touch: () => reservation.touch(),
        release: async (options) => {
          await releaseGate.promise;
          await reservation.release(options);
          released = reservation.message.id;
        },
      };
      return held;
    });
    const worker = createWorker<{ work: number }>({
      queue,
      handlers: { work: () => handlerGate.promise },
      concurrency: 3,
      handleSignals: false,
      pollTimeoutMs: 1_000,
    });
    const events = record(worker);
    const run = worker.run();
    await until(() => worker.counters.inFlight === 2, "two jobs to run beside one reserve ahead");
    let closed = false;
    const closing = worker.close().then(() => (closed = true));
    handlerGate.open();
    aheadGate.open();
    await until(async () => (await memory.stats()).reserved === 1, "the two running jobs to be acked");
    await turns();
    // The third job is still held (its release is pending): close() must not have resolved.
    expect(closed).toBe(false);
    expect(await memory.stats()).toMatchObject({ ready: 0, reserved: 1 });
    releaseGate.open();
    await closing;
    expect((await run).reason).toBe("closed");
    expect(released).toBeDefined();
    expect(await memory.stats()).toMatchObject({ ready: 1, reserved: 0, buried: 0 });
    // Handed back untouched: it never ran and has no outcome event.
    expect(worker.counters).toMatchObject({ reserved: 2, succeeded: 2, retried: 0 });
    expect(events.of("reserved").map((e) => e.message.id)).not.toContain(released);
  });

  it("when the worker stops for lack of work, a job a reserve ahead found after all is run, not handed back", async () => {
    await memory.enqueue({ requestType: "work", payload: "first" });
    const aheadGate = gate();
    const firstGate = gate();
    const queue = withReserve(memory, async (options) => {
      if (options.timeoutMs === 0) await aheadGate.promise;
      return memory.reserve(options);
    });
    const handled: string[] = [];
    const worker = createWorker<{ work: string }>({
      queue,
      handlers: {
        work: async (payload) => {
          handled.push(payload);
          if (payload === "first") await firstGate.promise;
        },
      },
      concurrency: 3,
      handleSignals: false,
      pollTimeoutMs: 20,
      shutdownAfterEmptyIterations: 1,
    });
    const run = worker.run();
    // "first" runs, one reserve ahead waits at the gate, and the loop's own poll comes back empty.
    await until(() => worker.state === "stopping", "the worker to run out of work");
    await memory.enqueue({ requestType: "work", payload: "late" });
    aheadGate.open();
    await until(() => handled.includes("late"), "the late job to run");
    firstGate.open();
    const result = await run;
    expect(result.reason).toBe("idle");
    expect(result.counters).toMatchObject({ reserved: 2, succeeded: 2, retried: 0 });
    expect(await memory.stats()).toMatchObject({ ready: 0, reserved: 0 });
  });

  it("a job found by a reserve ahead starts the count of empty polls again", async () => {
    await memory.enqueue({ requestType: "work", payload: "a" });
    const aheadGate = gate();
    const thirdPollGate = gate();
    let ownPolls = 0;
    const queue = withReserve(memory, async (options) => {
      if (options.timeoutMs === 0) {
        await aheadGate.promise;
      } else if (++ownPolls === 3) {
        await thirdPollGate.promise;
      }
      return memory.reserve(options);
    });
    const worker = createWorker<{ work: string }>({
      queue,
      handlers: { work: () => undefined },
      concurrency: 3,
      handleSignals: false,
      pollTimeoutMs: 20,
      shutdownAfterEmptyIterations: 2,
    });
    const run = worker.run();
    // Poll 1 found "a", poll 2 came back empty (one empty poll), poll 3 waits at its gate.
    await until(() => ownPolls === 3, "the third poll");
    await memory.enqueue({ requestType: "work", payload: "b" });
    aheadGate.open();
    await until(() => worker.counters.succeeded === 2, "the reserve ahead to find b");
    thirdPollGate.open();
    const result = await run;
    expect(result.reason).toBe("idle");
    // After b, two more empty polls in a row were needed (3 and 4), not one.
    expect(ownPolls).toBe(4);
  });
});
