/**
 * The loop's timing, on fake timers: sleeps between polls, the poll timeout, the touch cadence,
 * the shutdown deadline, the pause after a failing reserve and the backoff of released jobs.
 * The memory queue runs on the same fake clock (setTimeout and Date are both faked).
 */
import { ConnectionError, createMemoryQueue, LeaseLostError, type QueueAdapter } from "@x/message";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createWorker, TransientError, type WorkerOptions, type WorkerRunResult } from "../src/index.js";
import { instrument, record, withReserve } from "./helpers.js";

let queue: QueueAdapter;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  queue = createMemoryQueue({ leaseMs: 1_000 });
});
afterEach(async () => {
  await queue.close();
  vi.useRealTimers();
});

const base = { handleSignals: false } as const;

/** Starts `run()` and tracks whether it resolved. */
function start(options: WorkerOptions) {
  const worker = createWorker({ ...base, ...options });
  let result: WorkerRunResult | undefined;
  const done = worker.run().then((r) => (result = r));
  return { worker, done, result: () => result };
}

describe("loop timing (fake timers)", () => {
  it("3 empty polls with sleepDurationMs 1000 return after exactly 2 s (3 polls, 2 sleeps)", async () => {
    const q = instrument(queue);
    const t0 = Date.now();
    const run = start({ queue: q.queue, handlers: {}, pollTimeoutMs: 0, sleepDurationMs: 1_000, shutdownAfterEmptyIterations: 3 });
    await vi.advanceTimersByTimeAsync(999);
    expect(q.reserves.map((r) => r.at - t0)).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.reserves.map((r) => r.at - t0)).toEqual([0, 1_000]);
    await vi.advanceTimersByTimeAsync(999);
    expect(run.result()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(q.reserves.map((r) => r.at - t0)).toEqual([0, 1_000, 2_000]);
    expect(run.result()?.reason).toBe("idle");
    expect(q.reserves.every((r) => r.options.timeoutMs === 0)).toBe(true);
  });

  it("each poll waits pollTimeoutMs for a job; a job arriving mid-poll is taken at once", async () => {
    const q = instrument(queue);
    const t0 = Date.now();
    const handled: number[] = [];
    const run = start({ queue: q.queue, handlers: { t: () => void handled.push(Date.now() - t0) }, pollTimeoutMs: 5_000 });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(q.reserves).toHaveLength(1);
    expect(q.reserves[0]?.options.timeoutMs).toBe(5_000);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.reserves.map((r) => r.at - t0)).toEqual([0, 5_000]);
    await vi.advanceTimersByTimeAsync(1_500);
    await queue.enqueue({ requestType: "t" });
    await vi.advanceTimersByTimeAsync(0);
    expect(handled).toEqual([6_500]);
    await run.worker.close();
    await run.done;
  });

  it("sleepDurationMs 0 polls again right after an empty poll", async () => {
    const q = instrument(queue);
    const run = start({ queue: q.queue, handlers: {}, pollTimeoutMs: 100, sleepDurationMs: 0 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(q.reserves.map((r) => r.at - 1_000_000)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1_000]);
    await run.worker.close();
    await run.done;
  });

  it("touches a running job every half lease, and not after it finished", async () => {
    const q = instrument(queue);
    await queue.enqueue({ requestType: "long" });
    const t0 = Date.now();
    const run = start({ queue: q.queue, handlers: { long: () => new Promise((resolve) => setTimeout(resolve, 2_600)) } });
    await vi.advanceTimersByTimeAsync(3_000);
    expect(q.touches.map((t) => t.at - t0)).toEqual([500, 1_000, 1_500, 2_000, 2_500]);
    expect(run.worker.counters.succeeded).toBe(1);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(q.touches).toHaveLength(5);
    await run.worker.close();
    await run.done;
  });

  it("a manual ctx.touch() pushes the next automatic touch a full interval away", async () => {
    const q = instrument(queue);
    await queue.enqueue({ requestType: "long" });
    const t0 = Date.now();
    const run = start({
      queue: q.queue,
      handlers: {
        long: async (_p: unknown, ctx) => {
          await new Promise((resolve) => setTimeout(resolve, 300));
          await ctx.touch();
          await new Promise((resolve) => setTimeout(resolve, 600));
        },
      },
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(q.touches.map((t) => t.at - t0)).toEqual([300, 800]);
    await run.worker.close();
    await run.done;
  });

  it.each([Number.NaN, 0, -1, Number.POSITIVE_INFINITY])(
    "a reservation with leaseMs %s is never touched and sets off no timer storm",
    async (leaseMs) => {
      const q = instrument(queue);
      const odd = withReserve(q.queue, async (options) => {
        const reservation = await q.queue.reserve(options);
        return reservation && { ...reservation, leaseMs, touch: () => reservation.touch(), ack: () => reservation.ack() };
      });
      await queue.enqueue({ requestType: "long" });
      let finish!: () => void;
      const run = start({ queue: odd, handlers: { long: () => new Promise<void>((resolve) => (finish = resolve)) } });
      await vi.advanceTimersByTimeAsync(10);
      const timers = vi.spyOn(globalThis, "setTimeout");
      await vi.advanceTimersByTimeAsync(5_000);
      expect(timers).not.toHaveBeenCalled();
      timers.mockRestore();
      expect(q.touches).toEqual([]);
      finish();
      await vi.advanceTimersByTimeAsync(0);
      expect(run.worker.counters.succeeded).toBe(1);
      await run.worker.close();
      await run.done;
    },
  );

  it("autoTouch: false never touches", async () => {
    const q = instrument(queue);
    await queue.enqueue({ requestType: "long" });
    const run = start({ queue: q.queue, autoTouch: false, handlers: { long: () => new Promise((resolve) => setTimeout(resolve, 900)) } });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(q.touches).toEqual([]);
    await run.worker.close();
    await run.done;
  });

  it("a touch that finds the lease lost aborts the handler's signal and reports the error", async () => {
    const q = instrument(queue);
    q.failTouch = new LeaseLostError("x", "handed to someone else");
    await queue.enqueue({ requestType: "long" });
    let signal: AbortSignal | undefined;
    const run = start({
      queue: q.queue,
      handlers: {
        long: (_p: unknown, ctx) =>
          new Promise<void>((_resolve, reject) => {
            signal = ctx.signal;
            ctx.signal.addEventListener("abort", () => {
              reject(ctx.signal.reason as Error);
            });
          }),
      },
    });
    const events = record(run.worker);
    await vi.advanceTimersByTimeAsync(500);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(q.failTouch);
    expect(events.of("error").map((e) => e.phase)).toContain("touch");
    await run.worker.close();
    await run.done;
  });

  it("shutdown deadline: in-flight jobs get shutdownTimeoutMs, then are aborted and released with no delay", async () => {
    await queue.enqueue({ requestType: "slow", priority: 9 });
    let signal: AbortSignal | undefined;
    const run = start({
      queue,
      shutdownTimeoutMs: 10_000,
      handlers: {
        slow: (_p: unknown, ctx) => {
          signal = ctx.signal;
          return new Promise((resolve) => setTimeout(resolve, 60_000));
        },
      },
    });
    const events = record(run.worker);
    await vi.advanceTimersByTimeAsync(10);
    let closed = false;
    void run.worker.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(signal?.aborted).toBe(false);
    expect(closed).toBe(false);
    expect((await queue.stats()).reserved).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(signal?.aborted).toBe(true);
    expect(closed).toBe(true);
    expect(run.result()?.reason).toBe("closed");
    expect(events.of("retried").map((e) => [e.delayMs, e.shutdown])).toEqual([[0, true]]);
    expect(await queue.stats()).toMatchObject({ ready: 1, reserved: 0, delayed: 0 });
  });

  it("shutdownTimeoutMs: Infinity lets running jobs finish however long they take", async () => {
    await queue.enqueue({ requestType: "slow" });
    let finish!: () => void;
    let signal: AbortSignal | undefined;
    const run = start({
      queue,
      autoTouch: false,
      shutdownTimeoutMs: Infinity,
      handlers: {
        slow: (_p: unknown, ctx) => {
          signal = ctx.signal;
          return new Promise<void>((resolve) => (finish = resolve));
        },
      },
    });
    await vi.advanceTimersByTimeAsync(10);
    void run.worker.close();
    await vi.advanceTimersByTimeAsync(7 * 24 * 3_600_000);
    expect(run.result()).toBeUndefined();
    expect(signal?.aborted).toBe(false);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(run.result()).toMatchObject({ reason: "closed", counters: { succeeded: 1, retried: 0 } });
  });

  it("a job that finishes within the deadline is acked, not released", async () => {
    await queue.enqueue({ requestType: "slow" });
    const run = start({ queue, shutdownTimeoutMs: 10_000, handlers: { slow: () => new Promise((resolve) => setTimeout(resolve, 3_000)) } });
    await vi.advanceTimersByTimeAsync(10);
    void run.worker.close();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(run.result()?.counters).toMatchObject({ succeeded: 1, retried: 0 });
  });

  it("idle shutdown waits for running jobs however long they take (no deadline)", async () => {
    await queue.enqueue({ requestType: "slow" });
    const run = start({
      queue,
      pollTimeoutMs: 0,
      shutdownAfterEmptyIterations: 1,
      shutdownTimeoutMs: 100,
      concurrency: 2,
      handlers: { slow: () => new Promise((resolve) => setTimeout(resolve, 60_000)) },
    });
    await vi.advanceTimersByTimeAsync(59_999);
    expect(run.result()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(run.result()).toMatchObject({ reason: "idle", counters: { succeeded: 1, retried: 0 } });
  });

  it("a failing reserve is reported and retried every errorDelayMs", async () => {
    const q = instrument(queue);
    q.failReserve = new ConnectionError("connection refused");
    const run = start({ queue: q.queue, handlers: {}, errorDelayMs: 1_000, pollTimeoutMs: 0, sleepDurationMs: 10_000 });
    const events = record(run.worker);
    await vi.advanceTimersByTimeAsync(2_500);
    expect(q.reserves.map((r) => r.at - 1_000_000)).toEqual([0, 1_000, 2_000]);
    expect(events.of("error").map((e) => e.phase)).toEqual(["reserve", "reserve", "reserve"]);
    await run.worker.close();
    await run.done;
  });

  it("released jobs come back after the backoff delay, exactly", async () => {
    await queue.enqueue({ requestType: "flaky" });
    const starts: number[] = [];
    const t0 = Date.now();
    const run = start({
      queue,
      backoff: { type: "exponential", delayMs: 1_000, factor: 2, jitter: 0 },
      handlers: {
        flaky: (_p: unknown, ctx) => {
          starts.push(Date.now() - t0);
          if (ctx.attempt < 4) throw new TransientError("later");
        },
      },
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(starts).toEqual([0, 1_000, 3_000, 7_000]);
    expect(run.worker.counters.succeeded).toBe(1);
    await run.worker.close();
    await run.done;
  });

  it("TransientError.retryAfterMs overrides the backoff", async () => {
    await queue.enqueue({ requestType: "limited" });
    const starts: number[] = [];
    const t0 = Date.now();
    const run = start({
      queue,
      backoff: { type: "fixed", delayMs: 5 },
      handlers: {
        limited: (_p: unknown, ctx) => {
          starts.push(Date.now() - t0);
          if (ctx.attempt === 1) throw new TransientError("429", { retryAfterMs: 30_000 });
        },
      },
    });
    await vi.advanceTimersByTimeAsync(40_000);
    expect(starts).toEqual([0, 30_000]);
    await run.worker.close();
    await run.done;
  });
});
