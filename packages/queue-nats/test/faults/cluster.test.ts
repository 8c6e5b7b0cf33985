/**
 * A replicated (R3) queue on a three-node JetStream cluster: `kill -9` of the stream's leader
 * while jobs are enqueued and worked, then the loss of a second node (no quorum).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ConnectionError, InvalidArgumentError, TimeoutError } from "@x/message";
import { printFaultReport, type RunningNatsCluster, soakScale, startNatsCluster } from "@x/test-servers";
import { createWorker } from "@x/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNatsQueue, type NatsQueue } from "../../src/index.js";
import { freshQueueName } from "../helpers.js";

const JOBS = soakScale(2_000, 10_000);
const BATCH = 100;

let cluster: RunningNatsCluster;
let admin: NatsConnection;
const queues: NatsQueue[] = [];

beforeAll(async () => {
  cluster = await startNatsCluster(3);
  admin = await connect({ servers: [...cluster.urls], maxReconnectAttempts: -1, reconnectTimeWait: 250 });
}, 30_000);
afterAll(async () => {
  for (const queue of queues) await queue.close();
  await admin.close();
  await cluster.stop();
});

function open(queue: string, servers: readonly string[]): NatsQueue {
  // noRandomize: the client connects to the first server first, so the test knows which node it is on.
  const q = createNatsQueue({
    servers,
    queue,
    replicas: 3,
    leaseMs: 5_000,
    requestTimeoutMs: 2_000,
    pollIntervalMs: 100,
    nats: { noRandomize: true },
  });
  queues.push(q);
  return q;
}

/** Retries until JetStream answers: the cluster elects its meta leader a moment after start. */
async function untilReady(queue: NatsQueue): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await queue.stats();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

async function streamCluster(queue: string): Promise<{ leader: string; current: number }> {
  const jsm = await jetstreamManager(admin, { timeout: 2_000 });
  const info = await jsm.streams.info(`XQ_${queue}`);
  const replicas = info.cluster?.replicas ?? [];
  const leader = info.cluster?.leader ?? "";
  // `replicas` lists the followers; the leader is current by definition.
  return { leader, current: replicas.filter((r) => r.current && !r.offline).length + (leader === "" ? 0 : 1) };
}

