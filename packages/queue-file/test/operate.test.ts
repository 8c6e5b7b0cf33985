import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError, type JobListing, LeaseLostError, listAll } from "@x/message";
import { describe, expect, it } from "vitest";
import { createFileQueue, FileQueueNotFoundError, IdLockedError } from "../src/index.js";
import { tempDirs } from "./helpers.js";

const tempDir = tempDirs();

async function walk(queue: ReturnType<typeof createFileQueue>, options: Parameters<typeof listAll>[1]): Promise<JobListing[]> {
  const seen: JobListing[] = [];
  for await (const job of listAll(queue, options)) seen.push(job);
  return seen;
}

describe("list", () => {
  it("shows each state with what an operator needs", async () => {
    const queue = createFileQueue({ dir: tempDir(), ttrMs: 30_000 });
    const before = Date.now();
    const ready = await queue.enqueue({ requestType: "mail", payload: 1, priority: 5 });
    const delayed = await queue.enqueue({ requestType: "mail", payload: 2, delayMs: 60_000 });
    const buried = await queue.enqueue({ requestType: "resize", payload: 3, priority: 1 });
    const held = await queue.enqueue({ payload: 4, priority: 2 });
    const toBury = await queue.reserve();
    expect(toBury?.message.id).toBe(buried.id);
    await toBury?.bury("image is corrupt");
    const reservation = await queue.reserve();
    expect(reservation?.message.id).toBe(held.id);
    await reservation?.progress?.({ done: 3, of: 10 });

    const [readyPage, delayedPage, reservedPage, buriedPage] = await Promise.all(
      (["ready", "delayed", "reserved", "buried"] as const).map((state) => queue.list({ state })),
    );
    expect(readyPage).toEqual({
      jobs: [expect.objectContaining({ id: ready.id, state: "ready", requestType: "mail", priority: 5, attempts: 0 })],
      cursor: null,
    });
    expect(readyPage?.jobs[0]?.message.body.payload).toBe(1);
    expect(readyPage?.jobs[0]?.enqueuedAt).toBeGreaterThanOrEqual(before - 1_000);
    expect(readyPage?.jobs[0]?.enqueuedAt).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(delayedPage?.jobs).toEqual([
      expect.objectContaining({ id: delayed.id, state: "delayed", readyAt: delayed.header.delay?.getTime() }),
    ]);
    expect(reservedPage?.jobs).toEqual([
      expect.objectContaining({
        id: held.id,
        state: "reserved",
        requestType: "",
        attempts: 0,
        leaseHolder: `${hostname()}:${process.pid}`,
        progress: { done: 3, of: 10 },
      }),
    ]);
    expect(reservedPage?.jobs[0]?.leaseEndsAt).toBeGreaterThan(Date.now() + 20_000);
    expect(buriedPage?.jobs).toEqual([
      expect.objectContaining({ id: buried.id, state: "buried", requestType: "resize", attempts: 1, buryReason: "image is corrupt" }),
    ]);
    expect(buriedPage?.jobs[0]?.buriedAt).toBeGreaterThanOrEqual(before);
    await queue.close();
  });

  it("pages by a stable key: a walk lists every job once while others come and go", async () => {
    const queue = createFileQueue({ dir: tempDir(), fsync: false });
    const kept = (await queue.enqueueMany(Array.from({ length: 95 }, (_, n) => ({ payload: n })))).map((r) => (r.ok ? r.message.id : ""));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await queue.list({ state: "ready", limit: 10, ...(cursor === undefined ? {} : { cursor }) });
      pages++;
      seen.push(...page.jobs.map((job) => job.id));
      // Churn between pages: new jobs arrive, and one job that was listed leaves (taken by a worker).
      await queue.enqueue({ payload: "late" });
      if (page.cursor === null) break;
      cursor = page.cursor;
    }
    expect(pages).toBeGreaterThanOrEqual(10);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of kept) expect(seen).toContain(id);
    await queue.close();
  });

  it("the last page has cursor null, even when it is exactly full", async () => {
    const queue = createFileQueue({ dir: tempDir(), fsync: false });
    await queue.enqueueMany([{ payload: 1 }, { payload: 2 }, { payload: 3 }, { payload: 4 }]);
    const first = await queue.list({ state: "ready", limit: 2 });
    expect(first.jobs).toHaveLength(2);
    expect(first.cursor).toEqual(expect.any(String));
    const second = await queue.list({ state: "ready", limit: 2, cursor: first.cursor ?? "" });
    expect(second.jobs).toHaveLength(2);
    expect(second.cursor).toBeNull();
    await queue.close();
  });

  it('filters by request type, and "" selects jobs without one', async () => {
    const queue = createFileQueue({ dir: tempDir(), fsync: false });
    await queue.enqueueMany([
      { requestType: "a", payload: 1 },
      { payload: 2 },
      { requestType: "b", payload: 3 },
      { requestType: "a", payload: 4 },
    ]);
    const payloads = async (requestType?: string): Promise<unknown[]> =>
      (await walk(queue, { state: "ready", limit: 1, ...(requestType === undefined ? {} : { requestType }) }))
        .map((job) => job.message.body.payload)
        .sort();
    expect(await payloads("a")).toEqual([1, 4]);
    expect(await payloads("")).toEqual([2]);
    expect(await payloads("c")).toEqual([]);
    expect(await payloads()).toEqual([1, 2, 3, 4]);
    await queue.close();
  });

  it("refuses a bad cursor, limit or state with InvalidArgumentError naming it", async () => {
    const queue = createFileQueue({ dir: tempDir() });
    await expect(queue.list({ state: "ready", cursor: "nonsense" })).rejects.toMatchObject({ argument: "cursor" });
    await expect(queue.list({ state: "ready", cursor: "f1.Li4v" })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(queue.list({ state: "ready", limit: 1_001 })).rejects.toMatchObject({ argument: "limit" });
    await expect(queue.list({ state: "gone" as "ready" })).rejects.toMatchObject({ argument: "state" });
    await queue.close();
  });
});

