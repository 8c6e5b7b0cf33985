import { systemTime, type TimeSource } from "@x/core";
import { createMemoryQueue, type QueueAdapter } from "@x/message";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ScheduleDefinition } from "./definition.js";
import type { EnqueuedEvent, ScheduleErrorEvent, SkippedEvent } from "./events.js";
import type { ScheduleOptions } from "./options.js";
import { type Scheduler, startSchedules } from "./scheduler.js";

beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") });
});
afterEach(() => {
  vi.useRealTimers();
});

interface Recorded {
  readonly scheduler: Scheduler;
  readonly enqueued: EnqueuedEvent[];
  readonly skipped: SkippedEvent[];
  readonly errors: ScheduleErrorEvent[];
  /** `at` of each enqueued tick, ISO, in order. */
  ats(): string[];
}

function start(queue: QueueAdapter, schedules: ScheduleDefinition[], options?: ScheduleOptions): Recorded {
  const scheduler = startSchedules(queue, schedules, options);
  const enqueued: EnqueuedEvent[] = [];
  const skipped: SkippedEvent[] = [];
  const errors: ScheduleErrorEvent[] = [];
  scheduler.on("enqueued", (event) => enqueued.push(event));
  scheduler.on("skipped", (event) => skipped.push(event));
  scheduler.on("error", (event) => errors.push(event));
  return { scheduler, enqueued, skipped, errors, ats: () => enqueued.map((event) => event.at.toISOString()) };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("a scheduler on a fake clock", () => {
  it("enqueues each tick once, with a deterministic id, held back 2 x graceMs", async () => {
    const queue = createMemoryQueue();
    const run = start(queue, [{ name: "every-30s", everyMs: 30_000, job: { requestType: "ping", payload: { n: 1 } } }]);
    await vi.advanceTimersByTimeAsync(90_000);
    expect(run.ats()).toEqual(["2026-01-01T00:00:30.000Z", "2026-01-01T00:01:00.000Z", "2026-01-01T00:01:30.000Z"]);
    const first = run.enqueued[0]?.message;
    expect(first?.id).toBe(`sched.every-30s.${String(Date.parse("2026-01-01T00:00:30Z"))}`);
    expect(first?.header).toMatchObject({ requestType: "ping", schedule: "every-30s", scheduledAt: "2026-01-01T00:00:30.000Z" });
    expect(first?.header.delay?.toISOString()).toBe("2026-01-01T00:00:32.000Z");
    expect(first?.body.payload).toEqual({ n: 1 });
    expect(run.enqueued.every((event) => !event.late)).toBe(true);
    expect(await queue.stats()).toMatchObject({ ready: 2, delayed: 1 });
    await run.scheduler.close();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(run.enqueued).toHaveLength(3);
  });

  it("passes the tick to a job function", async () => {
    const queue = createMemoryQueue();
    const run = start(queue, [
      {
        name: "report",
        cron: "0 3 * * *",
        timezone: "UTC",
        job: ({ name, at }) => ({ payload: { name, day: at.toISOString().slice(0, 10) } }),
      },
    ]);
    await vi.advanceTimersByTimeAsync(2 * DAY);
    expect(run.enqueued.map((event) => event.message.body.payload)).toEqual([
      { name: "report", day: "2026-01-01" },
      { name: "report", day: "2026-01-02" },
    ]);
    await run.scheduler.close();
  });

  it("Europe/Berlin across spring forward and fall back: every tick once, on the shifted hour", async () => {
    vi.setSystemTime(new Date("2026-03-28T00:00:00Z"));
    const queue = createMemoryQueue();
    const run = start(queue, [
      { name: "fixed", cron: "30 2 * * *", timezone: "Europe/Berlin", job: {} },
      { name: "half-hourly", cron: "*/30 2 * * *", timezone: "Europe/Berlin", job: {} },
    ]);
    await vi.advanceTimersByTimeAsync(3 * DAY - HOUR);
    const of = (name: string) => run.enqueued.filter((event) => event.name === name).map((event) => event.at.toISOString());
    expect(of("fixed")).toEqual(["2026-03-28T01:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"]);
    expect(of("half-hourly")).toEqual([
      "2026-03-28T01:00:00.000Z",
      "2026-03-28T01:30:00.000Z",
      "2026-03-30T00:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
    await run.scheduler.close();

    vi.setSystemTime(new Date("2026-10-24T12:00:00Z"));
    const autumn = start(queue, [
      { name: "fixed", cron: "30 2 * * *", timezone: "Europe/Berlin", job: {} },
      { name: "half-hourly", cron: "*/30 2 * * *", timezone: "Europe/Berlin", job: {} },
    ]);
    await vi.advanceTimersByTimeAsync(DAY);
    expect(autumn.ats()).toEqual([
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T01:30:00.000Z",
    ]);
    expect(new Set(autumn.enqueued.map((event) => event.message.id)).size).toBe(5);
    expect(autumn.skipped).toEqual([]);
    await autumn.scheduler.close();
  });

  it("month ends and February 29", async () => {
    vi.setSystemTime(new Date("2028-02-27T00:00:00Z"));
    const queue = createMemoryQueue();
    const run = start(queue, [
      { name: "month-end", cron: "0 12 L * *", timezone: "UTC", job: {} },
      { name: "leap-day", cron: "0 0 29 2 *", timezone: "UTC", job: {} },
      { name: "the-31st", cron: "0 0 31 * *", timezone: "UTC", job: {} },
    ]);
    await vi.advanceTimersByTimeAsync(4 * DAY);
    expect(run.enqueued.map((event) => `${event.name} ${event.at.toISOString()}`)).toEqual([
      "leap-day 2028-02-29T00:00:00.000Z",
      "month-end 2028-02-29T12:00:00.000Z",
    ]);
    await run.scheduler.close();
  });

  it("a wall clock stepped forward: the ticks in the gap are missed, the latest is caught up once (the default)", async () => {
    const queue = createMemoryQueue();
    const run = start(queue, [{ name: "minutely", everyMs: 60_000, job: {} }]);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(run.ats()).toEqual(["2026-01-01T00:01:00.000Z", "2026-01-01T00:02:00.000Z"]);
    // The monotonic timer still waits its 60 s; the calendar moved an hour in one step.
    vi.setSystemTime(Date.now() + HOUR);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(run.skipped).toEqual([{ name: "minutely", at: new Date("2026-01-01T01:01:00Z"), reason: "missed", count: 59 }]);
    expect(run.enqueued.slice(2).map((event) => [event.at.toISOString(), event.late])).toEqual([
      ["2026-01-01T01:02:00.000Z", true],
      ["2026-01-01T01:03:00.000Z", false],
    ]);
    await run.scheduler.close();
  });

  it("missed: skip drops them, all catches up maxCatchUp of them", async () => {
    const queue = createMemoryQueue();
    const skip = start(queue, [{ name: "skip", everyMs: 60_000, job: {}, missed: "skip" }]);
    const all = start(queue, [{ name: "all", everyMs: 60_000, job: {}, missed: "all", maxCatchUp: 3 }]);
    await vi.advanceTimersByTimeAsync(60_000);
    // The timers still wait their 60 s: they wake at 00:12, ten ticks late.
    vi.setSystemTime(Date.now() + 10 * 60_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(skip.ats()).toEqual(["2026-01-01T00:01:00.000Z", "2026-01-01T00:12:00.000Z"]);
    expect(skip.skipped).toMatchObject([{ reason: "missed", count: 10, at: new Date("2026-01-01T00:11:00Z") }]);
    expect(all.enqueued.map((event) => [event.at.toISOString().slice(11, 16), event.late])).toEqual([
      ["00:01", false],
      ["00:09", true],
      ["00:10", true],
      ["00:11", true],
      ["00:12", false],
    ]);
    expect(all.skipped).toMatchObject([{ reason: "missed", count: 7 }]);
    await skip.scheduler.close();
    await all.scheduler.close();
  });

  it("a wall clock stepped back: no tick is enqueued twice, and ticks resume once the clock passes them again", async () => {
    const queue = createMemoryQueue();
    const run = start(queue, [{ name: "minutely", everyMs: 60_000, job: {} }]);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    vi.setSystemTime(Date.now() - HOUR);
    await vi.advanceTimersByTimeAsync(HOUR + 3 * 60_000);
    expect(run.ats()).toHaveLength(13);
    expect(run.ats().at(-1)).toBe("2026-01-01T00:13:00.000Z");
    expect(new Set(run.ats()).size).toBe(13);
    expect(run.skipped).toEqual([]);
    await run.scheduler.close();
  });

  it("two schedulers on one queue: each tick enqueued once, the other is refused by id", async () => {
    const queue = createMemoryQueue();
    const a = start(queue, [{ name: "tick", everyMs: 1_000, job: {} }]);
    const b = start(queue, [{ name: "tick", everyMs: 1_000, job: {} }]);
    await vi.advanceTimersByTimeAsync(20_000);
    const ats = [...a.ats(), ...b.ats()].sort();
    expect(ats).toHaveLength(20);
    expect(new Set(ats).size).toBe(20);
    expect(a.skipped.length + b.skipped.length).toBe(20);
    expect([...a.skipped, ...b.skipped].every((event) => event.reason === "duplicate")).toBe(true);
    await a.scheduler.close();
    await b.scheduler.close();
  });

  it("a second scheduler up to graceMs late finds the job still live, even though workers ack every job at once", async () => {
    const queue = createMemoryQueue();
    // b's wall clock is 900 ms behind: it sees each tick 900 ms after a, within the 1 s grace.
    const behind: TimeSource = { ...systemTime, wallNow: () => Date.now() - 900 };
    const a = start(queue, [{ name: "tick", everyMs: 1_000, job: {} }]);
    const b = start(queue, [{ name: "tick", everyMs: 1_000, job: {} }], { time: behind });
    const acked: string[] = [];
    for (let step = 0; step < 300; step++) {
      await vi.advanceTimersByTimeAsync(100);
      for (let r = await queue.reserve(); r !== null; r = await queue.reserve()) {
        acked.push(r.message.id);
        await r.ack();
      }
    }
    expect(acked.length).toBeGreaterThanOrEqual(27);
    expect(new Set(acked).size).toBe(acked.length);
    expect(b.skipped.filter((event) => event.reason === "duplicate").length).toBeGreaterThanOrEqual(27);
    // b started "earlier" by its clock, so it alone had the first tick; every later one was a's.
    expect(b.ats()).toEqual(["2026-01-01T00:00:00.000Z"]);
    expect(new Set([...a.ats(), ...b.ats()]).size).toBe(a.enqueued.length + b.enqueued.length);
    await a.scheduler.close();
    await b.scheduler.close();
  });

  it("a job function that throws, and a queue that fails, are reported per tick and the schedule goes on", async () => {
    const queue = createMemoryQueue();
    let calls = 0;
    const run = start(queue, [
      {
        name: "flaky",
        everyMs: 60_000,
        job: () => {
          calls++;
          if (calls === 1) throw new Error("no payload today");
          return { payload: calls === 2 ? { big: 10n } : { ok: true } };
        },
      },
    ]);
    await vi.advanceTimersByTimeAsync(3 * 60_000);
    expect(run.errors.map((event) => [event.at?.toISOString(), String(event.error)])).toEqual([
      ["2026-01-01T00:01:00.000Z", "Error: no payload today"],
      ["2026-01-01T00:02:00.000Z", expect.stringMatching(/InvalidArgumentError/) as unknown],
    ]);
    expect(run.ats()).toEqual(["2026-01-01T00:03:00.000Z"]);
    await run.scheduler.close();
  });

  it("close() is idempotent and is Symbol.asyncDispose; the signal closes too; the queue stays open", async () => {
    const queue = createMemoryQueue();
    const controller = new AbortController();
    const run = start(queue, [{ name: "tick", everyMs: 1_000, job: {} }], { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(1_000);
    controller.abort();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(run.enqueued).toHaveLength(1);
    await Promise.all([run.scheduler.close(), run.scheduler[Symbol.asyncDispose]()]);
    await run.scheduler.close();
    await queue.enqueue({ payload: "still open" });

    const aborted = AbortSignal.abort();
    const never = start(queue, [{ name: "tick", everyMs: 1_000, job: {} }], { signal: aborted });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(never.enqueued).toEqual([]);
  });

  it("a logger hears about enqueues at debug, skipped missed ticks at warn, failures at error, in pino's order", async () => {
    const lines: [string, Record<string, unknown>, string][] = [];
    const at = (level: string) => (fields: Record<string, unknown>, message: string) => lines.push([level, fields, message]);
    const queue = createMemoryQueue();
    let calls = 0;
    const run = start(queue, [{ name: "bad", everyMs: 60_000, missed: "skip", job: () => ({ payload: { n: calls++ === 0 ? 1n : 1 } }) }], {
      logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
    });
    await vi.advanceTimersByTimeAsync(120_000);
    vi.setSystemTime(Date.now() + 5 * 60_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(lines.map(([level, , message]) => `${level} ${message}`)).toEqual([
      "error tick not enqueued",
      "debug tick enqueued",
      "warn missed ticks skipped",
      "debug tick enqueued",
    ]);
    expect(lines[0]?.[1]).toMatchObject({ schedule: "bad", at: new Date("2026-01-01T00:01:00Z") });
    expect(lines[2]?.[1]).toMatchObject({ schedule: "bad", count: 5 });
    await run.scheduler.close();
  });

  it("close() waits for an enqueue in flight", async () => {
    const inner = createMemoryQueue();
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: QueueAdapter = Object.assign(Object.create(inner) as QueueAdapter, {
      capabilities: inner.capabilities,
      enqueue: async (init: Parameters<QueueAdapter["enqueue"]>[0]) => {
        await gate;
        return inner.enqueue(init);
      },
    });
    const run = start(slow, [{ name: "tick", everyMs: 1_000, job: {} }]);
    await vi.advanceTimersByTimeAsync(1_000);
    let closed = false;
    const closing = run.scheduler.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(closed).toBe(false);
    release();
    await closing;
    expect(run.enqueued).toHaveLength(1);
    expect(await inner.stats()).toMatchObject({ delayed: 0, ready: 1 });
  });
});

/** What the file queue's IdLockedError looks like to a scheduler: transient, not a refusal of the id. */
class LockedError extends Error {
  readonly transient = true;
}

/**
 * The memory queue behind an enqueue that `refuse` may fail before the queue sees it; every call
 * is recorded with the fake clock's time.
 */
function refusing(refuse: (init: Parameters<QueueAdapter["enqueue"]>[0], call: number) => Error | undefined) {
  const inner = createMemoryQueue();
  const calls: { at: number; id: string | undefined }[] = [];
  const queue: QueueAdapter = Object.assign(Object.create(inner) as QueueAdapter, {
    capabilities: inner.capabilities,
    enqueue: (init: Parameters<QueueAdapter["enqueue"]>[0]) => {
      calls.push({ at: Date.now(), id: init.id });
      const error = refuse(init, calls.length);
      return error === undefined ? inner.enqueue(init) : Promise.reject(error);
    },
  });
  return { inner, queue, calls };
}

describe("an enqueue refused transiently (another enqueue holds the id's lock, or its holder was killed holding it)", () => {
  const first = Date.parse("2026-01-01T00:01:00Z");

  it("is tried again while the tick is on time, and the tick is enqueued once the lock is free", async () => {
    const { inner, queue, calls } = refusing((_init, call) => (call <= 3 ? new LockedError("id locked") : undefined));
    const run = start(queue, [{ name: "tick", everyMs: 60_000, job: {} }]);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(run.errors).toEqual([]);
    expect(run.ats()).toEqual(["2026-01-01T00:01:00.000Z"]);
    expect(calls).toHaveLength(4);
    expect(calls.every((call) => call.id === `sched.tick.${String(first)}` && call.at < first + 1_000)).toBe(true);
    // Held back from the enqueue that succeeded, like any other.
    const last = calls[3]?.at ?? Number.NaN;
    expect(run.enqueued[0]?.message.header.delay?.getTime()).toBe(last + 2_000);
    expect(await inner.stats()).toMatchObject({ delayed: 1 });
    await run.scheduler.close();
  });

  it("a holder that stored the tick meanwhile: the retry is refused by id, a duplicate", async () => {
    const { inner, queue, calls } = refusing((init, call) => {
      if (call > 1) return undefined;
      // The lock's holder finishes its enqueue of the same tick while this one waits.
      void inner.enqueue({ ...init });
      return new LockedError("id locked");
    });
    const run = start(queue, [{ name: "tick", everyMs: 60_000, job: {} }]);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(calls).toHaveLength(2);
    expect(run.enqueued).toEqual([]);
    expect(run.errors).toEqual([]);
    expect(run.skipped).toEqual([{ name: "tick", at: new Date(first), reason: "duplicate", count: 1 }]);
    expect(await inner.stats()).toMatchObject({ delayed: 1 });
    await run.scheduler.close();
  });

  it("a lock held past graceMs: an error for that tick, never a silent loss, and the next tick goes on", async () => {
    const { queue, calls } = refusing((init) => (init.id === `sched.tick.${String(first)}` ? new LockedError("id locked") : undefined));
    const run = start(queue, [{ name: "tick", everyMs: 60_000, job: {} }]);
    await vi.advanceTimersByTimeAsync(121_000);
    expect(run.errors.map((event) => [event.at?.toISOString(), String(event.error)])).toEqual([
      ["2026-01-01T00:01:00.000Z", "Error: id locked"],
    ]);
    const tries = calls.filter((call) => call.id === `sched.tick.${String(first)}`);
    expect(tries.length).toBeGreaterThan(3);
    expect(tries.every((call) => call.at < first + 1_000)).toBe(true);
    expect(run.ats()).toEqual(["2026-01-01T00:02:00.000Z"]);
    await run.scheduler.close();
  });

  it("an error that is not transient is reported at once, without a second try", async () => {
    const { queue, calls } = refusing(() => new Error("disk on fire"));
    const run = start(queue, [{ name: "tick", everyMs: 60_000, job: {} }]);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(calls).toHaveLength(1);
    expect(run.errors.map((event) => String(event.error))).toEqual(["Error: disk on fire"]);
    await run.scheduler.close();
  });

  it("close() ends the retries: the tick is reported as not enqueued, and close() returns", async () => {
    const { queue, calls } = refusing(() => new LockedError("id locked"));
    const run = start(queue, [{ name: "tick", everyMs: 60_000, job: {} }], { graceMs: 60_000 });
    await vi.advanceTimersByTimeAsync(60_100);
    const before = calls.length;
    expect(before).toBeGreaterThan(1);
    await run.scheduler.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(before);
    expect(run.errors.map((event) => [event.at?.toISOString(), String(event.error)])).toEqual([
      ["2026-01-01T00:01:00.000Z", "Error: id locked"],
    ]);
  });
});
