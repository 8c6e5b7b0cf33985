import { InvalidOptionError, type LogFields } from "@x/core";
import { describe, expect, it, vi } from "vitest";
import { useFakeClock } from "../test/fake-clock.js";
import { GatewayError, HeartbeatFailedError } from "./errors.js";
import { createHeartbeatService, type HeartbeatGateway, type HeartbeatRequest, type HeartbeatServiceOptions } from "./service.js";

/** A gateway that fails while `failing()` says so, recording the `performance.now()` of each call. */
function flakyGateway(failing: (call: number) => boolean) {
  const calls: number[] = [];
  const requests: HeartbeatRequest[] = [];
  const gateway: HeartbeatGateway = {
    logHeartbeat: async (request) => {
      calls.push(performance.now());
      requests.push(request);
      if (failing(calls.length)) throw new Error(`down (call ${calls.length})`);
      return { status: request.status };
    },
  };
  return { gateway, calls, requests };
}

const make = (gateway: HeartbeatGateway, extra: Partial<HeartbeatServiceOptions> = {}) =>
  createHeartbeatService({ gateway, intervalMs: 30_000, reportByBuffer: 1.5, initialStatus: "R", ...extra });

/** run() with its outcome captured, so that a rejection is never unhandled while time advances. */
function start(service: ReturnType<typeof make>) {
  const controller = new AbortController();
  const outcome = { settled: false, error: undefined as unknown };
  const done = service.run({ signal: controller.signal }).then(
    () => {
      outcome.settled = true;
    },
    (error: unknown) => {
      outcome.settled = true;
      outcome.error = error;
    },
  );
  return {
    outcome,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}

describe("HeartbeatService: consecutive failures (jobmon stops after 5)", () => {
  useFakeClock();

  it("run() rejects with HeartbeatFailedError after 5 failures in a row, the last one as cause", async () => {
    const { gateway, calls } = flakyGateway(() => true);
    const service = make(gateway);
    const failures: Error[] = [];
    service.on("failure", (error) => failures.push(error));
    const { outcome, stop } = start(service);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(outcome.settled).toBe(true);
    expect(outcome.error).toBeInstanceOf(HeartbeatFailedError);
    const error = outcome.error as HeartbeatFailedError;
    expect(error).toMatchObject({ code: "ERR_X_HEARTBEAT_FAILED", failures: 5 });
    expect(error.cause).toBe(failures[4]);
    expect(error.cause).toBeInstanceOf(GatewayError);
    expect((error.cause as GatewayError).message).toContain("down (call 5)");
    expect(calls).toHaveLength(5);
    expect(vi.getTimerCount()).toBe(0);
    await stop();
  });

  it("waits 1, 2, 4, 8 s between failed reports (doubling from failureBackoffMs), never a hot loop", async () => {
    const { gateway, calls } = flakyGateway(() => true);
    const { stop } = start(make(gateway));
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(calls).toEqual([30_000, 31_000, 33_000, 37_000, 45_000]);
    await stop();
  });

  it("the backoff grows to at most intervalMs", async () => {
    const { gateway, calls } = flakyGateway(() => true);
    const { outcome, stop } = start(make(gateway, { intervalMs: 3000, failureBackoffMs: 1000, maxConsecutiveFailures: 6 }));
    await vi.advanceTimersByTimeAsync(60_000);
    // 1 s, 2 s, then capped at the 3 s interval.
    expect(calls).toEqual([3000, 4000, 6000, 9000, 12_000, 15_000]);
    expect(outcome.error).toMatchObject({ failures: 6 });
    await stop();
  });

  it("a success resets the count: 4 failures, a success, 4 more failures do not end run()", async () => {
    const { gateway, calls } = flakyGateway((call) => call !== 5 && call <= 9);
    const { outcome, stop } = start(make(gateway));
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(outcome.settled).toBe(false);
    expect(calls.length).toBeGreaterThan(10);
    // Back on the interval once the 10th call succeeded.
    expect((calls[10] ?? 0) - (calls[9] ?? 0)).toBe(30_000);
    await stop();
    expect(outcome.error).toBeUndefined();
  });

  it("a successful tick() between run()'s failures resets the count too", async () => {
    let down = true;
    const { gateway, calls } = flakyGateway(() => down);
    const service = make(gateway, { maxConsecutiveFailures: 3 });
    const { outcome, stop } = start(service);
    await vi.advanceTimersByTimeAsync(31_000); // failures at 30 s and 31 s
    expect(calls).toEqual([30_000, 31_000]);
    down = false;
    await service.tick(); // succeeds at 31 s: the count is back to 0, run() back on the interval
    down = true;
    await vi.advanceTimersByTimeAsync(31_000); // failures at 61 s and 62 s: 2 in a row, not 4
    expect(calls).toEqual([30_000, 31_000, 31_000, 61_000, 62_000]);
    expect(outcome.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(2000); // the third in a row, at 64 s
    expect(calls).toHaveLength(6);
    expect(outcome.error).toMatchObject({ failures: 3 });
    await stop();
  });

  it("maxConsecutiveFailures: 1 gives up on the first failure; Infinity never gives up", async () => {
    const once = flakyGateway(() => true);
    const first = start(make(once.gateway, { maxConsecutiveFailures: 1 }));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(first.outcome.error).toMatchObject({ code: "ERR_X_HEARTBEAT_FAILED", failures: 1 });
    expect(once.calls).toHaveLength(1);

    const never = flakyGateway(() => true);
    const forever = start(make(never.gateway, { maxConsecutiveFailures: Infinity }));
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(forever.outcome.settled).toBe(false);
    expect(never.calls.length).toBeGreaterThan(100);
    await forever.stop();
  });

  it("giving up is logged at error level with the count and the last error", async () => {
    const logged: [string, LogFields, string][] = [];
    const log = (level: string) => (fields: LogFields, message: string) => logged.push([level, fields, message]);
    const { gateway } = flakyGateway(() => true);
    const service = make(gateway, {
      maxConsecutiveFailures: 2,
      logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
    });
    const { outcome } = start(service);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(outcome.error).toBeInstanceOf(HeartbeatFailedError);
    expect(logged.map(([level, fields, message]) => [level, fields.failures, message])).toEqual([
      ["warn", 1, "heartbeat failed"],
      ["warn", 2, "heartbeat failed"],
      ["error", 2, "heartbeat given up"],
    ]);
  });

  it.each<[string, Partial<HeartbeatServiceOptions>, RegExp]>([
    ["maxConsecutiveFailures 0", { maxConsecutiveFailures: 0 }, /`maxConsecutiveFailures` must be an integer >= 1, or Infinity/],
    ["maxConsecutiveFailures 2.5", { maxConsecutiveFailures: 2.5 }, /`maxConsecutiveFailures`/],
    ["failureBackoffMs 0", { failureBackoffMs: 0 }, /`failureBackoffMs` must be a finite number of milliseconds > 0/],
    ["failureBackoffMs Infinity", { failureBackoffMs: Infinity }, /`failureBackoffMs`/],
  ])("rejects %s", (_name, override, message) => {
    const { gateway } = flakyGateway(() => false);
    expect(() => make(gateway, override)).toThrow(InvalidOptionError);
    expect(() => make(gateway, override)).toThrow(message);
  });

  it("documents its defaults as properties: 5 failures, 1 s backoff", () => {
    const service = make(flakyGateway(() => false).gateway);
    expect(service.maxConsecutiveFailures).toBe(5);
    expect(service.failureBackoffMs).toBe(1000);
  });
});

describe("HeartbeatService: reportByBuffer 1 (jobmon accepts it)", () => {
  useFakeClock();

  it("is accepted: the increment is exactly the interval and requests may take up to one interval", () => {
    const service = make(flakyGateway(() => false).gateway, { reportByBuffer: 1 });
    expect(service.reportByBuffer).toBe(1);
    expect(service.nextReportIncrement).toBe(30);
    expect(service.requestTimeoutMs).toBe(30_000);
    expect(() => make(flakyGateway(() => false).gateway, { reportByBuffer: 1, requestTimeoutMs: 30_001 })).toThrow(
      /`requestTimeoutMs` must be > 0 and at most intervalMs = 30000 ms/,
    );
  });

  it("reports exactly every interval with next_report_increment = interval, no slack", async () => {
    const { gateway, calls, requests } = flakyGateway(() => false);
    const { stop } = start(make(gateway, { reportByBuffer: 1 }));
    await vi.advanceTimersByTimeAsync(90_000);
    expect(calls).toEqual([30_000, 60_000, 90_000]);
    expect(requests.every((r) => r.nextReportIncrement === 30)).toBe(true);
    await stop();
  });
});
