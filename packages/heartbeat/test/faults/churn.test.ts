/**
 * Fault scenario: a fleet that names processes per start (`worker.<pid>`) churns through far more
 * names than `maxProcesses` while a monitor watches, on the fake clock: workers start, beat, and
 * then either stop or crash (go silent). Without eviction the monitor grew forever and, once full,
 * refused every new process. With it, tracking stays bounded and no new process is refused.
 * 20,000 process lifetimes in the test command, 500,000 under `pnpm soak`.
 */
import { printFaultReport, soakScale } from "@x/test-servers";
import { describe, expect, it, vi } from "vitest";
import { createMonitor } from "../../src/index.js";
import { useFakeClock } from "../fake-clock.js";

const LIFETIMES = soakScale(20_000, 500_000);
/** One new worker every 50 ms, each living 2 s: about 40 alive at a time. */
const START_EVERY_MS = 50;
const LIFE_MS = 2_000;
const EVICT_AFTER_MS = 60_000;
/** Far below the number of names the run goes through, far above what is ever alive or recently gone. */
const MAX_PROCESSES = 5_000;

describe("fault: process churn with a new name per start", () => {
  useFakeClock();

  it("tracking stays bounded and no new process is refused once maxProcesses names have come and gone", () => {
    const monitor = createMonitor({ maxProcesses: MAX_PROCESSES, evictAfterMs: EVICT_AFTER_MS });
    let refused = 0;
    monitor.on("invalid", () => {
      refused++;
    });
    let evicted = 0;
    let wentDown = 0;
    monitor.on("transition", (t) => {
      if (t.to === "evicted") evicted++;
      if (t.to === "down") wentDown++;
    });
    const alive = new Map<number, number>(); // pid -> ms of death
    let maxTracked = 0;
    let accepted = 0;
    for (let pid = 1; pid <= LIFETIMES; pid++) {
      if (monitor.receive(`heartbeat.worker.${pid}`, "start/1")) accepted++;
      alive.set(pid, Date.now() + LIFE_MS);
      vi.advanceTimersByTime(START_EVERY_MS);
      for (const [other, deathAt] of alive) {
        if (Date.now() >= deathAt) {
          // Half stop cleanly, half crash and go silent (late, then down).
          if (other % 2 === 0) monitor.receive(`heartbeat.worker.${other}`, "stop");
          alive.delete(other);
        } else monitor.receive(`heartbeat.worker.${other}`, "beat/0.5");
      }
      maxTracked = Math.max(maxTracked, monitor.stats().tracked);
    }
    vi.advanceTimersByTime(LIFE_MS + EVICT_AFTER_MS + 5_000);
    const stats = monitor.stats();
    printFaultReport({
      scenario: "heartbeat: churn of worker.<pid> names through a bounded monitor",
      confirmed: LIFETIMES,
      handled: accepted,
      lost: refused,
      duplicated: 0,
      maxProcesses: MAX_PROCESSES,
      maxTracked,
      trackedAtEnd: stats.tracked,
      evicted,
      wentDown,
    });
    expect(refused).toBe(0);
    expect(accepted).toBe(LIFETIMES);
    expect(maxTracked).toBeLessThan(MAX_PROCESSES);
    expect(stats.tracked).toBe(0);
    expect(evicted).toBe(LIFETIMES);
    void monitor.close();
  });
});
