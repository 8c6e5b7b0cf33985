import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { TimeSource } from "@x/core";
import type { QueueAdapter } from "@x/message";
import { createFileQueue, type FileQueue } from "@x/queue-file";
import { afterEach, describe, expect, it } from "vitest";
import type { EnqueuedEvent, ScheduleErrorEvent, SkippedEvent } from "../../src/index.js";
import { startSchedules, tickJobId } from "../../src/index.js";
import { tempDirs, until } from "../helpers.js";

const tempDir = tempDirs();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

const EVERY_MS = 60_000;
const GRACE_MS = 1_000;
/** The tick every scenario is about, and the job id every scheduler gives it. */
const TICK = Date.parse("2030-01-01T00:01:00Z");
const ID = tickJobId("tick", TICK);

/**
 * A wall clock that stands still until the test moves it (so "still within graceMs" does not
 * depend on how fast the machine is), with real timers for the scheduler's short waits.
 */
function standingClock(start: number): { readonly time: TimeSource; set(ms: number): void } {
  let now = start;
  return {
    time: {
      now: () => now,
      wallNow: () => now,
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => {
        clearTimeout(handle as ReturnType<typeof setTimeout> | undefined);
      },
    },
    set: (ms) => {
      now = ms;
    },
  };
}

/** A process that stays alive until killed: the holder of a lock in the middle of its enqueue. */
async function liveProcess(): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 60_000)"], { stdio: "ignore" });
  children.push(child);
  await once(child, "spawn");
  if (child.pid === undefined) throw new Error("no pid");
  return child as ChildProcess & { pid: number };
}

/** The pid of a process that has exited (and was reaped): what a SIGKILL leaves in a lock file. */
async function deadPid(): Promise<number> {
  const child = await liveProcess();
  child.kill("SIGKILL");
  await once(child, "exit");
  return child.pid;
}

/**
 * The id lock the file queue takes for the enqueue of `ID` (`tmp/<id>.idlock`, holding the
 * holder's pid and host), as its holder leaves it when killed: the same file, planted here so
 * that the scenario does not depend on when a kill lands.
 */
