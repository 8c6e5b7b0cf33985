import { setTimeout as sleep } from "node:timers/promises";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { type LogFields, systemTime, type TimeSource } from "@x/core";
import { ConnectionError, InvalidArgumentError, JobTooBigError, LeaseLostError } from "@x/message";
import { freePort } from "@x/test-servers";
import { describe, expect, it, vi } from "vitest";
import { createNatsQueue, type NatsQueue, type NatsQueueOptions } from "../src/index.js";
import { freshQueueName, serverForFile } from "./helpers.js";

const server = serverForFile();

function open(options: Partial<NatsQueueOptions> = {}): NatsQueue {
  const queue = createNatsQueue({ servers: server.url, queue: freshQueueName(), leaseMs: 1_000, ...options });
  server.closeAfterTest(queue);
  return queue;
}

async function mustReserve(queue: NatsQueue, timeoutMs = 0) {
  const job = await queue.reserve({ timeoutMs });
  if (!job) throw new Error("expected a job");
  return job;
}

describe("priority bands", () => {
  it("serves priorities of one band first in, first out, and bands most urgent first", async () => {
    const queue = open();
    const twenty = await queue.enqueue({ payload: "20", priority: 20 });
    const seventeen = await queue.enqueue({ payload: "17", priority: 17 });
    const three = await queue.enqueue({ payload: "3", priority: 3 });
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await mustReserve(queue)).message.id);
    expect(order).toEqual([three.id, twenty.id, seventeen.id]);
  });
});

describe("the default band's consumer", () => {
  it("is made by the first reserve, on an empty queue, not when the first job arrives", async () => {
    const name = freshQueueName();
    const queue = open({ queue: name });
    expect(await queue.reserve({ timeoutMs: 0 })).toBeNull();
    const nc = await connect({ servers: server.url });
    try {
      const jsm = await jetstreamManager(nc);
      // Made in the background of that reserve: give it the few replies it takes.
      const info = await vi.waitFor(() => jsm.consumers.info(`XQ_${name}`, "band-28"), { timeout: 5_000, interval: 20 });
      expect(info.config.filter_subject).toBe(`xq.${name}.r.28`);
      expect(info.num_pending).toBe(0);
    } finally {
      await nc.close();
    }
  });
});

describe("delays", () => {
  it("a delayed enqueue counts no attempt, and a delayed release shows as delayed, not held", async () => {
    const queue = open();
    const sent = await queue.enqueue({ payload: "later", delayMs: 300 });
    expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 1 });
    const first = await mustReserve(queue, 5_000);
    expect(first.message.id).toBe(sent.id);
    expect(first.message.header.attempts).toBe(0);
    await first.release({ delayMs: 60_000 });
    expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 1, reserved: 0 });
    expect((await queue.inspect(sent.id))?.state).toBe("delayed");
  });
});

describe("inspect", () => {
  it("tells ready, reserved and buried apart, and keeps a bury reason with line breaks", async () => {
    const queue = open();
    const ready = await queue.enqueue({ payload: "r", priority: 5 });
    const held = await queue.enqueue({ payload: "h", priority: 0 });
    const job = await mustReserve(queue);
    expect(job.message.id).toBe(held.id);
    expect((await queue.inspect(ready.id))?.state).toBe("ready");
    const info = await queue.inspect(held.id);
    expect(info?.state).toBe("reserved");
    expect(info?.leaseEndsAt).toBeGreaterThan(Date.now());
    await job.bury("line one\nline two");
    expect(await queue.inspect(held.id)).toMatchObject({ state: "buried", buryReason: "line one\nline two" });
  });
});

