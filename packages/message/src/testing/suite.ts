import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { QueueAdapter, Reservation } from "../adapter.js";
import { InvalidArgumentError, LeaseLostError, QueueClosedError } from "../errors.js";
import { describeOperateCapabilities } from "./operate.js";

/** What the factory is told when it builds an adapter for one test. */
export interface QueueAdapterFactoryContext {
  /** The lease (TTR) the adapter must use, from {@link QueueAdapterSuiteOptions.leaseMs}. */
  readonly leaseMs: number;
}

/** Builds a fresh, empty, isolated adapter (a new directory, tube, ...) for each test. */
export type QueueAdapterFactory = (context: QueueAdapterFactoryContext) => QueueAdapter | Promise<QueueAdapter>;

/**
 * The time scales the suite runs the adapter at, and how to reach its queue from a second
 * adapter. What the adapter can do is read from its own `capabilities`.
 */
export interface QueueAdapterSuiteOptions {
  /**
   * Lease the factory's adapters use, in ms. The lease tests wait for it to run out, so keep it
   * short (memory: 150, file: 1000, beanstalkd: 1000 since its TTR is in whole seconds).
   */
  readonly leaseMs: number;
  /**
   * Opens a second adapter on the same underlying queue, as another process would (same
   * directory, same tube): the suite passes the adapter under test, and `share` reads where its
   * queue is from it (`queue.dir`, `queue.tube`). Used by the concurrent-reservers and close
   * tests; without it the concurrent test shares one adapter between the reservers.
   */
  readonly share?: (queue: QueueAdapter) => QueueAdapter | Promise<QueueAdapter>;
}

const ODD_PAYLOADS: readonly [string, unknown][] = [
  ["quotes, tabs and newlines", `he said "hi"\tthen\nleft\r\n\\`],
  ["unicode and emoji", "zoë ☃ 𝄞 😀 中文"],
  ["empty string", ""],
  ["zero", 0],
  ["false", false],
  ["null", null],
  ["nested structure", { a: [1, { b: [true, null, "x"] }], "key with spaces": { "": 1 } }],
  ["10 kB string", "x".repeat(10_000)],
  ["negative and fractional numbers", [-1.5, 1e21, 123456789.125, -0.001]],
];

/**
 * Registers the shared conformance suite for a queue adapter with vitest. Call it at the top
 * level of a test file; it adds a `describe` block with about thirty tests.
 */
