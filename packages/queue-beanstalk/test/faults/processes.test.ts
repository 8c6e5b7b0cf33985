/**
 * Faults against real processes: a worker process killed with SIGKILL mid-job, a process that
 * holds a job past its TTR without dying, beanstalkd killed with SIGKILL and restarted on its
 * binlog, connections cut under a blocked reserve (server restart, or a proxy dropping the
 * sockets). Each test counts what was lost: nothing may be. Under `pnpm soak` the outages are
 * longer (past `connectTimeoutMs`) and repeated.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { LeaseLostError } from "@x/message";
import { type RunningServer, soakScale, startBeanstalkd } from "@x/test-servers";
import { createWorker } from "@x/worker";
import { afterEach, describe, expect, it } from "vitest";
import { type BeanstalkQueue, createBeanstalkQueue } from "../../src/index.js";
import { type FixtureProcess, freshTube, startFixtureProcess, startProxy, until } from "../helpers.js";
import { describeRejections, Ledger, startProducers } from "./scenario.js";

/** How long beanstalkd stays dead: longer than `connectTimeoutMs` (10 s) under soak, so calls fail meanwhile. */
const OUTAGE_MS = soakScale(4_000, 30_000);
const OUTAGES = soakScale(1, 3);

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function server(options: { binlog?: boolean } = {}): Promise<RunningServer> {
  const started = await startBeanstalkd(options);
  cleanup.push(async () => {
    await started[Symbol.asyncDispose]();
  });
  return started;
}

function queueOn(port: number, tube: string, ttrMs = 60_000): BeanstalkQueue {
  const queue = createBeanstalkQueue({ port, tube, ttrMs, reconnectDelayMs: 50, maxReconnectDelayMs: 500 });
  cleanup.push(() => queue.close());
  return queue;
}

function fixtureProcess(name: "worker-process" | "holder-process", config: Record<string, unknown>): FixtureProcess {
  const child = startFixtureProcess(name, config);
  cleanup.push(async () => {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill("SIGTERM");
      await child.exited;
    }
  });
  return child;
}

