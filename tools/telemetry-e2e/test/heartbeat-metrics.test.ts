import type { TimeSource } from "@x/core";
import { createHeart, createMonitor } from "@x/heartbeat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, registerSdk, type TestSdk } from "./sdk.js";

/** A clock that moves only when told; timers are kept and fired by `advance`. */
function fakeTime(): TimeSource & { advance(ms: number): void } {
  let now = 0;
  let timers: { at: number; callback: () => void }[] = [];
  return {
    now: () => now,
    wallNow: () => now,
    setTimeout(callback, ms) {
      const timer = { at: now + ms, callback };
      timers.push(timer);
      return timer;
    },
    clearTimeout(handle) {
      timers = timers.filter((timer) => timer !== handle);
    },
    advance(ms) {
      now += ms;
      for (const timer of timers.filter((candidate) => candidate.at <= now)) {
        timers = timers.filter((candidate) => candidate !== timer);
        timer.callback();
      }
    },
  };
}

describe("heartbeat instruments", () => {
  let sdk: TestSdk;
  beforeAll(() => {
    sdk = registerSdk();
  });
  afterAll(async () => {
    await sdk.shutdown();
  });

  it("a Heart counts beats sent by kind; a Monitor counts transitions and reports processes by state", async () => {
    const time = fakeTime();
    await using monitor = createMonitor({ time });
    const heart = createHeart({
      process: "billing.worker.1",
      time,
      publisher: { publish: ({ subject, payload }) => monitor.receive(subject, payload) },
    });
    heart.start({ warmupMs: 10_000 });
    heart.beat({ periodMs: 1_000 });
    heart.beat({ periodMs: 1_000 }); // rate-limited: not published, not counted
    monitor.receive("heartbeat.billing.worker.2", "beat/1");
    time.advance(5_000); // worker 1 and worker 2 miss their beats

    const metrics = await collect(sdk);
    expect(metrics.get("x.heartbeat.beats_sent")).toEqual([
      { value: 1, attributes: { "x.heartbeat.process": "billing.worker.1", "x.heartbeat.kind": "start" } },
      { value: 1, attributes: { "x.heartbeat.process": "billing.worker.1", "x.heartbeat.kind": "beat" } },
    ]);
    const transitions = metrics
      .get("x.heartbeat.transitions")
      ?.map(
        ({ value, attributes }) =>
          `${String(attributes["x.heartbeat.from_state"])}>${String(attributes["x.heartbeat.state"])}=${String(value)}`,
      );
    expect(transitions?.sort()).toEqual(["late>down=2", "none>starting=1", "none>up=1", "starting>up=1", "up>late=2"]);
    const processes = Object.fromEntries(
      (metrics.get("x.heartbeat.processes") ?? []).map(({ value, attributes }) => [String(attributes["x.heartbeat.state"]), value]),
    );
    expect(processes).toEqual({ starting: 0, up: 0, degraded: 0, late: 0, down: 2, stopped: 0 });
  });
});
