import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { type EnqueuedEvent, NoDeduplicationError, type ScheduleErrorEvent, type SkippedEvent, startSchedules } from "../src/index.js";
import { ownIdsQueue, tempDirs, until } from "./helpers.js";

const tempDir = tempDirs();

describe("a queue without custom ids (beanstalkd's case)", () => {
  it("refuses to start without a stateDir, naming the queue and the remedy", () => {
    const error = (() => {
      try {
        startSchedules(ownIdsQueue(), [{ name: "tick", everyMs: 100, job: {} }]);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(NoDeduplicationError);
    expect(error).toMatchObject({ code: "ERR_X_SCHEDULE_NO_DEDUPLICATION", queue: "own-ids" });
    expect((error as Error).message).toMatch(/queue "own-ids" cannot refuse duplicate ids .* give startSchedules\(\) a `stateDir`/);
  });

  it("with a shared stateDir, three schedulers enqueue each tick once: the claim files decide", async () => {
    const queue = ownIdsQueue();
    const stateDir = tempDir();
    const enqueued: EnqueuedEvent[] = [];
    const skipped: SkippedEvent[] = [];
    const schedulers = Array.from({ length: 3 }, () => {
      const scheduler = startSchedules(queue, [{ name: "tick", everyMs: 100, job: {}, missed: "skip" }], { stateDir });
      scheduler.on("enqueued", (event) => enqueued.push(event));
      scheduler.on("skipped", (event) => skipped.push(event));
      return scheduler;
    });
    await until(() => enqueued.length >= 20);
    await Promise.all(schedulers.map((scheduler) => scheduler.close()));
    const ats = enqueued.map((event) => event.at.getTime());
    expect(new Set(ats).size).toBe(ats.length);
    const stats = await queue.stats();
    expect(stats.ready + stats.delayed).toBe(enqueued.length);
    // The markers are pruned to the latest ones, named by tick.
    const markers = readdirSync(join(stateDir, "tick")).map(Number);
    expect(Math.max(...markers)).toBe(Math.max(...ats));
    expect(skipped.every((event) => event.reason !== "duplicate")).toBe(true);
  });
});

describe("stateDir keeps the last tick across restarts", () => {
  it("missed: all catches up the latest maxCatchUp ticks of the downtime, oldest first, then runs on time", async () => {
    const queue = ownIdsQueue();
    const stateDir = tempDir();
    const schedule = { name: "tick", everyMs: 100, job: {}, missed: "all", maxCatchUp: 3 } as const;
    const first = startSchedules(queue, [schedule], { stateDir });
    const before: EnqueuedEvent[] = [];
    first.on("enqueued", (event) => before.push(event));
    await until(() => before.length >= 2);
    await first.close();
    const lastBefore = Math.max(...before.map((event) => event.at.getTime()));
    // Down long enough that more than maxCatchUp ticks are over graceMs (1 s) late.
    await delay(lastBefore + 2_500 - Date.now());

    const second = startSchedules(queue, [schedule], { stateDir });
    const after: EnqueuedEvent[] = [];
    const skipped: SkippedEvent[] = [];
    second.on("enqueued", (event) => after.push(event));
    second.on("skipped", (event) => skipped.push(event));
    await until(() => after.some((event) => !event.late));
    await second.close();

    const late = after.filter((event) => event.late).map((event) => event.at.getTime());
    const [firstLate = Number.NaN] = late;
    // maxCatchUp (3) ticks of the downtime, oldest first; on a starved machine a tick that fell due
    // while they were enqueued may follow them late too (within graceMs): consecutive all the same.
    expect(late.slice(0, 3)).toEqual([firstLate, firstLate + 100, firstLate + 200]);
    expect(late).toEqual(late.map((_, n) => firstLate + 100 * n));
    // Every tick between the last one before and the first caught up is skipped, counted once.
    expect(skipped).toEqual([{ name: "tick", reason: "missed", at: new Date(firstLate - 100), count: (firstLate - lastBefore) / 100 - 1 }]);
    const all = [...before, ...after].map((event) => event.at.getTime());
    expect(new Set(all).size).toBe(all.length);
  });
});

describe("a stateDir that cannot be used", () => {
  it("each attempt is an error event naming the failure; the scheduler retries and closes cleanly", async () => {
    const dir = tempDir();
    const notADirectory = join(dir, "file");
    writeFileSync(notADirectory, "");
    const scheduler = startSchedules(ownIdsQueue(), [{ name: "tick", everyMs: 100, job: {} }], { stateDir: notADirectory, graceMs: 50 });
    const errors: ScheduleErrorEvent[] = [];
    scheduler.on("error", (event) => errors.push(event));
    await until(() => errors.length >= 2);
    await scheduler.close();
    expect(errors[0]).toMatchObject({ name: "tick", at: undefined, error: { code: "ENOTDIR" } });
  });
});