function nodeIndex(name: string): number {
  return Number(name.replace("node-", ""));
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe("an R3 queue on a three-node cluster", () => {
  it("acknowledges every job it hands out: an ack is never taken for a deletion", async () => {
    const queue = open(freshQueueName("acks"), cluster.urls);
    await untilReady(queue);
    const results = await queue.enqueueMany(Array.from({ length: 300 }, (_, i) => ({ payload: i })));
    expect(results.every((r) => r.ok)).toBe(true);
    const failures: unknown[] = [];
    let acked = 0;
    const loop = async (): Promise<void> => {
      for (let job = await queue.reserve(); job; job = await queue.reserve()) {
        await job.ack().then(
          () => acked++,
          (error: unknown) => failures.push(error),
        );
      }
    };
    await Promise.all(Array.from({ length: 16 }, loop));
    expect(failures).toEqual([]);
    expect(acked).toBe(300);
  }, 60_000);

  it("a job deleted through another node fails its holder's ack with LeaseLostError, the stream leader's word", async () => {
    const name = freshQueueName("deleted");
    const [first, second] = cluster.urls;
    if (first === undefined || second === undefined) throw new Error("the cluster has three nodes");
    const holder = open(name, [first]);
    const operator = open(name, [second]);
    await untilReady(holder);
    await untilReady(operator);
    const sent = await holder.enqueueMany(Array.from({ length: 5 }, (_, i) => ({ payload: i })));
    const held = [];
    for (const _ of sent) {
      const job = await holder.reserve({ timeoutMs: 2_000 });
      if (job) held.push(job);
    }
    expect(held).toHaveLength(5);
    const victim = held[2];
    expect(await operator.delete(victim?.message.id ?? "")).toBe(true);
    const outcomes = await Promise.allSettled(held.map((job) => job.ack()));
    expect(outcomes.map((o) => (o.status === "fulfilled" ? "acked" : (o.reason as Error).name))).toEqual([
      "acked",
      "acked",
      "LeaseLostError",
      "acked",
      "acked",
    ]);
  }, 60_000);

  it("loses nothing confirmed when the stream leader is killed mid-stream; the node rejoins and catches up", async () => {
    const name = freshQueueName("r3");
    const producer = open(name, cluster.urls);
    await untilReady(producer);
    const { leader } = await streamCluster(name);
    const victim = nodeIndex(leader);
    const victimNode = cluster.nodes[victim];
    if (!victimNode) throw new Error(`no node named ${leader}`);
    // The worker's first server is the one that dies: it must move to another node by itself.
    const worker = createWorker({
      queue: open(name, [victimNode.url, ...cluster.urls.filter((url) => url !== victimNode.url)]),
      concurrency: 16,
      pollTimeoutMs: 200,
      errorDelayMs: 50,
      unexpectedErrors: "transient",
      handlers: {
        work: (_payload: unknown, ctx) => {
          deliveries.set(ctx.message.id, (deliveries.get(ctx.message.id) ?? 0) + 1);
        },
      },
    });
    const deliveries = new Map<string, number>();
    const running = worker.run();

    const confirmed = new Set<string>();
    const rejected = new Map<string, number>();
    let killedAt = -1;
    for (let sent = 0; sent < JOBS; sent += BATCH) {
      if (killedAt < 0 && sent >= JOBS / 3) {
        killedAt = confirmed.size;
        await victimNode.kill();
      }
      // A producer that keeps its ids retries what failed: JetStream refuses the repeat of a job
      // that was stored after all (its answer lost), so nothing is enqueued twice.
      let pending = Array.from({ length: BATCH }, (_, i) => ({ id: `job-${String(sent + i)}`, requestType: "work", payload: sent + i }));
      while (pending.length > 0) {
        const results = await producer.enqueueMany(pending);
        const failed: typeof pending = [];
        results.forEach((result, i) => {
          const init = pending[i];
          if (!init) return;
          if (result.ok) confirmed.add(result.message.id);
          else if (result.error instanceof InvalidArgumentError) confirmed.add(init.id);
          else {
            expect(result.error, "an enqueue fails only with a connection or timeout error").toSatisfy(
              (error: unknown) => error instanceof ConnectionError || error instanceof TimeoutError,
            );
            rejected.set(result.error.constructor.name, (rejected.get(result.error.constructor.name) ?? 0) + 1);
            failed.push(init);
          }
        });
        pending = failed;
        if (pending.length > 0) await sleep(200);
      }
    }
    await waitFor("every confirmed job to be handled", () => [...confirmed].every((id) => deliveries.has(id)), 120_000);
    const reservedBefore = worker.counters.reserved;
    await victimNode.restart();
    await waitFor("the restarted node to catch up", async () => (await streamCluster(name)).current === 3, 60_000);
    await worker.close();
    await running;

    let handled = 0;
    let duplicated = 0;
    for (const [id, count] of deliveries) {
      if (confirmed.has(id)) handled++;
      duplicated += count - 1;
    }
    const lost = confirmed.size - handled;
    printFaultReport({
      scenario: "nats-cluster-kill-leader",
      confirmed: confirmed.size,
      handled,
      lost,
      duplicated,
      inputs: JOBS,
      killedAfter: killedAt,
      rejected: [...rejected].map(([k, v]) => `${k}:${String(v)}`).join(" ") || "none",
      reserved: reservedBefore,
      succeeded: worker.counters.succeeded,
    });
    expect(lost).toBe(0);
    expect(confirmed.size).toBe(JOBS);
    // A duplicate is a job whose ack was in flight when the leader died: at most the worker's concurrency per failover.
    expect(duplicated).toBeLessThanOrEqual(16 * 2);
  }, 240_000);

  it("without a quorum, enqueue fails with a typed error instead of hanging or claiming success", async () => {
    const name = freshQueueName("quorum");
    const queue = open(name, cluster.urls);
    await untilReady(queue);
    await queue.enqueue({ payload: "before" });
    const [first, second] = cluster.nodes;
    if (!first || !second) throw new Error("the cluster has three nodes");
    await first.kill();
    await second.kill();
    try {
      const started = Date.now();
      const outcome = await queue.enqueue({ payload: "no quorum" }).then(
        () => "stored",
        (error: unknown) => error,
      );
      expect(outcome).toSatisfy((error: unknown) => error instanceof TimeoutError || error instanceof ConnectionError);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await first.restart();
      await second.restart();
    }
    await untilReady(queue);
    await waitFor(
      "the queue to take jobs again",
      () =>
        queue.enqueue({ payload: "after" }).then(
          () => true,
          () => false,
        ),
      60_000,
    );
    expect((await queue.stats()).ready).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
