import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { JobListing, JobState, ListOptions, QueueAdapter, QueueCapabilities, Reservation } from "../adapter.js";
import { MAX_PROGRESS_BYTES } from "../adapter.js";
import { InvalidArgumentError, LeaseLostError } from "../errors.js";
import type { JsonValue } from "../json-value.js";
import type { Message } from "../message.js";

/** What the operate tests need from the suite that registers them. */
export interface OperateSuiteContext {
  /** The adapter of the running test. */
  queue(): QueueAdapter;
  /** A second adapter on the same queue (another process's view), or the same one without `share`. */
  other(): Promise<QueueAdapter>;
  /** Whether `other()` really is a second adapter. */
  readonly shared: boolean;
  /** Upper bound for a wait on something that must happen. */
  patience(ms: number): number;
  readonly leaseMs: number;
}

/** How long another process may take to notice a pause (a file queue caches its marker). */
const PAUSE_PROPAGATION_MS = 250;

const OPERATIONS: readonly (keyof QueueCapabilities & keyof QueueAdapter)[] = ["list", "enqueueMany", "bulk", "pause"];

async function walk(queue: QueueAdapter, options: Omit<ListOptions, "cursor">, between?: () => Promise<void>): Promise<JobListing[]> {
  const list = queue.list?.bind(queue);
  if (!list) throw new Error("unreachable: the caller checked capabilities.list");
  const seen: JobListing[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await list({ ...options, ...(cursor === undefined ? {} : { cursor }) });
    seen.push(...page.jobs);
    if (page.cursor === null) return seen;
    cursor = page.cursor;
    await between?.();
  }
  throw new Error("list() never returned a last page");
}

const ids = (jobs: readonly { readonly id: string }[]): string[] => jobs.map((job) => job.id);

/**
 * The conformance tests of the optional operate capabilities (`list`, `enqueueMany`, `bulk`,
 * `pause`, `Reservation.progress`). Each test first holds the adapter to what it declares: a
 * capability declared absent must have no method, and then the test ends there.
 */
