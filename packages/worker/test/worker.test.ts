import { createMemoryQueue, type QueueAdapter, QueueClosedError } from "@x/message";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProducer, createWorker, FatalError, InvalidOptionError, respond, TransientError, WorkerStateError } from "../src/index.js";
import { instrument, record, until, withReserve } from "./helpers.js";

let queue: QueueAdapter;
beforeEach(() => {
  queue = createMemoryQueue();
});
afterEach(async () => {
  await queue.close();
});

const once = { handleSignals: false, pollTimeoutMs: 0, shutdownAfterEmptyIterations: 1 } as const;

describe("createWorker: lifecycle", () => {
  it("run() twice rejects with WorkerStateError; so does run() after close()", async () => {
    const worker = createWorker({ queue, handlers: {}, ...once });
    await worker.run();
    await expect(worker.run()).rejects.toBeInstanceOf(WorkerStateError);
    const closed = createWorker({ queue, handlers: {}, ...once });
    await closed.close();
    expect(closed.state).toBe("stopped");
    await expect(closed.run()).rejects.toThrow(/closed/);
  });

  it("close() is idempotent and [Symbol.asyncDispose] delegates to it", async () => {
    const worker = createWorker({ queue, handlers: {}, handleSignals: false, pollTimeoutMs: 10_000 });
    const run = worker.run();
    expect(worker.state).toBe("running");
    const first = worker.close();
    expect(worker.close()).toBe(first);
    await first;
    expect((await run).reason).toBe("closed");
    expect(worker.state).toBe("stopped");
    {
      await using disposable = createWorker({ queue, handlers: {}, handleSignals: false });
      void disposable.run();
    }
    // Leaving the block closed it: the queue has no waiting reserver left to steal this job.
    await queue.enqueue({ requestType: "x" });
    expect((await queue.stats()).ready).toBe(1);
  });

  it("an already aborted signal stops at once; the queue is never closed by the worker", async () => {
    const worker = createWorker({ queue, handlers: {}, signal: AbortSignal.abort(), handleSignals: false });
    expect((await worker.run()).reason).toBe("aborted");
    expect(await queue.stats()).toMatchObject({ ready: 0 });
  });

  it("stops with reason queue-closed when the queue is closed under it", async () => {
    const worker = createWorker({ queue, handlers: {}, handleSignals: false, pollTimeoutMs: 10_000 });
    const events = record(worker);
    const run = worker.run();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await queue.close();
    expect((await run).reason).toBe("queue-closed");
    expect(events.of("error").map((e) => e.error)).toSatisfy((errors: unknown[]) => errors.every((e) => e instanceof QueueClosedError));
  });

  it("a job a non-waiting reserve brings back after close() is handed back untouched", async () => {
    const sent = await queue.enqueue({ requestType: "work", priority: 5 });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let reserves = 0;
    const gated = withReserve(queue, async (options) => {
      reserves++;
      await gate;
      return queue.reserve(options);
    });
    let ran = false;
    const worker = createWorker({ queue: gated, handlers: { work: () => void (ran = true) }, handleSignals: false, pollTimeoutMs: 0 });
    const run = worker.run();
    await until(() => reserves === 1, "the first reserve");
    const closing = worker.close();
    open();
    await closing;
    expect((await run).reason).toBe("closed");
    expect(ran).toBe(false);
    expect(reserves).toBe(1);
    expect(worker.counters).toMatchObject({ reserved: 0, succeeded: 0 });
    expect(await queue.inspect?.(sent.id)).toMatchObject({ state: "ready", message: { header: { priority: 5 } } });
  });

  it("installs SIGINT/SIGTERM listeners only while running, unless handleSignals is false", async () => {
    const before = [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];
    const worker = createWorker({ queue, handlers: {}, pollTimeoutMs: 10_000 });
    const run = worker.run();
    expect([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]).toEqual(before.map((n) => n + 1));
    await worker.close();
    await run;
    expect([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]).toEqual(before);
    const quiet = createWorker({ queue, handlers: {}, handleSignals: false, pollTimeoutMs: 10_000 });
    const quietRun = quiet.run();
    expect(process.listenerCount("SIGINT")).toBe(before[0]);
    await quiet.close();
    await quietRun;
  });

  it("a SIGTERM stops the worker (reason signal) and a second one skips the deadline", async () => {
    await queue.enqueue({ requestType: "hang" });
    let started = false;
    const worker = createWorker({
      queue,
      shutdownTimeoutMs: 3_600_000,
      handlers: {
        hang: () => {
          started = true;
          return new Promise(() => undefined);
        },
      },
    });
    const events = record(worker);
    const run = worker.run();
    await until(() => started, "the handler to start");
    process.emit("SIGTERM", "SIGTERM");
    expect(worker.state).toBe("stopping");
    process.emit("SIGTERM", "SIGTERM");
    expect((await run).reason).toBe("signal");
    expect(events.of("retried").map((e) => e.shutdown)).toEqual([true]);
  });
});

