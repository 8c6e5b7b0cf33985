import { InvalidOptionError } from "@x/core";
import { describe, expect, it, vi } from "vitest";
import { useFakeClock } from "../test/fake-clock.js";
import { createMonitor, type MonitorOptions, type Transition } from "./monitor.js";
import { DEFAULT_EVICT_AFTER_MS } from "./options.js";

const seconds = (s: number): number => s * 1000;
const HOUR = seconds(3600);

function watched(options: MonitorOptions = {}) {
  const monitor = createMonitor(options);
  const transitions: Transition[] = [];
  monitor.on("transition", (t) => transitions.push(t));
  const log = (): string[] => transitions.map((t) => `${t.process}:${t.from ?? "new"}>${t.to}@${t.at}`);
  const send = (process: string, payload: string): boolean => monitor.receive(`heartbeat.${process}`, payload);
  return { monitor, transitions, log, send };
}

/** Whether the monitor's one pending timer keeps the event loop alive. */
function timerKeepsAlive(setTimeoutSpy: { mock: { results: { value: unknown }[] } }): boolean | undefined {
  const last = setTimeoutSpy.mock.results.at(-1)?.value as { hasRef(): boolean } | undefined;
  return last?.hasRef();
}

describe("Monitor: eviction of down and stopped processes (fake clock)", () => {
  useFakeClock();

  it("by default a down process is evicted one hour after it went down, with an `evicted` transition", () => {
    expect(DEFAULT_EVICT_AFTER_MS).toBe(HOUR);
    const { monitor, log, send } = watched();
    send("a", "beat/10");
    vi.advanceTimersByTime(seconds(35)); // late at 15 s, down at 35 s
    expect(monitor.get("a")).toMatchObject({ state: "down", since: seconds(35), evictAt: seconds(35) + HOUR });
    expect(monitor.get("a")?.deadline).toBeUndefined();
    vi.advanceTimersByTime(HOUR - 1);
    expect(monitor.get("a")?.state).toBe("down");
    vi.advanceTimersByTime(1);
    expect(log()).toEqual(["a:new>up@0", "a:up>late@15000", "a:late>down@35000", `a:down>evicted@${seconds(35) + HOUR}`]);
    expect(monitor.get("a")).toBeUndefined();
    expect(monitor.snapshot()).toEqual([]);
    expect(monitor.stats()).toMatchObject({ tracked: 0, evicted: 1, transitions: 4 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a stopped process is evicted evictAfterMs after it stopped; the transition carries no heartbeat", () => {
    const { monitor, transitions, send } = watched({ evictAfterMs: seconds(60) });
    send("s", "beat/5");
    vi.advanceTimersByTime(seconds(1));
    send("s", "stop");
    expect(monitor.get("s")).toMatchObject({ state: "stopped", evictAt: seconds(61) });
    vi.advanceTimersByTime(seconds(60));
    expect(transitions.at(-1)).toEqual({ process: "s", from: "stopped", to: "evicted", at: seconds(61) });
    expect(monitor.get("s")).toBeUndefined();
  });

  it("a new name per process start (worker.<pid>) no longer grows the monitor: it returns to 0 tracked", () => {
    const { monitor, send } = watched({ evictAfterMs: seconds(600) });
    for (let pid = 1; pid <= 5000; pid++) {
      send(`worker.${pid}`, "start/1");
      send(`worker.${pid}`, "beat/1");
      if (pid % 2 === 0) send(`worker.${pid}`, "stop");
      vi.advanceTimersByTime(10);
    }
    expect(monitor.stats().tracked).toBeGreaterThan(0);
    vi.advanceTimersByTime(seconds(700));
    expect(monitor.stats()).toMatchObject({ tracked: 0, evicted: 5000 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("once down processes are evicted, maxProcesses admits new ones again", () => {
    const { monitor, send } = watched({ maxProcesses: 2, evictAfterMs: seconds(60) });
    send("worker.1", "beat/1");
    send("worker.2", "stop");
    expect(send("worker.3", "beat/1")).toBe(false);
    vi.advanceTimersByTime(seconds(3.5 + 60)); // worker.1 down at 3.5 s
    expect(send("worker.3", "beat/1")).toBe(true);
    expect(send("worker.4", "beat/1")).toBe(true);
    expect(monitor.snapshot().map((s) => s.process)).toEqual(["worker.3", "worker.4"]);
  });

  it("a heartbeat before the eviction keeps the process; a later down starts the count again", () => {
    const { monitor, log, send } = watched({ evictAfterMs: seconds(100) });
    send("r", "beat/2"); // late at 3 s, down at 7 s
    vi.advanceTimersByTime(seconds(7 + 99));
    send("r", "beat/2");
    vi.advanceTimersByTime(seconds(50));
    expect(monitor.get("r")?.state).toBe("down");
    vi.advanceTimersByTime(seconds(1000));
    expect(log().slice(3)).toEqual(["r:down>up@106000", "r:up>late@109000", "r:late>down@113000", "r:down>evicted@213000"]);
  });

  it("a stop repeated before the eviction does not postpone it; a start does", () => {
    const { monitor, log, send } = watched({ evictAfterMs: seconds(100) });
    send("s", "stop");
    vi.advanceTimersByTime(seconds(90));
    send("s", "stop");
    vi.advanceTimersByTime(seconds(10));
    expect(monitor.get("s")).toBeUndefined();
    send("t", "stop");
    vi.advanceTimersByTime(seconds(90));
    send("t", "start/1000");
    vi.advanceTimersByTime(seconds(10));
    expect(monitor.get("t")?.state).toBe("starting");
    expect(log()).toEqual(["s:new>stopped@0", "s:stopped>evicted@100000", "t:new>stopped@100000", "t:stopped>starting@190000"]);
  });

  it("evictAfterMs: Infinity never evicts (and leaves no timer); 0 evicts right after down or stop", () => {
    const never = watched({ evictAfterMs: Infinity });
    never.send("a", "beat/1");
    never.send("b", "stop");
    vi.advanceTimersByTime(seconds(10));
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(HOUR * 24 * 365);
    expect(never.monitor.snapshot().map((s) => [s.process, s.state])).toEqual([
      ["a", "down"],
      ["b", "stopped"],
    ]);
    expect(never.monitor.get("a")?.evictAt).toBeUndefined();
    void never.monitor.close();

    const now = Date.now();
    const at0 = watched({ evictAfterMs: 0 });
    at0.send("a", "beat/1");
    at0.send("b", "stop");
    // A read applies what is due: b is gone at once.
    expect(at0.monitor.get("b")).toBeUndefined();
    vi.advanceTimersByTime(seconds(3.5));
    expect(at0.monitor.stats()).toMatchObject({ tracked: 0, evicted: 2 });
    expect(at0.log()).toEqual([
      `a:new>up@${now}`,
      `b:new>stopped@${now}`,
      `b:stopped>evicted@${now}`,
      `a:up>late@${now + 1500}`,
      `a:late>down@${now + 3500}`,
      `a:down>evicted@${now + 3500}`,
    ]);
  });

  it("evictions ride the one timer; with only evictions pending it does not keep Node alive", () => {
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    const { monitor, send } = watched({ evictAfterMs: seconds(60) });
    send("live", "beat/100");
    for (let i = 0; i < 100; i++) send(`gone.${i}`, "stop");
    expect(vi.getTimerCount()).toBe(1);
    // The earliest key is an eviction (60 s), but "live" still has a deadline to report.
    expect(timerKeepsAlive(setTimeoutSpy)).toBe(true);
    send("live", "stop");
    expect(vi.getTimerCount()).toBe(1);
    expect(timerKeepsAlive(setTimeoutSpy)).toBe(false);
    vi.advanceTimersByTime(seconds(60));
    expect(monitor.stats()).toMatchObject({ tracked: 0, evicted: 101 });
    expect(vi.getTimerCount()).toBe(0);
    setTimeoutSpy.mockRestore();
  });

  it("iterators see evictions too, in order", async () => {
    const { monitor, send } = watched({ evictAfterMs: seconds(5) });
    const iterator = monitor.transitions();
    send("i", "stop");
    vi.advanceTimersByTime(seconds(5));
    expect((await iterator.next()).value).toMatchObject({ to: "stopped" });
    expect((await iterator.next()).value).toMatchObject({ from: "stopped", to: "evicted", at: Date.now() });
    await monitor.close();
  });

  it("validates evictAfterMs, naming it", () => {
    for (const bad of [-1, Number.NaN, "60", null, -Infinity]) {
      expect(() => createMonitor({ evictAfterMs: bad as number })).toThrow(InvalidOptionError);
      expect(() => createMonitor({ evictAfterMs: bad as number })).toThrow(/`evictAfterMs` must be a (finite )?number of milliseconds/);
    }
    expect(createMonitor({ evictAfterMs: 0 }).evictAfterMs).toBe(0);
    expect(createMonitor().evictAfterMs).toBe(HOUR);
  });
});
