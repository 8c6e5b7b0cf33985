import { createHeart, type Heart, type HeartbeatMessage } from "@x/heartbeat";
import { ConnectionError, createMemoryQueue, type QueueAdapter } from "@x/message";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createWorker, type WorkerHeart } from "../src/index.js";
import { instrument, record } from "./helpers.js";

let queue: QueueAdapter;
beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
  queue = createMemoryQueue();
});
afterEach(async () => {
  await queue.close();
  vi.useRealTimers();
});

/** A real Heart whose publisher records `<ms> <payload>` lines on the fake clock. */
function recordingHeart(): { heart: Heart; lines: string[] } {
  const lines: string[] = [];
  // The heart's default time source reads the fake clock too.
  const heart = createHeart({
    process: "jobs.worker",
    minIntervalMs: 0,
    publisher: {
      publish: ({ payload }: HeartbeatMessage) => {
        lines.push(`${Date.now()} ${new TextDecoder().decode(payload)}`);
      },
    },
  });
  return { heart, lines };
}

describe("heartbeats", () => {
  it("start with the warm-up, a beat once the queue answered, one beat per period, stop on shutdown", async () => {
    const { heart, lines } = recordingHeart();
    const worker = createWorker({
      queue,
      handlers: {},
      heart,
      heartbeatPeriodMs: 5_000,
      heartbeatWarmupMs: 20_000,
      pollTimeoutMs: 1_000,
      handleSignals: false,
    });
    const run = worker.run();
    await vi.advanceTimersByTimeAsync(12_000);
    await worker.close();
    await run;
    // The first poll waits 1 s for a job: that is when the queue has answered.
    expect(lines).toEqual(["0 start/20", "1000 beat/5", "6000 beat/5", "11000 beat/5", "12000 stop"]);
  });

  it("degraded while the queue fails, beat again at once when it recovers", async () => {
    const { heart, lines } = recordingHeart();
    const q = instrument(queue);
    const worker = createWorker({
      queue: q.queue,
      handlers: {},
      heart,
      heartbeatPeriodMs: 5_000,
      pollTimeoutMs: 1_000,
      errorDelayMs: 500,
      handleSignals: false,
    });
    const run = worker.run();
    await vi.advanceTimersByTimeAsync(1_000);
    q.failReserve = new ConnectionError("down");
    await vi.advanceTimersByTimeAsync(5_800);
    q.failReserve = undefined;
    // The reserve issued at 7000 answers (empty) at 8000: the queue is back.
    await vi.advanceTimersByTimeAsync(2_000);
    await worker.close();
    await run;
    expect(lines).toEqual(["0 start/30", "1000 beat/5", "2000 degraded/5", "7000 degraded/5", "8000 beat/5", "8800 stop"]);
  });

  it("degraded after degradedAfterFailures handler failures in a row, beat after the next success", async () => {
    const { heart, lines } = recordingHeart();
    const worker = createWorker({
      queue,
      heart,
      degradedAfterFailures: 3,
      heartbeatPeriodMs: 60_000,
      pollTimeoutMs: 10,
      maxAttempts: 1,
      handleSignals: false,
      handlers: {
        fail: () => Promise.reject(new Error("nope")),
        ok: () => undefined,
      },
    });
    const run = worker.run();
    await vi.advanceTimersByTimeAsync(10);
    for (const type of ["fail", "fail", "ok", "fail", "fail", "fail", "fail", "ok"]) {
      await queue.enqueue({ requestType: type });
      await vi.advanceTimersByTimeAsync(100);
    }
    await worker.close();
    await run;
    expect(lines.map((l) => l.split(" ")[1])).toEqual(["start/30", "beat/60", "degraded/60", "beat/60", "stop"]);
  });

  it("a heart whose publisher rejects is reported as an error event and does not stop the worker", async () => {
    const calls: string[] = [];
    const heart: WorkerHeart = {
      start: () => Promise.reject(new Error("nats down")),
      beat: () => void calls.push("beat"),
      degraded: () => void calls.push("degraded"),
      stop: () => {
        throw new Error("still down");
      },
    };
    await queue.enqueue({ requestType: "ok" });
    const worker = createWorker({
      queue,
      heart,
      handlers: { ok: () => undefined },
      pollTimeoutMs: 0,
      shutdownAfterEmptyIterations: 1,
      handleSignals: false,
    });
    const events = record(worker);
    const result = await worker.run();
    expect(result.counters.succeeded).toBe(1);
    expect(events.of("error").map((e) => [e.phase, (e.error as Error).message])).toEqual([
      ["heartbeat", "nats down"],
      ["heartbeat", "still down"],
    ]);
    expect(calls).toEqual(["beat"]);
  });
});
