/**
 * Defaults, and the up-front checks every factory and method runs on its options: a typo or a
 * bad value fails at once with `@x/core`'s `InvalidOptionError` naming the option, instead of a
 * `TypeError` from deep inside or a silently ignored key.
 */
import { checkOptionKeys, InvalidOptionError } from "@x/core";

/** Default of `minIntervalMs` (`createHeart`): beatit's one second. */
export const DEFAULT_MIN_INTERVAL_MS = 1000;
/** Default of `maxConsecutiveFailures` (`createHeartbeatService`): jobmon's orchestrator stops after 5 failed reports. */
export const DEFAULT_MAX_CONSECUTIVE_FAILURES = 5;
/** Default of `failureBackoffMs` (`createHeartbeatService`): jobmon's first HTTP retry wait, one second. */
export const DEFAULT_FAILURE_BACKOFF_MS = 1000;
/** Default of `timeoutMs` (`createJobmonHttpGateway`). */
export const DEFAULT_JOBMON_TIMEOUT_MS = 10_000;
/** Default of `buffer` (`createMonitor`): a beat is late after 1.5 periods, jobmon's buffer. */
export const DEFAULT_BUFFER = 1.5;
/** Default of `grace` (`createMonitor`). */
export const DEFAULT_GRACE = 2;
/** Default of `maxProcesses` (`createMonitor`). */
export const DEFAULT_MAX_PROCESSES = 1_000_000;
/** Default of `maxBufferedTransitions` (`createMonitor`). */
export const DEFAULT_MAX_BUFFERED_TRANSITIONS = 10_000;
/**
 * Default of `evictAfterMs` (`createMonitor`): one hour, long enough for a dashboard to show a
 * crash, short enough that a fleet restarting under new names stays small.
 */
export const DEFAULT_EVICT_AFTER_MS = 3_600_000;

/**
 * Checks the options object of a factory or method (`createHeart()`, `beat()`, `tick()`): an
 * object (or absent, when nothing in it is required) with known keys only.
 */
export function checkOptions(options: unknown, known: readonly string[], method: string, required: boolean): void {
  if (options === undefined && !required) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidOptionError("options", options, `of ${method}() must be an object`);
  }
  checkOptionKeys(options, known, method);
}

/** A required duration in milliseconds, finite and > 0 (a warmup, a period, an interval). */
export function positiveDurationMs(option: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(option, value, "must be a finite number of milliseconds > 0");
  }
  return value;
}

/** A multiplier (`buffer`, `grace`): a finite number >= `min`, or the default when absent. */
export function factorOption(option: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new InvalidOptionError(option, value, `must be a finite number >= ${min}`);
  }
  return value;
}

/** An optional `AbortSignal` option (`signal` of `tick()`), or a required one (`run()`). */
export function signalOption(value: unknown, required: true): AbortSignal;
export function signalOption(value: unknown, required: boolean): AbortSignal | undefined;
export function signalOption(value: unknown, required: boolean): AbortSignal | undefined {
  if (value === undefined && !required) return undefined;
  if (!(value instanceof AbortSignal)) throw new InvalidOptionError("signal", value, "must be an AbortSignal");
  return value;
}

/** An `on(event, listener)` call: a known event and a function, so a typo does not go unheard. */
export function checkListener(event: unknown, listener: unknown, events: readonly string[]): void {
  if (typeof event !== "string" || !events.includes(event)) {
    throw new InvalidOptionError("event", event, `must be one of ${events.map((e) => `"${e}"`).join(", ")}`);
  }
  if (typeof listener !== "function") throw new InvalidOptionError("listener", listener, "must be a function");
}
