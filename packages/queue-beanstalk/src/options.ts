import { InvalidArgumentError } from "@x/message";
import type { BeanstalkLogger } from "./events.js";
import { checkTubeName } from "./tube.js";

/** beanstalkd's address when the options do not say. */
export const DEFAULT_HOST = "127.0.0.1";
/** beanstalkd's standard port. */
export const DEFAULT_PORT = 11300;
/** beanstalkd's own default tube, which every other client also uses unless told otherwise. */
export const DEFAULT_TUBE = "default";
/** Time to run of a job (its lease), in seconds: pulpo's and greenstalk's 60. */
export const DEFAULT_TTR_SECONDS = 60;
/** How long a call waits for a (re)connection before it rejects with `ConnectionError`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * How long a command waits for its reply before the socket is dropped (`TimeoutError`). It is
 * also how a partition (a link that stays open but carries nothing) is noticed, so it is a few
 * seconds: beanstalkd answers in well under a millisecond, and a put waiting behind the pipeline
 * window starts its clock only when it is sent.
 */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
/** First reconnect delay; it doubles per failed attempt. */
export const DEFAULT_RECONNECT_DELAY_MS = 100;
/** Upper bound of the reconnect delay. */
export const DEFAULT_MAX_RECONNECT_DELAY_MS = 2_000;
/** Longest single `reserve-with-timeout` a waiting `reserve()` sends. */
export const DEFAULT_RESERVE_SLICE_SECONDS = 5;
/** Jobs reserved ahead of `reserve()` calls: none, so order and attempt counts stay exact. */
export const DEFAULT_PREFETCH = 0;

const MAX_UINT32 = 2 ** 32 - 1;

/** Options for {@link createBeanstalkQueue}. */
export interface BeanstalkQueueOptions {
  /** beanstalkd host. @default DEFAULT_HOST ("127.0.0.1") */
  readonly host?: string;
  /** beanstalkd port. @default DEFAULT_PORT (11300) */
  readonly port?: number;
  /**
   * The tube jobs are put into and reserved from. Checked against beanstalkd's naming rule
   * before anything is sent. @default DEFAULT_TUBE ("default")
   */
  readonly tube?: string;
  /**
   * Time to run, in whole seconds: how long a reservation is held before beanstalkd hands the
   * job out again. A message can set its own with the header key `ttr` (seconds).
   * @default DEFAULT_TTR_SECONDS (60)
   */
  readonly ttrSeconds?: number;
  /** How long a call waits for a (re)connection before rejecting with `ConnectionError`. @default DEFAULT_CONNECT_TIMEOUT_MS (10 000) */
  readonly connectTimeoutMs?: number;
  /** How long a command waits for its reply; then the socket is dropped and the call rejects with `TimeoutError`. @default DEFAULT_COMMAND_TIMEOUT_MS (5 000) */
  readonly commandTimeoutMs?: number;
  /** First delay between reconnect attempts; doubles per failure, with jitter. @default DEFAULT_RECONNECT_DELAY_MS (100) */
  readonly reconnectDelayMs?: number;
  /** Upper bound of the reconnect delay. @default DEFAULT_MAX_RECONNECT_DELAY_MS (2 000) */
  readonly maxReconnectDelayMs?: number;
  /**
   * A long `reserve()` is sent as `reserve-with-timeout` commands of at most this many seconds,
   * so a server that stops answering is noticed within `reserveSliceSeconds + commandTimeoutMs`.
   * @default DEFAULT_RESERVE_SLICE_SECONDS (5)
   */
  readonly reserveSliceSeconds?: number;
  /**
   * When a `reserve()` gets a job, also reserve up to this many more that are ready right now
   * (`reserve-with-timeout 0` on the same socket, in one write, never waiting) and hand them to the
   * next `reserve()` calls, most urgent first; they are touched while they wait, so waiting never
   * costs them their lease. For callers that reserve one job at a time (a worker with concurrency
   * 1): the next call is answered without a round trip. A worker with a higher concurrency gains
   * nothing from it: it already fills its free slots with reserves that share writes. The price: prefetched jobs count as reserved in `stats()` and are held
   * by this process before a handler is free; a job that arrives meanwhile with a more urgent
   * priority waits behind them; and one given back unused (on `close()`, or when a waiting
   * `reserve()` is aborted) counts one attempt. Keep it below the caller's concurrency.
   * @default DEFAULT_PREFETCH (0)
   */
  readonly prefetch?: number;
  /** Receives connection changes and buried jobs as log lines. @default no logging */
  readonly logger?: BeanstalkLogger;
}

/** The options with every default filled in. */
export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly tube: string;
  readonly ttrSeconds: number;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  readonly reserveSliceSeconds: number;
  readonly prefetch: number;
  readonly logger: BeanstalkLogger | undefined;
}

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(name, `must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function positiveMs(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(name, `must be a positive finite number of milliseconds, got ${String(value)}`);
  }
  return value;
}

/** Checks every option up front and fills in the defaults; the caller's object is not touched. */
export function resolveOptions(options: BeanstalkQueueOptions): ResolvedOptions {
  const raw: unknown = options;
  if (typeof raw !== "object" || raw === null) throw new InvalidArgumentError("options", "must be an object");
  const host = options.host ?? DEFAULT_HOST;
  if (typeof host !== "string" || host.length === 0) throw new InvalidArgumentError("host", "must be a non-empty string");
  const reconnectDelayMs = positiveMs("reconnectDelayMs", options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS);
  const maxReconnectDelayMs = positiveMs("maxReconnectDelayMs", options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS);
  if (maxReconnectDelayMs < reconnectDelayMs) {
    throw new InvalidArgumentError("maxReconnectDelayMs", `must be at least reconnectDelayMs (${reconnectDelayMs}), got ${maxReconnectDelayMs}`);
  }
  const logger = options.logger;
  if (logger !== undefined) {
    for (const level of ["debug", "info", "warn", "error"] as const) {
      if (typeof (logger as Partial<BeanstalkLogger>)[level] !== "function") {
        throw new InvalidArgumentError(`logger.${level}`, "must be a function");
      }
    }
  }
  return {
    host,
    port: integer("port", options.port ?? DEFAULT_PORT, 1, 65_535),
    tube: checkTubeName(options.tube ?? DEFAULT_TUBE, "tube"),
    ttrSeconds: integer("ttrSeconds", options.ttrSeconds ?? DEFAULT_TTR_SECONDS, 1, MAX_UINT32),
    connectTimeoutMs: positiveMs("connectTimeoutMs", options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
    commandTimeoutMs: positiveMs("commandTimeoutMs", options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS),
    reconnectDelayMs,
    maxReconnectDelayMs,
    reserveSliceSeconds: integer("reserveSliceSeconds", options.reserveSliceSeconds ?? DEFAULT_RESERVE_SLICE_SECONDS, 1, 3_600),
    prefetch: integer("prefetch", options.prefetch ?? DEFAULT_PREFETCH, 0, 1_000),
    logger,
  };
}
