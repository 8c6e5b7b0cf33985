import { createMemoryQueue, type QueueAdapter } from "@x/message";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorker, HandlerTimeoutError, InvalidOptionError } from "../src/index.js";
import { FakeTime, turn } from "./fake-time.js";
import { record, until } from "./helpers.js";

let queue: QueueAdapter;
let time: FakeTime;
beforeEach(() => {
  queue = createMemoryQueue();
  time = new FakeTime();
});
afterEach(async () => {
  await queue.close();
});

const base = { handleSignals: false, pollTimeoutMs: 10, backoff: { type: "fixed", delayMs: 0 } } as const;
const never = (): Promise<never> => new Promise<never>(() => undefined);

describe("per-job timeouts", () => {
  it("at the deadline the signal aborts, the job is settled without the handler, retried, and the slot is free", async () => {
    await queue.enqueue({ requestType: "slow", payload: 1 });
    await queue.enqueue({ requestType: "quick", payload: 2 });
    const signals: AbortSignal[] = [];
    const worker = createWorker({
      queue,
      time,
      timeoutMs: 1_000,
      handlers: {
        // Ignores its signal on the first run: the worker must not wait for it.
        slow: (_payload: number, ctx) => {
          signals.push(ctx.signal);
          return ctx.attempt === 1 ? never() : "done";
        },
        quick: () => "quick",
      },
      ...base,
    });
    const events = record(worker);
    const running = worker.run();
    await until(() => signals.length === 1, "the slow handler to start");
    // concurrency 1: the slow job holds the only slot until its deadline.
    await turn();
    expect(events.of("succeeded")).toHaveLength(0);
    time.advance(999);
    await turn();
    expect(signals[0]?.aborted).toBe(false);
    time.advance(1);
    await until(() => events.of("succeeded").length === 2, "both jobs to succeed");
    expect(signals[0]?.reason).toBeInstanceOf(HandlerTimeoutError);
    expect((signals[0]?.reason as HandlerTimeoutError).timeoutMs).toBe(1_000);
    const [timedOut] = events.of("timed-out");
    expect(timedOut).toMatchObject({ attempt: 1, timeoutMs: 1_000 });
    const [retried] = events.of("retried");
    expect(retried?.error).toBeInstanceOf(HandlerTimeoutError);
    expect(retried?.shutdown).toBe(false);
    expect(events.of("succeeded").map((e) => [e.message.header.requestType, e.attempt])).toEqual(
      expect.arrayContaining([
        ["quick", 1],
        ["slow", 2],
      ]),
    );
    // The job finished in time on its second run: its timer is gone.
    expect(time.pending).toBe(0);
    await worker.close();
    expect((await running).counters).toMatchObject({ succeeded: 2, retried: 1, inFlight: 0 });
    expect(await queue.stats()).toMatchObject({ ready: 0, reserved: 0, delayed: 0 });
  });

  it("a request type's timeoutMs overrides the worker's, and timeouts retry even with unexpectedErrors: fatal", async () => {
    await queue.enqueue({ requestType: "slow" });
    let runs = 0;
    const worker = createWorker({
      queue,
      time,
      timeoutMs: 60_000,
      unexpectedErrors: "fatal",
      maxAttempts: 2,
      handlers: {
        slow: {
          timeoutMs: 100,
          handle: () => {
            runs++;
            return never();
          },
        },
      },
      ...base,
    });
    const events = record(worker);
    const running = worker.run();
    await until(() => runs === 1, "the first run");
    time.advance(100);
    await until(() => runs === 2, "the second run");
    time.advance(100);
    await until(() => events.of("buried").length === 1, "the job to be buried");
    expect(events.of("retried")).toHaveLength(1);
    expect(events.of("buried")[0]).toMatchObject({ reason: "max-attempts", attempt: 2 });
    expect(events.of("buried")[0]?.detail).toMatch(/HandlerTimeoutError: the job did not finish within its timeout of 100 ms/);
    await worker.close();
    await running;
  });

  it("close() returns promptly while a timed-out handler still holds its promise", async () => {
    await queue.enqueue({ requestType: "stuck" });
    let started = false;
    const worker = createWorker({
      queue,
      time,
      timeoutMs: 50,
      maxAttempts: 1,
      shutdownTimeoutMs: 60_000,
      handlers: {
        stuck: () => {
          started = true;
          return never();
        },
      },
      ...base,
    });
    const events = record(worker);
    const running = worker.run();
    await until(() => started, "the handler to start");
    time.advance(50);
    await until(() => events.of("buried").length === 1, "the job to be settled");
    // The shutdown deadline is a real minute away: close() must not need it.
    await worker.close();
    expect((await running).counters.inFlight).toBe(0);
  });

  it("a job that finishes in time clears its timer; a synchronous handler never gets one", async () => {
    await queue.enqueue({ requestType: "fast" });
    await queue.enqueue({ requestType: "sync" });
    const worker = createWorker({
      queue,
      time,
      timeoutMs: 1_000,
      handlers: { fast: async () => "ok", sync: () => "ok" },
      handleSignals: false,
      pollTimeoutMs: 0,
      shutdownAfterEmptyIterations: 0,
    });
    expect((await worker.run()).counters.succeeded).toBe(2);
    expect(time.pending).toBe(0);
  });

  it("bad timeouts are refused, naming the option", () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ timeoutMs: 0 }, "timeoutMs"],
      [{ timeoutMs: -1 }, "timeoutMs"],
      [{ timeoutMs: "5s" }, "timeoutMs"],
      [{ handlers: { x: { handle: () => undefined, timeoutMs: 0 } } }, "handlers.x.timeoutMs"],
      [{ handlers: { x: { handle: () => undefined, timeout: 5 } } }, "timeout"],
      [{ handlers: { x: { timeoutMs: 5 } } }, "handlers.x.handle"],
      [{ handlers: { x: 5 } }, "handlers.x"],
      [{ time: {} }, "time"],
    ];
    for (const [options, option] of bad) {
      let caught: unknown;
      try {
        createWorker({ queue, handlers: {}, ...options });
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(options)).toBeInstanceOf(InvalidOptionError);
      expect((caught as InvalidOptionError).option).toBe(option);
    }
    expect(() => createWorker({ queue, handlers: {}, timeoutMs: Number.POSITIVE_INFINITY })).not.toThrow();
  });
});
