import type { Logger, TimeSource } from "@x/core";
import { describe, expect, it } from "vitest";
import { FakeClock, settle } from "../test/support/fake-clock.js";
import { recordingLogger } from "../test/support/log.js";
import { functionCheck } from "./checks/function-check.js";
import type { ChecksOptions } from "./checks.js";
import { createChecks } from "./checks.js";
import type { Check, CheckContext, CheckFailure, CheckOutput, Handle, HandleContext, OnError } from "./contract.js";
import { HandleEofError, HandleReadError, InvalidCheckError, InvalidOptionError } from "./errors.js";
import { createMessage } from "./message/build.js";
import type { ProbeMessage } from "./message/types.js";

/** Fake clocks start at an epoch-like time, as the default clock does, so every check is due at start-up. */
const T0 = 1_700_000_000_000;

const msg = (aspect: string, value = 1): ProbeMessage => createMessage({ aspect, value, time: 1000 });

/** Collects every batch `runNext()` returns until the test stops. */
function collect(checks: ReturnType<typeof createChecks>): { batches: ProbeMessage[][]; all: () => ProbeMessage[]; names: () => string[] } {
  const batches: ProbeMessage[][] = [];
  const loop = async (): Promise<void> => {
    while (!checks.closed) {
      const batch = await checks.runNext();
      if (batch.length > 0) batches.push(batch);
    }
  };
  void loop();
  const all = (): ProbeMessage[] => batches.flat();
  return { batches, all, names: () => all().map((m) => m.event.name) };
}

/** A handle driven by the test: `push()` makes data available, `eof()` ends it. */
class FakeHandle implements Handle {
  opens = 0;
  closes = 0;
  failOpens = 0;
  context: HandleContext | undefined;
  #queue: ProbeMessage[] = [];
  #eof = false;
  readThrows: Error | undefined;

  checkName(): string {
    return "fake";
  }

  open(context: HandleContext): void {
    this.opens++;
    if (this.failOpens > 0) {
      this.failOpens--;
      throw new Error("cannot open");
    }
    this.context = context;
    this.#eof = false;
  }