function plantIdLock(queue: FileQueue, content: string): string {
  const path = join(queue.dir, "tmp", `${ID}.idlock`);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

/** A scheduler of one `tick` schedule (every minute) on `queue`, on a clock standing just before TICK. */
function scheduler(queue: FileQueue) {
  const clock = standingClock(TICK - 1);
  const calls: unknown[] = [];
  const watched: QueueAdapter = Object.assign(Object.create(queue) as QueueAdapter, {
    capabilities: queue.capabilities,
    enqueue: async (init: Parameters<QueueAdapter["enqueue"]>[0]) => {
      try {
        const message = await queue.enqueue(init);
        calls.push("stored");
        return message;
      } catch (error) {
        calls.push(error);
        throw error;
      }
    },
  });
  const running = startSchedules(watched, [{ name: "tick", everyMs: EVERY_MS, job: { requestType: "tick" } }], {
    time: clock.time,
    graceMs: GRACE_MS,
  });
  const enqueued: EnqueuedEvent[] = [];
  const skipped: SkippedEvent[] = [];
  const errors: ScheduleErrorEvent[] = [];
  running.on("enqueued", (event) => enqueued.push(event));
  running.on("skipped", (event) => skipped.push(event));
  running.on("error", (event) => errors.push(event));
  // The tick is due now, and stays on time until the test moves the clock.
  clock.set(TICK);
  const settled = (): boolean => enqueued.length + skipped.length + errors.length > 0;
  return { running, clock, calls, enqueued, skipped, errors, settled };
}

async function queueIn(dir: string): Promise<FileQueue> {
  const queue = createFileQueue({ dir });
  await queue.stats(); // creates the directory's layout, tmp/ included
  return queue;
}

describe("a scheduler process killed in the middle of its enqueue, while another tries the same tick", () => {
  it("killed holding the id lock, before it stored the job: the other tries again within graceMs and enqueues the tick", async () => {
    const queue = await queueIn(tempDir());
    // The victim holds the lock and is alive (killed a moment later, or not yet reaped): the
    // survivor's enqueue is refused as transient, not as a duplicate.
    const victim = await liveProcess();
    const lock = plantIdLock(queue, `${String(victim.pid)} ${hostname()}\n`);
    const survivor = scheduler(queue);
    await until(() => survivor.calls.length >= 2 || survivor.settled());
    expect(survivor.calls.slice(0, 2).map((call) => (call as { code?: unknown }).code)).toEqual([
      "ERR_X_FILE_QUEUE_ID_LOCKED",
      "ERR_X_FILE_QUEUE_ID_LOCKED",
    ]);
    victim.kill("SIGKILL");
    await once(victim, "exit");
    await until(survivor.settled);
    // Before the fix the first refusal was reported as an error and the tick was never tried
    // again: a victim that died holding the lock took the tick with it.
    expect(survivor.errors).toEqual([]);
    expect(survivor.enqueued.map((event) => event.message.id)).toEqual([ID]);
    expect(survivor.calls.at(-1)).toBe("stored");
    expect((await queue.peek(ID))?.header.scheduledAt).toBe(new Date(TICK).toISOString());
    expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 1, reserved: 0, buried: 0 });
    expect(await queue.inspect(ID)).toMatchObject({ state: "delayed" });
    expect(existsSync(lock)).toBe(false);
    await survivor.running.close();
    await queue.close();
  });

  it("killed after it stored the job, before it released the lock: the other's copy is refused, the tick is there once", async () => {
    const dir = tempDir();
    const queue = await queueIn(dir);
    const victimQueue = createFileQueue({ dir });
    await victimQueue.enqueue({ id: ID, requestType: "tick", delay: new Date(TICK + 2 * GRACE_MS) });
    await victimQueue.close();
    plantIdLock(queue, `${String(await deadPid())} ${hostname()}\n`);
    const survivor = scheduler(queue);
    await until(survivor.settled);
    expect(survivor.errors).toEqual([]);
    expect(survivor.enqueued).toEqual([]);
    expect(survivor.skipped).toEqual([{ name: "tick", at: new Date(TICK), reason: "duplicate", count: 1 }]);
    expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 1 });
    await survivor.running.close();
    await queue.close();
  });

  it("killed holding the lock, with a half-written job in tmp/: the lock is broken and the other enqueues the tick", async () => {
    const queue = await queueIn(tempDir());
    const victim = await deadPid();
    plantIdLock(queue, `${String(victim)} ${hostname()}\n`);
    // The temp file the victim was writing when it died (named as the file queue names them).
    writeFileSync(join(queue.dir, "tmp", `${victim.toString(36)}-0000abcd.tmp`), '{"id":"sched.tick.');
    const survivor = scheduler(queue);
    await until(survivor.settled);
    expect(survivor.errors).toEqual([]);
    expect(survivor.enqueued.map((event) => event.message.id)).toEqual([ID]);
    expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 1 });
    await survivor.running.close();
    await queue.close();
  });

  it("killed between creating the lock file and writing its pid: the tick is reported as an error once graceMs is over, never lost silently", async () => {
    const queue = await queueIn(tempDir());
    // An empty lock names no holder: the file queue cannot judge it and keeps it for a minute.
    plantIdLock(queue, "");
    const survivor = scheduler(queue);
    await until(() => survivor.calls.length >= 2 || survivor.settled());
    expect(survivor.settled()).toBe(false);
    survivor.clock.set(TICK + GRACE_MS);
    await until(survivor.settled);
    expect(survivor.enqueued).toEqual([]);
    expect(survivor.skipped).toEqual([]);
    expect(survivor.errors.map((event) => [event.at?.getTime(), (event.error as { code?: unknown }).code])).toEqual([
      [TICK, "ERR_X_FILE_QUEUE_ID_LOCKED"],
    ]);
    await survivor.running.close();
    await queue.close();
  });
});