describe("enqueueMany", () => {
  it("stores every good job, in order, and fails only the bad entries", async () => {
    const queue = createFileQueue({ dir: tempDir() });
    await queue.enqueue({ id: "taken", payload: 0 });
    const results = await queue.enqueueMany([
      { payload: "a" },
      { payload: "b", priority: 1.5 },
      { id: "x-1", payload: "c" },
      { id: "x-1", payload: "d" },
      { id: "taken", payload: "e" },
      { payload: "f" },
      { payload: () => 1 } as never,
    ]);
    expect(results.map((result) => result.ok)).toEqual([true, false, true, false, false, true, false]);
    for (const at of [1, 3, 4, 6]) {
      const result = results[at];
      expect(result?.ok === false && result.error).toBeInstanceOf(InvalidArgumentError);
    }
    const served: unknown[] = [];
    for (let job = await queue.reserve(); job; job = await queue.reserve()) {
      served.push(job.message.body.payload);
      await job.ack();
    }
    expect(served).toEqual([0, "a", "c", "f"]);
    expect(await queue.enqueueMany([])).toEqual([]);
    await queue.close();
  });

  it("an id locked by a live enqueue fails that entry only (IdLockedError)", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir });
    await queue.stats();
    // The lock of a live process: this one.
    writeFileSync(join(dir, "tmp", "busy.idlock"), `${process.pid} ${hostname()}\n`);
    const results = await queue.enqueueMany([{ id: "busy" }, { id: "free" }]);
    expect(results[0]?.ok === false && results[0].error).toBeInstanceOf(IdLockedError);
    expect(results[1]?.ok).toBe(true);
    expect(readdirSync(join(dir, "tmp"))).toEqual(["busy.idlock"]);
    await queue.close();
  });

  it("wakes a waiting reserve of the same process, and is seen by another process", async () => {
    const dir = tempDir();
    const producer = createFileQueue({ dir });
    const consumer = createFileQueue({ dir, pollIntervalMs: 10 });
    await consumer.stats();
    const waiting = producer.reserve({ timeoutMs: 5_000 });
    const remote = consumer.reserve({ timeoutMs: 5_000 });
    await producer.enqueueMany([{ payload: 1 }, { payload: 2 }]);
    const got = [await waiting, await remote];
    expect(got.map((job) => job?.message.body.payload).sort()).toEqual([1, 2]);
    for (const job of got) await job?.ack();
    await producer.close();
    await consumer.close();
  });
});

