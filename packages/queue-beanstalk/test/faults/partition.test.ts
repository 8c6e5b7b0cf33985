/**
 * A partition: a proxy between the adapter and a real beanstalkd stops forwarding while producers
 * and a worker run. No reset, no FIN: only timeouts can tell. The adapter must notice (commands
 * and reserves time out, sockets are dropped, calls reject with typed errors), reconnect once the
 * link is back, and lose nothing `enqueue` confirmed; duplicates come only from jobs in flight.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ConnectionError, TimeoutError } from "@x/message";
import { soakScale, startBeanstalkd, startTcpProxy } from "@x/test-servers";
import { createWorker } from "@x/worker";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type BeanstalkQueue, type BeanstalkQueueOptions, createBeanstalkQueue } from "../../src/index.js";
import { freshTube, until } from "../helpers.js";
import { describeRejections, Ledger, startProducers } from "./scenario.js";

/** What the README promises with the default options. */
const NOTICED_BY_COMMAND_MS = 5_000;
const NOTICED_BY_RESERVE_MS = 10_000;
const CONCURRENCY = 4;
const STALLS = soakScale(1, 4);
const STALL_MS = soakScale(3_000, 15_000);
const FLOW_MS = soakScale(1_000, 5_000);
/**
 * Short timeouts in the test command, so that a 3 s stall is noticed; the default ones under soak,
 * where each stall outlasts them.
 */
