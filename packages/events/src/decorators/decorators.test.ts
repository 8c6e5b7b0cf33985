import { InvalidOptionError, type TimerHandle, type TimeSource } from "@x/core";
import { describe, expect, it } from "vitest";
import type { HandlerContext } from "../actor.js";
import { decorate, filterTime, rateLimit, requires, suppress } from "./index.js";

/** A fake clock: timers fire only when the test advances it. */
function manualTime() {
  let now = 0;
  let next = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const time: TimeSource = {
    now: () => now,
    wallNow: () => now,
    setTimeout: (callback, ms) => {
      next++;
      timers.set(next, { at: now + ms, callback });
      return next;
    },
    clearTimeout: (handle: TimerHandle) => {
      timers.delete(handle as number);
    },
  };
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return {
    time,
    pending: () => timers.size,
    async advance(ms: number): Promise<void> {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
        await settle();
      }
      now = until;
      await settle();
    },
    settle,
  };
}

const context = (signal = new AbortController().signal): HandlerContext => ({
  actor: "a",
  event: "e",
  attempt: 1,
  maxAttempts: 5,
  seq: 1,
  uid: undefined,
  traceId: undefined,
  headers: {},
  signal,
});

describe("filterTime", () => {
  const seen: string[] = [];
  const record = (at: Date): void => void seen.push(at.toISOString().slice(11, 16));
  it("runs the handler only on matching times (UTC, month 1-12), like a cron line", () => {
    seen.length = 0;
    const everyFive = filterTime({ minute: [0, 5, 10, 15], hour: 3, month: 1 })(record);
    for (let minute = 0; minute < 12; minute++) everyFive(new Date(Date.UTC(2026, 0, 2, 3, minute)), context());
    everyFive(new Date(Date.UTC(2026, 1, 2, 3, 5)), context()); // February: no
    everyFive(new Date(Date.UTC(2026, 0, 2, 4, 5)), context()); // 04:05: no
    expect(seen).toEqual(["03:00", "03:05", "03:10"]);
  });
  it("refuses a pattern that cannot match", () => {
    expect(() => filterTime({ minute: 60 })).toThrow(InvalidOptionError);
    expect(() => filterTime({ month: 0 })).toThrow(/month/);
    expect(() => filterTime({ hour: [] })).toThrow(/at least one/);
    expect(() => filterTime({ minutes: 5 } as never)).toThrow(/minutes/);
  });
});

describe("rateLimit", () => {
  it("lets maxJobs start per periodMs; the next starts when the first place frees, in order", async () => {
    const clock = manualTime();
    const started: number[] = [];
    const limited = rateLimit({ maxJobs: 2, periodMs: 1_000, time: clock.time })((n: number) => void started.push(n));
    const runs = [1, 2, 3, 4, 5].map((n) => limited(n, context()));
    await clock.settle();
    expect(started).toEqual([1, 2]);
    await clock.advance(999);
    expect(started).toEqual([1, 2]);
    await clock.advance(1);
    expect(started).toEqual([1, 2, 3, 4]);
    await clock.advance(1_000);
    expect(started).toEqual([1, 2, 3, 4, 5]);
    await Promise.all(runs);
  });
  it("gives up waiting when the job's signal aborts (timeout or shutdown), without losing a place", async () => {
    const clock = manualTime();
    const started: string[] = [];
    const limited = rateLimit({ maxJobs: 1, periodMs: 1_000, time: clock.time })((s: string) => void started.push(s));
    await limited("first", context());
    const stop = new AbortController();
    const waiting = limited("timed-out", context(stop.signal));
    const later = limited("later", context());
    stop.abort(new Error("job timeout"));
    await expect(waiting).rejects.toThrow("job timeout");
    await clock.advance(1_000);
    await later;
    expect(started).toEqual(["first", "later"]);
  });
  it("requires maxJobs and periodMs", () => {
    expect(() => rateLimit({ maxJobs: 1 } as never)).toThrow(/periodMs/);
    expect(() => rateLimit({ maxJobs: 0, periodMs: 10 })).toThrow(/maxJobs/);
  });
});

describe("requires", () => {
  it("holds the handler until the predicate is true, checking every pauseMs", async () => {
    const clock = manualTime();
    let ready = false;
    let checks = 0;
    const ran: string[] = [];
    const handler = requires(
      () => {
        checks++;
        return ready;
      },
      { pauseMs: 100, time: clock.time },
    )((s: string) => void ran.push(s));
    const run = handler("x", context());
    await clock.advance(250);
    expect(ran).toEqual([]);
    expect(checks).toBe(3); // at 0, 100 and 200 ms
    ready = true;
    await clock.advance(100);
    await run;
    expect(ran).toEqual(["x"]);
  });
  it("stops waiting with the job's signal", async () => {
    const clock = manualTime();
    const stop = new AbortController();
    const run = requires(() => false, { time: clock.time })(() => undefined)(1, context(stop.signal));
    stop.abort(new Error("shutdown"));
    await expect(run).rejects.toThrow("shutdown");
    expect(clock.pending()).toBe(0);
  });
});

describe("suppress", () => {
  class NotFound extends Error {}
  it("turns the listed errors into a success, sync or async, and lets others through", async () => {
    const warnings: string[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (_: unknown, m: string) => void warnings.push(m),
      error: () => undefined,
    };
    const quiet = suppress([NotFound], { logger });
    expect(
      quiet(() => {
        throw new NotFound("gone");
      })(1, context()),
    ).toBeUndefined();
    await expect(quiet(() => Promise.reject(new NotFound("gone")))(1, context())).resolves.toBeUndefined();
    await expect(quiet(() => Promise.reject(new TypeError("bug")))(1, context())).rejects.toThrow(TypeError);
    expect(() =>
      quiet(() => {
        throw new TypeError("bug");
      })(1, context()),
    ).toThrow(TypeError);
    expect(warnings).toEqual(["suppressed error in handler", "suppressed error in handler"]);
    expect(() => suppress([])).toThrow(/at least one/);
  });
});

describe("decorate", () => {
  it("composes in reading order: the first decorator is the outermost", async () => {
    const clock = manualTime();
    class Flaky extends Error {}
    const handler = decorate(
      (n: number) => {
        if (n < 0) throw new Flaky();
        return n;
      },
      suppress([Flaky]),
      rateLimit({ maxJobs: 1, periodMs: 10, time: clock.time }),
    );
    expect(await handler(-1, context())).toBeUndefined(); // rate-limited, then suppressed
    const second = handler(2, context());
    await clock.advance(10);
    expect(await second).toBe(2);
  });
});