export function describeOperateCapabilities(context: OperateSuiteContext): void {
  const has = (capability: keyof QueueCapabilities): boolean => context.queue().capabilities[capability] === true;
  const reserveOne = async (queue: QueueAdapter): Promise<Reservation> => {
    const job = await queue.reserve({ timeoutMs: context.patience(200) });
    expect(job, "expected a job to be ready").not.toBeNull();
    if (!job) throw new Error("unreachable: checked above");
    return job;
  };

  describe("operate capabilities", () => {
    it("declares exactly the optional operations it has", async () => {
      const queue = context.queue();
      for (const operation of OPERATIONS) {
        expect(typeof queue[operation], `capabilities.${operation} is ${String(queue.capabilities[operation])}`).toBe(
          queue.capabilities[operation] ? "function" : "undefined",
        );
      }
      expect(typeof queue.resume).toBe(queue.capabilities.pause ? "function" : "undefined");
      await queue.enqueue({ payload: "probe" });
      const job = await reserveOne(queue);
      expect(typeof job.progress).toBe(queue.capabilities.progress ? "function" : "undefined");
      await job.ack();
    });

    describe("list", () => {
      it("lists the ready jobs of one request type with what an operator needs", async () => {
        if (!has("list")) return;
        const queue = context.queue();
        const sent: Message[] = [];
        for (let i = 0; i < 5; i++) sent.push(await queue.enqueue({ requestType: "a", payload: { i }, priority: 10 }));
        for (let i = 0; i < 3; i++) await queue.enqueue({ requestType: "b", payload: i });
        await queue.enqueue({ payload: "no type" });
        const all = await walk(queue, { state: "ready" });
        expect(all).toHaveLength(9);
        const onlyA = await walk(queue, { state: "ready", requestType: "a" });
        expect(ids(onlyA).sort()).toEqual(ids(sent).sort());
        const first = onlyA.find((job) => job.id === sent[0]?.id);
        expect(first).toMatchObject({ state: "ready", requestType: "a", priority: 10, attempts: 0 });
        expect(first?.message.body.payload).toEqual({ i: 0 });
        const untyped = await walk(queue, { state: "ready", requestType: "" });
        expect(untyped.map((job) => job.message.body.payload)).toEqual(["no type"]);
        expect(await walk(queue, { state: "buried" })).toEqual([]);
      });

      it("pages through many jobs with a cursor, each once", async () => {
        if (!has("list")) return;
        const queue = context.queue();
        const sent: string[] = [];
        for (let i = 0; i < 25; i++) sent.push((await queue.enqueue({ requestType: "page", payload: i })).id);
        const first = await queue.list?.({ state: "ready", limit: 10 });
        expect(first?.jobs).toHaveLength(10);
        expect(first?.cursor).toEqual(expect.any(String));
        const all = await walk(queue, { state: "ready", limit: 10 });
        expect(ids(all).sort()).toEqual([...sent].sort());
      });

      it("a walk lists no job twice and skips none that stayed in its state while others changed", async () => {
        if (!has("list")) return;
        const queue = context.queue();
        const stayed = new Set<string>();
        const moved = new Set<string>();
        for (let i = 0; i < 30; i++) stayed.add((await queue.enqueue({ requestType: "walk", payload: i })).id);
        const seen = await walk(queue, { state: "ready", requestType: "walk", limit: 7 }, async () => {
          // Between pages: jobs leave the state (reserved and acked), and new ones arrive.
          for (let n = 0; n < 2; n++) {
            const job = await queue.reserve();
            if (!job) break;
            stayed.delete(job.message.id);
            moved.add(job.message.id);
            await job.ack();
          }
          await queue.enqueue({ requestType: "walk", payload: "late" });
        });
        const seenIds = ids(seen);
        expect(new Set(seenIds).size, "a job was listed twice").toBe(seenIds.length);
        for (const id of stayed) expect(seenIds, `job ${id} stayed ready but was not listed`).toContain(id);
      });

      it("shows delayed, reserved and buried jobs with their times and reasons", async () => {
        if (!has("list")) return;
        const queue = context.queue();
        const before = Date.now();
        const delayed = await queue.enqueue({ requestType: "d", delayMs: 60_000 });
        await queue.enqueue({ requestType: "r", payload: "held" });
        const held = await reserveOne(queue);
        await queue.enqueue({ requestType: "b", payload: "to bury" });
        const toBury = await reserveOne(queue);
        await toBury.bury("broken payload");

        const [delayedListing] = await walk(queue, { state: "delayed" });
        expect(delayedListing?.id).toBe(delayed.id);
        expect(delayedListing?.readyAt).toBeGreaterThanOrEqual(before + 59_000);

        const [reservedListing] = await walk(queue, { state: "reserved" });
        expect(reservedListing?.id).toBe(held.message.id);
        expect(reservedListing?.leaseEndsAt).toBeGreaterThan(before);

        const [buriedListing] = await walk(queue, { state: "buried" });
        expect(buriedListing?.id).toBe(toBury.message.id);
        expect(buriedListing?.requestType).toBe("b");
        if (queue.capabilities.buryReason) expect(buriedListing?.buryReason).toBe("broken payload");
        await held.ack();
      });

      it("rejects a bad state, limit or cursor with InvalidArgumentError", async () => {
        if (!has("list")) return;
        const queue = context.queue();
        await expect(queue.list?.({ state: "lost" as JobState })).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(queue.list?.({ state: "ready", limit: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(queue.list?.({ state: "ready", limit: 1_000_000 })).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(queue.list?.({ state: "ready", cursor: "\u0000not/../a cursor" })).rejects.toBeInstanceOf(InvalidArgumentError);
      });
    });

    describe("enqueueMany", () => {
      it("stores a batch in order with one result per job; a bad job fails alone", async () => {
        if (!has("enqueueMany")) return;
        const queue = context.queue();
        const results = await queue.enqueueMany?.<unknown>([
          { requestType: "many", payload: 0 },
          { requestType: "many", payload: 1, priority: Number.NaN },
          { requestType: "many", payload: 2 },
          { requestType: "many", payload: 10n },
          { requestType: "many", payload: 4 },
        ]);
        expect(results?.map((result) => result.ok)).toEqual([true, false, true, false, true]);
        const failed = results?.[1];
        if (failed && !failed.ok) expect(failed.error.name).toMatch(/Invalid/);
        const payloads: unknown[] = [];
        for (let job = await queue.reserve(); job; job = await queue.reserve()) {
          payloads.push(job.message.body.payload);
          await job.ack();
        }
        expect(payloads).toEqual([0, 2, 4]);
      });

      it("refuses a duplicate id within the batch or of a live job, where ids are kept", async () => {
        if (!has("enqueueMany") || !has("customIds")) return;
        const queue = context.queue();
        await queue.enqueue({ id: "live-one", payload: "first" });
        const results = await queue.enqueueMany?.<unknown>([{ id: "twin" }, { id: "twin" }, { id: "live-one" }, { id: "fresh" }]);
        expect(results?.map((result) => result.ok)).toEqual([true, false, false, true]);
        const third = results?.[2];
        if (third && !third.ok) expect(third.error).toBeInstanceOf(InvalidArgumentError);
        expect((await queue.stats()).ready).toBe(3);
      });

      it("an empty batch stores nothing", async () => {
        if (!has("enqueueMany")) return;
        const queue = context.queue();
        expect(await queue.enqueueMany?.([])).toEqual([]);
        expect((await queue.stats()).ready).toBe(0);
      });
    });

    describe("bulk", () => {
      const buryAll = async (queue: QueueAdapter): Promise<void> => {
        for (let job = await queue.reserve(); job; job = await queue.reserve()) await job.bury("bulk test");
      };

      it("kicks the buried jobs of one request type and counts them", async () => {
        if (!has("bulk")) return;
        const queue = context.queue();
        for (let i = 0; i < 3; i++) await queue.enqueue({ requestType: "a", payload: i });
        for (let i = 0; i < 2; i++) await queue.enqueue({ requestType: "b", payload: i });
        await buryAll(queue);
        expect(await queue.bulk?.({ action: "kick", state: "buried", requestType: "a" })).toEqual({ matched: 3, changed: 3 });
        const stats = await queue.stats();
        expect([stats.ready, stats.buried]).toEqual([3, 2]);
        const kicked = await reserveOne(queue);
        expect(kicked.message.header.requestType).toBe("a");
        expect(kicked.message.header.attempts).toBe(1);
        await kicked.ack();
      });

      it("retries delayed jobs now", async () => {
        if (!has("bulk")) return;
        const queue = context.queue();
        const later = await queue.enqueue({ requestType: "later", delayMs: 60_000 });
        await queue.enqueue({ requestType: "other", delayMs: 60_000 });
        expect(await queue.bulk?.({ action: "retry", state: "delayed", requestType: "later" })).toEqual({ matched: 1, changed: 1 });
        const job = await reserveOne(queue);
        expect(job.message.id).toBe(later.id);
        await job.ack();
        expect((await queue.stats()).delayed).toBe(1);
      });

      it("deletes by state and type, leaving the rest", async () => {
        if (!has("bulk")) return;
        const queue = context.queue();
        for (let i = 0; i < 4; i++) await queue.enqueue({ requestType: "spam", payload: i });
        const keep = await queue.enqueue({ requestType: "ham" });
        expect(await queue.bulk?.({ action: "delete", state: "ready", requestType: "spam" })).toEqual({ matched: 4, changed: 4 });
        expect((await queue.stats()).ready).toBe(1);
        expect(await queue.peek(keep.id)).not.toBeNull();
      });

      it("refuses actions that do not fit the state", async () => {
        if (!has("bulk")) return;
        const queue = context.queue();
        await expect(queue.bulk?.({ action: "kick", state: "ready" })).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(queue.bulk?.({ action: "retry", state: "reserved" })).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(queue.bulk?.({ action: "delete", state: "reserved" })).rejects.toBeInstanceOf(InvalidArgumentError);
      });
    });

    describe("pause", () => {
      it("a paused queue takes jobs but hands none out until resumed", async () => {
        if (!has("pause")) return;
        const queue = context.queue();
        await queue.pause?.();
        await queue.pause?.();
        const sent = await queue.enqueue({ payload: "waits" });
        expect(await queue.reserve()).toBeNull();
        expect(await queue.stats()).toMatchObject({ ready: 1, paused: true });
        await queue.resume?.();
        await queue.resume?.();
        expect((await queue.stats()).paused).toBe(false);
        const job = await reserveOne(queue);
        expect(job.message.id).toBe(sent.id);
        await job.ack();
      });

      it("reserved jobs keep their leases while paused", async () => {
        if (!has("pause")) return;
        const queue = context.queue();
        await queue.enqueue({ payload: "held" });
        const job = await reserveOne(queue);
        await queue.pause?.();
        await job.touch();
        await job.ack();
        expect(await queue.stats()).toMatchObject({ ready: 0, reserved: 0, paused: true });
        await queue.resume?.();
      });

      it("a reserve waiting through the pause receives a job once resumed", async () => {
        if (!has("pause")) return;
        const queue = context.queue();
        await queue.pause?.();
        await queue.enqueue({ payload: "after resume" });
        const waiting = queue.reserve({ timeoutMs: context.patience(1_000) });
        await sleep(100);
        await queue.resume?.();
        const job = await waiting;
        expect(job?.message.body.payload).toBe("after resume");
        await job?.ack();
      });

      // Only where a second adapter can reach the same queue (another process's, in real life).
      if (context.shared)
        it("the pause holds for every adapter on the same queue", async () => {
          if (!has("pause")) return;
          const queue = context.queue();
          const other = await context.other();
          await queue.enqueue({ payload: "shared" });
          await queue.pause?.();
          await sleep(PAUSE_PROPAGATION_MS);
          expect(await other.reserve()).toBeNull();
          expect((await other.stats()).paused).toBe(true);
          await other.resume?.();
          await sleep(PAUSE_PROPAGATION_MS);
          const job = await reserveOne(queue);
          await job.ack();
        });
    });

    describe("progress", () => {
      it("is stored with the lease, shown by list, and refused once the job is settled", async () => {
        if (!has("progress")) return;
        const queue = context.queue();
        await queue.enqueue({ requestType: "long", payload: "p" });
        const job = await reserveOne(queue);
        const value: JsonValue = { done: 40, of: 100 };
        await job.progress?.(value);
        if (queue.capabilities.list) {
          const [listing] = await walk(queue, { state: "reserved" });
          expect(listing?.progress).toEqual(value);
        }
        await job.ack();
        await expect(job.progress?.(50)).rejects.toBeInstanceOf(LeaseLostError);
      });

      it("extends the lease like touch", async () => {
        if (!has("progress")) return;
        const queue = context.queue();
        await queue.enqueue({ payload: "slow" });
        const job = await reserveOne(queue);
        // As the touch test does: report often for two leases; the job must stay with its holder.
        const until = Date.now() + context.leaseMs * 2;
        for (let done = 0; Date.now() < until; done++) {
          await sleep(context.leaseMs / 4);
          await job.progress?.(done);
        }
        expect(await queue.reserve(), "the job came free although progress extended its lease").toBeNull();
        await job.ack();
      });

      it("rejects a value that is not JSON or is too big", async () => {
        if (!has("progress")) return;
        const queue = context.queue();
        await queue.enqueue({ payload: "x" });
        const job = await reserveOne(queue);
        await expect(job.progress?.(Number.NaN)).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(job.progress?.("x".repeat(MAX_PROGRESS_BYTES + 1))).rejects.toBeInstanceOf(InvalidArgumentError);
        await job.ack();
      });
    });
  });
}
