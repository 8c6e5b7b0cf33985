import { createMemoryQueue, type QueueAdapter } from "@x/message";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorker } from "../src/index.js";
import { FakeTime, turn } from "./fake-time.js";
import { instrument, record, until } from "./helpers.js";

let memory: QueueAdapter;
let time: FakeTime;
beforeEach(() => {
  memory = createMemoryQueue();
  time = new FakeTime();
});
afterEach(async () => {
  await memory.close();
});

async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await turn();
}

describe("rate limits", () => {
  for (const concurrency of [1, 4]) {
    it(`worker-wide (concurrency ${concurrency}): reserves only with a token, holds no job while it waits, and does not poll`, async () => {
      const watched = instrument(memory);
      for (let i = 0; i < 5; i++) await memory.enqueue({ requestType: "job", payload: i });
      const done: number[] = [];
      const worker = createWorker({
        queue: watched.queue,
        time,
        concurrency,
        rateLimit: { max: 2, intervalMs: 1_000 },
        handlers: { job: (n: number) => void done.push(n) },
        handleSignals: false,
        pollTimeoutMs: 10,
      });
      const running = worker.run();
      await until(() => done.length === 2, "the first two jobs");
      await settle();
      const reserves = watched.reserves.length;
      await settle();
      // Waiting for a token is one timer, not a loop of reserves, and no job is held meanwhile.
      expect(watched.reserves.length).toBe(reserves);
      expect(done).toHaveLength(2);
      expect(await memory.stats()).toMatchObject({ ready: 3, reserved: 0 });
      time.advance(499);
      await settle();
      expect(done).toHaveLength(2);
      time.advance(1);
      await until(() => done.length === 3, "a third job once a token is back");
      await settle();
      expect(done).toHaveLength(3);
      time.advance(1_000);
      await until(() => done.length === 5, "the last two jobs");
      await worker.close();
      expect((await running).counters.reserved).toBe(5);
    });
  }

  it("an empty reserve gives its token back", async () => {
    const worker = createWorker({
      queue: memory,
      time,
      rateLimit: { max: 1, intervalMs: 1_000 },
      handlers: { job: () => undefined },
      handleSignals: false,
      pollTimeoutMs: 0,
      shutdownAfterEmptyIterations: 5,
    });
    // Five empty polls, each with the one token, and no wait on the (frozen) fake clock.
    expect((await worker.run()).reason).toBe("idle");
  });

  it("per request type: a job without a token is put back delayed, its delivery not counted; other types run", async () => {
    for (const requestType of ["mail", "mail", "mail", "other"]) await memory.enqueue({ requestType, priority: 10 });
    const ran: string[] = [];
    const worker = createWorker({
      queue: memory,
      time,
      handlers: {
        mail: { rateLimit: { max: 1, intervalMs: 60_000 }, handle: (_p: unknown, ctx) => void ran.push(ctx.message.id) },
        other: (_p: unknown, ctx) => void ran.push(ctx.message.id),
      },
      handleSignals: false,
      pollTimeoutMs: 0,
      shutdownAfterEmptyIterations: 0,
    });
    const events = record(worker);
    const { counters } = await worker.run();
    expect(ran).toHaveLength(2);
    expect(counters).toMatchObject({ reserved: 4, succeeded: 2, retried: 0, buried: 0 });
    const deferred = events.of("deferred");
    expect(deferred.map((e) => e.delayMs)).toEqual([60_000, 120_000]);
    expect(await memory.stats()).toMatchObject({ ready: 0, reserved: 0, delayed: 2 });
    // Deliveries of the copies so far: none (a release would have made it one each).
    const listed = (await memory.list?.({ state: "delayed" }))?.jobs ?? [];
    expect(listed.map((job) => job.attempts)).toEqual([0, 0]);
    for (const event of deferred) {
      expect(event.id).not.toBe(event.message.id);
      const copy = await memory.peek(event.id);
      expect(copy?.header).toMatchObject({ requestType: "mail", attempts: 0, priority: 10 });
      expect(await memory.peek(event.message.id)).toBeNull();
    }
  });

  it("when the copy cannot be enqueued, the job is released instead (that delivery counts) and the failure reported", async () => {
    for (const requestType of ["mail", "mail"]) await memory.enqueue({ requestType });
    const broken = new Proxy(memory, {
      get(target, property) {
        if (property === "enqueue") return () => Promise.reject(new Error("disk full"));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const worker = createWorker({
      queue: broken,
      time,
      handlers: { mail: { rateLimit: { max: 1, intervalMs: 60_000 }, handle: () => undefined } },
      handleSignals: false,
      pollTimeoutMs: 0,
      shutdownAfterEmptyIterations: 0,
    });
    const events = record(worker);
    await worker.run();
    const [deferred] = events.of("deferred");
    expect(deferred?.id).toBe(deferred?.message.id);
    expect(events.of("error").map((e) => [e.phase, (e.error as Error).message])).toEqual([["defer", "disk full"]]);
    // Released, so this delivery counts: the listing shows one attempt (a copy would show none).
    const listed = (await memory.list?.({ state: "delayed" }))?.jobs ?? [];
    expect(listed.map((job) => [job.id, job.attempts])).toEqual([[deferred?.message.id, 1]]);
    expect(await memory.stats()).toMatchObject({ delayed: 1, reserved: 0 });
  });

  it("a deferred job gives back the worker-wide token it was reserved with", async () => {
    for (const requestType of ["mail", "mail", "other"]) await memory.enqueue({ requestType });
    const ran: string[] = [];
    const worker = createWorker({
      queue: memory,
      time,
      rateLimit: { max: 2, intervalMs: 1_000 },
      handlers: {
        mail: { rateLimit: { max: 1, intervalMs: 1_000 }, handle: () => void ran.push("mail") },
        other: () => void ran.push("other"),
      },
      handleSignals: false,
      pollTimeoutMs: 10,
    });
    const events = record(worker);
    const running = worker.run();
    // mail, mail (deferred: its token comes back), other: two ran on the two worker-wide tokens.
    await until(() => ran.length === 2, "two jobs to run");
    await settle();
    expect(ran).toEqual(["mail", "other"]);
    expect(events.of("deferred")).toHaveLength(1);
    await worker.close();
    await running;
  });

  it("rateLimit options are checked", () => {
    expect(() => createWorker({ queue: memory, handlers: {}, rateLimit: { max: 0, intervalMs: 1 } })).toThrow(
      expect.objectContaining({ option: "rateLimit.max" }) as Error,
    );
    expect(() => createWorker({ queue: memory, handlers: { x: { handle: () => 1, rateLimit: { max: 1 } as never } } })).toThrow(
      expect.objectContaining({ option: "handlers.x.rateLimit.intervalMs" }) as Error,
    );
  });
});