  readMessages(): CheckOutput {
    if (this.readThrows) {
      const error = this.readThrows;
      this.readThrows = undefined;
      throw error;
    }
    if (this.#queue.length === 0 && this.#eof) throw new HandleEofError("child process terminated");
    const out = this.#queue;
    this.#queue = [];
    return out;
  }

  close(): void {
    this.closes++;
  }

  push(...messages: ProbeMessage[]): void {
    this.#queue.push(...messages);
    this.context?.readable();
  }

  eof(): void {
    this.#eof = true;
    this.context?.readable();
  }
}

describe("Checks scheduler (fake clock)", () => {
  it("runs due checks in interval order at start-up and re-queues each at last run + interval (ms precision)", async () => {
    const clock = new FakeClock(1_000_300);
    const f60 = functionCheck(
      function f60() {
        return msg("f60");
      },
      { intervalMs: 60_000 },
    );
    const f10 = functionCheck(
      function f10() {
        return msg("f10");
      },
      { intervalMs: 10_000 },
    );
    const checks = createChecks([f60, f10], { time: clock });
    const out = collect(checks);
    await clock.advance(0);
    expect(out.names()).toEqual(["f10", "f60"]);
    expect(f10.nextRun()).toBe(1_010_300);
    expect(f60.nextRun()).toBe(1_060_300);
    await clock.advance(9_999);
    expect(out.names()).toEqual(["f10", "f60"]);
    await clock.advance(1);
    expect(out.names()).toEqual(["f10", "f60", "f10"]);
    await clock.advance(50_000);
    // At 1_060_300 both are due; f60 was queued first (at start-up), so it goes first.
    expect(out.names()).toEqual(["f10", "f60", "f10", "f10", "f10", "f10", "f10", "f60", "f10"]);
    await checks.close();
  });

  it("breaks ties first in, first out (list order for equal due times)", async () => {
    const clock = new FakeClock(T0);
    const names = ["a", "b", "c", "d", "e"];
    const checks = createChecks(
      names.map((name) => functionCheck(() => msg(name), { intervalMs: 1_000 })),
      { time: clock },
    );
    const out = collect(checks);
    await clock.advance(0);
    await clock.advance(1_000);
    await clock.advance(1_000);
    expect(out.names()).toEqual([...names, ...names, ...names]);
    await checks.close();
  });

  it("keeps a fixed grid: a late run does not shift the schedule, a run more than an interval late does", () => {
    const lags: number[] = [];
    const f = functionCheck(
      (ctx) => {
        lags.push(ctx.startedAt - ctx.scheduledAt);
        return [];
      },
      { intervalMs: 1_000 },
    );
    const at = (scheduledAt: number, startedAt: number): CheckContext => ({
      id: 0,
      name: "f",
      scheduledAt,
      startedAt,
      timeoutMs: 1,
      signal: new AbortController().signal,
      logger: recordingLogger(),
    });
    // 300 ms late: stays on the grid.
    void f.run(at(11_000, 11_300));
    expect(f.nextRun()).toBe(12_000);
    // 2.5 intervals late: a new grid starts instead of a burst of catch-up runs, its phase
    // rounded down to 100 ms so that checks started together stay together.
    void f.run(at(12_000, 14_537));
    expect(f.nextRun()).toBe(15_500);
    expect(lags).toEqual([300, 2_537]);
  });

  it("a check returning [] sends nothing and runNext keeps waiting", async () => {
    const clock = new FakeClock(T0);
    let runs = 0;
    const checks = createChecks([functionCheck(() => (runs++, []), { intervalMs: 100 })], { time: clock });
    let resolved = false;
    void checks.runNext().then(() => {
      resolved = true;
    });
    await clock.advance(1_000);
    expect(runs).toBe(11);
    expect(resolved).toBe(false);
    await checks.close();
  });

  it("a check that throws is logged, re-queued at last run + interval and reports a failure state (never null)", async () => {
    const clock = new FakeClock(T0);
    const logger = recordingLogger();
    const failures: CheckFailure[] = [];
    const f = functionCheck(
      function f() {
        throw new Error("boom");
      },
      { intervalMs: 10_000 },
    );
    const checks = createChecks([f], { time: clock, logger });
    checks.on("checkFailed", (failure) => failures.push(failure));
    const out = collect(checks);
    await clock.advance(0);
    expect(logger.has("WARNING", "check raised an exception check=f() id=0 error=boom")).toBe(true);
    expect(out.all()).toHaveLength(1);
    expect(out.all()[0]).toMatchObject({
      v: 3,
      location: {},
      event: { name: "f()", state: { value: "unknown", severity: "error" }, comment: "raised exception: boom" },
    });
    expect(failures.map((x) => x.kind)).toEqual(["exception"]);
    expect(f.nextRun()).toBe(T0 + 10_000);
    await clock.advance(10_000);
    expect(out.all()).toHaveLength(2);
    expect(out.all().every((m) => (m as ProbeMessage | null) !== null)).toBe(true);
    await checks.close();
  });

  it("a check that throws a value with no string form still reports a failure state; the other checks are unaffected", async () => {
    const logger = recordingLogger();
    const checks = createChecks(
      [
        functionCheck(
          function bare() {
            throw Object.create(null) as Error;
          },
          { intervalMs: 1_000 },
        ),
        functionCheck(
          function odd() {
            // eslint-disable-next-line @typescript-eslint/only-throw-error -- the point: a thrown value that is no Error
            throw {
              toString: () => {
                throw new Error("no text");
              },
            };
          },
          { intervalMs: 1_000 },
        ),
        functionCheck(() => msg("alive"), { intervalMs: 1_000 }),
      ],
      { logger },
    );
    const messages = await checks.runOnce();
    await checks.close();
    expect(messages.map((m) => [m.event.name, m.event.state?.value])).toEqual([
      ["bare()", "unknown"],
      ["odd()", "unknown"],
      ["alive", undefined],
    ]);
    expect(messages[0]?.event.comment).toBe("raised exception: [object Object]");
    expect(logger.lines.filter((l) => l.includes("raised an exception"))).toHaveLength(2);
  });

  it("onError 'drop' sends nothing for a failed run, but still logs and reschedules", async () => {
    const clock = new FakeClock(T0);
    const logger = recordingLogger();
    let runs = 0;
    const checks = createChecks(
      [
        functionCheck(
          function f() {
            runs++;
            throw new Error("boom");
          },
          { intervalMs: 1_000 },
        ),
        functionCheck(() => msg("alive"), { intervalMs: 1_000 }),
      ],
      { time: clock, logger, onError: "drop" },
    );
    const out = collect(checks);
    await clock.advance(2_000);
    expect(runs).toBe(3);
    expect(out.names()).toEqual(["alive", "alive", "alive"]);
    expect(logger.lines.filter((l) => l.includes("raised an exception"))).toHaveLength(3);
    await checks.close();
  });

  it("a check returning undefined is logged as 'has returned nothing' and reports a failure state", async () => {
    const clock = new FakeClock(T0);
    const logger = recordingLogger();
    const f = functionCheck(
      function f() {
        return undefined as unknown as CheckOutput;
      },
      { intervalMs: 1_000 },
    );
    const checks = createChecks([f], { time: clock, logger });
    const out = collect(checks);
    await clock.advance(0);
    expect(logger.has("WARNING", "check returned nothing check=f() id=0")).toBe(true);
    expect(out.all()).toEqual([
      expect.objectContaining({ event: { name: "f()", state: { value: "unknown", severity: "error" }, comment: "returned nothing" } }),
    ]);
    await checks.close();
  });

  it("aspect and location options are written into returned dicts, without touching the original", async () => {
    const clock = new FakeClock(T0);
    const original = { v: 3, time: 5, location: {}, event: { name: "y", state: { value: "ok" } } } as const;
    const checks = createChecks([functionCheck(() => original, { intervalMs: 10_000, aspect: "x", location: { host: "h" } })], {
      time: clock,
    });
    const [first] = await checks.runNext();
    expect(first).toEqual({ v: 3, time: 5, location: { host: "h" }, event: { name: "x", state: { value: "ok" } } });
    expect(original.event.name).toBe("y");
    expect(original.location).toEqual({});
    await checks.close();
  });

  it("an async function's result (any thenable, not only a Promise) gets the aspect and location too", async () => {
    const clock = new FakeClock(T0);
    const thenable: PromiseLike<CheckOutput> = { then: (resolve) => Promise.resolve(msg("y")).then(resolve) };
    const checks = createChecks(
      [functionCheck(() => thenable as unknown as Promise<CheckOutput>, { intervalMs: 10_000, aspect: "x", location: { host: "h" } })],
      { time: clock },
    );
    const [first] = await checks.runNext();
    expect(first).toEqual({ v: 3, time: 1000, location: { host: "h" }, event: { name: "x", vset: { value: { value: 1 } } } });
    await checks.close();
  });

  it("with an aspect, returning undefined fails with 'invalid message'", async () => {
    const clock = new FakeClock(T0);
    const logger = recordingLogger();
    const checks = createChecks(
      [
        functionCheck(
          function f() {
            return undefined as unknown as CheckOutput;
          },
          { intervalMs: 10_000, aspect: "x" },
        ),
      ],
      { time: clock, logger },
    );
    const [failure] = await checks.runNext();
    expect(logger.has("WARNING", 'check raised an exception check=f() id=0 error="invalid message: invalid message (undefined)"')).toBe(
      true,
    );
    expect(failure).toMatchObject({ event: { name: "x", state: { value: "unknown", severity: "error" } } });
    await checks.close();
  });

  it("rejects invalid messages with the reason and keeps the valid ones of the same batch", async () => {
    const clock = new FakeClock(T0);
    const logger = recordingLogger();
    const bad = { v: 3, time: 1, location: { host: 7 }, event: { name: "bad" } } as unknown as ProbeMessage;
    const checks = createChecks(
      [
        functionCheck(
          function mixed() {
            return [msg("good"), bad];
          },
          { intervalMs: 1_000 },
        ),
      ],
      { time: clock, logger },
    );
    const rejected: string[] = [];
    checks.on("messageRejected", (r) => rejected.push(`${r.source}: ${r.reason}`));
    expect((await checks.runNext()).map((m) => m.event.name)).toEqual(["good"]);
    expect(rejected).toEqual(["check #0 mixed(): location.host must be a string"]);
    expect(logger.has("WARNING", 'invalid message check=mixed() id=0 reason="location.host must be a string"')).toBe(true);
    await checks.close();
  });

  it("times out an async run: aborts its signal, reports a failure and reschedules; a late result is dropped", async () => {
    const clock = new FakeClock(T0);
    const logger = recordingLogger();
    const signals: AbortSignal[] = [];
    const lateResults: ((m: ProbeMessage) => void)[] = [];
    const hung = functionCheck(
      function hung(ctx) {
        signals.push(ctx.signal);
        return new Promise<ProbeMessage>((resolve) => lateResults.push(resolve));
      },
      { intervalMs: 1_000, timeoutMs: 300, aspect: "hung" },
    );
    const checks = createChecks([hung], { time: clock, logger });
    const out = collect(checks);
    await clock.advance(299);
    expect(out.all()).toEqual([]);
    expect(signals[0]?.aborted).toBe(false);
    await clock.advance(1);
    expect(signals[0]?.aborted).toBe(true);
    expect(logger.has("WARNING", 'check timed out check=hung() id=0 error="timed out after 300 ms"')).toBe(true);
    expect(out.all()).toHaveLength(1);
    expect(out.all()[0]?.event).toMatchObject({
      name: "hung",
      state: { value: "unknown", severity: "error" },
      comment: "timed out after 300 ms",
    });
    lateResults[0]?.(msg("late"));
    await clock.advance(699);
    expect(out.names()).toEqual(["hung"]);
    expect(signals).toHaveLength(1);
    await clock.advance(1);
    expect(signals).toHaveLength(2);
    await checks.close();
  });

  it("bounds concurrency: at most `concurrency` async runs at once, the rest wait their turn", async () => {
    const clock = new FakeClock(T0);
    let running = 0;
    let peak = 0;
    const finishers: (() => void)[] = [];
    const make = (name: string): Check =>
      functionCheck(
        async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise<void>((resolve) => finishers.push(resolve));
          running--;
          return msg(name);
        },
        { intervalMs: 60_000 },
      );
    const checks = createChecks(["a", "b", "c", "d", "e"].map(make), { time: clock, concurrency: 2 });
    const out = collect(checks);
    await clock.advance(0);
    expect(running).toBe(2);
    while (finishers.length > 0) {
      finishers.shift()?.();
      await settle();
    }
    await settle();
    expect(peak).toBe(2);
    expect(out.names().sort()).toEqual(["a", "b", "c", "d", "e"]);
    await checks.close();
  });

  it("does not busy-loop on a check whose nextRun() does not move forward", async () => {
    const clock = new FakeClock(10_000);
    const logger = recordingLogger();
    let runs = 0;
    const stuck: Check = {
      nextRun: () => 5_000,
      run: () => (runs++, []),
      checkName: () => "stuck",
    };
    const checks = createChecks([stuck], { time: clock, logger, minRescheduleMs: 1_000 });
    checks.start();
    await clock.advance(0);
    expect(runs).toBe(1);
    await clock.advance(999);
    expect(runs).toBe(1);
    await clock.advance(1);
    expect(runs).toBe(2);
    expect(logger.has("WARNING", "nextRun() did not move forward check=stuck id=0 retryInMs=1000")).toBe(true);
    await checks.close();
  });

  it("survives a nextRun() that throws after a run, and rejects one that throws when added", async () => {
    const clock = new FakeClock(T0);
    const logger = recordingLogger();
    let calls = 0;
    let runs = 0;
    const flaky: Check = {
      nextRun: () => {
        calls++;
        if (calls === 2) throw new Error("clock broke");
        return calls === 1 ? 0 : clock.now() + 10_000;
      },
      run: () => (runs++, []),
      checkName: () => "flaky",
    };
    const checks = createChecks([flaky], { time: clock, logger });
    checks.start();
    await clock.advance(0);
    expect(logger.has("WARNING", 'nextRun() threw check=flaky id=0 error="clock broke" retryInMs=1000')).toBe(true);
    await clock.advance(1_000);
    expect(runs).toBe(2);
    await checks.close();

    expect(() =>
      createChecks([
        {
          nextRun: () => {
            throw new Error("nope");
          },
          run: () => [],
        },
      ]),
    ).toThrow(InvalidCheckError);
    expect(() => createChecks([{ run: () => [] } as unknown as Check])).toThrow(/check #0 is neither a check/);
    expect(() => createChecks([], { concurrency: 0 })).toThrow(InvalidOptionError);
    expect(() => createChecks([], { timeoutMs: -1 })).toThrow(/`timeoutMs` must be a finite number of milliseconds >= 1/);
  });

  it("numbers handles and checks by list position, so ids never collide", async () => {
    const clock = new FakeClock(T0);
    const logger = recordingLogger();
    const handle = new FakeHandle();
    const checks = createChecks(
      [
        handle,
        functionCheck(
          function f1() {
            throw new Error("x");
          },
          { intervalMs: 1_000 },
        ),
        functionCheck(
          function f2() {
            throw new Error("y");
          },
          { intervalMs: 1_000 },
        ),
      ],
      { time: clock, logger },
    );
    checks.start();
    await clock.advance(0);
    expect(logger.has("INFO", "handle opened handle=fake id=0")).toBe(true);
    expect(logger.has("WARNING", "check raised an exception check=f1() id=1 error=x")).toBe(true);
    expect(logger.has("WARNING", "check raised an exception check=f2() id=2 error=y")).toBe(true);
    await checks.close();
  });

  it("a hostile checkName() cannot forge log lines: control characters are escaped, long names cut", async () => {
    const clock = new FakeClock(T0);
    const logger = recordingLogger();
    const forged: Check = {
      nextRun: () => 0,
      run: () => {
        throw new Error("x");
      },
      checkName: () => "evil\nERROR forged line",
    };
    const long: Check = {
      nextRun: () => 0,
      run: () => {
        throw new Error("y");
      },
      checkName: () => "n".repeat(1_000),
    };
    const checks = createChecks([forged, long], { time: clock, logger, onError: "drop" });
    checks.start();
    await clock.advance(0);
    expect(logger.lines.every((line) => !line.includes("\n"))).toBe(true);
    expect(logger.has("WARNING", 'check raised an exception check="evil\\\\nERROR forged line" id=0 error=x')).toBe(true);
    expect(logger.has("WARNING", `check raised an exception check="${"n".repeat(200)}…" id=1 error=y`)).toBe(true);
    await checks.close();
  });

  it("runOnce runs the checks once in list order, skipping handles", async () => {
    const clock = new FakeClock(T0);
    const handle = new FakeHandle();
    const checks = createChecks(
      [
        functionCheck(() => msg("a"), { intervalMs: 60_000 }),
        handle,
        functionCheck(() => msg("b"), { intervalMs: 10_000 }),
        functionCheck(
          function boom() {
            throw new Error("boom");
          },
          { intervalMs: 10_000 },
        ),
      ],
      { time: clock },
    );
    const messages = await checks.runOnce();
    expect(messages.map((m) => m.event.name)).toEqual(["a", "b", "boom()"]);
    expect(handle.opens).toBe(0);
    await checks.close();
  });

  it("close() aborts running checks, closes open handles and releases a waiting runNext()", async () => {
    const clock = new FakeClock(T0);
    const handle = new FakeHandle();
    let signal: AbortSignal | undefined;
    const checks = createChecks(
      [
        handle,
        functionCheck(
          (ctx) => {
            signal = ctx.signal;
            return new Promise<CheckOutput>(() => undefined);
          },
          { intervalMs: 1_000 },
        ),
      ],
      { time: clock },
    );
    const waiting = checks.runNext();
    await clock.advance(0);
    await checks.close();
    await checks.close();
    expect(await waiting).toEqual([]);
    expect(signal?.aborted).toBe(true);
    expect(handle.closes).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it("forward() hands each message to a callback as it is produced, until aborted; a throwing callback is logged", async () => {
    const clock = new FakeClock(T0);
    const logger = recordingLogger();
    const checks = createChecks(
      [functionCheck(() => msg("a"), { intervalMs: 1_000 }), functionCheck(() => msg("b"), { intervalMs: 1_000 })],
      { time: clock, logger },
    );
    const seen: string[] = [];
    const stop = new AbortController();
    const forwarding = checks.forward(
      (m) => {
        seen.push(m.event.name);
        if (seen.length === 3) throw new Error("output closed");
      },
      { signal: stop.signal },
    );
    await clock.advance(1_000);
    expect(seen).toEqual(["a", "b", "a", "b"]);
    expect(logger.has("ERROR", 'sending a message failed error="output closed"')).toBe(true);
    stop.abort();
    await forwarding;
    await clock.advance(1_000);
    expect(seen).toHaveLength(4);
    // Back in pull mode: the next round is buffered for runNext().
    expect((await checks.runNext()).map((m) => m.event.name)).toEqual(["a", "b"]);
    await checks.close();
  });

  it("runNext() honours its abort signal", async () => {
    const checks = createChecks([], { time: new FakeClock(T0) });
    const controller = new AbortController();
    const waiting = checks.runNext({ signal: controller.signal });
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    await checks.close();
  });
  it("bounds what waits for runNext(): beyond maxBuffered the oldest messages are dropped, counted and logged", async () => {
    const clock = new FakeClock(T0);
    const logger = recordingLogger();
    let n = 0;
    const checks = createChecks([functionCheck(() => msg("n", ++n), { intervalMs: 1_000 })], { time: clock, logger, maxBuffered: 3 });
    const dropped: number[] = [];
    checks.on("messagesDropped", ({ count }) => dropped.push(count));
    checks.start();
    await clock.advance(4_000); // five runs, nobody collecting
    expect(dropped).toEqual([1, 1]);
    expect(logger.has("WARNING", "dropped messages nobody collected dropped=1 maxBuffered=3")).toBe(true);
    expect((await checks.runNext()).map((m) => m.event.vset?.value?.value)).toEqual([3, 4, 5]);
    await checks.close();
  });

  it("validates its options, naming the bad one", () => {
    expect(() => createChecks("not a list" as unknown as Check[])).toThrow(
      "option `checks` must be a list of checks and handles, got not a list",
    );
    expect(() => createChecks([], { maxBuffered: 0 })).toThrow("`maxBuffered` must be an integer between 1 and 9007199254740991, got 0");
    expect(() => createChecks([], { logger: console.log as unknown as Logger })).toThrow(
      "option `logger` must have debug(), info(), warn() and error() methods",
    );
    expect(() => createChecks([], { time: { now: () => 1 } as unknown as TimeSource })).toThrow(
      "option `time` must have now(), wallNow(), setTimeout() and clearTimeout() (wallNow is missing)",
    );
    expect(() => createChecks([], { clock: new FakeClock(T0) } as ChecksOptions)).toThrow(
      "option `clock` is not an option of createChecks(); valid options: concurrency, logger, maxBuffered",
    );
    expect(() => createChecks([], { onError: "ignore" as OnError })).toThrow('`onError` must be one of "state", "drop", got ignore');
    expect(() => createChecks([], null as unknown as ChecksOptions)).toThrow(InvalidOptionError);
  });
});

describe("Checks handles (fake clock, fake handle)", () => {
  it("reads a handle as soon as it has data, also while a check is still running", async () => {
    const clock = new FakeClock(T0);
    const handle = new FakeHandle();
    let finish: (() => void) | undefined;
    const slow = functionCheck(
      async () => {
        await new Promise<void>((resolve) => (finish = resolve));
        return msg("slow");
      },
      { intervalMs: 60_000 },
    );
    const checks = createChecks([slow, handle], { time: clock });
    const out = collect(checks);
    await clock.advance(0);
    handle.push(msg("h1"), msg("h2"));
    await settle();
    expect(out.names()).toEqual(["h1", "h2"]);
    finish?.();
    await settle();
    expect(out.names()).toEqual(["h1", "h2", "slow"]);
    await checks.close();
  });

  it("EOF closes the handle and reopens it after a backoff that grows, with jitter from `random`", async () => {
    const clock = new FakeClock(T0);
    const logger = recordingLogger();
    const handle = new FakeHandle();
    const closed: number[] = [];
    const checks = createChecks([handle], { time: clock, logger, random: () => 0.5 });
    checks.on("handleClosed", (info) => closed.push(info.reopenInMs));
    const out = collect(checks);
    await clock.advance(0);
    expect(handle.opens).toBe(1);
    handle.push(msg("a"), msg("b"));
    await settle();
    expect(out.batches).toEqual([[msg("a"), msg("b")]]);
    handle.eof();
    await settle();
    expect(handle.closes).toBe(1);
    expect(logger.has("WARNING", 'handle reached EOF handle=fake id=0 reason="child process terminated" reopenInMs=1000')).toBe(true);
    await clock.advance(999);
    expect(handle.opens).toBe(1);
    await clock.advance(1);
    expect(handle.opens).toBe(2);
    expect(logger.has("INFO", "handle reopened handle=fake id=0")).toBe(true);
    handle.eof();
    await settle();
    await clock.advance(2_000);
    expect(handle.opens).toBe(3);
    expect(closed).toEqual([1_000, 2_000]);
    await checks.close();
  });

  it("a handle that fails to open is retried with backoff until it opens", async () => {
    const clock = new FakeClock(T0);
    const logger = recordingLogger();
    const handle = new FakeHandle();
    handle.failOpens = 3;
    const checks = createChecks([handle], { time: clock, logger, random: () => 0.5, reopen: { initialMs: 100, maxMs: 250, factor: 2 } });
    const out = collect(checks);
    await clock.advance(0);
    expect(logger.has("WARNING", 'handle start failed handle=fake id=0 error="cannot open" reopenInMs=100')).toBe(true);
    await clock.advance(100);
    expect(logger.has("WARNING", 'handle reopen failed handle=fake id=0 error="cannot open" reopenInMs=200')).toBe(true);
    await clock.advance(200);
    expect(logger.has("WARNING", 'reopen failed handle=fake id=0 error="cannot open" reopenInMs=250')).toBe(true);
    await clock.advance(250);
    expect(handle.opens).toBe(4);
    handle.push(msg("finally"));
    await settle();
    expect(out.names()).toEqual(["finally"]);
    await checks.close();
  });

  it("a read error is logged, emitted as a HandleReadError, and the handle stays open", async () => {
    const clock = new FakeClock(T0);
    const logger = recordingLogger();
    const handle = new FakeHandle();
    const checks = createChecks([handle], { time: clock, logger });
    const errors: Error[] = [];
    checks.on("handleError", (info) => errors.push(info.error));
    const out = collect(checks);
    await clock.advance(0);
    handle.readThrows = new Error("garbled");
    handle.context?.readable();
    await settle();
    expect(logger.has("WARNING", "handle read failed handle=fake id=0 error=garbled")).toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(HandleReadError);
    expect(errors[0]).toMatchObject({ code: "ERR_X_PROBE_HANDLE_READ", message: "garbled", cause: new Error("garbled") });
    handle.push(msg("after"));
    await settle();
    expect(out.names()).toEqual(["after"]);
    expect(handle.closes).toBe(0);
    await checks.close();
  });

  it("close() waits for an open() in progress and closes the handle it opened (nothing is left running)", async () => {
    const clock = new FakeClock(T0);
    let finishOpen: (() => void) | undefined;
    let contextSignal: AbortSignal | undefined;
    let running = false;
    const slowOpen: Handle = {
      open: async (context) => {
        contextSignal = context.signal;
        await new Promise<void>((resolve) => (finishOpen = resolve));
        running = true; // a child process would be started here
      },
      readMessages: () => [],
      close: () => {
        running = false;
      },
    };
    const checks = createChecks([slowOpen], { time: clock });
    checks.start();
    await settle();
    expect(contextSignal?.aborted).toBe(false);
    let closed = false;
    const closing = checks.close().then(() => (closed = true));
    await settle();
    expect(contextSignal?.aborted).toBe(true);
    expect(closed).toBe(false);
    finishOpen?.();
    await closing;
    expect(running).toBe(false);
  });

  it("validates backoff options", () => {
    expect(() => createChecks([], { reopen: { initialMs: -5 } })).toThrow(/`reopen.initialMs`/);
    expect(() => createChecks([], { reopen: { initialMs: 10, maxMs: 5 } })).toThrow(/`reopen.maxMs` must be >= initialMs/);
    expect(() => createChecks([], { reopen: { jitter: 2 } })).toThrow(/`reopen.jitter`/);
  });
});