export function describeQueueAdapter(name: string, factory: QueueAdapterFactory, options: QueueAdapterSuiteOptions): void {
  const leaseMs = options.leaseMs;
  /** A delay the backend can express, long enough to be told apart from none. */
  const delayFor = (queue: QueueAdapter): number => Math.max(queue.capabilities.delayResolutionMs, 200);
  /** Upper bound for waits on leases and delays: generous, it only matters when something is broken. */
  const patience = (ms: number): number => ms * 4 + 2_000;

  describe(`QueueAdapter conformance: ${name}`, () => {
    let queue: QueueAdapter;
    const extra: QueueAdapter[] = [];

    beforeEach(async () => {
      queue = await factory({ leaseMs });
    });
    afterEach(async () => {
      await queue.close();
      for (const q of extra.splice(0)) await q.close();
    });

    const mustReserve = async (timeoutMs = 0): Promise<Reservation> => {
      const reservation = await queue.reserve({ timeoutMs });
      expect(reservation, "expected a job to be ready").not.toBeNull();
      if (!reservation) throw new Error("unreachable: checked above");
      return reservation;
    };

    describe("enqueue and reserve", () => {
      it("enqueue fills in an id and the defaults", async () => {
        const msg = await queue.enqueue({ requestType: "greet", payload: "world" });
        expect(typeof msg.id).toBe("string");
        expect(msg.id.length).toBeGreaterThan(0);
        expect(msg.header.requestType).toBe("greet");
        expect(msg.header.attempts).toBe(0);
        expect(Number.isInteger(msg.header.priority)).toBe(true);
        expect(msg.body.payload).toBe("world");
      });

      it("ids are unique", async () => {
        const ids = new Set<string>();
        for (let i = 0; i < 20; i++) ids.add((await queue.enqueue({ payload: i })).id);
        expect(ids.size).toBe(20);
      });

      it.each(ODD_PAYLOADS)("round-trips an odd payload: %s", async (_label, payload) => {
        const sent = await queue.enqueue({ requestType: "odd", payload });
        const job = await mustReserve();
        expect(job.message.id).toBe(sent.id);
        expect(job.message.body.payload).toEqual(payload);
        await job.ack();
      });

      it("keeps extra header keys, extra body keys and the expiration", async () => {
        const expiration = new Date(Date.UTC(3000, 0, 1, 12, 0, 0, 250));
        const sent = await queue.enqueue({
          requestType: "mail",
          payload: "p",
          expiration,
          header: { source: "shop", trace: { id: "abc", hops: 2 } },
          body: { to: "a@example.com", subject: "hi" },
        });
        const job = await mustReserve();
        expect(job.message.id).toBe(sent.id);
        expect(job.message.header.expiration?.getTime()).toBe(expiration.getTime());
        expect(job.message.header.source).toBe("shop");
        expect(job.message.header.trace).toEqual({ id: "abc", hops: 2 });
        expect(job.message.body).toEqual({ payload: "p", to: "a@example.com", subject: "hi" });
        await job.ack();
      });

      // Capabilities choose which behaviour is checked, never whether one is: an adapter without
      // a capability is held to the documented alternative, so nothing shows up as skipped.
      it("keeps an id given by the producer, or gives its own as it declares", async () => {
        const sent = await queue.enqueue({ id: "order-42", payload: 1 });
        expect(sent.id === "order-42").toBe(queue.capabilities.customIds);
        const job = await mustReserve();
        expect(job.message.id).toBe(sent.id);
      });

      it("refuses a second job with the id of a live one, or delivers both under ids of its own", async () => {
        const first = await queue.enqueue({ id: "same-id", payload: 1 });
        if (queue.capabilities.customIds) {
          await expect(queue.enqueue({ id: "same-id", payload: 2 })).rejects.toBeInstanceOf(InvalidArgumentError);
          expect((await queue.peek("same-id"))?.body.payload).toBe(1);
          return;
        }
        const second = await queue.enqueue({ id: "same-id", payload: 2 });
        expect(second.id).not.toBe(first.id);
        for (const sent of [first, second]) {
          const job = await mustReserve();
          expect(job.message.id).toBe(sent.id);
          expect(job.message.body.payload).toBe(sent.body.payload);
          await job.ack();
        }
      });

      it("rejects a bad priority with the shared InvalidArgumentError", async () => {
        await expect(queue.enqueue({ priority: 1.5 })).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(queue.enqueue({ priority: Number.NaN })).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(queue.enqueue({ priority: 2 ** 32 })).rejects.toBeInstanceOf(InvalidArgumentError);
      });

      it("reserve with timeoutMs 0 on an empty queue returns null at once", async () => {
        expect(await queue.reserve({ timeoutMs: 0 })).toBeNull();
        expect(await queue.reserve()).toBeNull();
      });

      it("reserve waits up to timeoutMs, then returns null", async () => {
        const started = Date.now();
        expect(await queue.reserve({ timeoutMs: 100 })).toBeNull();
        expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      });

      it("a waiting reserve receives a job enqueued meanwhile", async () => {
        const waiting = queue.reserve({ timeoutMs: patience(1000) });
        await sleep(50);
        const sent = await queue.enqueue({ payload: "late" });
        const job = await waiting;
        expect(job?.message.id).toBe(sent.id);
      });
    });

    describe("order", () => {
      it("is FIFO within equal priority", async () => {
        const sent: string[] = [];
        for (let i = 0; i < 6; i++) sent.push((await queue.enqueue({ payload: i, priority: 5 })).id);
        const got: string[] = [];
        for (let i = 0; i < 6; i++) got.push((await mustReserve()).message.id);
        expect(got).toEqual(sent);
        expect(await queue.reserve()).toBeNull();
      });

      it("serves the most urgent priority first (0 is most urgent)", async () => {
        const a = await queue.enqueue({ payload: "A", priority: 10 });
        const b = await queue.enqueue({ payload: "B", priority: 0 });
        const c = await queue.enqueue({ payload: "C", priority: 5 });
        const d = await queue.enqueue({ payload: "D", priority: 5 });
        const order = [];
        for (let i = 0; i < 4; i++) order.push((await mustReserve()).message.id);
        expect(order).toEqual([b.id, c.id, d.id, a.id]);
      });

      it("treats a negative priority as 0", async () => {
        const low = await queue.enqueue({ payload: "low", priority: 1 });
        const neg = await queue.enqueue({ payload: "neg", priority: -7 });
        expect(neg.header.priority).toBe(0);
        const first = await mustReserve();
        expect(first.message.id).toBe(neg.id);
        expect(first.message.header.priority).toBe(0);
        expect((await mustReserve()).message.id).toBe(low.id);
      });

      it("honours delay: invisible until its time, while later jobs go first", async () => {
        // Long enough that enqueue, reserve and ack of the other job fit in it on a loaded machine.
        const delayMs = Math.max(delayFor(queue), 1_000);
        const started = Date.now();
        const later = await queue.enqueue({ payload: "m1", delayMs: delayMs });
        const now = await queue.enqueue({ payload: "m2" });
        const first = await mustReserve();
        expect(first.message.id).toBe(now.id);
        await first.ack();
        expect(await queue.reserve()).toBeNull();
        const job = await mustReserve(patience(delayMs));
        expect(job.message.id).toBe(later.id);
        expect(Date.now() - started).toBeGreaterThanOrEqual(delayMs - 5);
      });

      it("a delay in the past is ready at once", async () => {
        const sent = await queue.enqueue({ payload: "past", delay: new Date(Date.now() - 60_000) });
        expect((await mustReserve()).message.id).toBe(sent.id);
      });
    });

    describe("leases", () => {
      it("a lease that runs out makes the job ready again with attempts + 1", async () => {
        const sent = await queue.enqueue({ payload: "lease" });
        const first = await mustReserve();
        const reservedAt = Date.now();
        expect(first.message.header.attempts).toBe(0);
        expect(first.leaseMs).toBeGreaterThan(0);
        expect(await queue.reserve()).toBeNull();
        const second = await mustReserve(patience(leaseMs));
        expect(Date.now() - reservedAt).toBeGreaterThanOrEqual(leaseMs - 50);
        expect(second.message.id).toBe(sent.id);
        expect(second.message.header.attempts).toBe(1);
        await expect(first.ack()).rejects.toBeInstanceOf(LeaseLostError);
        await second.ack();
        expect(await queue.peek(sent.id)).toBeNull();
      });

      it("touch() extends the lease", async () => {
        await queue.enqueue({ payload: "touch" });
        const job = await mustReserve();
        const until = Date.now() + leaseMs * 2;
        while (Date.now() < until) {
          await sleep(leaseMs / 4);
          await job.touch();
          expect(await queue.reserve()).toBeNull();
        }
        await job.ack();
      });

      it("a settled reservation rejects further calls with LeaseLostError", async () => {
        await queue.enqueue({ payload: "once" });
        const job = await mustReserve();
        await job.ack();
        await expect(job.ack()).rejects.toBeInstanceOf(LeaseLostError);
        await expect(job.release()).rejects.toBeInstanceOf(LeaseLostError);
        await expect(job.bury("x")).rejects.toBeInstanceOf(LeaseLostError);
        await expect(job.touch()).rejects.toBeInstanceOf(LeaseLostError);
      });

      it("two concurrent reservers never receive the same job", async () => {
        const second = await factoryFor(queue);
        const total = 24;
        for (let i = 0; i < total; i++) await queue.enqueue({ payload: i });
        const seen: string[] = [];
        const drain = async (q: QueueAdapter): Promise<void> => {
          for (let job = await q.reserve(); job; job = await q.reserve()) {
            seen.push(job.message.id);
            await sleep(1);
            await job.ack();
          }
        };
        await Promise.all([drain(queue), drain(queue), drain(second), drain(second)]);
        expect(seen).toHaveLength(total);
        expect(new Set(seen).size).toBe(total);
      });
    });

    /** A second adapter on the same queue when the adapter can open one, else the same adapter. */
    async function factoryFor(q: QueueAdapter): Promise<QueueAdapter> {
      if (!options.share) return q;
      const second = await options.share(q);
      extra.push(second);
      return second;
    }

    describe("release", () => {
      it("release() without delay makes the job ready at once, attempts + 1", async () => {
        const sent = await queue.enqueue({ payload: "r" });
        await (await mustReserve()).release();
        const again = await mustReserve();
        expect(again.message.id).toBe(sent.id);
        expect(again.message.header.attempts).toBe(1);
        await again.release();
        expect((await mustReserve()).message.header.attempts).toBe(2);
      });

      it("release with a delay keeps the priority and hides the job until then", async () => {
        const sent = await queue.enqueue({ payload: "later", priority: 7 });
        const delayMs = delayFor(queue);
        const started = Date.now();
        await (await mustReserve()).release({ delayMs });
        expect(await queue.reserve()).toBeNull();
        const again = await mustReserve(patience(delayMs));
        expect(Date.now() - started).toBeGreaterThanOrEqual(delayMs - 5);
        expect(again.message.id).toBe(sent.id);
        expect(again.message.header.priority).toBe(7);
        expect(again.message.header.attempts).toBe(1);
      });

      it("release can change the priority", async () => {
        const first = await queue.enqueue({ payload: "first", priority: 5 });
        const second = await queue.enqueue({ payload: "second", priority: 5 });
        await (await mustReserve()).release({ priority: 9 });
        expect((await mustReserve()).message.id).toBe(second.id);
        const again = await mustReserve();
        expect(again.message.id).toBe(first.id);
        expect(again.message.header.priority).toBe(9);
      });
    });

    describe("bury, kick, peek, delete, stats", () => {
      it("bury keeps the job out of reach until kicked", async () => {
        const sent = await queue.enqueue({ payload: "bad" });
        await (await mustReserve()).bury("handler said no");
        expect(await queue.reserve()).toBeNull();
        expect((await queue.stats()).buried).toBe(1);
        expect((await queue.peek(sent.id))?.body.payload).toBe("bad");
        if (queue.inspect) {
          const info = await queue.inspect(sent.id);
          expect(info?.state).toBe("buried");
          if (queue.capabilities.buryReason) expect(info?.buryReason).toBe("handler said no");
        }
        expect(await queue.kick(10)).toBe(1);
        expect(await queue.kick(10)).toBe(0);
        const again = await mustReserve();
        expect(again.message.id).toBe(sent.id);
        expect(again.message.header.attempts).toBe(1);
      });

      it("kick(max) moves at most max jobs, oldest first", async () => {
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) ids.push((await queue.enqueue({ payload: i })).id);
        for (let i = 0; i < 3; i++) await (await mustReserve()).bury(`b${i}`);
        expect(await queue.kick(0)).toBe(0);
        expect(await queue.kick(2)).toBe(2);
        expect((await queue.stats()).buried).toBe(1);
        expect((await mustReserve()).message.id).toBe(ids[0]);
        expect((await mustReserve()).message.id).toBe(ids[1]);
        expect(await queue.reserve()).toBeNull();
      });

      it("peek works in every state and returns null for unknown ids", async () => {
        const ready = await queue.enqueue({ payload: "ready" });
        const delayed = await queue.enqueue({ payload: "delayed", delayMs: 60_000 });
        const reserved = await queue.enqueue({ payload: "reserved", priority: 0 });
        const job = await mustReserve();
        expect(job.message.id).toBe(reserved.id);
        expect((await queue.peek(ready.id))?.body.payload).toBe("ready");
        expect((await queue.peek(delayed.id))?.body.payload).toBe("delayed");
        expect((await queue.peek(reserved.id))?.body.payload).toBe("reserved");
        expect(await queue.peek("999999999")).toBeNull();
        if (queue.inspect) {
          expect((await queue.inspect(ready.id))?.state).toBe("ready");
          expect((await queue.inspect(delayed.id))?.state).toBe("delayed");
          expect((await queue.inspect(reserved.id))?.state).toBe("reserved");
          expect(await queue.inspect("999999999")).toBeNull();
        }
      });

      it("delete removes ready, delayed and buried jobs", async () => {
        const ready = await queue.enqueue({ payload: "ready" });
        const delayed = await queue.enqueue({ payload: "delayed", delayMs: 60_000 });
        const buried = await queue.enqueue({ payload: "buried", priority: 0 });
        await (await mustReserve()).bury("x");
        for (const id of [ready.id, delayed.id, buried.id]) {
          expect(await queue.delete(id)).toBe(true);
          expect(await queue.peek(id)).toBeNull();
          expect(await queue.delete(id)).toBe(false);
        }
        expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, reserved: 0, buried: 0 });
      });

      it("delete removes a reserved job; its holder then loses the lease", async () => {
        const sent = await queue.enqueue({ payload: "held" });
        const job = await mustReserve();
        expect(await queue.delete(sent.id)).toBe(true);
        expect(await queue.peek(sent.id)).toBeNull();
        await expect(job.ack()).rejects.toBeInstanceOf(LeaseLostError);
      });

      it("stats counts jobs by state", async () => {
        await queue.enqueue({ payload: 1, priority: 0 });
        await queue.enqueue({ payload: 2, priority: 1 });
        await queue.enqueue({ payload: 3, priority: 2 });
        await queue.enqueue({ payload: 4, delayMs: 60_000 });
        await mustReserve();
        await (await mustReserve()).bury("x");
        expect(await queue.stats()).toMatchObject({ ready: 1, delayed: 1, reserved: 1, buried: 1 });
      });

      it("ack removes the job", async () => {
        const sent = await queue.enqueue({ payload: "done" });
        await (await mustReserve()).ack();
        expect(await queue.peek(sent.id)).toBeNull();
        expect(await queue.reserve()).toBeNull();
        expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, reserved: 0, buried: 0 });
      });
    });

    describeOperateCapabilities({
      queue: () => queue,
      other: () => factoryFor(queue),
      shared: options.share !== undefined,
      patience,
      leaseMs,
    });

    describe("cancellation and close", () => {
      it("an already aborted signal rejects reserve with its reason", async () => {
        const controller = new AbortController();
        const reason = new Error("stop now");
        controller.abort(reason);
        await expect(queue.reserve({ timeoutMs: 1000, signal: controller.signal })).rejects.toBe(reason);
      });

      it("aborting a waiting reserve rejects it promptly and loses no job", async () => {
        const controller = new AbortController();
        const waiting = queue.reserve({ timeoutMs: Infinity, signal: controller.signal });
        await sleep(50);
        const reason = new Error("shutting down");
        controller.abort(reason);
        await expect(waiting).rejects.toBe(reason);
        const sent = await queue.enqueue({ payload: "after abort" });
        const job = await mustReserve(patience(1000));
        expect(job.message.id).toBe(sent.id);
        expect(job.message.header.attempts).toBe(0);
      });

      it("close is idempotent and rejects later calls with QueueClosedError", async () => {
        const sent = await queue.enqueue({ payload: "x" });
        await queue.close();
        await queue.close();
        await expect(queue.enqueue({ payload: "y" })).rejects.toBeInstanceOf(QueueClosedError);
        await expect(queue.reserve()).rejects.toBeInstanceOf(QueueClosedError);
        await expect(queue.peek(sent.id)).rejects.toBeInstanceOf(QueueClosedError);
        await expect(queue.delete(sent.id)).rejects.toBeInstanceOf(QueueClosedError);
        await expect(queue.kick(1)).rejects.toBeInstanceOf(QueueClosedError);
        await expect(queue.stats()).rejects.toBeInstanceOf(QueueClosedError);
      });

      it("after close, a held reservation's methods reject with QueueClosedError", async () => {
        await queue.enqueue({ payload: "held" });
        const job = await mustReserve();
        await queue.close();
        await expect(job.ack()).rejects.toBeInstanceOf(QueueClosedError);
        await expect(job.release()).rejects.toBeInstanceOf(QueueClosedError);
        await expect(job.bury("x")).rejects.toBeInstanceOf(QueueClosedError);
        await expect(job.touch()).rejects.toBeInstanceOf(QueueClosedError);
      });

      // Only where a second adapter can reach the same jobs (another process's, in real life).
      if (options.share !== undefined)
        it("a job held when its adapter closes is not lost", async () => {
          const other = await factoryFor(queue);
          const sent = await queue.enqueue({ payload: "survivor" });
          await mustReserve();
          await queue.close();
          const again = await other.reserve({ timeoutMs: patience(leaseMs) });
          expect(again?.message.id).toBe(sent.id);
          await again?.ack();
        });

      it("close rejects a waiting reserve with QueueClosedError", async () => {
        const waiting = queue.reserve({ timeoutMs: Infinity });
        await sleep(50);
        // Watch the reserve before awaiting close(): an adapter may reject it first and then
        // still await its own I/O, and the rejection must not go unhandled meanwhile.
        const rejected = expect(waiting).rejects.toBeInstanceOf(QueueClosedError);
        await queue.close();
        await rejected;
      });

      it("Symbol.asyncDispose closes the adapter", async () => {
        const own = await factory({ leaseMs });
        extra.push(own);
        {
          await using disposable = own;
          await disposable.enqueue({ payload: 1 });
        }
        await expect(own.stats()).rejects.toBeInstanceOf(QueueClosedError);
      });
    });
  });
}