describe("ids", () => {
  it("refuses a duplicate within the window and in a batch, and accepts the id again after it", async () => {
    const queue = open({ duplicateWindowMs: 1_000 });
    await queue.enqueue({ id: "order-1", payload: 1 });
    await expect(queue.enqueue({ id: "order-1", payload: 2 })).rejects.toBeInstanceOf(InvalidArgumentError);
    const batch = await queue.enqueueMany([{ id: "order-2" }, { id: "order-2" }, { id: "bad id!" }, { id: "order-3" }]);
    expect(batch.map((r) => r.ok)).toEqual([true, false, false, true]);
    expect(batch[1]?.ok === false && batch[1].error).toBeInstanceOf(InvalidArgumentError);
    await sleep(1_500);
    await queue.enqueue({ id: "order-1", payload: 3 });
    expect((await queue.stats()).ready).toBe(4);
  });
});

describe("kick", () => {
  it("two adapters kicking at once move each buried job once", async () => {
    const queue = open();
    const other = open({ queue: queue.queue });
    for (let i = 0; i < 6; i++) await queue.enqueue({ payload: i });
    for (let i = 0; i < 6; i++) await (await mustReserve(queue)).bury(`b${String(i)}`);
    const [a, b] = await Promise.all([queue.kick(10), other.kick(10)]);
    expect(a + b).toBe(6);
    expect(await queue.stats()).toMatchObject({ ready: 6, buried: 0 });
  });
});

