import { InvalidArgumentError, InvalidMessageError, type JobListing, JobTooBigError, listAll } from "@x/message";
import { startBeanstalkd } from "@x/test-servers";
import { afterEach, describe, expect, it } from "vitest";
import { type BeanstalkQueue, createBeanstalkQueue } from "../src/index.js";
import { ID_PROBE_TUBE } from "../src/job-walk.js";
import { Session } from "../src/protocol/session.js";
import { connectFivebeans, freshTube, until } from "./helpers.js";
import { useQueues } from "./queues.js";

const fixture = useQueues({ maxJobSize: 4_096 }, { ttrMs: 30_000 });
const sessions: Session[] = [];
afterEach(() => {
  for (const session of sessions.splice(0)) session.destroy();
});

async function raw(port = fixture.server.port): Promise<Session> {
  const session = await Session.open(fixture.server.host, port, { connectTimeoutMs: 5_000, commandTimeoutMs: 5_000 });
  sessions.push(session);
  return session;
}

async function walk(queue: BeanstalkQueue, options: Parameters<typeof listAll>[1]): Promise<JobListing[]> {
  const jobs: JobListing[] = [];
  for await (const job of listAll(queue, options)) jobs.push(job);
  return jobs;
}

const ids = (jobs: readonly { id: string }[]): string[] => jobs.map((job) => job.id);

/** Buries the next `n` jobs the queue hands out; returns their ids. */
async function buryNext(queue: BeanstalkQueue, n: number): Promise<string[]> {
  const buried: string[] = [];
  for (let i = 0; i < n; i++) {
    const job = await queue.reserve();
    if (!job) throw new Error("expected a job to bury");
    await job.bury("test");
    buried.push(job.message.id);
  }
  return buried;
}

