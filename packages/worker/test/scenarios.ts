/**
 * What pulpo's worker promised, held to every adapter: round trips, order and locking, each
 * outcome (ack, retry, bury, expire), delays, the loop's idle exit, stops, several workers on one
 * queue, lost holders, priorities, zero values and response messages; plus shutdown under load and
 * a handler that never resolves. Written once against the QueueAdapter contract.
 */
import type { QueueAdapter, Reservation } from "@x/message";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorker, FatalError, respond, TransientError, type Worker, type WorkerOptions } from "../src/index.js";
import { countReserves, record, until } from "./helpers.js";

/** One queue for one test; `share()` opens another handle on the same queue (as another process would). */
export interface ScenarioQueue {
  readonly queue: QueueAdapter;
  share(): Promise<QueueAdapter>;
  close(): Promise<void>;
}

export type ScenarioFactory = (context: { readonly leaseMs: number }) => Promise<ScenarioQueue>;

/**
 * Short timings keep the suite fast; assertions only ever use lower bounds. The lease is long
 * enough that a touch every half lease survives the event-loop stalls of a loaded machine.
 */
const LEASE_MS = 1_000;
const quiet = { handleSignals: false, pollTimeoutMs: 50 } as const;

export function describePulpoScenarios(name: string, factory: ScenarioFactory): void {
  describe(`pulpo scenarios: ${name}`, () => {
    let env: ScenarioQueue;
    let queue: QueueAdapter;
    const workers: Worker[] = [];
    const shared: QueueAdapter[] = [];

    beforeEach(async () => {
      env = await factory({ leaseMs: LEASE_MS });
      queue = env.queue;
    });
    afterEach(async () => {
      for (const worker of workers.splice(0)) await worker.close();
      for (const q of shared.splice(0)) await q.close();
      await env.close();
    });

    const worker = <Jobs extends object>(options: Omit<WorkerOptions<Jobs>, "queue"> & { queue?: QueueAdapter }): Worker => {
      const w = createWorker<Jobs>({ ...quiet, queue, ...options });
      workers.push(w);
      return w;
    };
    /** Runs until the queue has been empty for `idle` polls in a row. */
    const drain = <Jobs extends object>(options: Omit<WorkerOptions<Jobs>, "queue"> & { queue?: QueueAdapter }, idle = 3) =>
      worker<Jobs>({ shutdownAfterEmptyIterations: idle, ...options }).run();

    it("round trip: payload, body and header items and the id reach the handler; odd characters survive", async () => {
      const odd = `he said "hi"\tthen\nleft \\ zoë`;
      const sent = await queue.enqueue({ requestType: "echo", payload: "hello world", body: { k: "v" }, header: { k: "v" } });
      const sent2 = await queue.enqueue({ requestType: "echo", payload: odd });
      const seen: { payload: unknown; id: string; body: unknown; header: unknown }[] = [];
      await drain({
        handlers: {
          echo: (payload: string, ctx) => {
            seen.push({ payload, id: ctx.message.id, body: ctx.message.body.k, header: ctx.message.header.k });
          },
        },
      });
      expect(sent.id).toMatch(/\S/);
      expect(seen).toEqual([
        { payload: "hello world", id: sent.id, body: "v", header: "v" },
        { payload: odd, id: sent2.id, body: undefined, header: undefined },
      ]);
    });

    it("FIFO and locking: m1 then m2; a reserved job is not handed out again; peek works while reserved", async () => {
      const m1 = await queue.enqueue({ requestType: "t", payload: 1 });
      const m2 = await queue.enqueue({ requestType: "t", payload: 2 });
      const order: number[] = [];
      let peeked: unknown;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const w = worker({
        concurrency: 2,
        handlers: {
          t: async (payload: number, ctx) => {
            order.push(payload);
            if (payload === 1) {
              peeked = (await queue.peek(ctx.message.id))?.body.payload;
              await gate;
            }
          },
        },
      });
      const run = w.run();
      await until(() => order.length === 2, "both jobs to start");
      expect(order).toEqual([1, 2]);
      expect(peeked).toBe(1);
      // m1 is still held: nobody can reserve it.
      const other = await env.share();
      shared.push(other);
      expect(await other.reserve({ timeoutMs: 0 })).toBeNull();
      expect((await queue.peek(m1.id))?.id).toBe(m1.id);
      release();
      await until(() => w.counters.succeeded === 2, "both acks");
      await w.close();
      await run;
      expect(await queue.peek(m2.id)).toBeNull();
    });

    it("success acks: the job is gone and the next poll is empty", async () => {
      const sent = await queue.enqueue({ requestType: "ok" });
      const w = worker({ shutdownAfterEmptyIterations: 1, handlers: { ok: () => "done" } });
      const events = record(w);
      await w.run();
      expect(events.of("succeeded").map((e) => e.message.id)).toEqual([sent.id]);
      expect(await queue.peek(sent.id)).toBeNull();
      expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, reserved: 0, buried: 0 });
      expect(await queue.reserve({ timeoutMs: 0 })).toBeNull();
    });

    it("transient: released with the backoff delay, priority kept, attempts counting up", async () => {
      await queue.enqueue({ requestType: "flaky", priority: 7 });
      const runs: { attempt: number; priority: number; headerAttempts: number; at: number }[] = [];
      const w = worker({
        backoff: { type: "list", delaysMs: [300, 500] },
        handlers: {
          flaky: (_payload: unknown, ctx) => {
            runs.push({
              attempt: ctx.attempt,
              priority: ctx.message.header.priority,
              headerAttempts: ctx.message.header.attempts,
              at: Date.now(),
            });
            if (ctx.attempt < 3) throw new TransientError("not yet");
          },
        },
      });
      const events = record(w);
      const run = w.run();
      await until(() => runs.length === 1, "the first run");
      await until(async () => (await queue.stats()).delayed === 1, "the job to wait out its backoff");
      await until(() => w.counters.succeeded === 1, "the third run to succeed");
      await w.close();
      await run;
      expect(runs.map((r) => [r.attempt, r.headerAttempts, r.priority])).toEqual([
        [1, 0, 7],
        [2, 1, 7],
        [3, 2, 7],
      ]);
      expect(events.of("retried").map((e) => e.delayMs)).toEqual([300, 500]);
      const [first, second, third] = runs.map((r) => r.at) as [number, number, number];
      expect(second - first).toBeGreaterThanOrEqual(290);
      expect(third - second).toBeGreaterThanOrEqual(490);
    });

    it("fatal: buried with the error as the reason, not deleted", async () => {
      const sent = await queue.enqueue({ requestType: "charge" });
      const w = worker({ shutdownAfterEmptyIterations: 1, handlers: { charge: () => Promise.reject(new FatalError("card declined")) } });
      const events = record(w);
      await w.run();
      expect(events.of("buried").map((e) => [e.reason, e.detail])).toEqual([["fatal", "FatalError: card declined"]]);
      expect((await queue.stats()).buried).toBe(1);
      expect((await queue.peek(sent.id))?.id).toBe(sent.id);
      // Both adapters under test can inspect a job: the reason given to bury() is kept.
      expect(await queue.inspect?.(sent.id)).toMatchObject({ state: "buried", buryReason: "FatalError: card declined" });
    });

    it("unknown request type: buried, and the worker goes on with the next job", async () => {
      await queue.enqueue({ requestType: "mystery" });
      await queue.enqueue({});
      await queue.enqueue({ requestType: "known" });
      const handled: string[] = [];
      const w = worker({ shutdownAfterEmptyIterations: 1, handlers: { known: (_p: unknown, ctx) => void handled.push(ctx.requestType) } });
      const events = record(w);
      await w.run();
      expect(events.of("buried").map((e) => [e.reason, e.detail])).toEqual([
        ["no-handler", 'no handler for request type "mystery"'],
        ["no-handler", "no request type"],
      ]);
      expect(handled).toEqual(["known"]);
      expect((await queue.stats()).buried).toBe(2);
    });

    it("max attempts: maxAttempts=2 runs an always-transient handler exactly twice, buries it, and goes on", async () => {
      const failing = await queue.enqueue({ requestType: "fail" });
      await queue.enqueue({ requestType: "ok", delayMs: 50 });
      let failures = 0;
      let oks = 0;
      const w = worker({
        maxAttempts: 2,
        backoff: { type: "fixed", delayMs: 0 },
        shutdownAfterEmptyIterations: 5,
        handlers: {
          fail: () => {
            failures++;
            throw new TransientError("again");
          },
          ok: () => {
            oks++;
          },
        },
      });
      const events = record(w);
      await w.run();
      expect(failures).toBe(2);
      expect(oks).toBe(1);
      expect(events.of("buried").map((e) => [e.message.id, e.reason, e.attempt])).toEqual([[failing.id, "max-attempts", 2]]);
      expect(events.of("buried")[0]?.detail).toBe("max attempts (2) reached; last error: TransientError: again");
    });

    it("expiration: a past expiration is never handled and is buried as `expired`; a future or absent one runs", async () => {
      const past = await queue.enqueue({ requestType: "t", payload: "past", expiration: new Date("2000-01-01T12:00:00Z") });
      await queue.enqueue({ requestType: "t", payload: "future", expiration: new Date("3000-01-01T12:00:00Z") });
      await queue.enqueue({ requestType: "t", payload: "none" });
      const handled: string[] = [];
      const w = worker({ shutdownAfterEmptyIterations: 1, handlers: { t: (payload: string) => void handled.push(payload) } });
      const events = record(w);
      await w.run();
      expect(handled).toEqual(["future", "none"]);
      expect(events.of("expired").map((e) => [e.message.id, e.action])).toEqual([[past.id, "bury"]]);
      expect((await queue.stats()).buried).toBe(1);
      expect(await queue.inspect?.(past.id)).toMatchObject({ state: "buried", buryReason: "expired" });
    });

    it("expiration with onExpired: delete removes the job instead", async () => {
      const past = await queue.enqueue({ requestType: "t", expiration: new Date("2000-01-01T12:00:00Z") });
      const w = worker({ onExpired: "delete", shutdownAfterEmptyIterations: 1, handlers: { t: () => undefined } });
      const events = record(w);
      await w.run();
      expect(events.of("expired").map((e) => e.action)).toEqual(["delete"]);
      expect(await queue.peek(past.id)).toBeNull();
      expect((await queue.stats()).buried).toBe(0);
    });

    it("delay: an immediate job first; a delayed one only once its delay has passed", async () => {
      const enqueuedAt = Date.now();
      await queue.enqueue({ requestType: "t", payload: "m1", delayMs: 400 });
      await queue.enqueue({ requestType: "t", payload: "m2" });
      await queue.enqueue({ requestType: "t", payload: "m3", delayMs: 0 });
      const handled: { payload: string; at: number }[] = [];
      const w = worker({ handlers: { t: (payload: string) => void handled.push({ payload, at: Date.now() }) } });
      const run = w.run();
      await until(() => handled.length === 3, "all three jobs");
      await w.close();
      await run;
      expect(handled.map((h) => h.payload)).toEqual(["m2", "m3", "m1"]);
      expect((handled[2]?.at ?? 0) - enqueuedAt).toBeGreaterThanOrEqual(390);
    });

    it("loop: 50 jobs back to back, then idle exit after 3 empty polls with 2 sleeps between them", async () => {
      for (let i = 0; i < 50; i++) await queue.enqueue({ requestType: "success", payload: i });
      const counted = countReserves(queue);
      const handled: number[] = [];
      const started = Date.now();
      const result = await drain(
        { queue: counted.queue, pollTimeoutMs: 0, sleepDurationMs: 200, handlers: { success: (i: number) => void handled.push(i) } },
        3,
      );
      expect(result.reason).toBe("idle");
      expect(handled).toEqual(Array.from({ length: 50 }, (_, i) => i));
      // 50 reserves that found a job, then exactly 3 empty ones.
      expect(counted.reserves).toHaveLength(53);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2 * 200 - 10);
    });

    it("stop while a handler runs: the job is settled normally and nothing more is reserved", async () => {
      await queue.enqueue({ requestType: "slow" });
      await queue.enqueue({ requestType: "slow" });
      const counted = countReserves(queue);
      const controller = new AbortController();
      let started = 0;
      const w = worker({
        queue: counted.queue,
        signal: controller.signal,
        handlers: {
          slow: async () => {
            started++;
            controller.abort();
            await new Promise((resolve) => setTimeout(resolve, 100));
          },
        },
      });
      const result = await w.run();
      expect(result.reason).toBe("aborted");
      expect(started).toBe(1);
      expect(result.counters.succeeded).toBe(1);
      expect(counted.reserves).toHaveLength(1);
      expect(await queue.stats()).toMatchObject({ ready: 1, reserved: 0 });
    });

    it("a sleep between polls is interrupted at once by a stop", async () => {
      const controller = new AbortController();
      const counted = countReserves(queue);
      const w = worker({ queue: counted.queue, signal: controller.signal, pollTimeoutMs: 0, sleepDurationMs: 3_600_000, handlers: {} });
      const run = w.run();
      await until(() => counted.reserves.length === 1, "the first (empty) poll");
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.abort();
      // Without the abortable sleep this would wait an hour (and the test time out).
      expect((await run).reason).toBe("aborted");
    });

    it("several workers on one queue handle every job exactly once", async () => {
      const count = 200;
      for (let i = 0; i < count; i++) await queue.enqueue({ requestType: "success", payload: i });
      const seen = new Map<number, number>();
      const handlers = { success: (i: number) => void seen.set(i, (seen.get(i) ?? 0) + 1) };
      const queues = [queue];
      for (let i = 0; i < 3; i++) {
        const other = await env.share();
        shared.push(other);
        queues.push(other);
      }
      const results = await Promise.all(queues.map((q) => drain({ queue: q, concurrency: 2, handlers }, 3)));
      expect(results.reduce((sum, r) => sum + r.counters.succeeded, 0)).toBe(count);
      expect(seen.size).toBe(count);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, reserved: 0, buried: 0 });
    });

    it("a job whose holder vanished comes back after its lease, with attempts+1, and is finished", async () => {
      const sent = await queue.enqueue({ requestType: "t" });
      const crashed = await env.share();
      shared.push(crashed);
      const held: Reservation | null = await crashed.reserve({ timeoutMs: 1_000 });
      expect(held?.message.id).toBe(sent.id);
      const attempts: number[] = [];
      const w = worker({ handlers: { t: (_p: unknown, ctx) => void attempts.push(ctx.attempt) } });
      const run = w.run();
      await until(() => attempts.length === 1, "the job to come back after the lease");
      await w.close();
      await run;
      expect(attempts).toEqual([2]);
      expect(await queue.peek(sent.id)).toBeNull();
    });

    it("a throwing handler is caught, logged, released as transient; the worker goes on", async () => {
      await queue.enqueue({ requestType: "boom" });
      await queue.enqueue({ requestType: "ok" });
      const warnings: { fields: Record<string, unknown>; message: string }[] = [];
      const logger = {
        debug: () => undefined,
        info: () => undefined,
        error: () => undefined,
        warn: (fields: Record<string, unknown>, message: string) => void warnings.push({ fields, message }),
      };
      const w = worker({
        logger,
        maxAttempts: 1,
        shutdownAfterEmptyIterations: 1,
        handlers: {
          boom: () => {
            throw new TypeError("undefined is not a function");
          },
          ok: () => undefined,
        },
      });
      const events = record(w);
      const result = await w.run();
      expect(result.counters).toMatchObject({ succeeded: 1, buried: 1 });
      expect(events.of("buried")[0]?.detail).toBe("max attempts (1) reached; last error: TypeError: undefined is not a function");
      expect(warnings.some(({ fields, message }) => message === "job buried" && fields.reason === "max-attempts")).toBe(true);
    });

    it("unexpected errors are retried by default, buried with unexpectedErrors: fatal", async () => {
      await queue.enqueue({ requestType: "boom" });
      const retrying = worker({
        maxAttempts: 3,
        backoff: { type: "fixed", delayMs: 0 },
        shutdownAfterEmptyIterations: 1,
        handlers: { boom: () => Promise.reject(new Error("x")) },
      });
      const retryEvents = record(retrying);
      await retrying.run();
      expect(retryEvents.of("retried")).toHaveLength(2);
      expect(retryEvents.of("buried").map((e) => e.reason)).toEqual(["max-attempts"]);
      expect(await queue.kick(10)).toBe(1);
      const strict = worker({
        unexpectedErrors: "fatal",
        shutdownAfterEmptyIterations: 1,
        handlers: { boom: () => Promise.reject(new Error("x")) },
      });
      const strictEvents = record(strict);
      await strict.run();
      expect(strictEvents.of("retried")).toHaveLength(0);
      expect(strictEvents.of("buried").map((e) => [e.reason, e.detail])).toEqual([["fatal", "Error: x"]]);
    });

    it("a handler returning nothing is a success (acked)", async () => {
      const sent = await queue.enqueue({ requestType: "quiet" });
      const result = await drain({ handlers: { quiet: () => undefined } }, 1);
      expect(result.counters.succeeded).toBe(1);
      expect(await queue.peek(sent.id)).toBeNull();
    });

    it("priority: lower numbers first, equal priorities in order, negative clamped to 0", async () => {
      await queue.enqueue({ requestType: "t", payload: "A10", priority: 10 });
      await queue.enqueue({ requestType: "t", payload: "B0", priority: 0 });
      await queue.enqueue({ requestType: "t", payload: "C10", priority: 10 });
      const negative = await queue.enqueue({ requestType: "t", payload: "D-5", priority: -5 });
      expect(negative.header.priority).toBe(0);
      const handled: string[] = [];
      await drain({ handlers: { t: (payload: string) => void handled.push(payload) } }, 1);
      expect(handled).toEqual(["B0", "D-5", "A10", "C10"]);
    });

    it("zero values: shutdownAfterEmptyIterations 0 drains without waiting; payload '' and 0 and id '0' are kept", async () => {
      await queue.enqueue({ id: "0", requestType: "t", payload: "" });
      await queue.enqueue({ requestType: "t", payload: 0 });
      const counted = countReserves(queue);
      const seen: [string, unknown][] = [];
      const result = await drain(
        {
          queue: counted.queue,
          pollTimeoutMs: 3_600_000,
          sleepDurationMs: 0,
          handlers: { t: (payload: unknown, ctx) => void seen.push([ctx.message.id, payload]) },
        },
        0,
      );
      expect(result.reason).toBe("idle");
      expect(seen[0]).toEqual(["0", ""]);
      expect(seen[1]?.[1]).toBe(0);
      expect(counted.reserves.map((r) => r.timeoutMs)).toEqual([0, 0, 0]);
    });

    it("response messages are enqueued after the ack", async () => {
      await queue.enqueue({ requestType: "order", payload: "o-1" });
      const invoices: string[] = [];
      const w = worker({
        shutdownAfterEmptyIterations: 2,
        handlers: {
          order: (id: string) => respond({ requestType: "invoice", payload: `invoice for ${id}` }),
          invoice: (text: string) => void invoices.push(text),
        },
      });
      const events = record(w);
      await w.run();
      expect(invoices).toEqual(["invoice for o-1"]);
      expect(events.of("succeeded").map((e) => [e.message.header.requestType, e.responses])).toEqual([
        ["order", 1],
        ["invoice", 0],
      ]);
    });

    it("when the ack fails, no response is enqueued", async () => {
      await queue.enqueue({ requestType: "order" });
      const w = worker({
        shutdownAfterEmptyIterations: 1,
        handlers: {
          order: async (_p: unknown, ctx) => {
            // Someone removes the job while it runs: the ack cannot succeed.
            await queue.delete(ctx.message.id);
            return respond({ requestType: "invoice" });
          },
        },
      });
      const events = record(w);
      await w.run();
      expect(events.of("error").map((e) => e.phase)).toEqual(["ack"]);
      expect(events.of("succeeded")).toHaveLength(0);
      expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, reserved: 0, buried: 0 });
    });

    it("shutdown under load: close() with jobs running lets them finish and leaves nothing reserved", async () => {
      for (let i = 0; i < 100; i++) await queue.enqueue({ requestType: "work", payload: i });
      let running = 0;
      const w = worker({
        concurrency: 8,
        handlers: {
          work: async () => {
            running++;
            await new Promise((resolve) => setTimeout(resolve, 20));
            running--;
          },
        },
      });
      const events = record(w);
      const run = w.run();
      await until(() => w.counters.succeeded >= 20, "some jobs to finish");
      await w.close();
      const result = await run;
      expect(result.reason).toBe("closed");
      expect(running).toBe(0);
      expect(result.counters.inFlight).toBe(0);
      const stats = await queue.stats();
      expect(stats.reserved).toBe(0);
      expect(stats.ready + result.counters.succeeded).toBe(100);
      expect(events.of("retried")).toHaveLength(0);
    });

    it("a handler that never resolves is aborted at the shutdown deadline and its job released at once", async () => {
      const sent = await queue.enqueue({ requestType: "hang", priority: 3 });
      let signal: AbortSignal | undefined;
      const w = worker({
        shutdownTimeoutMs: 200,
        handlers: {
          hang: (_p: unknown, ctx) => {
            signal = ctx.signal;
            return new Promise(() => undefined);
          },
        },
      });
      const events = record(w);
      const run = w.run();
      await until(() => signal !== undefined, "the handler to start");
      const closedAt = Date.now();
      await w.close();
      expect(Date.now() - closedAt).toBeGreaterThanOrEqual(190);
      expect((await run).reason).toBe("closed");
      expect(signal?.aborted).toBe(true);
      expect(signal?.reason).toHaveProperty("code", "ERR_X_WORKER_STOPPING");
      expect(events.of("retried").map((e) => [e.delayMs, e.shutdown])).toEqual([[0, true]]);
      expect(await queue.stats()).toMatchObject({ ready: 1, reserved: 0 });
      const again = await queue.reserve({ timeoutMs: 1_000 });
      expect(again?.message.id).toBe(sent.id);
      expect(again?.message.header.priority).toBe(3);
      await again?.ack();
    });

    it("long jobs are touched before their lease ends and are not handed out twice", async () => {
      await queue.enqueue({ requestType: "long" });
      let runs = 0;
      const w = worker({
        handlers: {
          long: async () => {
            runs++;
            await new Promise((resolve) => setTimeout(resolve, LEASE_MS * 2.5));
          },
        },
      });
      const run = w.run();
      const other = await env.share();
      shared.push(other);
      await until(() => runs === 1, "the job to start");
      // Past several leases, nobody else can take it.
      expect(await other.reserve({ timeoutMs: LEASE_MS * 2 })).toBeNull();
      await until(() => w.counters.succeeded === 1, "the long job to finish");
      await w.close();
      await run;
      expect(runs).toBe(1);
      expect(w.counters.errors).toBe(0);
    });
  });
}