describe("size", () => {
  it("refuses a job above the server's max_payload with JobTooBigError", async () => {
    const queue = open();
    const error = await queue.enqueue({ payload: "x".repeat(1_100_000) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobTooBigError);
    expect(error).toMatchObject({ limit: 1_048_576 });
    await queue.enqueue({ payload: "still connected" });
  });
});

describe("close", () => {
  it("hands held jobs back at once, not after their lease", async () => {
    const queue = open({ leaseMs: 60_000 });
    const other = open({ queue: queue.queue, leaseMs: 60_000 });
    const sent = await queue.enqueue({ payload: "held" });
    await mustReserve(queue);
    await queue.close();
    const again = await other.reserve({ timeoutMs: 2_000 });
    expect(again?.message.id).toBe(sent.id);
    expect(again?.message.header.attempts).toBe(1);
  });
});

describe("connections", () => {
  it("leaves a connection it was given open", async () => {
    const nc = await connect({ servers: server.url });
    const queue = createNatsQueue({ connection: nc, queue: freshQueueName() });
    await queue.enqueue({ payload: 1 });
    await queue.close();
    expect(nc.isClosed()).toBe(false);
    await nc.close();
  });

  it("a server that is not there fails calls with ConnectionError", async () => {
    const queue = open({ servers: `nats://127.0.0.1:${String(await freePort())}` });
    await expect(queue.enqueue({ payload: 1 })).rejects.toBeInstanceOf(ConnectionError);
  });

  it("removes and logs a message that is not a job, then hands out the next", async () => {
    const logged: LogFields[] = [];
    const log = (fields: LogFields) => void logged.push(fields);
    const queue = open({ logger: { debug: log, info: log, warn: log, error: log } });
    await queue.stats();
    const nc = await connect({ servers: server.url });
    const { jetstream } = await import("@nats-io/jetstream");
    await jetstream(nc).publish(`xq.${queue.queue}.r.5`, "not json");
    await nc.close();
    const sent = await queue.enqueue({ payload: "ok", priority: 6 });
    expect((await mustReserve(queue)).message.id).toBe(sent.id);
    expect(logged).toHaveLength(1);
    expect(await queue.stats()).toMatchObject({ ready: 0, reserved: 1 });
  });
});

describe("list", () => {
  it("lists a job whose lease ran out as reserved until a reserve hands it out again", async () => {
    const queue = open({ leaseMs: 200 });
    const sent = await queue.enqueue({ requestType: "slow", payload: 1 });
    await mustReserve(queue);
    await sleep(400);
    const reserved = await queue.list({ state: "reserved" });
    expect(reserved.jobs.map((job) => job.id)).toEqual([sent.id]);
    expect((await queue.list({ state: "ready" })).jobs).toEqual([]);
    const again = await mustReserve(queue);
    expect(again.message.header.attempts).toBe(1);
  });
});

describe("progress", () => {
  it("a job handed out again after its lease ran out starts without the old holder's progress", async () => {
    const queue = open({ leaseMs: 300 });
    await queue.enqueue({ payload: "long" });
    const first = await mustReserve(queue);
    await first.progress?.({ step: 3 });
    expect((await queue.list({ state: "reserved" })).jobs[0]?.progress).toEqual({ step: 3 });
    await sleep(500);
    const second = await mustReserve(queue, 2_000);
    expect(second.message.header.attempts).toBe(1);
    expect((await queue.list({ state: "reserved" })).jobs[0]?.progress).toBeUndefined();
    await second.ack();
    expect((await queue.stats()).extra).toMatchObject({ messages: 0 });
  });
});

describe("delete from another process", () => {
  async function marks(queue: NatsQueue): Promise<string[]> {
    const nc = await connect({ servers: server.url });
    try {
      const reply = await nc.request(`$JS.API.STREAM.INFO.XQ_${queue.queue}`, JSON.stringify({ subjects_filter: `xq.${queue.queue}.x.*` }));
      return Object.keys(reply.json<{ state: { subjects?: Record<string, number> } }>().state.subjects ?? {});
    } finally {
      await nc.close();
    }
  }

  it("makes the holder's ack, touch and release fail with LeaseLostError; the other jobs in flight are acknowledged", async () => {
    const holder = open({ leaseMs: 60_000 });
    const operator = open({ queue: holder.queue });
    const sent = await holder.enqueueMany(Array.from({ length: 12 }, (_, i) => ({ payload: i })));
    const held = await Promise.all(sent.map(() => mustReserve(holder)));
    // In the middle of the stream: below its first sequence a copy is known gone without a mark.
    const victims = [held[4], held[6], held[8]];
    for (const job of victims) expect(await operator.delete(job?.message.id ?? "")).toBe(true);
    const others = held.filter((job) => !victims.includes(job));
    const [touched, acked, released, rest] = await Promise.allSettled([
      victims[0]?.touch(),
      victims[1]?.ack(),
      victims[2]?.release(),
      ...others.map((job) => job.ack()),
    ]).then((outcomes) => [outcomes.slice(0, 1), outcomes.slice(1, 2), outcomes.slice(2, 3), outcomes.slice(3)] as const);
    expect(rest.map((outcome) => outcome.status)).toEqual(others.map(() => "fulfilled"));
    for (const outcome of [...touched, ...acked, ...released]) {
      expect(outcome.status === "rejected" && (outcome.reason as Error).name).toBe("LeaseLostError");
    }
    const { ready, reserved } = await holder.stats();
    expect({ ready, reserved }).toEqual({ ready: 0, reserved: 0 });
  });

  it("marks only copies a consumer handed out, and drops a mark once it is older than any lease", async () => {
    // The operator's wall clock runs 10 minutes ahead when it looks again: the mark is old by then.
    let ahead = 0;
    const time: TimeSource = { ...systemTime, wallNow: () => Date.now() + ahead };
    const holder = open({ leaseMs: 60_000 });
    const operator = open({ queue: holder.queue, leaseMs: 60_000, time });
    const never = await holder.enqueue({ payload: "never handed out" });
    expect(await operator.delete(never.id)).toBe(true);
    expect(await marks(holder)).toEqual([]);
    const taken = await holder.enqueue({ payload: "handed out" });
    const job = await mustReserve(holder);
    expect(await operator.delete(taken.id)).toBe(true);
    expect(await marks(holder)).toHaveLength(1);
    await expect(job.ack()).rejects.toThrow(LeaseLostError);
    // The holder's check, within the lease, keeps the mark.
    await holder.enqueue({ payload: "next" });
    await (await mustReserve(holder)).ack();
    expect(await marks(holder)).toHaveLength(1);
    ahead = 600_001;
    await operator.enqueue({ payload: "later" });
    await (await mustReserve(operator)).ack();
    const deadline = Date.now() + 5_000;
    while ((await marks(holder)).length > 0 && Date.now() < deadline) await sleep(20);
    expect(await marks(holder)).toEqual([]);
  });
});
