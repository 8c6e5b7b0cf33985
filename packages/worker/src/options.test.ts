import { InvalidOptionError } from "@x/core";
import { createMemoryQueue } from "@x/message";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_POLL_TIMEOUT_MS,
  DEFAULT_SHUTDOWN_AFTER_EMPTY_ITERATIONS,
  DEFAULT_SLEEP_DURATION_MS,
  resolveWorkerOptions,
  type WorkerOptions,
} from "./options.js";

const queue = createMemoryQueue();
const noop = (): void => undefined;
const handlers = { noop };

function optionError(options: unknown): InvalidOptionError {
  try {
    resolveWorkerOptions(options as WorkerOptions);
  } catch (error) {
    if (error instanceof InvalidOptionError) return error;
    throw error;
  }
  throw new Error("expected an InvalidOptionError");
}

describe("resolveWorkerOptions", () => {
  it("fills in the documented defaults; maxAttempts is finite", () => {
    const resolved = resolveWorkerOptions({ queue, handlers });
    expect(resolved).toMatchObject({
      concurrency: DEFAULT_CONCURRENCY,
      pollTimeoutMs: DEFAULT_POLL_TIMEOUT_MS,
      sleepDurationMs: DEFAULT_SLEEP_DURATION_MS,
      shutdownAfterEmptyIterations: DEFAULT_SHUTDOWN_AFTER_EMPTY_ITERATIONS,
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      onExpired: "bury",
      unexpectedErrors: "transient",
      autoTouch: true,
      handleSignals: true,
      responseQueue: queue,
    });
    expect(Number.isFinite(resolved.maxAttempts)).toBe(true);
    expect(DEFAULT_MAX_ATTEMPTS).toBe(10);
  });

  it("zero means zero for pollTimeoutMs, sleepDurationMs and shutdownAfterEmptyIterations", () => {
    const resolved = resolveWorkerOptions({ queue, handlers, pollTimeoutMs: 0, sleepDurationMs: 0, shutdownAfterEmptyIterations: 0 });
    expect(resolved.pollTimeoutMs).toBe(0);
    expect(resolved.sleepDurationMs).toBe(0);
    expect(resolved.shutdownAfterEmptyIterations).toBe(0);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a missing queue", { queue: undefined }, "queue"],
    ["a queue without reserve()", { queue: {} }, "queue"],
    ["handlers that are not an object", { handlers: null }, "handlers"],
    ["a handler that is not a function", { handlers: { send: "nope" } }, "handlers.send"],
    ["concurrency 0", { concurrency: 0 }, "concurrency"],
    ["fractional concurrency", { concurrency: 1.5 }, "concurrency"],
    ["negative pollTimeoutMs", { pollTimeoutMs: -1 }, "pollTimeoutMs"],
    ["NaN sleepDurationMs", { sleepDurationMs: Number.NaN }, "sleepDurationMs"],
    ["a sleepDurationMs longer than a timer can wait", { sleepDurationMs: 2 ** 31 }, "sleepDurationMs"],
    ["an infinite errorDelayMs", { errorDelayMs: Infinity }, "errorDelayMs"],
    ["a heartbeat period longer than a timer can wait", { heartbeatPeriodMs: 2 ** 31 }, "heartbeatPeriodMs"],
    ["a finite shutdownTimeoutMs longer than a timer can wait", { shutdownTimeoutMs: 2 ** 31 }, "shutdownTimeoutMs"],
    ["negative shutdownAfterEmptyIterations", { shutdownAfterEmptyIterations: -1 }, "shutdownAfterEmptyIterations"],
    ["maxAttempts 0", { maxAttempts: 0 }, "maxAttempts"],
    ["infinite maxAttempts", { maxAttempts: Infinity }, "maxAttempts"],
    ["a bad backoff", { backoff: { type: "fixed", delayMs: -5 } }, "backoff.delayMs"],
    ["a backoff of an unknown type", { backoff: { type: "linear" } }, "backoff.type"],
    ["a misspelt backoff field", { backoff: { type: "fixed", delay: 500 } }, "backoff.delay"],
    ["an unknown onExpired", { onExpired: "archive" }, "onExpired"],
    ["an unknown unexpectedErrors", { unexpectedErrors: "ignore" }, "unexpectedErrors"],
    ["a non-boolean autoTouch", { autoTouch: "yes" }, "autoTouch"],
    ["a non-boolean handleSignals", { handleSignals: 1 }, "handleSignals"],
    ["a signal that is not an AbortSignal", { signal: {} }, "signal"],
    ["a heart without beat()", { heart: { start: noop, degraded: noop, stop: noop } }, "heart"],
    ["a zero heartbeat period", { heartbeatPeriodMs: 0 }, "heartbeatPeriodMs"],
    ["a zero heartbeat warm-up", { heartbeatWarmupMs: 0 }, "heartbeatWarmupMs"],
    ["degradedAfterFailures 0", { degradedAfterFailures: 0 }, "degradedAfterFailures"],
    ["a logger without warn()", { logger: { debug: noop, info: noop, error: noop } }, "logger"],
    ["a responseQueue that is not a queue", { responseQueue: 3 }, "responseQueue"],
  ])("rejects %s, naming the option", (_what, patch, option) => {
    const error = optionError({ queue, handlers, ...patch });
    expect(error.option).toBe(option);
    expect(error.code).toBe("ERR_X_INVALID_OPTION");
    expect(error.message).toContain(`\`${option}\``);
  });

  // A typo, or an option of another job library (bullmq's `repeat` and `limiter`, a timeout per
  // job the worker does not have), must fail at once instead of being silently ignored.
  it.each([
    ["concurency", 8],
    ["repeat", { every: 1_000 }],
    ["limiter", { max: 10, duration: 1_000 }],
    ["jobTimeoutMs", 30_000],
  ])("rejects the unknown option %s, listing the valid ones", (key, value) => {
    const error = optionError({ queue, handlers, [key]: value });
    expect(error.option).toBe(key);
    expect(error.code).toBe("ERR_X_INVALID_OPTION");
    expect(error.message).toContain(`is not an option of createWorker()`);
    expect(error.message).toMatch(/valid options: .*\bconcurrency\b.*\bpollTimeoutMs\b.*\bsleepDurationMs\b/);
  });

  it("pollTimeoutMs and shutdownTimeoutMs may be Infinity (wait for a job, wait for running jobs)", () => {
    const resolved = resolveWorkerOptions({ queue, handlers, pollTimeoutMs: Infinity, shutdownTimeoutMs: Infinity });
    expect([resolved.pollTimeoutMs, resolved.shutdownTimeoutMs]).toEqual([Infinity, Infinity]);
    expect(optionError({ queue, handlers, pollTimeoutMs: 2 ** 31 }).message).toBe(
      "option `pollTimeoutMs` must be a finite number of milliseconds between 0 and 2147483647, got 2147483648",
    );
  });

  it("does not change or keep the caller's objects", () => {
    const myHandlers: Record<string, () => void> = { a: () => undefined };
    const backoff = { type: "fixed" as const, delayMs: 5 };
    const options = { queue, handlers: myHandlers, backoff };
    const resolved = resolveWorkerOptions(options);
    myHandlers.b = () => undefined;
    expect(Object.keys(options)).toEqual(["queue", "handlers", "backoff"]);
    expect(backoff).toEqual({ type: "fixed", delayMs: 5 });
    expect(Object.isFrozen(backoff)).toBe(false);
    expect(Object.keys(resolved.handlers)).toEqual(["a"]);
    expect(resolved.backoff).not.toBe(backoff);
  });

  it("looks handlers up on a null-prototype copy, so `constructor` or `__proto__` jobs find none", () => {
    const resolved = resolveWorkerOptions({ queue, handlers });
    expect("constructor" in resolved.handlers).toBe(false);
    expect("toString" in resolved.handlers).toBe(false);
  });
});