describe("bulk", () => {
  it("kicks and retries buried jobs by type, keeping attempts; deletes by state", async () => {
    const queue = createFileQueue({ dir: tempDir() });
    await queue.enqueueMany([
      { requestType: "a", payload: 1 },
      { requestType: "b", payload: 2 },
      { requestType: "a", payload: 3 },
    ]);
    for (let job = await queue.reserve(); job; job = await queue.reserve()) await job.bury("failed");
    expect(await queue.bulk({ action: "kick", state: "buried", requestType: "a" })).toEqual({ matched: 2, changed: 2 });
    expect(await queue.stats()).toMatchObject({ ready: 2, buried: 1 });
    const again = await queue.list({ state: "ready" });
    expect(again.jobs.map((job) => job.attempts)).toEqual([1, 1]);
    expect(await queue.bulk({ action: "retry", state: "buried" })).toEqual({ matched: 1, changed: 1 });
    // The reasons went with their jobs.
    expect(readdirSync(join(queue.dir, "buried"))).toEqual([]);
    expect(await queue.bulk({ action: "delete", state: "ready", requestType: "b" })).toEqual({ matched: 1, changed: 1 });
    expect(await queue.stats()).toMatchObject({ ready: 2, delayed: 0, buried: 0 });
    await queue.close();
  });

  it("retries delayed jobs now, and deletes delayed and buried ones", async () => {
    const queue = createFileQueue({ dir: tempDir() });
    await queue.enqueueMany([{ payload: 1, delayMs: 60_000 }, { payload: 2, delayMs: 60_000, requestType: "x" }, { payload: 3 }]);
    expect(await queue.bulk({ action: "retry", state: "delayed", requestType: "x" })).toEqual({ matched: 1, changed: 1 });
    expect(await queue.stats()).toMatchObject({ ready: 2, delayed: 1 });
    const first = await queue.reserve();
    const second = await queue.reserve();
    expect([first?.message.body.payload, second?.message.body.payload].sort()).toEqual([2, 3]);
    await second?.bury("no");
    expect(await queue.bulk({ action: "delete", state: "delayed" })).toEqual({ matched: 1, changed: 1 });
    expect(await queue.bulk({ action: "delete", state: "buried" })).toEqual({ matched: 1, changed: 1 });
    expect(readdirSync(join(queue.dir, "buried"))).toEqual([]);
    await first?.ack();
    expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, reserved: 0, buried: 0 });
    await queue.close();
  });

  it("skips jobs a worker takes meanwhile: each job is deleted or served, never both", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir, fsync: false });
    const worker = createFileQueue({ dir, fsync: false });
    const total = 600;
    await queue.enqueueMany(Array.from({ length: total }, (_, n) => ({ payload: n })));
    await worker.stats();
    const done = { stop: false };
    const served: string[] = [];
    const working = (async () => {
      while (!done.stop) {
        const job = await worker.reserve();
        if (!job) break;
        await job.ack();
        served.push(job.message.id);
      }
    })();
    const result = await queue.bulk({ action: "delete", state: "ready" });
    done.stop = true;
    await working;
    expect(served.length).toBeGreaterThan(0);
    expect(result.matched).toBe(total);
    expect(result.changed + served.length).toBe(total);
    expect(await queue.stats()).toMatchObject({ ready: 0, reserved: 0 });
    await queue.close();
    await worker.close();
  });

  it("stops between jobs when the signal aborts, counting what was done", async () => {
    const queue = createFileQueue({ dir: tempDir(), fsync: false });
    const total = 2_000;
    await queue.enqueueMany(Array.from({ length: total }, (_, n) => ({ payload: n })));
    const stop = new AbortController();
    const running = queue.bulk({ action: "delete", state: "ready", signal: stop.signal });
    setImmediate(() => {
      stop.abort();
    });
    const result = await running;
    expect(result.changed).toBeLessThan(total);
    expect(await queue.stats()).toMatchObject({ ready: total - result.changed });
    const aborted = new AbortController();
    aborted.abort();
    expect(await queue.bulk({ action: "delete", state: "ready", signal: aborted.signal })).toEqual({ matched: 0, changed: 0 });
    await queue.close();
  });

  it("refuses what makes no sense", async () => {
    const queue = createFileQueue({ dir: tempDir() });
    await expect(queue.bulk({ action: "kick", state: "ready" })).rejects.toMatchObject({ argument: "state" });
    await expect(queue.bulk({ action: "delete", state: "reserved" })).rejects.toBeInstanceOf(InvalidArgumentError);
    await queue.close();
  });
});

