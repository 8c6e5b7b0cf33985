import type { TimeSource } from "@x/core";
import { InvalidOptionError } from "@x/core";
import { describe, expect, it } from "vitest";
import type { ErrorContext, JobInfo, Middleware } from "../middleware.js";
import { errorThreshold } from "./error-threshold.js";
import { frequency } from "./frequency.js";

function info(actor: string, seq: number): JobInfo {
  return { actor, event: "orders", attempt: 1, maxAttempts: 3, seq, uid: undefined, traceId: undefined, headers: {} };
}

const failure = (actor: string, seq: number): ErrorContext => ({
  ...info(actor, seq),
  message: undefined,
  error: new Error(`boom ${seq}`),
  willRetry: true,
});

function recorder(): { seen: string[]; middleware: Middleware } {
  const seen: string[] = [];
  return {
    seen,
    middleware: {
      onStart: (ctx) => void seen.push(`start ${ctx.actor} ${ctx.seq}`),
      onSuccess: (ctx) => void seen.push(`success ${ctx.actor} ${ctx.seq}`),
      onFailure: (ctx) => void seen.push(`failure ${ctx.actor} ${ctx.seq}`),
    },
  };
}

describe("errorThreshold", () => {
  it("passes failures on from the n-th in a row, per actor; a success starts the count again", () => {
    const { seen, middleware } = recorder();
    const gate = errorThreshold([middleware], { consecutiveFailures: 3 });
    for (const seq of [1, 2, 3, 4]) void gate.onFailure?.(failure("a", seq));
    void gate.onFailure?.(failure("b", 5));
    void gate.onSuccess?.({ ...info("a", 6), message: undefined, durationMs: 1 });
    void gate.onFailure?.(failure("a", 7));
    expect(seen).toEqual(["failure a 3", "failure a 4", "success a 6"]);
  });

  it("passes failures on from the n-th in all with totalFailures, whatever came between", () => {
    const { seen, middleware } = recorder();
    const gate = errorThreshold([middleware], { consecutiveFailures: 100, totalFailures: 2 });
    void gate.onFailure?.(failure("a", 1));
    void gate.onSuccess?.({ ...info("a", 2), message: undefined, durationMs: 1 });
    void gate.onFailure?.(failure("a", 3));
    expect(seen).toEqual(["success a 2", "failure a 3"]);
  });

  it("a wrapped hook that throws does not stop the next one, and comes back as a rejection", async () => {
    const { seen, middleware } = recorder();
    const throwing: Middleware = {
      onStart: () => {
        throw new Error("broken");
      },
    };
    const result = errorThreshold([throwing, middleware]).onStart?.({ ...info("a", 1), message: undefined });
    expect(seen).toEqual(["start a 1"]);
    await expect(result).rejects.toThrow("broken");
  });

  it("rejects unknown options and counts below 1", () => {
    expect(() => errorThreshold([], { consecutive: 3 } as never)).toThrow(/consecutiveFailures, totalFailures/);
    expect(() => errorThreshold([], { consecutiveFailures: 0 })).toThrow(InvalidOptionError);
  });
});

describe("frequency", () => {
  it("passes at most one failure per interval per actor, on the monotonic clock", () => {
    let now = 1_000;
    const time: TimeSource = { now: () => now, wallNow: () => 0, setTimeout: () => undefined, clearTimeout: () => undefined };
    const { seen, middleware } = recorder();
    const gate = frequency([middleware], { intervalMs: 10_000, time });
    void gate.onFailure?.(failure("a", 1));
    now += 9_999;
    void gate.onFailure?.(failure("a", 2));
    void gate.onFailure?.(failure("b", 3));
    now += 1;
    void gate.onFailure?.(failure("a", 4));
    void gate.onStart?.({ ...info("a", 5), message: undefined });
    expect(seen).toEqual(["failure a 1", "failure b 3", "failure a 4", "start a 5"]);
  });

  it("rejects unknown options and a zero interval", () => {
    expect(() => frequency([], { interval: 5 } as never)).toThrow(/intervalMs, time/);
    expect(() => frequency([], { intervalMs: 0 })).toThrow(InvalidOptionError);
  });
});