const DETECTION: BeanstalkQueueOptions = soakScale<BeanstalkQueueOptions>(
  { commandTimeoutMs: 1_000, connectTimeoutMs: 1_000, reserveSliceMs: 1_000, reconnectDelayMs: 50, maxReconnectDelayMs: 500 },
  { reconnectDelayMs: 50, maxReconnectDelayMs: 500 },
);

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Polls on the real clock (the adapter's may be fake). */
async function poll(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 3_000; i++) {
    if (await predicate()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("partition (stalled TCP link)", () => {
  it("with the default options a stalled link is noticed within commandTimeoutMs by a command and within reserveSliceMs + commandTimeoutMs by a waiting reserve", async () => {
    const server = await startBeanstalkd();
    cleanup.push(async () => {
      await server[Symbol.asyncDispose]();
    });
    const proxy = await startTcpProxy({ host: server.host, port: server.port });
    cleanup.push(() => proxy.close());
    const tube = freshTube();
    const direct = createBeanstalkQueue({ host: server.host, port: server.port, tube });
    cleanup.push(() => direct.close());
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    const queue = createBeanstalkQueue({ host: proxy.host, port: proxy.port, tube });
    cleanup.push(() => queue.close());
    const lost: string[] = [];
    queue.on("disconnect", ({ connection, error }) => {
      lost.push(`${connection}:${error.constructor.name}`);
    });
    await queue.enqueue({ payload: "before the partition" });
    await (await queue.reserve())?.ack();
    const waiting = queue.reserve({ timeoutMs: Infinity }).then(
      (job) => job,
      (err: unknown) => err,
    );
    await poll(async () => (await direct.stats()).extra?.["current-waiting"] === 1, "the reserve to wait on the server");

    proxy.stall();
    const put = queue.enqueue({ payload: "into the partition" }).then(
      () => "confirmed",
      (err: unknown) => err,
    );
    await sleep(50);
    await vi.advanceTimersByTimeAsync(NOTICED_BY_COMMAND_MS);
    expect(await put).toBeInstanceOf(TimeoutError);
    expect(lost).toContain("producer:TimeoutError");
    await vi.advanceTimersByTimeAsync(NOTICED_BY_RESERVE_MS - NOTICED_BY_COMMAND_MS);
    expect(lost).toContain("reserver-1:TimeoutError");

    // The link comes back: the waiting reserve reconnects by itself and gets the next job.
    proxy.resume();
    await queue.enqueue({ payload: "after the partition" });
    const settled = { done: false };
    void waiting.finally(() => {
      settled.done = true;
    });
    // The reserve's reconnect backoff runs on the fake clock.
    for (let i = 0; i < 100 && !settled.done; i++) {
      await vi.advanceTimersByTimeAsync(100);
      await sleep(20);
    }
    const job = await waiting;
    expect(job).not.toBeInstanceOf(Error);
    expect(job).not.toBeNull();
  });

  it("producers and a worker through a stalled link: noticed by timeouts, typed errors, working again after resume, nothing confirmed lost", async () => {
    const server = await startBeanstalkd();
    cleanup.push(async () => {
      await server[Symbol.asyncDispose]();
    });
    const proxy = await startTcpProxy({ host: server.host, port: server.port });
    cleanup.push(() => proxy.close());
    const tube = freshTube();
    const open = (options: BeanstalkQueueOptions): BeanstalkQueue => {
      const queue = createBeanstalkQueue({ tube, ...options });
      cleanup.push(() => queue.close());
      return queue;
    };
    const producer = open({ host: proxy.host, port: proxy.port, ...DETECTION });
    const consumer = open({ host: proxy.host, port: proxy.port, ...DETECTION });
    // Straight to the server: sees the truth while the link is stalled.
    const direct = open({ host: server.host, port: server.port });

    const phase = { stalled: false };
    const noticed: string[] = [];
    for (const queue of [producer, consumer]) {
      queue.on("disconnect", ({ connection, error }) => {
        if (phase.stalled) noticed.push(`${connection}:${error.constructor.name}`);
      });
    }
    const ledger = new Ledger();
    const worker = createWorker({
      queue: consumer,
      concurrency: CONCURRENCY,
      pollTimeoutMs: 2_000,
      errorDelayMs: 100,
      handleSignals: false,
      backoff: { type: "fixed", delayMs: 0 },
      handlers: {
        work: async (_payload: unknown, ctx) => {
          await sleep(5);
          ledger.record(ctx.message.id);
        },
      },
    });
    cleanup.push(() => worker.close());
    const working = worker.run();
    const producers = startProducers(producer, 2, 5);

    const confirmedAtResume: number[] = [];
    for (let stall = 0; stall < STALLS; stall++) {
      await sleep(FLOW_MS);
      phase.stalled = true;
      proxy.stall();
      await sleep(STALL_MS);
      proxy.resume();
      phase.stalled = false;
      confirmedAtResume.push(producers.confirmed.size);
    }
    // Working again: more jobs confirmed after the last resume.
    const last = confirmedAtResume.at(-1) ?? 0;
    await until(() => producers.confirmed.size >= last + 50, "50 more confirmed jobs after the link came back");
    await producers.stop();
    await until(() => ledger.handledAll(producers.confirmed), "every confirmed job to be handled");
    await until(async () => {
      const stats = await direct.stats();
      return stats.ready + stats.reserved + stats.delayed === 0;
    }, "the tube to drain");
    await worker.close();
    await working;

    const { lost, duplicated } = ledger.report("beanstalk partition", producers.confirmed, {
      stalls: STALLS,
      stallMs: STALL_MS,
      rejected: describeRejections(producers.rejected),
      noticed: noticed.length,
    });
    expect(producers.unexpected).toEqual([]);
    // Noticed on both sides, by timeouts (no reset ever came through the proxy).
    expect(noticed.some((n) => n.startsWith("producer:"))).toBe(true);
    expect(noticed.some((n) => n.startsWith("reserver"))).toBe(true);
    expect(noticed.every((n) => n.endsWith(`:${TimeoutError.name}`) || n.endsWith(`:${ConnectionError.name}`))).toBe(true);
    expect(lost).toBe(0);
    // A job can run twice only if its handler finished while its ack was held by the partition.
    expect(duplicated).toBeLessThanOrEqual(CONCURRENCY * STALLS);
    expect((await direct.stats()).buried).toBe(0);
  });
});
