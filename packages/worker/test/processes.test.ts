/**
 * Worker processes on one file queue: signals (SIGTERM/SIGINT to a worker process), several
 * processes sharing a queue and a process killed mid-job (faults/kill-worker.test.ts
 * kills them mid-stream). Each child exits by itself once its worker has stopped: that also proves
 * the worker leaves no timer or handle behind.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { QueueAdapter } from "@x/message";
import { createFileQueue } from "@x/queue-file";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { until } from "./helpers.js";
import { readHandlerLog, spawnWorkerProcess, type WorkerChild, type WorkerProcessConfig } from "./worker-processes.js";

let dir: string;
let log: string;
let queue: QueueAdapter;
const children: WorkerChild[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "x-worker-proc-"));
  log = join(dir, "handled.log");
  await writeFile(log, "");
  queue = createFileQueue({ dir: join(dir, "queue"), ttrMs: 60_000, fsync: false });
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.process.exitCode === null) child.process.kill("SIGKILL");
  await queue.close();
  await rm(dir, { recursive: true, force: true });
});

function startWorker(config: Omit<WorkerProcessConfig, "dir" | "log">): WorkerChild {
  const child = spawnWorkerProcess({ dir: join(dir, "queue"), log, ...config });
  children.push(child);
  return child;
}

const logLines = (): Promise<string[][]> => readHandlerLog(log);

describe("worker processes on the file queue", () => {
  it("SIGTERM while a handler runs settles that job, reserves nothing more and exits 0", async () => {
    const first = await queue.enqueue({ requestType: "slow" });
    const second = await queue.enqueue({ requestType: "slow" });
    const child = startWorker({ slowMs: 800 });
    await until(() => child.stdout.includes(`started ${first.id}`), "the first job to start", 60_000);
    child.process.kill("SIGTERM");
    const exit = await child.exited;
    expect(exit, child.stderr).toEqual({ code: 0, signal: null });
    expect(child.result()).toMatchObject({ reason: "signal", counters: { reserved: 1, succeeded: 1, retried: 0 } });
    expect((await logLines()).map(([event, , id]) => [event, id])).toEqual([
      ["started", first.id],
      ["done", first.id],
    ]);
    expect(await queue.stats()).toMatchObject({ ready: 1, reserved: 0 });
    expect((await queue.peek(second.id))?.header.attempts).toBe(0);
  });

  it("SIGTERM with a handler that never resolves: released at the deadline, nothing left reserved, exit 0", async () => {
    const job = await queue.enqueue({ requestType: "hang" });
    const child = startWorker({ shutdownTimeoutMs: 300 });
    await until(() => child.stdout.includes(`started ${job.id}`), "the job to start", 60_000);
    child.process.kill("SIGTERM");
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.result()).toMatchObject({ reason: "signal", counters: { retried: 1, succeeded: 0 } });
    expect(await queue.stats()).toMatchObject({ ready: 1, reserved: 0 });
  });

  it("a second SIGINT skips the shutdown deadline", async () => {
    const job = await queue.enqueue({ requestType: "hang" });
    const child = startWorker({ shutdownTimeoutMs: 3_600_000 });
    await until(() => child.stdout.includes(`started ${job.id}`), "the job to start", 60_000);
    child.process.kill("SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.process.kill("SIGINT");
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(await queue.stats()).toMatchObject({ ready: 1, reserved: 0 });
  });

  it("4 worker processes on one directory handle 1000 jobs exactly once and leave the queue empty", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) ids.add((await queue.enqueue({ requestType: "success", payload: i })).id);
    const workers = Array.from({ length: 4 }, () => startWorker({ shutdownAfterEmptyIterations: 5, concurrency: 2 }));
    const exits = await Promise.all(workers.map((w) => w.exited));
    expect(
      exits.every((e) => e.code === 0),
      workers.map((w) => w.stderr).join("\n"),
    ).toBe(true);
    const done = (await logLines()).filter(([event]) => event === "done").map(([, , id]) => id);
    expect(done).toHaveLength(1000);
    expect(new Set(done)).toEqual(ids);
    expect(workers.reduce((sum, w) => sum + (w.result()?.counters.succeeded ?? 0), 0)).toBe(1000);
    expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, reserved: 0, buried: 0 });
  });

  it("a worker killed -9 mid-job; after the lease another worker finishes the job as attempt 2", async () => {
    const job = await queue.enqueue({ requestType: "slow" });
    const doomed = startWorker({ ttrMs: 500, slowMs: 3_600_000 });
    await until(() => doomed.stdout.includes(`started ${job.id}`), "the job to start", 60_000);
    doomed.process.kill("SIGKILL");
    expect((await doomed.exited).signal).toBe("SIGKILL");
    const rescuer = startWorker({ ttrMs: 500, slowMs: 10 });
    await until(async () => (await logLines()).some(([event]) => event === "done"), "the rescuer to finish the job", 60_000);
    rescuer.process.kill("SIGTERM");
    expect((await rescuer.exited).code).toBe(0);
    expect((await logLines()).map(([event, , id, attempt]) => [event, id, attempt])).toEqual([
      ["started", job.id, "1"],
      ["started", job.id, "2"],
      ["done", job.id, "2"],
    ]);
    expect(await queue.stats()).toMatchObject({ ready: 0, reserved: 0, buried: 0 });
  });
});
