import { InvalidOptionError, type LogFields } from "@x/core";
import { describe, expect, it, vi } from "vitest";
import { useFakeClock } from "../test/fake-clock.js";
import { AlreadyRunningError, GatewayError, GatewayTimeoutError } from "./errors.js";
import {
  createHeartbeatService,
  type HeartbeatGateway,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type HeartbeatServiceOptions,
  type StatusChange,
} from "./service.js";

/** A gateway that answers each request with the next scripted reply (a status, or an Error to throw). */
function scriptedGateway(...replies: (string | Error)[]) {
  const requests: HeartbeatRequest[] = [];
  const gateway: HeartbeatGateway = {
    logHeartbeat: async (request: HeartbeatRequest): Promise<HeartbeatResponse> => {
      requests.push(request);
      const reply = replies.length > 1 ? replies.shift() : replies[0];
      if (reply instanceof Error) throw reply;
      return { status: reply ?? request.status };
    },
  };
  return { gateway, requests };
}

/** A gateway whose requests stay open until the test answers them. */
function manualGateway() {
  const pending: { request: HeartbeatRequest; signal: AbortSignal; answer: (status: string) => void }[] = [];
  const gateway: HeartbeatGateway = {
    logHeartbeat: (request, { signal }) =>
      new Promise((resolve) => {
        pending.push({
          request,
          signal,
          answer: (status) => {
            resolve({ status });
          },
        });
      }),
  };
  return { gateway, pending };
}

const seconds = (s: number): number => s * 1000;

const make = (gateway: HeartbeatGateway, extra: Partial<HeartbeatServiceOptions> = {}) =>
  createHeartbeatService({ gateway, intervalMs: seconds(30), reportByBuffer: 1.5, initialStatus: "R", ...extra });

/** A service running in the background, with the errors `run()` reported and a way to stop it. */
function running(gateway: HeartbeatGateway, extra: Partial<HeartbeatServiceOptions> = {}) {
  const errors: Error[] = [];
  const service = make(gateway, extra);
  service.on("failure", (error) => errors.push(error));
  const controller = new AbortController();
  const done = service.run({ signal: controller.signal });
  const stop = async (): Promise<void> => {
    controller.abort();
    await done;
  };
  return { service, errors, done, stop };
}