describe("faults", () => {
  it("a worker process killed with SIGKILL mid-job: the job is handed out again (attempt 2) and completes, nothing lost", async () => {
    const bs = await server();
    const tube = freshTube();
    const queue = queueOn(bs.port, tube);
    const victim = await queue.enqueue({ requestType: "work", payload: "dies with its worker", priority: 0 });
    const others: string[] = [];
    for (let i = 0; i < 5; i++) others.push((await queue.enqueue({ requestType: "work", payload: i })).id);

    // Every first delivery hangs in this process, so it is killed holding the victim. The kernel
    // closes its sockets and beanstalkd puts the job back at once (before its TTR would end).
    const doomed = fixtureProcess("worker-process", { host: bs.host, port: bs.port, tube, ttrMs: 60_000, hangFirstAttempt: true });
    await until(() => doomed.field("started").some(([id]) => id === victim.id), "the victim to start in the doomed worker");
    expect((await queue.inspect(victim.id))?.state).toBe("reserved");
    doomed.process.kill("SIGKILL");
    await doomed.exited;

    const rescuer = fixtureProcess("worker-process", { host: bs.host, port: bs.port, tube, ttrMs: 60_000 });
    await until(() => [victim.id, ...others].every((id) => rescuer.done().includes(id)), "the rescuer to finish every job");
    const attempts = rescuer.lines.filter((l) => l.startsWith(`done ${victim.id} `));
    // The victim's second run: the killed delivery counts as an attempt.
    expect(attempts).toEqual([`done ${victim.id} 2`]);
    expect(await queue.stats()).toMatchObject({ ready: 0, reserved: 0, delayed: 0, buried: 0 });
  });

  it("a process that holds a job past its TTR without dying: the job is handed out again (attempt 2) and completes", async () => {
    const bs = await server();
    const tube = freshTube();
    const queue = queueOn(bs.port, tube);
    const sent = await queue.enqueue({ requestType: "work", payload: "forgotten", header: { ttr: 1 } });
    // Alive, its socket open, the job neither settled nor touched. beanstalkd 1.12 does not time
    // out the job of such a quiet connection by itself; the holder's adapter gives it back.
    const holder = fixtureProcess("holder-process", { host: bs.host, port: bs.port, tube, ttrMs: 1_000 });
    await until(() => holder.field("holding").length > 0, "the holder to reserve the job");
    expect(holder.field("holding")).toEqual([[sent.id, "0"]]);

    const rescuer = fixtureProcess("worker-process", { host: bs.host, port: bs.port, tube, ttrMs: 60_000 });
    await until(() => rescuer.done().includes(sent.id), "the rescuer to finish the job");
    expect(rescuer.field("done")).toEqual([[sent.id, "2"]]);
    // The holder's late ack is refused: its lease is gone.
    await until(() => holder.field("lost").length > 0 || holder.field("acked").length > 0, "the holder's late ack");
    expect(holder.field("lost")).toEqual([[sent.id, "LeaseLostError"]]);
    expect(await queue.stats()).toMatchObject({ ready: 0, reserved: 0, delayed: 0, buried: 0 });
  });

  it("beanstalkd killed with SIGKILL, down for seconds, restarted on its binlog: every confirmed job is handled, producer and worker resume by themselves", async () => {
    const bs = await server({ binlog: true });
    const tube = freshTube();
    const queue = queueOn(bs.port, tube);
    const worker = fixtureProcess("worker-process", { host: bs.host, port: bs.port, tube, concurrency: 4, workMs: 20 });
    await until(() => worker.lines.includes("ready"), "the worker process to start");
    const producers = startProducers(queue, 2, 5);
    const handled = (): Set<string> => new Set(worker.done());

    let waitingAtCrashes = 0;
    for (let outage = 0; outage < OUTAGES; outage++) {
      // The worker is slower than the producers, so confirmed jobs wait in the server when it dies:
      // they can only be handled later if the binlog brought them back.
      const before = producers.confirmed.size;
      await until(() => {
        const done = handled();
        // More than the 50 asserted below: the worker keeps handling jobs while the kill lands.
        return producers.confirmed.size >= before + 100 && [...producers.confirmed].filter((id) => !done.has(id)).length >= 80;
      }, "a backlog of confirmed jobs");
      await bs.kill();
      const done = handled();
      waitingAtCrashes += [...producers.confirmed].filter((id) => !done.has(id)).length;
      await sleep(OUTAGE_MS);
      await bs.restart();
      const afterRestart = producers.confirmed.size;
      // The producer reconnects by itself too.
      await until(() => producers.confirmed.size >= afterRestart + 50, "50 more confirmed jobs after the restart");
    }
    await producers.stop();
    expect(producers.unexpected).toEqual([]);

    await until(() => {
      const done = handled();
      return [...producers.confirmed].every((id) => done.has(id));
    }, "the worker to handle every confirmed job");
    await until(async () => (await queue.stats()).ready === 0, "the tube to drain");
    const ledger = new Ledger();
    for (const id of worker.done()) ledger.record(id);
    const { lost } = ledger.report("beanstalk kill -9 + outage", producers.confirmed, {
      outages: OUTAGES,
      outageMs: OUTAGE_MS,
      waitingAtCrashes,
      rejected: describeRejections(producers.rejected),
    });
    expect(waitingAtCrashes).toBeGreaterThanOrEqual(50 * OUTAGES);
    expect(lost).toBe(0);
    // The worker process was never restarted: its reserving sockets reconnected.
    expect(worker.lines.filter((l) => l.startsWith("event connect reserver")).length).toBeGreaterThan(OUTAGES);
    expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, buried: 0 });
  });

  it("the server restarts while reserve is blocked: it reconnects and receives the next job; nothing hangs", async () => {
    const bs = await server();
    const tube = freshTube();
    const queue = queueOn(bs.port, tube);
    const events: string[] = [];
    queue.on("disconnect", (e) => events.push(`disconnect ${e.connection}`));
    queue.on("connect", (e) => events.push(`connect ${e.connection}`));
    const waiting = queue.reserve({ timeoutMs: Infinity });
    await until(async () => (await queue.stats()).extra?.["current-waiting"] === 1, "the reserve to block on the server");
    await bs.restart();
    const sent = await queue.enqueue({ payload: "after the restart" });
    const job = await waiting;
    expect(job?.message.id).toBe(sent.id);
    await job?.ack();
    expect(events.filter((e) => e === "connect reserver-1")).toHaveLength(2);
    expect(events).toContain("disconnect reserver-1");
  });

  it("sockets cut under a blocked reserve and a held job: reconnect, the held job comes back, nothing is lost", async () => {
    const bs = await server();
    const proxy = await startProxy(bs.port);
    cleanup.push(() => proxy.close());
    const tube = freshTube();
    const queue = queueOn(proxy.port, tube);
    const held = await queue.enqueue({ payload: "held when the line drops" });
    const holding = await queue.reserve();
    expect(holding?.message.id).toBe(held.id);
    const waiting = queue.reserve({ timeoutMs: Infinity });
    await until(async () => (await queue.stats()).extra?.["current-waiting"] === 1, "the reserve to block on the server");

    expect(proxy.cut()).toBe(3);
    // The holder's socket is gone, so the server put the job back: the blocked reserve gets it.
    const again = await waiting;
    expect(again?.message.id).toBe(held.id);
    // At least 1; the server may also have handed it to the dying socket of the blocked reserve.
    expect(again?.message.header.attempts).toBeGreaterThanOrEqual(1);
    await expect(holding?.ack()).rejects.toBeInstanceOf(LeaseLostError);
    await again?.ack();
    expect(await queue.peek(held.id)).toBeNull();
  });

  it("a worker keeps going through repeated connection cuts and finishes every job", async () => {
    const bs = await server();
    const proxy = await startProxy(bs.port);
    cleanup.push(() => proxy.close());
    const tube = freshTube();
    const producer = queueOn(bs.port, tube);
    const consumer = queueOn(proxy.port, tube);
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) ids.add((await producer.enqueue({ requestType: "work", payload: i })).id);
    const done = new Set<string>();
    const worker = createWorker({
      queue: consumer,
      concurrency: 4,
      pollTimeoutMs: 500,
      errorDelayMs: 50,
      handleSignals: false,
      backoff: { type: "fixed", delayMs: 0 },
      handlers: {
        work: async (_payload: unknown, ctx) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          done.add(ctx.message.id);
        },
      },
    });
    cleanup.push(() => worker.close());
    void worker.run();
    let cut = 0;
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      cut += proxy.cut();
    }
    await until(() => [...ids].every((id) => done.has(id)), "every job to be done");
    expect(cut).toBeGreaterThan(0);
    await until(async () => {
      const stats = await producer.stats();
      return stats.ready + stats.reserved + stats.delayed === 0;
    }, "the tube to drain");
    expect((await producer.stats()).buried).toBe(0);
  });
});