describe("pause and resume", () => {
  it("a paused queue hands out nothing, to every adapter on the directory; enqueue and held leases go on", async () => {
    const dir = tempDir();
    const one = createFileQueue({ dir, pollIntervalMs: 10 });
    const other = createFileQueue({ dir, pollIntervalMs: 10 });
    await one.enqueueMany([{ payload: 1 }, { payload: 2 }, { payload: 3 }]);
    const held = await one.reserve();
    await one.pause();
    await one.pause();
    expect(existsSync(join(dir, "paused"))).toBe(true);
    expect(await one.reserve()).toBeNull();
    expect(await other.reserve({ timeoutMs: 100 })).toBeNull();
    expect(await other.stats()).toMatchObject({ paused: true, ready: 2, reserved: 1 });
    await one.enqueue({ payload: 4 });
    await held?.touch();
    await held?.ack();
    // Resumed by the other adapter during a wait: the waiting reserve gets a job.
    const waiting = one.reserve({ timeoutMs: 5_000 });
    setTimeout(() => void other.resume(), 50);
    expect((await waiting)?.message.body.payload).toBe(2);
    await other.resume();
    expect(await one.stats()).toMatchObject({ paused: false });
    await one.close();
    await other.close();
  });
});

describe("progress", () => {
  it("extends the lease, shows in list, is checked, and ends with the lease", async () => {
    const dir = tempDir();
    const queue = createFileQueue({ dir, ttrMs: 10_000 });
    await queue.enqueue({ payload: 1 });
    const job = await queue.reserve();
    const before = (await queue.list({ state: "reserved" })).jobs[0]?.leaseEndsAt ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await job?.progress?.("half");
    const listed = (await queue.list({ state: "reserved" })).jobs[0];
    expect(listed?.progress).toBe("half");
    expect(listed?.leaseEndsAt).toBeGreaterThan(before);
    await expect(job?.progress?.("x".repeat(64 * 1024))).rejects.toMatchObject({ argument: "value" });
    await expect(job?.progress?.(Number.NaN)).rejects.toBeInstanceOf(InvalidArgumentError);
    await job?.ack();
    await expect(job?.progress?.(1)).rejects.toBeInstanceOf(LeaseLostError);
    expect(readdirSync(join(dir, "progress"))).toEqual([]);
    await queue.close();
  });
});

describe("progress of a hand-out that is over", () => {
  it("is not shown for the job's next holder, and is removed when the lease is requeued", async () => {
    const dir = tempDir();
    const crashed = createFileQueue({ dir, ttrMs: 300 });
    // A lease another process holds is waited out for at least a whole lease of the looking process.
    const healthy = createFileQueue({ dir, ttrMs: 300 });
    await crashed.enqueue({ payload: 1 });
    const lost = await crashed.reserve();
    await lost?.progress?.("90%");
    expect(readdirSync(join(dir, "progress"))).toHaveLength(1);
    // The holder hangs: its lease runs out, and the healthy process gets the job.
    const job = await healthy.reserve({ timeoutMs: 10_000 });
    expect(job?.message.header.attempts).toBe(1);
    expect(readdirSync(join(dir, "progress"))).toEqual([]);
    const [listed] = (await healthy.list({ state: "reserved" })).jobs;
    expect(listed?.id).toBe(job?.message.id);
    expect(listed).not.toHaveProperty("progress");
    expect(listed).not.toHaveProperty("leaseHolder");
    await expect(lost?.progress?.("too late")).rejects.toBeInstanceOf(LeaseLostError);
    expect(readdirSync(join(dir, "progress"))).toEqual([]);
    await job?.ack();
    await crashed.close();
    await healthy.close();
  });
});

describe("create: false", () => {
  it("rejects every call with FileQueueNotFoundError and creates nothing", async () => {
    const parent = tempDir();
    const dir = join(parent, "typo");
    const queue = createFileQueue({ dir, create: false });
    const error = await queue.stats().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FileQueueNotFoundError);
    expect(error).toMatchObject({ code: "ERR_X_FILE_QUEUE_NOT_FOUND", path: dir });
    expect((error as Error).message).toContain(dir);
    await expect(queue.list({ state: "buried" })).rejects.toBeInstanceOf(FileQueueNotFoundError);
    await expect(queue.enqueue({ payload: 1 })).rejects.toBeInstanceOf(FileQueueNotFoundError);
    expect(existsSync(dir)).toBe(false);
    await queue.close();

    mkdirSync(dir);
    const empty = createFileQueue({ dir, create: false });
    await expect(empty.stats()).rejects.toThrow(/holds no queue-file\.json/);
    expect(readdirSync(dir)).toEqual([]);
    await empty.close();
  });

  it("opens a queue that exists", async () => {
    const dir = tempDir();
    const maker = createFileQueue({ dir });
    await maker.enqueue({ payload: 1 });
    await maker.close();
    const modified = statSync(dir).mtimeMs;
    const reader = createFileQueue({ dir, create: false });
    expect(await reader.stats()).toMatchObject({ ready: 1 });
    expect(statSync(dir).mtimeMs).toBe(modified);
    await reader.close();
  });
});