describe("list()", () => {
  it("pages through one state of this tube only, in id order, with a null cursor on the last page", async () => {
    const queue = fixture.queue();
    const other = fixture.queue();
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      sent.push((await queue.enqueue({ requestType: i % 2 === 0 ? "even" : "odd", payload: i })).id);
      await other.enqueue({ requestType: "even", payload: i });
    }
    await queue.enqueue({ payload: "later", delayMs: 60_000 });

    const first = await queue.list({ state: "ready", limit: 2 });
    expect(ids(first.jobs)).toEqual(sent.slice(0, 2));
    expect(first.cursor).not.toBeNull();
    const second = await queue.list({ state: "ready", limit: 2, cursor: first.cursor ?? "" });
    expect(ids(second.jobs)).toEqual(sent.slice(2, 4));
    const third = await queue.list({ state: "ready", limit: 2, cursor: second.cursor ?? "" });
    expect(ids(third.jobs)).toEqual(sent.slice(4));
    expect(third.cursor).toBeNull();

    expect(ids(await walk(queue, { state: "ready", requestType: "even", limit: 1 }))).toEqual([sent[0], sent[2], sent[4]]);
    expect(ids(await walk(queue, { state: "ready", requestType: "" }))).toEqual([]);
    expect((await walk(queue, { state: "delayed" })).map((job) => job.message.body.payload)).toEqual(["later"]);
    expect(await queue.list({ state: "buried" })).toEqual({ jobs: [], cursor: null });
  });

  it("fills what stats-job and peek tell: priority, attempts, enqueuedAt, readyAt, leaseEndsAt and the message", async () => {
    const queue = fixture.queue();
    const before = Date.now();
    const delayed = await queue.enqueue({ requestType: "later", payload: { n: 1 }, delayMs: 30_000, priority: 7 });
    const held = await queue.enqueue({ requestType: "now", payload: "held", priority: 3 });
    const buried = await queue.enqueue({ requestType: "bad", payload: "buried", priority: 5 });
    const job = await queue.reserve();
    expect(job?.message.id).toBe(held.id);
    await buryNext(queue, 1);

    const [d] = (await queue.list({ state: "delayed" })).jobs;
    const after = Date.now();
    expect(d).toMatchObject({ id: delayed.id, state: "delayed", requestType: "later", priority: 7, attempts: 0 });
    expect(d?.message.body.payload).toEqual({ n: 1 });
    expect(d?.readyAt).toBeGreaterThanOrEqual(before + 28_000);
    expect(d?.readyAt).toBeLessThanOrEqual(after + 31_000);
    expect(d?.enqueuedAt).toBeGreaterThanOrEqual(before - 2_000);
    expect(d?.enqueuedAt).toBeLessThanOrEqual(after);

    const [r] = (await queue.list({ state: "reserved" })).jobs;
    expect(r).toMatchObject({ id: held.id, state: "reserved", requestType: "now", priority: 3, attempts: 0 });
    expect(r?.leaseEndsAt).toBeGreaterThanOrEqual(before + 28_000);
    expect(r?.leaseEndsAt).toBeLessThanOrEqual(after + 31_000);
    expect(r?.buryReason).toBeUndefined();

    const [b] = (await queue.list({ state: "buried" })).jobs;
    // Buried after one delivery: the next one will be attempt 1, as peek() says too.
    expect(b).toMatchObject({ id: buried.id, state: "buried", requestType: "bad", priority: 5, attempts: 1 });
    expect(b?.attempts).toBe((await queue.peek(buried.id))?.header.attempts);
    expect(b?.buryReason).toBeUndefined();
    expect(b?.buriedAt).toBeUndefined();
    await job?.ack();
  });

  it("lists a body that is not a message with its text as the payload and the reason in header.foreignBody", async () => {
    const queue = fixture.queue();
    const s = await raw();
    await s.use(queue.tube);
    const id = await s.put(10, 0, 60, Buffer.from("not json at all"));
    const [job] = (await queue.list({ state: "ready" })).jobs;
    expect(job).toMatchObject({ id: String(id), requestType: "", priority: 10 });
    expect(job?.message.body.payload).toBe("not json at all");
    expect(typeof job?.message.header.foreignBody).toBe("string");
    await expect(queue.peek(String(id))).rejects.toBeInstanceOf(InvalidMessageError);
  });

  it("rejects bad options and cursors with InvalidArgumentError naming them", async () => {
    const queue = fixture.queue();
    await queue.enqueue({ payload: 1 });
    for (const cursor of ["", "abc", "5.2", "1.2.3"]) {
      await expect(queue.list({ state: "ready", cursor })).rejects.toMatchObject({ argument: "cursor" });
    }
    // A well-formed cursor from elsewhere ends at the ids this server assigned: no endless scan.
    expect((await queue.list({ state: "ready", cursor: "0.999999999999999" })).cursor).toBeNull();
    await expect(queue.list({ state: "ready", limit: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(queue.list({ state: "gone" as "ready" })).rejects.toMatchObject({ argument: "state" });
  });

  it("a walk lists the jobs that stay in their state once each while others come and go", async () => {
    const queue = fixture.queue();
    const churn = fixture.queue({ tube: queue.tube });
    const stay: string[] = [];
    for (let i = 0; i < 30; i++) {
      stay.push((await queue.enqueue({ requestType: "stay", payload: i, delayMs: 60_000 })).id);
      await churn.enqueue({ requestType: "churn", payload: i, delayMs: 60_000 });
    }
    const seen: string[] = [];
    let cursor: string | null | undefined;
    let page = 0;
    do {
      const result = await queue.list({ state: "delayed", limit: 7, ...(cursor ? { cursor } : {}) });
      seen.push(...result.jobs.filter((job) => job.requestType === "stay").map((job) => job.id));
      cursor = result.cursor;
      // Between pages: new delayed jobs, and some of the churn ones kicked to ready.
      await churn.enqueue({ requestType: "churn", payload: `new ${String(page++)}`, delayMs: 60_000 });
      await churn.bulk({ action: "retry", state: "delayed", requestType: "churn" });
    } while (cursor !== null);
    expect(seen).toEqual(stay);
  });

  it("finds jobs whose ids are above the server's total-jobs after a restart on the binlog", async () => {
    await using server = await startBeanstalkd({ binlog: true });
    const options = { host: server.host, port: server.port, tube: freshTube() };
    const first = createBeanstalkQueue(options);
    const kept: string[] = [];
    for (let i = 0; i < 20; i++) {
      const sent = await first.enqueue({ payload: i });
      if (i >= 15) kept.push(sent.id);
      else await first.delete(sent.id);
    }
    await first.close();
    await server.kill();
    await server.restart();
    await using queue = createBeanstalkQueue(options);
    const fresh = await queue.enqueue({ payload: "after the restart" });
    expect((await queue.stats()).extra?.["total-jobs"]).toBe(1);
    expect(Number(fresh.id)).toBeGreaterThan(20);
    expect(ids(await walk(queue, { state: "ready" }))).toEqual([...kept, fresh.id]);
    // The probe job is gone again.
    const s = await raw(server.port);
    await expect(s.statsTube(ID_PROBE_TUBE).then((stats) => stats.ready + stats.delayed)).resolves.toBe(0);
  });

  it("on a draining server (no probe possible) lists and kicks up to total-jobs and the ids this process saw", async () => {
    await using server = await startBeanstalkd();
    const options = { host: server.host, port: server.port, tube: freshTube() };
    await using queue = createBeanstalkQueue(options);
    const sent = await queue.enqueueMany([{ payload: 1 }, { payload: 2 }, { payload: 3 }]);
    await (await queue.reserve())?.bury("for the test");
    process.kill(server.pid, "SIGUSR1");
    await until(
      async () =>
        await queue.enqueue({ payload: "refused?" }).then(
          () => false,
          () => true,
        ),
      "the server to drain",
    );
    await using fresh = createBeanstalkQueue(options);
    expect(ids(await walk(fresh, { state: "ready" }))).toEqual(sent.slice(1).map((result) => (result.ok ? result.message.id : "")));
    expect(await fresh.bulk({ action: "kick", state: "buried" })).toEqual({ matched: 1, changed: 1 });
  });

  it("a second walk in the same process starts at the lowest id that was still a job, until the server restarts", async () => {
    await using server = await startBeanstalkd();
    const queue = createBeanstalkQueue({ host: server.host, port: server.port, tube: freshTube() });
    const client = await connectFivebeans(server.host, server.port);
    const statsJobCommands = (): Promise<number> =>
      new Promise((resolve, reject) => {
        client.stats((err, stats) => {
          if (err === null) resolve(Number((stats as Record<string, unknown>)["cmd-stats-job"]));
          else reject(new Error(err));
        });
      });
    for (const result of await queue.enqueueMany(Array.from({ length: 300 }, (_, i) => ({ payload: i })))) {
      if (result.ok) await queue.delete(result.message.id);
    }
    const kept = await queue.enqueue({ payload: "kept" });
    const start = await statsJobCommands();
    expect(ids(await walk(queue, { state: "ready" }))).toEqual([kept.id]);
    const afterFirst = await statsJobCommands();
    expect(afterFirst - start).toBeGreaterThanOrEqual(300);
    expect(ids(await walk(queue, { state: "ready" }))).toEqual([kept.id]);
    expect((await statsJobCommands()) - afterFirst).toBeLessThan(5);
    client.stream?.destroy();
    // A new run of the server (no binlog) assigns ids from 1 again: the floor is forgotten.
    await server.kill();
    await server.restart();
    const fresh = await queue.enqueue({ payload: "after the restart" });
    expect(fresh.id).toBe("1");
    expect(ids(await walk(queue, { state: "ready" }))).toEqual([fresh.id]);
    await queue.close();
  });
});

describe("enqueueMany()", () => {
  it("puts every job, one result per job in order; a bad job fails its own entry only", async () => {
    const queue = fixture.queue();
    expect(await queue.enqueueMany([])).toEqual([]);
    const results = await queue.enqueueMany<unknown>([
      { requestType: "a", payload: 1 },
      { requestType: "a", priority: Number.NaN, payload: 2 },
      { requestType: "a", payload: "x".repeat(10_000) },
      { requestType: "b", payload: 3, delayMs: 60_000 },
    ]);
    expect(results.map((result) => result.ok)).toEqual([true, false, false, true]);
    expect(results[1]?.ok === false && results[1].error).toBeInstanceOf(InvalidArgumentError);
    expect(results[2]?.ok === false && results[2].error).toBeInstanceOf(JobTooBigError);
    const stored = results.flatMap((result) => (result.ok ? [result.message] : []));
    expect(stored.map((message) => message.body.payload)).toEqual([1, 3]);
    expect((await queue.peek(stored[0]?.id ?? ""))?.body.payload).toBe(1);
    expect(await queue.stats()).toMatchObject({ ready: 1, delayed: 1 });
  });

  it("keeps the order of the batch: 1,000 jobs come out in the order given", async () => {
    const queue = fixture.queue();
    const results = await queue.enqueueMany(Array.from({ length: 1_000 }, (_, i) => ({ payload: i })));
    expect(results.every((result) => result.ok)).toBe(true);
    const jobIds = results.map((result) => (result.ok ? Number(result.message.id) : 0));
    expect(jobIds).toEqual([...jobIds].sort((a, b) => a - b));
    const out: unknown[] = [];
    for (;;) {
      const job = await queue.reserve();
      if (!job) break;
      out.push(job.message.body.payload);
      await job.ack();
    }
    expect(out).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
  });

  it("gives each result its job's place when bad jobs fall at the edges of the put window", async () => {
    const queue = fixture.queue();
    const bad = new Set([0, 510, 511, 512, 513, 1_023, 1_024, 1_299]);
    const results = await queue.enqueueMany(
      Array.from({ length: 1_300 }, (_, i) => ({ payload: i, ...(bad.has(i) ? { priority: Number.NaN } : {}) })),
    );
    expect(results).toHaveLength(1_300);
    results.forEach((result, i) => {
      expect(result.ok).toBe(!bad.has(i));
      if (result.ok) expect(result.message.body.payload).toBe(i);
      else expect(result.error).toBeInstanceOf(InvalidArgumentError);
    });
    expect(await queue.stats()).toMatchObject({ ready: 1_300 - bad.size });
  });

  it("rejects a non-array", async () => {
    await expect(fixture.queue().enqueueMany("nope" as unknown as [])).rejects.toMatchObject({ argument: "inits" });
  });
});

describe("bulk()", () => {
  it("kick: buried jobs of one type back to ready, attempts unchanged; counts matched and changed", async () => {
    const queue = fixture.queue();
    for (let i = 0; i < 6; i++) await queue.enqueue({ requestType: i < 4 ? "mail" : "sms", payload: i });
    await buryNext(queue, 6);
    expect(await queue.bulk({ action: "kick", state: "buried", requestType: "mail" })).toEqual({ matched: 4, changed: 4 });
    expect(await queue.stats()).toMatchObject({ ready: 4, buried: 2 });
    const job = await queue.reserve();
    expect(job?.message.header.requestType).toBe("mail");
    expect(job?.message.header.attempts).toBe(1);
    expect(await queue.bulk({ action: "kick", state: "buried" })).toEqual({ matched: 2, changed: 2 });
    expect(await queue.bulk({ action: "kick", state: "buried" })).toEqual({ matched: 0, changed: 0 });
  });

  it("retry: delayed and buried jobs become ready now", async () => {
    const queue = fixture.queue();
    await queue.enqueue({ requestType: "r", payload: "delayed", delayMs: 60_000 });
    await queue.enqueue({ requestType: "r", payload: "buried" });
    await buryNext(queue, 1);
    expect(await queue.bulk({ action: "retry", state: "delayed" })).toEqual({ matched: 1, changed: 1 });
    expect(await queue.bulk({ action: "retry", state: "buried", requestType: "r" })).toEqual({ matched: 1, changed: 1 });
    expect(await queue.stats()).toMatchObject({ ready: 2, delayed: 0, buried: 0 });
  });

  it("delete: by state and type; other tubes untouched; reserved refused by the shared check", async () => {
    const queue = fixture.queue();
    const other = fixture.queue();
    await other.enqueue({ requestType: "x", payload: 0 });
    for (let i = 0; i < 4; i++) await queue.enqueue({ requestType: i % 2 === 0 ? "x" : "y", payload: i });
    expect(await queue.bulk({ action: "delete", state: "ready", requestType: "x" })).toEqual({ matched: 2, changed: 2 });
    expect(await queue.stats()).toMatchObject({ ready: 2 });
    expect(await other.stats()).toMatchObject({ ready: 1 });
    await expect(queue.bulk({ action: "delete", state: "reserved" })).rejects.toMatchObject({ argument: "state" });
    await expect(queue.bulk({ action: "kick", state: "ready" })).rejects.toMatchObject({ argument: "state" });
  });

  it("skips a job a worker reserved meanwhile, and stops on abort", async () => {
    const queue = fixture.queue();
    for (let i = 0; i < 3; i++) await queue.enqueue({ payload: i });
    const held = await queue.reserve();
    expect(await queue.bulk({ action: "delete", state: "ready" })).toEqual({ matched: 2, changed: 2 });
    await held?.ack();
    await queue.enqueue({ payload: "kept" });
    const controller = new AbortController();
    controller.abort();
    expect(await queue.bulk({ action: "delete", state: "ready", signal: controller.signal })).toEqual({ matched: 0, changed: 0 });
    expect(await queue.stats()).toMatchObject({ ready: 1 });
  });
});

describe("pause() and resume()", () => {
  it("a paused tube hands out nothing to any adapter; enqueue works; held jobs keep their lease; resume wakes a waiting reserve", async () => {
    const queue = fixture.queue();
    const elsewhere = fixture.queue({ tube: queue.tube });
    await queue.enqueue({ payload: "held" });
    const held = await queue.reserve();
    await queue.pause();
    await queue.pause();
    expect((await elsewhere.stats()).paused).toBe(true);
    await queue.enqueue({ payload: "waits" });
    expect(await elsewhere.reserve()).toBeNull();
    expect(await elsewhere.reserve({ timeoutMs: 1_100 })).toBeNull();
    await held?.touch();
    await held?.ack();
    const waiting = elsewhere.reserve({ timeoutMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await queue.resume();
    const job = await waiting;
    expect(job?.message.body.payload).toBe("waits");
    await job?.ack();
    await queue.resume();
    expect((await queue.stats()).paused).toBe(false);
  });

  it("the pause ends with the tube (no jobs, nobody connected) and with a server restart; a tube with jobs keeps it", async () => {
    await using server = await startBeanstalkd({ binlog: true });
    const options = { host: server.host, port: server.port, tube: freshTube() };
    const first = createBeanstalkQueue(options);
    await first.pause();
    await first.close();
    const s = await raw(server.port);
    await until(
      () =>
        s.statsTube(options.tube).then(
          () => false,
          () => true,
        ),
      "the server to drop the empty tube",
    );
    await using later = createBeanstalkQueue(options);
    expect((await later.stats()).paused).toBe(false);

    await later.enqueue({ payload: "keeps the tube" });
    await later.pause();
    await later.close();
    const again = createBeanstalkQueue(options);
    expect((await again.stats()).paused).toBe(true);
    expect(await again.reserve()).toBeNull();
    await again.close();

    await server.kill();
    await server.restart();
    await using restarted = createBeanstalkQueue(options);
    expect(await restarted.stats()).toMatchObject({ ready: 1, paused: false });
    expect((await restarted.reserve())?.message.body.payload).toBe("keeps the tube");
  });

  it("stats().paused is false for a tube that does not exist", async () => {
    const queue = fixture.queue();
    expect((await queue.stats()).paused).toBe(false);
  });
});

describe("tubeExists()", () => {
  it("false for a tube nobody uses, without creating it; true with jobs, or while another queue's worker watches it", async () => {
    const queue = fixture.queue();
    expect(await queue.tubeExists()).toBe(false);
    const s = await raw();
    await expect(s.statsTube(queue.tube)).rejects.toMatchObject({ reply: "NOT_FOUND" });

    const sent = await queue.enqueue({ payload: 1 });
    expect(await queue.tubeExists()).toBe(true);
    await queue.delete(sent.id);
    // Only this queue's own producer uses it now.
    expect(await queue.tubeExists()).toBe(false);

    const worker = fixture.queue({ tube: queue.tube });
    expect(await worker.reserve()).toBeNull();
    expect(await queue.tubeExists()).toBe(true);
  });
});