describe("HeartbeatService: jobmon scenarios (fake clock)", () => {
  useFakeClock();

  it("nextReportIncrement is interval × buffer, in seconds; due at exactly one interval", () => {
    const service = make(scriptedGateway("R").gateway);
    expect(service.nextReportIncrement).toBe(45);
    expect(service.isHeartbeatDue()).toBe(false);
    vi.advanceTimersByTime(seconds(29.9));
    expect(service.isHeartbeatDue()).toBe(false);
    vi.advanceTimersByTime(seconds(0.1));
    expect(service.isHeartbeatDue()).toBe(true);
    expect(service.timeSinceLastHeartbeatMs()).toBeCloseTo(seconds(30), 6);
  });

  it("tick sends status and increment, returns an empty update and records the time", async () => {
    const { gateway, requests } = scriptedGateway("R");
    const service = make(gateway);
    vi.advanceTimersByTime(seconds(31));
    expect(await service.tick()).toEqual({});
    expect(requests).toEqual([{ status: "R", nextReportIncrement: 45 }]);
    expect(service.lastHeartbeatTime).toBe(performance.now());
    expect(service.isHeartbeatDue()).toBe(false);
  });

  it("a different status from the server is adopted, reported and sent next", async () => {
    const { gateway, requests } = scriptedGateway("C", "C");
    const changes: StatusChange[] = [];
    const service = make(gateway);
    service.on("status", (change) => changes.push(change));
    expect(await service.tick()).toEqual({ workflowRunStatus: "C" });
    expect(service.currentStatus).toBe("C");
    expect(changes).toEqual([{ status: "C", previous: "R" }]);
    expect(await service.tick()).toEqual({});
    expect(requests.map((r) => r.status)).toEqual(["R", "C"]);
    expect(changes).toHaveLength(1);
  });

  it("server sequence R, H, H, R gives updates none, H, none, R", async () => {
    const service = make(scriptedGateway("R", "H", "H", "R").gateway);
    const updates = [];
    for (let i = 0; i < 4; i++) updates.push((await service.tick()).workflowRunStatus);
    expect(updates).toEqual([undefined, "H", undefined, "R"]);
  });

  it("a failing gateway rejects with a GatewayError, leaves the time alone and the beat due", async () => {
    const boom = new Error("HTTP 503");
    const service = make(scriptedGateway(boom).gateway);
    vi.advanceTimersByTime(seconds(31));
    const before = service.lastHeartbeatTime;
    const failure = service.tick();
    await expect(failure).rejects.toBeInstanceOf(GatewayError);
    await expect(failure).rejects.toMatchObject({ code: "ERR_X_HEARTBEAT_GATEWAY", cause: boom });
    expect(service.lastHeartbeatTime).toBe(before);
    expect(service.isHeartbeatDue()).toBe(true);
  });

  it("run() beats at last + interval (no polling) and ends as soon as the signal aborts", async () => {
    const { gateway, requests } = scriptedGateway("R");
    const service = make(gateway, { intervalMs: 200 });
    const controller = new AbortController();
    const running = service.run({ signal: controller.signal });
    await vi.advanceTimersByTimeAsync(199);
    expect(requests).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(300);
    expect(requests).toHaveLength(2); // at 200 and 400 ms
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    await running;
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a failing first call does not end run(); it is reported and retried after failureBackoffMs", async () => {
    const { gateway, requests } = scriptedGateway(new Error("connection refused"), "R");
    const errors: Error[] = [];
    const service = make(gateway);
    service.on("failure", (error) => errors.push(error));
    const controller = new AbortController();
    const running = service.run({ signal: controller.signal });
    await vi.advanceTimersByTimeAsync(seconds(30));
    expect(requests).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(GatewayError);
    // No hot retry loop: nothing more until the backoff (1 s by default) after the failure.
    await vi.advanceTimersByTimeAsync(999);
    expect(requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(requests).toHaveLength(2);
    expect(service.lastHeartbeatTime).toBe(seconds(31));
    // Back on schedule: the next beat is one interval after the successful one.
    await vi.advanceTimersByTimeAsync(seconds(29.999));
    expect(requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(requests).toHaveLength(3);
    controller.abort();
    await running;
  });

  it("setStatus changes what the next tick sends", async () => {
    const { gateway, requests } = scriptedGateway("D");
    const service = make(gateway);
    service.setStatus("D");
    expect(service.currentStatus).toBe("D");
    await service.tick();
    expect(requests).toEqual([{ status: "D", nextReportIncrement: 45 }]);
  });

  it("resetTimer() moves the next due time to one interval from now", () => {
    const service = make(scriptedGateway("R").gateway);
    vi.advanceTimersByTime(seconds(100));
    expect(service.isHeartbeatDue()).toBe(true);
    service.resetTimer();
    expect(service.isHeartbeatDue()).toBe(false);
    vi.advanceTimersByTime(seconds(29.999));
    expect(service.isHeartbeatDue()).toBe(false);
    vi.advanceTimersByTime(1);
    expect(service.isHeartbeatDue()).toBe(true);
  });
});

describe("HeartbeatService: the fixes over jobmon", () => {
  useFakeClock();

  it("ignores a response to a request sent before a later setStatus()", async () => {
    const { gateway, pending } = manualGateway();
    const changes: StatusChange[] = [];
    const service = make(gateway);
    service.on("status", (change) => changes.push(change));
    const inFlight = service.tick();
    service.setStatus("D");
    pending[0]?.answer("R");
    expect(await inFlight).toEqual({});
    expect(service.currentStatus).toBe("D");
    expect(changes).toEqual([]);
    // The server did receive the heartbeat, so the timer counts it.
    expect(service.lastHeartbeatTime).toBe(0);
  });

  it("ignores an older response that arrives after a newer one changed the status", async () => {
    const { gateway, pending } = manualGateway();
    const service = make(gateway);
    const first = service.tick();
    const second = service.tick();
    pending[1]?.answer("C");
    expect(await second).toEqual({ workflowRunStatus: "C" });
    pending[0]?.answer("R");
    expect(await first).toEqual({});
    expect(service.currentStatus).toBe("C");
  });

  it("times out a request after requestTimeoutMs, by default the room the buffer leaves", async () => {
    const { gateway, pending } = manualGateway();
    const service = make(gateway);
    expect(service.requestTimeoutMs).toBe(seconds(15));
    const outcome = service.tick().then(
      () => "resolved",
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(seconds(15) - 1);
    expect(pending[0]?.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(GatewayTimeoutError);
    expect(error).toMatchObject({ code: "ERR_X_HEARTBEAT_GATEWAY_TIMEOUT", timeoutMs: seconds(15) });
    expect(pending[0]?.signal.aborted).toBe(true);
    expect(service.isHeartbeatDue()).toBe(false); // only 15 s have passed
    expect(service.lastHeartbeatTime).toBe(0);
  });

  it("a hung gateway does not stall run(): the next attempt comes one backoff after the timeout", async () => {
    const { gateway, pending } = manualGateway();
    const { errors, stop } = running(gateway);
    await vi.advanceTimersByTimeAsync(seconds(30));
    expect(pending).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(seconds(15));
    expect(errors[0]).toBeInstanceOf(GatewayTimeoutError);
    await vi.advanceTimersByTimeAsync(999);
    expect(pending).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(pending).toHaveLength(2);
    await stop();
  });

  it("run() ends promptly on abort during a request and aborts the request", async () => {
    const { gateway, pending } = manualGateway();
    const { errors, stop } = running(gateway);
    await vi.advanceTimersByTimeAsync(seconds(30));
    expect(pending).toHaveLength(1);
    await stop();
    expect(pending[0]?.signal.aborted).toBe(true);
    expect(errors).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("run() with an already aborted signal returns at once; a second concurrent run() is refused", async () => {
    const service = make(scriptedGateway("R").gateway);
    await service.run({ signal: AbortSignal.abort() });
    const controller = new AbortController();
    const running = service.run({ signal: controller.signal });
    await expect(service.run({ signal: controller.signal })).rejects.toBeInstanceOf(AlreadyRunningError);
    controller.abort();
    await running;
  });

  it('a status change in run() reaches on("status") listeners once', async () => {
    const changes: StatusChange[] = [];
    const service = make(scriptedGateway("H").gateway);
    service.on("status", (change) => changes.push(change));
    const controller = new AbortController();
    const running = service.run({ signal: controller.signal });
    await vi.advanceTimersByTimeAsync(seconds(90));
    controller.abort();
    await running;
    expect(changes).toEqual([{ status: "H", previous: "R" }]);
  });

  it("a tick() or resetTimer() during run() pushes the next scheduled beat back", async () => {
    const { gateway, requests } = scriptedGateway("R");
    const service = make(gateway);
    const controller = new AbortController();
    const running = service.run({ signal: controller.signal });
    await vi.advanceTimersByTimeAsync(seconds(20));
    await service.tick();
    expect(requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(seconds(29));
    expect(requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(seconds(1));
    expect(requests).toHaveLength(2);
    controller.abort();
    await running;
  });

  it("an interval and timeout beyond setTimeout's 24.8-day limit neither spin nor time out at once", async () => {
    // 30 days; the request timeout (15 days = 1.296e9 ms) fits, the interval (2.592e9 ms) does not.
    const { gateway, pending } = manualGateway();
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    const { errors, stop } = running(gateway, { intervalMs: seconds(30 * 86_400) });
    await vi.advanceTimersByTimeAsync(seconds(60));
    expect(setTimeoutSpy.mock.calls.length).toBeLessThanOrEqual(2);
    expect(pending).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(seconds(30 * 86_400 - 60));
    expect(pending).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(seconds(60));
    expect(pending[0]?.signal.aborted).toBe(false);
    expect(errors).toEqual([]);
    await stop();
    setTimeoutSpy.mockRestore();
  });

  it("a request timeout beyond setTimeout's limit still runs its full length", async () => {
    const { gateway, pending } = manualGateway();
    const service = make(gateway, { intervalMs: seconds(100 * 86_400), reportByBuffer: 2 });
    expect(service.requestTimeoutMs).toBe(seconds(100 * 86_400));
    const outcome = service.tick().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(seconds(60));
    expect(pending[0]?.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(seconds(100 * 86_400 - 60));
    expect(await outcome).toBeInstanceOf(GatewayTimeoutError);
  });

  it("a status listener that throws: the status is adopted, tick() resolves and the error is logged", async () => {
    const bug = new Error("listener bug");
    const logged: [LogFields, string][] = [];
    const drop = (): void => undefined;
    const service = make(scriptedGateway("C").gateway, {
      logger: { debug: drop, info: drop, warn: drop, error: (fields: LogFields, message: string) => logged.push([fields, message]) },
    });
    const seen: string[] = [];
    service.on("status", () => {
      throw bug;
    });
    service.on("status", ({ status }) => seen.push(status));
    expect(await service.tick()).toEqual({ workflowRunStatus: "C" });
    expect(service.currentStatus).toBe("C");
    expect(seen).toEqual(["C"]);
    expect(logged).toEqual([[{ event: "status", error: bug }, "a listener threw"]]);
  });

  it("a failure listener that throws does not end run(); failures are logged as fields", async () => {
    const down = new Error("down");
    const warned: [LogFields, string][] = [];
    const drop = (): void => undefined;
    const { gateway, requests } = scriptedGateway(down);
    const service = make(gateway, {
      maxConsecutiveFailures: Infinity,
      logger: { debug: drop, info: drop, warn: (fields: LogFields, message: string) => warned.push([fields, message]), error: drop },
    });
    service.on("failure", () => {
      throw new Error("listener bug");
    });
    const controller = new AbortController();
    const done = service.run({ signal: controller.signal });
    await vi.advanceTimersByTimeAsync(seconds(31));
    expect(requests).toHaveLength(2);
    expect(warned).toHaveLength(2);
    expect(warned[0]?.[1]).toBe("heartbeat failed");
    expect(warned[0]?.[0]).toMatchObject({ status: "R", failures: 1, error: { code: "ERR_X_HEARTBEAT_GATEWAY", cause: down } });
    controller.abort();
    await done;
  });

  it("on() refuses an unknown event or a listener that is not a function; its unsubscribe works", async () => {
    const service = make(scriptedGateway("C", "R").gateway);
    expect(() => service.on("change" as "status", () => undefined)).toThrow(/option `event` must be one of "status", "failure"/);
    expect(() => service.on("status", 5 as unknown as () => void)).toThrow(InvalidOptionError);
    const seen: string[] = [];
    const off = service.on("status", ({ status }) => seen.push(status));
    await service.tick();
    off();
    off();
    await service.tick();
    expect(seen).toEqual(["C"]);
  });

  it("a gateway answer without a status is a GatewayError", async () => {
    const service = make({ logHeartbeat: async () => ({}) as HeartbeatResponse });
    await expect(service.tick()).rejects.toThrow(/without a string status/);
  });

  it("a gateway that throws synchronously is a GatewayError too", async () => {
    const service = make({
      logHeartbeat: () => {
        throw new Error("sync boom");
      },
    });
    await expect(service.tick()).rejects.toMatchObject({
      code: "ERR_X_HEARTBEAT_GATEWAY",
      message: expect.stringContaining("sync boom") as unknown,
    });
  });
});

describe("HeartbeatService: validation", () => {
  const gateway = scriptedGateway("R").gateway;
  const base = { gateway, intervalMs: 30_000, reportByBuffer: 1.5, initialStatus: "R" };

  it.each<[string, Partial<HeartbeatServiceOptions>, RegExp]>([
    ["a buffer below 1", { reportByBuffer: 0.9 }, /`reportByBuffer` must be a finite number >= 1/],
    ["a zero interval", { intervalMs: 0 }, /`intervalMs` must be a finite number of milliseconds > 0/],
    ["an infinite interval", { intervalMs: Infinity }, /`intervalMs`/],
    ["an empty status", { initialStatus: "" }, /`initialStatus`/],
    ["a timeout longer than the room", { requestTimeoutMs: 15_001 }, /`requestTimeoutMs` must be > 0 and at most .* 15000 ms/],
    ["a zero timeout", { requestTimeoutMs: 0 }, /`requestTimeoutMs`/],
    ["a gateway without logHeartbeat", { gateway: {} as HeartbeatGateway }, /`gateway`/],
    [
      "an old callback option",
      { onError: () => undefined } as Partial<HeartbeatServiceOptions>,
      /`onError` is not an option of createHeartbeatService\(\)/,
    ],
    [
      "an interval in seconds under the old name",
      { interval: 30 } as Partial<HeartbeatServiceOptions>,
      /`interval` is not an option .*intervalMs/,
    ],
    ["a logger without methods", { logger: {} as HeartbeatServiceOptions["logger"] & object }, /`logger`/],
    ["an increment that overflows", { intervalMs: 1e308, reportByBuffer: 2 }, /`reportByBuffer` times intervalMs .* finite/],
  ])("rejects %s", (_name, override, message) => {
    expect(() => createHeartbeatService({ ...base, ...override })).toThrow(InvalidOptionError);
    expect(() => createHeartbeatService({ ...base, ...override })).toThrow(message);
  });

  it("accepts jobmon's defaults (30 s × 3.1) and a shorter timeout", () => {
    const service = createHeartbeatService({ ...base, reportByBuffer: 3.1, requestTimeoutMs: 5000 });
    expect(service.nextReportIncrement).toBeCloseTo(93, 9);
    expect(service.requestTimeoutMs).toBe(5000);
  });

  it("rejects options, tick() and run() arguments of the wrong type with typed errors", async () => {
    expect(() => createHeartbeatService(null as unknown as HeartbeatServiceOptions)).toThrow(
      /`options` of createHeartbeatService\(\) must be an object/,
    );
    const service = createHeartbeatService(base);
    await expect(service.tick(null as unknown as object)).rejects.toThrow(/`options` of tick\(\) must be an object/);
    await expect(service.tick({ signal: "abort" as unknown as AbortSignal })).rejects.toThrow(/`signal` must be an AbortSignal/);
    await expect(service.tick({ timeoutMs: 5 } as object)).rejects.toThrow(/`timeoutMs` is not an option of tick\(\)/);
    await expect(service.run(undefined as unknown as { signal: AbortSignal })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(service.run({} as { signal: AbortSignal })).rejects.toThrow(/option `signal` must be an AbortSignal$/);
  });

  it("setStatus rejects an empty status", () => {
    const service = createHeartbeatService(base);
    expect(() => {
      service.setStatus("");
    }).toThrow(/`status`/);
    expect(service.currentStatus).toBe("R");
  });
});

describe("HeartbeatService: a gateway that answers or fails with odd values", () => {
  /** tick() on a gateway, and whether it settled once pending callbacks ran (a hang never does). */
  async function tickSettles(logHeartbeat: HeartbeatGateway["logHeartbeat"]): Promise<{ settled: boolean; error: unknown }> {
    const service = createHeartbeatService({ gateway: { logHeartbeat }, intervalMs: 10_000, reportByBuffer: 2, initialStatus: "R" });
    const outcome = { settled: false, error: undefined as unknown };
    service.tick().then(
      () => {
        outcome.settled = true;
      },
      (error: unknown) => {
        outcome.settled = true;
        outcome.error = error;
      },
    );
    await new Promise((resolve) => setImmediate(resolve));
    return outcome;
  }

  it("a rejection with a value that has no string form ends tick() with GatewayError instead of hanging", async () => {
    const bare: unknown = Object.create(null);
    const outcome = await tickSettles(() => Promise.reject(bare));
    expect(outcome.settled).toBe(true);
    expect(outcome.error).toBeInstanceOf(GatewayError);
    expect((outcome.error as GatewayError).cause).toBe(bare);
    const thrown = await tickSettles(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the point: a thrown value that is no Error
      throw {
        toString: () => {
          throw new Error("no text");
        },
      };
    });
    expect(thrown.error).toBeInstanceOf(GatewayError);
  });

  it("an answer whose status cannot be read ends tick() with GatewayError; the status is read once", async () => {
    const unreadable = await tickSettles(() =>
      Promise.resolve({
        get status(): string {
          throw new Error("getter");
        },
      }),
    );
    expect(unreadable.settled).toBe(true);
    expect(unreadable.error).toBeInstanceOf(GatewayError);
    let reads = 0;
    const service = createHeartbeatService({
      gateway: {
        logHeartbeat: () =>
          Promise.resolve({
            get status(): string {
              reads++;
              return reads === 1 ? "H" : "changed later";
            },
          }),
      },
      intervalMs: 10_000,
      reportByBuffer: 2,
      initialStatus: "R",
    });
    expect(await service.tick()).toEqual({ workflowRunStatus: "H" });
    expect(service.currentStatus).toBe("H");
  });
});
