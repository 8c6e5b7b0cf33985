import { InvalidOptionError, type LogFields, type TimeSource } from "@x/core";
import { describe, expect, it, vi } from "vitest";
import { timeAt, useFakeClock } from "../test/fake-clock.js";
import { IteratorOverflowError } from "./errors.js";
import { createMonitor, type InvalidHeartbeat, type MonitorOptions, type ProcessState, type Transition } from "./monitor.js";

const seconds = (s: number): number => s * 1000;

/** A monitor on the fake clock that records every transition (as `from>to@ms`) and invalid event. */
function watched(options: MonitorOptions = {}) {
  const monitor = createMonitor(options);
  const transitions: Transition[] = [];
  const invalid: InvalidHeartbeat[] = [];
  monitor.on("transition", (t) => transitions.push(t));
  monitor.on("invalid", (e) => invalid.push(e));
  const log = (): string[] => transitions.map((t) => `${t.process}:${t.from ?? "new"}>${t.to}@${t.at}`);
  const send = (process: string, payload: string): boolean => monitor.receive(`heartbeat.${process}`, payload);
  return { monitor, transitions, invalid, log, send };
}

describe("Monitor transitions (fake clock)", () => {
  useFakeClock();

  it("a first beat is up; it goes late after period × buffer and down after a further period × grace", () => {
    const { monitor, log, send } = watched();
    expect(send("a", "beat/10")).toBe(true);
    expect(monitor.get("a")).toEqual({
      process: "a",
      state: "up",
      since: 0,
      lastHeartbeat: { kind: "beat", seconds: 10, at: 0 },
      deadline: seconds(15),
    });
    vi.advanceTimersByTime(seconds(15) - 1);
    expect(log()).toEqual(["a:new>up@0"]);
    vi.advanceTimersByTime(1);
    expect(log()).toEqual(["a:new>up@0", "a:up>late@15000"]);
    expect(monitor.get("a")?.deadline).toBe(seconds(35));
    vi.advanceTimersByTime(seconds(20) - 1);
    expect(monitor.get("a")?.state).toBe("late");
    vi.advanceTimersByTime(1);
    expect(log()).toEqual(["a:new>up@0", "a:up>late@15000", "a:late>down@35000"]);
    expect(monitor.get("a")).toMatchObject({ state: "down", since: seconds(35) });
    expect(monitor.get("a")?.deadline).toBeUndefined();
    // Down has no deadline left, only its eviction (evictAfterMs, one hour by default).
    vi.advanceTimersByTime(seconds(3600) - 1);
    expect(log()).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(log().at(-1)).toBe("a:down>evicted@3635000");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("beats within the period keep a process up and emit nothing more", () => {
    const { log, send } = watched();
    for (let i = 0; i < 10; i++) {
      send("a", "beat/10");
      vi.advanceTimersByTime(seconds(14));
    }
    expect(log()).toEqual(["a:new>up@0"]);
  });

  it("warmup: starting lasts warmup × grace, then late and down", () => {
    const { log, send } = watched({ grace: 3 });
    send("w", "start/60");
    vi.advanceTimersByTime(seconds(180) - 1);
    expect(log()).toEqual(["w:new>starting@0"]);
    vi.advanceTimersByTime(1);
    expect(log()).toEqual(["w:new>starting@0", "w:starting>late@180000"]);
    vi.advanceTimersByTime(seconds(180));
    expect(log()).toEqual(["w:new>starting@0", "w:starting>late@180000", "w:late>down@360000"]);
  });

  it("warmup: a beat within the warmup makes the process up", () => {
    const { log, send } = watched();
    send("w", "start/60");
    vi.advanceTimersByTime(seconds(100));
    send("w", "beat/5");
    vi.advanceTimersByTime(seconds(7));
    expect(log()).toEqual(["w:new>starting@0", "w:starting>up@100000"]);
    vi.advanceTimersByTime(seconds(0.5));
    expect(log()).toEqual(["w:new>starting@0", "w:starting>up@100000", "w:up>late@107500"]);
  });

  it("a shorter period moves the deadline earlier", () => {
    const { log, send } = watched();
    send("p", "beat/60");
    send("p", "beat/5");
    vi.advanceTimersByTime(seconds(7.5));
    expect(log()).toEqual(["p:new>up@0", "p:up>late@7500"]);
  });

  it("a longer period moves the deadline later", () => {
    const { monitor, log, send } = watched();
    send("p", "beat/5");
    send("p", "beat/60");
    vi.advanceTimersByTime(seconds(89));
    expect(log()).toEqual(["p:new>up@0"]);
    expect(monitor.get("p")?.deadline).toBe(seconds(90));
    vi.advanceTimersByTime(seconds(1));
    expect(log()).toEqual(["p:new>up@0", "p:up>late@90000"]);
  });

  it("degraded has its own deadline, and recovery to up is one transition", () => {
    const { log, send } = watched();
    send("d", "beat/5");
    vi.advanceTimersByTime(seconds(1));
    send("d", "degraded/10");
    vi.advanceTimersByTime(seconds(14));
    send("d", "degraded/10");
    vi.advanceTimersByTime(seconds(1));
    send("d", "beat/5");
    expect(log()).toEqual(["d:new>up@0", "d:up>degraded@1000", "d:degraded>up@16000"]);
    send("x", "degraded/2");
    vi.advanceTimersByTime(seconds(3));
    expect(log().slice(3)).toEqual(["x:new>degraded@16000", "x:degraded>late@19000"]);
  });

  it("recovers from late and from down", () => {
    const { log, send } = watched();
    send("r", "beat/2");
    vi.advanceTimersByTime(seconds(3));
    send("r", "beat/2");
    vi.advanceTimersByTime(seconds(3 + 4));
    send("r", "degraded/2");
    expect(log()).toEqual([
      "r:new>up@0",
      "r:up>late@3000",
      "r:late>up@3000",
      "r:up>late@6000",
      "r:late>down@10000",
      "r:down>degraded@10000",
    ]);
    vi.advanceTimersByTime(seconds(3));
    expect(log().at(-1)).toBe("r:degraded>late@13000");
  });

  it("stop ends tracking deadlines; a restart after stop is starting again", () => {
    const { monitor, log, send } = watched();
    send("s", "beat/5");
    send("s", "stop");
    vi.advanceTimersByTime(seconds(600));
    // No deadline any more; evicted an hour after the stop unless it sends again.
    expect(monitor.get("s")).toEqual({
      process: "s",
      state: "stopped",
      since: 0,
      lastHeartbeat: { kind: "stop", at: 0 },
      evictAt: seconds(3600),
    });
    send("s", "stop");
    send("s", "start/30");
    vi.advanceTimersByTime(seconds(1));
    send("s", "beat/5");
    expect(log()).toEqual(["s:new>up@0", "s:up>stopped@0", "s:stopped>starting@600000", "s:starting>up@601000"]);
  });

  it("a restart while up is starting, with the warmup's deadline", () => {
    const { log, send } = watched();
    send("s", "beat/5");
    send("s", "start/60");
    vi.advanceTimersByTime(seconds(119));
    expect(log()).toEqual(["s:new>up@0", "s:up>starting@0"]);
  });

  it("heartbeats that arrive after missed deadlines first emit what was missed, in order", () => {
    let now = 0;
    const { log, monitor } = watched({ time: timeAt(() => now) });
    monitor.receive("heartbeat.c", "beat/1");
    now = seconds(100); // no timer ran: the clock is not the fake timers' one
    monitor.receive("heartbeat.c", "beat/1");
    expect(log()).toEqual(["c:new>up@0", "c:up>late@1500", "c:late>down@3500", "c:down>up@100000"]);
    now = seconds(200);
    expect(monitor.get("c")?.state).toBe("down");
    expect(log()).toHaveLength(6);
  });

  it("uses one timer for all processes", () => {
    const { monitor, log } = watched();
    for (let i = 0; i < 1000; i++) monitor.receive(`heartbeat.p${i}`, `beat/${1 + (i % 50)}`);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(seconds(10));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(seconds(1000));
    expect(vi.getTimerCount()).toBe(1); // the evictions, an hour after each went down
    expect(log().filter((l) => l.includes(">down@"))).toHaveLength(1000);
    expect(monitor.stats()).toEqual({ received: 1000, invalid: 0, transitions: 3000, tracked: 1000, evicted: 0 });
  });

  it("forget() stops tracking; the process is new if it sends again", () => {
    const { monitor, log, send } = watched();
    send("f", "beat/5");
    expect(monitor.forget("f")).toBe(true);
    expect(monitor.forget("f")).toBe(false);
    expect(monitor.get("f")).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(seconds(60));
    send("f", "beat/5");
    expect(log()).toEqual(["f:new>up@0", "f:new>up@60000"]);
  });

  it("snapshot() lists every process in the order first heard, with current states", () => {
    const { monitor, send } = watched();
    send("b", "beat/5");
    send("a", "start/10");
    send("c", "stop");
    vi.advanceTimersByTime(seconds(8));
    expect(monitor.snapshot().map((s) => [s.process, s.state])).toEqual([
      ["b", "late"],
      ["a", "starting"],
      ["c", "stopped"],
    ]);
  });

  it("accepts subjects and payloads as bytes", () => {
    const { monitor, log } = watched();
    const enc = new TextEncoder();
    expect(monitor.receive(enc.encode("heartbeat.bytes.one"), enc.encode("degraded/0.5"))).toBe(true);
    expect(log()).toEqual(["bytes.one:new>degraded@0"]);
    expect(monitor.get("bytes.one")?.lastHeartbeat).toEqual({ kind: "degraded", seconds: 0.5, at: 0 });
  });

  it("transitions carry the heartbeat that caused them", () => {
    const { transitions, send } = watched();
    send("h", "start/30");
    send("h", "stop");
    expect(transitions.map((t) => t.heartbeat)).toEqual([
      { process: "h", kind: "start", seconds: 30 },
      { process: "h", kind: "stop" },
    ]);
  });
});

describe("Monitor: every state x every heartbeat (fake clock, buffer 1.5, grace 2)", () => {
  useFakeClock();

  /** How to bring process `p` into each state, from nothing, with 10 s warmups and periods. */
  const reach: Record<ProcessState, (send: (payload: string) => void) => void> = {
    starting: (send) => {
      send("start/10");
    },
    up: (send) => {
      send("beat/10");
    },
    degraded: (send) => {
      send("degraded/10");
    },
    late: (send) => {
      send("beat/10");
      vi.advanceTimersByTime(seconds(15));
    },
    down: (send) => {
      send("beat/10");
      vi.advanceTimersByTime(seconds(15 + 20));
    },
    stopped: (send) => {
      send("stop");
    },
  };
  /** Each heartbeat, the state it leads to, and when that state ends by itself (ms after it). */
  const heartbeats: [string, ProcessState, number | undefined][] = [
    ["start/4", "starting", seconds(8)],
    ["beat/4", "up", seconds(6)],
    ["degraded/4", "degraded", seconds(6)],
    ["stop", "stopped", undefined],
  ];
  const states = Object.keys(reach) as ProcessState[];
  const cases = states.flatMap((from) => heartbeats.map(([payload, to, lateAfter]) => [from, payload, to, lateAfter] as const));

  it.each(cases)("%s + %s -> %s", (from, payload, to, lateAfter) => {
    const { monitor, transitions, send } = watched();
    reach[from]((p) => send("p", p));
    expect(monitor.get("p")?.state).toBe(from);
    const sinceBefore = monitor.get("p")?.since;
    const before = transitions.length;
    const now = Date.now();
    send("p", payload);
    const emitted = transitions.slice(before).map((t) => [t.from, t.to, t.at]);
    // A heartbeat that does not change the state emits nothing.
    expect(emitted).toEqual(from === to ? [] : [[from, to, now]]);
    expect(monitor.get("p")).toMatchObject({ state: to, since: from === to ? sinceBefore : now });
    expect(monitor.get("p")?.deadline).toBe(lateAfter === undefined ? undefined : now + lateAfter);
    if (lateAfter === undefined) {
      vi.advanceTimersByTime(seconds(3600) - 1);
      expect(monitor.get("p")?.state).toBe("stopped");
      return;
    }
    // The new warmup or period counts, not the one before: late exactly at its deadline.
    vi.advanceTimersByTime(lateAfter - 1);
    expect(monitor.get("p")?.state).toBe(to);
    vi.advanceTimersByTime(1);
    expect(transitions.at(-1)).toMatchObject({ from: to, to: "late", at: now + lateAfter });
    // Then down one further (warmup or period) × grace later.
    vi.advanceTimersByTime(seconds(8));
    expect(transitions.at(-1)).toMatchObject({ from: "late", to: "down", at: now + lateAfter + seconds(8) });
  });

  it.each(heartbeats)("a process first heard with %s is %s", (payload, to) => {
    const { transitions, send } = watched();
    send("n", payload);
    expect(transitions.map((t) => [t.from, t.to])).toEqual([[undefined, to]]);
  });
});

describe("Monitor: robustness (fake clock)", () => {
  useFakeClock();

  it("a period beyond setTimeout's 24.8-day limit does not make the timer spin", () => {
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    const { monitor, log, send } = watched();
    send("slow", "beat/3000000"); // 34.7 days; late after 52 days
    vi.advanceTimersByTime(seconds(60));
    expect(setTimeoutSpy.mock.calls.length).toBeLessThanOrEqual(1);
    expect(setTimeoutSpy.mock.calls.every(([, ms]) => (ms ?? 0) <= 2 ** 31 - 1)).toBe(true);
    vi.advanceTimersByTime(seconds(4_500_000) - seconds(60) - 1);
    expect(monitor.get("slow")?.state).toBe("up");
    vi.advanceTimersByTime(1);
    expect(log()).toEqual(["slow:new>up@0", "slow:up>late@4500000000"]);
    setTimeoutSpy.mockRestore();
  });

  it("a listener that throws while missed deadlines are applied does not lose the heartbeat", () => {
    let now = 0;
    const { monitor, log } = watched({ time: timeAt(() => now) });
    monitor.on("transition", (t) => {
      if (t.to === "late") throw new Error("listener bug");
    });
    monitor.receive("heartbeat.c", "beat/1");
    now = seconds(100);
    expect(monitor.receive("heartbeat.c", "beat/1")).toBe(true);
    expect(log()).toEqual(["c:new>up@0", "c:up>late@1500", "c:late>down@3500", "c:down>up@100000"]);
    expect(monitor.get("c")).toMatchObject({ state: "up", since: seconds(100) });
  });

  it("a listener that throws from the timer: every due deadline is applied, the timer re-armed, nothing thrown", () => {
    const { monitor, log, send } = watched();
    let thrown = 0;
    monitor.on("transition", (t) => {
      if (t.to === "late") {
        thrown++;
        throw new Error("listener bug");
      }
    });
    send("a", "beat/2");
    send("b", "beat/2");
    vi.advanceTimersByTime(seconds(3));
    expect(thrown).toBe(2);
    expect(log().sort()).toEqual(["a:new>up@0", "a:up>late@3000", "b:new>up@0", "b:up>late@3000"]);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(seconds(4));
    expect(log().slice(4).sort()).toEqual(["a:late>down@7000", "b:late>down@7000"]);
  });

  it("after close() no transition is emitted, and reads show the states at close", async () => {
    let now = 0;
    const { monitor, log } = watched({ time: timeAt(() => now) });
    monitor.receive("heartbeat.c", "beat/1");
    await monitor.close();
    now = seconds(100);
    expect(monitor.get("c")?.state).toBe("up");
    expect(monitor.snapshot().map((s) => s.state)).toEqual(["up"]);
    expect(log()).toEqual(["c:new>up@0"]);
  });

  it("a process name whose subject is over MAX_SUBJECT_BYTES of UTF-8 is invalid, as a string too", () => {
    const { monitor, invalid, send } = watched();
    expect(send("é".repeat(507), "beat/5")).toBe(true);
    expect(send("é".repeat(508), "beat/5")).toBe(false);
    expect(monitor.receive(new TextEncoder().encode(`heartbeat.${"é".repeat(508)}`), "beat/5")).toBe(false);
    expect(invalid.map((e) => e.reason)).toEqual([
      expect.stringContaining("must be at most 1014 bytes of UTF-8") as unknown,
      "subject is longer than 1024 bytes",
    ]);
  });
});

describe("Monitor: invalid input", () => {
  it("counts and reports malformed subjects and payloads, never throws, and keeps serving", () => {
    const { monitor, invalid, log, send } = watched();
    const cases: [unknown, unknown, string][] = [
      ["other.a", "beat/5", 'does not start with "heartbeat."'],
      ["heartbeat.a b", "beat/5", "whitespace"],
      ["heartbeat.a.>", "beat/5", "wildcards"],
      ["heartbeat.", "beat/5", "must not be empty"],
      ["heartbeat.a\u0085b", "beat/5", "control characters (U+0085)"],
      ["heartbeat.a\u200bb", "beat/5", "invisible format characters (U+200B)"],
      ["heartbeat.a\ud800", "beat/5", "lone surrogate (U+D800)"],
      ["heartbeat.a", "beat/0", "finite and > 0"],
      ["heartbeat.a", "beat/-1", "not a decimal number"],
      ["heartbeat.a", "nap/5", "is not start/<seconds>"],
      ["heartbeat.a", new Uint8Array([0xc3, 0x28]), "is not start/<seconds>"],
      [new Uint8Array([0x68, 0xff]), "beat/5", 'does not start with "heartbeat."'],
      [undefined, "beat/5", "neither a string nor bytes"],
      ["heartbeat.a", { beat: 5 }, "neither a string nor bytes"],
      ["heartbeat.a", new Uint8Array(16 * 1024 * 1024), "longer than 64 bytes"],
      [`heartbeat.${"x".repeat(1_000_000)}`, "beat/5", "longer than 1024"],
    ];
    for (const [subject, payload] of cases) {
      expect(monitor.receive(subject as string, payload as string)).toBe(false);
    }
    expect(invalid.map((e) => e.reason)).toEqual(cases.map(([, , reason]) => expect.stringContaining(reason) as unknown));
    expect(invalid[0]).toMatchObject({ subject: "other.a", payload: "beat/5" });
    expect(monitor.stats()).toMatchObject({ received: cases.length, invalid: cases.length, tracked: 0 });
    expect(send("a", "beat/5")).toBe(true);
    expect(log()).toHaveLength(1);
  });

  it("names that are object keys elsewhere (__proto__, constructor) are ordinary processes", () => {
    const { monitor, log, send } = watched();
    expect(send("__proto__", "beat/5")).toBe(true);
    expect(send("constructor", "start/5")).toBe(true);
    expect(monitor.get("__proto__")?.state).toBe("up");
    expect(monitor.snapshot().map((s) => [s.process, s.state])).toEqual([
      ["__proto__", "up"],
      ["constructor", "starting"],
    ]);
    expect(log().map((line) => line.replace(/@.*/, ""))).toEqual(["__proto__:new>up", "constructor:new>starting"]);
    expect(Object.prototype).not.toHaveProperty("state");
  });

  it("rejects new processes beyond maxProcesses, but keeps hearing known ones", () => {
    const { monitor, invalid, send } = watched({ maxProcesses: 2 });
    send("a", "beat/5");
    send("b", "beat/5");
    expect(send("c", "beat/5")).toBe(false);
    expect(invalid[0]?.reason).toContain("maxProcesses (2)");
    expect(send("a", "degraded/5")).toBe(true);
    expect(monitor.stats().tracked).toBe(2);
  });
});

describe("Monitor: listeners and iterators", () => {
  it("a transition reaches every listener and every iterator exactly once", async () => {
    const monitor = createMonitor();
    const seen: string[] = [];
    const off = monitor.on("transition", (t) => seen.push(`listener ${t.to}`));
    const first = monitor.transitions();
    const second = monitor[Symbol.asyncIterator]();
    monitor.receive("heartbeat.i", "start/5");
    monitor.receive("heartbeat.i", "beat/5");
    monitor.receive("heartbeat.i", "beat/5");
    off();
    monitor.receive("heartbeat.i", "stop");
    expect(seen).toEqual(["listener starting", "listener up"]);
    await monitor.close();
    const drain = async (it: AsyncIterableIterator<Transition, undefined>): Promise<string[]> => {
      const out: string[] = [];
      for await (const t of it) out.push(t.to);
      return out;
    };
    expect(await drain(first)).toEqual(["starting", "up", "stopped"]);
    expect(await drain(second)).toEqual(["starting", "up", "stopped"]);
  });

  it("an iterator waiting for the next transition gets it, and ends on abort", async () => {
    const monitor = createMonitor();
    const controller = new AbortController();
    const iterator = monitor.transitions({ signal: controller.signal });
    const next = iterator.next();
    monitor.receive("heartbeat.w", "beat/5");
    expect(await next).toMatchObject({ done: false, value: { process: "w", to: "up" } });
    const pending = iterator.next();
    controller.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    monitor.receive("heartbeat.w", "stop");
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    await monitor.close();
  });

  it("breaking out of for-await unsubscribes", async () => {
    const monitor = createMonitor();
    monitor.receive("heartbeat.x", "beat/5");
    const iterator = monitor.transitions();
    monitor.receive("heartbeat.y", "beat/5");
    for await (const t of iterator) {
      expect(t.process).toBe("y");
      break;
    }
    monitor.receive("heartbeat.z", "beat/5");
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    await monitor.close();
  });

  it("an iterator that falls maxBufferedTransitions behind ends with IteratorOverflowError after its buffer", async () => {
    const monitor = createMonitor({ maxBufferedTransitions: 2 });
    const iterator = monitor.transitions();
    for (const name of ["a", "b", "c", "d"]) monitor.receive(`heartbeat.${name}`, "beat/5");
    expect((await iterator.next()).value?.process).toBe("a");
    expect((await iterator.next()).value?.process).toBe("b");
    await expect(iterator.next()).rejects.toBeInstanceOf(IteratorOverflowError);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    await monitor.close();
  });

  it("a listener that throws: it is logged with the error as a field, and the others still run", () => {
    const errors: [LogFields, string][] = [];
    const drop = (): void => undefined;
    const logger = { debug: drop, info: drop, warn: drop, error: (fields: LogFields, message: string) => errors.push([fields, message]) };
    const monitor = createMonitor({ logger });
    const seen: string[] = [];
    const bug = new Error("listener bug");
    monitor.on("transition", () => {
      throw bug;
    });
    monitor.on("transition", (t) => seen.push(t.to));
    expect(monitor.receive("heartbeat.l", "beat/5")).toBe(true);
    expect(seen).toEqual(["up"]);
    expect(errors).toEqual([[{ event: "transition", error: bug }, "a listener threw"]]);
  });

  it("a listener that throws a value with no string form: logged, and the others still run", () => {
    const lines: string[] = [];
    const log = (_fields: LogFields, message: string): void => {
      lines.push(message);
    };
    const monitor = createMonitor({ logger: { debug: log, info: log, warn: log, error: log } });
    const seen: string[] = [];
    monitor.on("transition", () => {
      throw Object.create(null) as Error;
    });
    monitor.on("transition", (t) => seen.push(t.to));
    expect(monitor.receive("heartbeat.odd", "beat/5")).toBe(true);
    expect(seen).toEqual(["up"]);
    expect(lines).toEqual(["a listener threw"]);
    void monitor.close();
  });

  it("a listener that throws without a logger: the others run and the monitor carries on", () => {
    const monitor = createMonitor();
    const seen: string[] = [];
    monitor.on("transition", () => {
      throw new Error("listener bug");
    });
    monitor.on("transition", (t) => seen.push(t.to));
    expect(monitor.receive("heartbeat.l", "beat/5")).toBe(true);
    expect(seen).toEqual(["up"]);
    expect(monitor.get("l")?.state).toBe("up");
  });

  it("close() is idempotent, ends later iterators at once and makes receive a no-op", async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const monitor = createMonitor();
      monitor.receive("heartbeat.c", "beat/5");
      expect(vi.getTimerCount()).toBe(1);
      await monitor[Symbol.asyncDispose]();
      await monitor.close();
      expect(vi.getTimerCount()).toBe(0);
      expect(monitor.receive("heartbeat.c", "stop")).toBe(false);
      expect(await monitor.transitions().next()).toEqual({ done: true, value: undefined });
      expect(monitor.get("c")?.state).toBe("up");
    } finally {
      vi.useRealTimers();
    }
  });

  it("validates its options and event names", () => {
    expect(() => createMonitor({ buffer: 0.5 })).toThrow(/`buffer` must be a finite number >= 1/);
    expect(() => createMonitor({ grace: 2, clock: () => 0 } as MonitorOptions)).toThrow(/`clock` is not an option of createMonitor\(\)/);
    expect(() => createMonitor({ grace: Number.NaN })).toThrow(/`grace`/);
    expect(() => createMonitor({ maxProcesses: 0 })).toThrow(/`maxProcesses`/);
    expect(() => createMonitor({ maxBufferedTransitions: 1.5 })).toThrow(/`maxBufferedTransitions`/);
    expect(() => createMonitor({ time: "now" as unknown as TimeSource })).toThrow(InvalidOptionError);
    expect(() => createMonitor(null as unknown as MonitorOptions)).toThrow(/`options` of createMonitor\(\) must be an object/);
    const monitor = createMonitor();
    expect(() => monitor.on("beat" as "transition", () => undefined)).toThrow(/`event`/);
    expect(() => monitor.on("transition", 5 as unknown as () => void)).toThrow(/`listener`/);
  });
});