describe("createWorker: events, counters, logger", () => {
  it("emits exactly one outcome per reserved job, with durations, and counts them", async () => {
    await queue.enqueue({ requestType: "ok" });
    await queue.enqueue({ requestType: "flaky" });
    await queue.enqueue({ requestType: "fatal" });
    await queue.enqueue({ requestType: "ok", expiresInMs: -1 });
    const worker = createWorker({
      queue,
      ...once,
      maxAttempts: 2,
      backoff: { type: "fixed", delayMs: 0 },
      handlers: {
        ok: () => undefined,
        flaky: (_p: unknown, ctx) => {
          if (ctx.attempt === 1) throw new TransientError("once");
        },
        fatal: () => {
          throw new FatalError("never");
        },
      },
    });
    const events = record(worker);
    const { counters } = await worker.run();
    expect(counters).toEqual({ reserved: 5, succeeded: 2, retried: 1, buried: 1, expired: 1, errors: 0, inFlight: 0 });
    expect(worker.counters).toEqual(counters);
    const outcomes = events.all.filter((e) => ["succeeded", "retried", "buried", "expired"].includes(e.event));
    expect(outcomes).toHaveLength(events.of("reserved").length);
    for (const { payload } of outcomes) expect((payload as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
    expect(events.all.map((e) => e.event).slice(-2)).toEqual(["stopping", "stopped"]);
  });

  it("a throwing listener is reported as an error event; a throwing error listener only reaches the logger", async () => {
    await queue.enqueue({ requestType: "ok" });
    const logged: string[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: (_fields: object, message: string) => void logged.push(message),
    };
    const worker = createWorker({ queue, ...once, logger, handlers: { ok: () => undefined } });
    const phases: string[] = [];
    worker.on("succeeded", () => {
      throw new Error("listener bug");
    });
    worker.on("error", (e) => {
      phases.push(e.phase);
      throw new Error("error listener bug");
    });
    const { counters } = await worker.run();
    expect(counters.succeeded).toBe(1);
    expect(phases).toEqual(["listener"]);
    expect(logged).toContain("a worker error listener threw");
  });

  it("the function returned by on() removes the listener; calling it twice is harmless", async () => {
    await queue.enqueue({ requestType: "ok" });
    await queue.enqueue({ requestType: "ok" });
    const worker = createWorker({ queue, ...once, handlers: { ok: () => undefined } });
    let a = 0;
    let b = 0;
    const listener = () => {
      a++;
    };
    const removeA = worker.on("succeeded", listener);
    const removeB = worker.on("succeeded", () => {
      b++;
    });
    removeA();
    removeB();
    removeB();
    await worker.run();
    expect([a, b]).toEqual([0, 0]);
  });

  it("the logger gets a line per outcome and per lifecycle step: structured fields first, a constant message", async () => {
    const ok = await queue.enqueue({ requestType: "ok" });
    const nobody = await queue.enqueue({ requestType: "nobody" });
    const lines: [string, Record<string, unknown>, string][] = [];
    const anyNumber: unknown = expect.any(Number);
    const at = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push([level, fields, message]);
    const worker = createWorker({
      queue,
      ...once,
      logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
      handlers: { ok: () => undefined },
    });
    await worker.run();
    expect(lines).toEqual([
      ["info", { queue: "memory", concurrency: 1 }, "worker started"],
      ["debug", { jobId: ok.id, requestType: "ok", attempt: 1 }, "job reserved"],
      ["debug", { jobId: ok.id, requestType: "ok", attempt: 1, durationMs: anyNumber, responses: 0 }, "job succeeded"],
      ["debug", { jobId: nobody.id, requestType: "nobody", attempt: 1 }, "job reserved"],
      [
        "warn",
        {
          jobId: nobody.id,
          requestType: "nobody",
          attempt: 1,
          durationMs: anyNumber,
          reason: "no-handler",
          detail: 'no handler for request type "nobody"',
          error: undefined,
        },
        "job buried",
      ],
      ["info", { reason: "idle" }, "worker stopping"],
      ["info", { reason: "idle" }, "worker stopped"],
    ]);
  });

  it("a logger that lacks a level is refused up front; console fits", () => {
    expect(() => createWorker({ queue, handlers: {}, logger: { info: () => undefined } as never })).toThrow(InvalidOptionError);
    expect(() => createWorker({ queue, handlers: {}, logger: console })).not.toThrow();
  });

  it("a custom backoff that throws is reported and the job is retried at once rather than left reserved", async () => {
    await queue.enqueue({ requestType: "flaky" });
    const worker = createWorker({
      queue,
      ...once,
      backoff: () => {
        throw new Error("bad backoff");
      },
      handlers: {
        flaky: (_p: unknown, ctx) => {
          if (ctx.attempt === 1) throw new Error("first");
        },
      },
    });
    const events = record(worker);
    const { counters } = await worker.run();
    expect(events.of("error").map((e) => e.phase)).toEqual(["backoff"]);
    expect(events.of("retried").map((e) => e.delayMs)).toEqual([0]);
    expect(counters.succeeded).toBe(1);
  });

  it("a failing release is an error event; the job is not counted as retried", async () => {
    const q = instrument(queue);
    await queue.enqueue({ requestType: "flaky" });
    let reservationsSeen = 0;
    const worker = createWorker({
      queue: q.queue,
      ...once,
      handlers: {
        flaky: async (_p: unknown, ctx) => {
          reservationsSeen++;
          await queue.delete(ctx.message.id);
          throw new Error("then failed");
        },
      },
    });
    const events = record(worker);
    const { counters } = await worker.run();
    expect(reservationsSeen).toBe(1);
    expect(events.of("error").map((e) => e.phase)).toEqual(["release"]);
    expect(counters).toMatchObject({ retried: 0, errors: 1 });
  });

  it("responses go to responseQueue when given", async () => {
    const responses = createMemoryQueue({ name: "responses" });
    await queue.enqueue({ requestType: "order" });
    const worker = createWorker({
      queue,
      responseQueue: responses,
      ...once,
      handlers: { order: () => respond({ requestType: "invoice", payload: 1 }, { requestType: "mail" }) },
    });
    const events = record(worker);
    await worker.run();
    expect(events.of("succeeded")[0]?.responses).toBe(2);
    expect(await responses.stats()).toMatchObject({ ready: 2 });
    expect(await queue.stats()).toMatchObject({ ready: 0 });
    await responses.close();
  });

  it("ctx carries the message, request type, attempt and a signal that is not aborted", async () => {
    const sent = await queue.enqueue({ requestType: "look", payload: { n: 1 }, priority: 4 });
    let seen: unknown;
    const worker = createWorker({
      queue,
      ...once,
      handlers: {
        look: (payload: { n: number }, ctx) => {
          seen = {
            payload,
            id: ctx.message.id,
            type: ctx.requestType,
            attempt: ctx.attempt,
            aborted: ctx.signal.aborted,
            priority: ctx.message.header.priority,
          };
        },
      },
    });
    await worker.run();
    expect(seen).toEqual({ payload: { n: 1 }, id: sent.id, type: "look", attempt: 1, aborted: false, priority: 4 });
  });
});

describe("createWorker: hostile jobs and handlers", () => {
  it("request types named like Object.prototype members find no handler: buried, and the worker goes on", async () => {
    for (const type of ["__proto__", "constructor", "toString", "hasOwnProperty"]) await queue.enqueue({ requestType: type });
    await queue.enqueue({ requestType: "ok" });
    const worker = createWorker({ queue, ...once, handlers: { ok: () => undefined } });
    const events = record(worker);
    const { counters } = await worker.run();
    expect(events.of("buried").map((e) => e.reason)).toEqual(["no-handler", "no-handler", "no-handler", "no-handler"]);
    expect(counters).toMatchObject({ succeeded: 1, buried: 4, errors: 0 });
  });

  it("a huge error message is cut to 1000 characters in the bury reason", async () => {
    const sent = await queue.enqueue({ requestType: "bad" });
    const worker = createWorker({
      queue,
      ...once,
      handlers: {
        bad: () => {
          throw new FatalError("x".repeat(1_000_000));
        },
      },
    });
    const events = record(worker);
    await worker.run();
    const detail = events.of("buried")[0]?.detail ?? "";
    expect(detail).toHaveLength(1_000);
    expect(detail.startsWith("FatalError: xxx")).toBe(true);
    expect(detail.endsWith("…")).toBe(true);
    expect(await queue.inspect?.(sent.id)).toMatchObject({ state: "buried", buryReason: detail });
  });

  it("a handler that throws or rejects with undefined failed: its job is retried, never acked", async () => {
    await queue.enqueue({ requestType: "throws" });
    await queue.enqueue({ requestType: "rejects" });
    const worker = createWorker({
      queue,
      ...once,
      maxAttempts: 2,
      backoff: { type: "fixed", delayMs: 0 },
      handlers: {
        throws: () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a careless handler may throw
          throw undefined;
        },
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what a careless handler may reject with
        rejects: () => Promise.reject(undefined),
      },
    });
    const events = record(worker);
    const { counters } = await worker.run();
    expect(counters).toMatchObject({ succeeded: 0, retried: 2, buried: 2 });
    expect(events.of("retried").map((e) => e.error)).toEqual([undefined, undefined]);
    expect(events.of("buried").map((e) => e.detail)).toEqual([
      "max attempts (2) reached; last error: undefined",
      "max attempts (2) reached; last error: undefined",
    ]);
  });

  it("a thrown value that is not an Error is described (JSON), and one that cannot be turned into a string still settles the job", async () => {
    await queue.enqueue({ requestType: "plain" });
    await queue.enqueue({ requestType: "odd" });
    await queue.enqueue({ requestType: "hostile" });
    const worker = createWorker({
      queue,
      ...once,
      maxAttempts: 1,
      handlers: {
        plain: () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a careless handler may throw
          throw { code: "E_CARD", cents: 1200 };
        },
        // A null-prototype object: String() of it throws.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what a careless handler may reject with
        odd: () => Promise.reject(Object.create(null) as object),
        hostile: () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a careless handler may throw
          throw {
            toString() {
              throw new Error("no string for you");
            },
          };
        },
      },
    });
    const events = record(worker);
    const { counters } = await worker.run();
    expect(events.of("buried").map((e) => e.detail)).toEqual([
      'max attempts (1) reached; last error: {"code":"E_CARD","cents":1200}',
      "max attempts (1) reached; last error: {}",
      'max attempts (1) reached; last error: {"toString":"[Function toString]"}',
    ]);
    expect(counters).toMatchObject({ buried: 3, errors: 0 });
    expect(await queue.stats()).toMatchObject({ reserved: 0, buried: 3 });
  });
});

describe("createProducer", () => {
  it("enqueues typed jobs with options", async () => {
    interface Jobs {
      send_email: { to: string };
    }
    const jobs = createProducer<Jobs>({ queue });
    const sent = await jobs.enqueue("send_email", { to: "ada@example.com" }, { priority: 3, header: { source: "test" } });
    expect(sent.header).toMatchObject({ requestType: "send_email", priority: 3, source: "test" });
    expect(sent.body.payload).toEqual({ to: "ada@example.com" });
  });

  it("refuses unknown options of createProducer and of enqueue, listing the valid ones", async () => {
    expect(() => createProducer({ queue, defaultJobOptions: {} } as never)).toThrow(
      /`defaultJobOptions` is not an option of createProducer\(\); valid options: queue/,
    );
    expect(() => createProducer(queue as never)).toThrow(InvalidOptionError);
    const jobs = createProducer<{ t: string }>({ queue });
    await expect(jobs.enqueue("t", "x", { delay_ms: 5 } as never)).rejects.toThrow(
      /`delay_ms` is not an option of enqueue\(\); valid options: .*delayMs/,
    );
    expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0 });
  });
});
