import {
  checkOptionKeys,
  durationMsOption,
  InvalidOptionError,
  integerOption,
  type Logger,
  loggerOption,
  MAX_TIMER_MS,
  type TimeSource,
  timeSourceOption,
} from "@x/core";
import type { QueueAdapter } from "@x/message";
import { type BackoffStrategy, DEFAULT_BACKOFF, normalizeBackoff } from "./backoff.js";
import type { HandlerMap, JobContext, JobDefinition, RateLimit } from "./handlers.js";
import type { WorkerHeart } from "./heartbeat.js";
import { schemaOption } from "./schema.js";
import type { StandardSchemaV1 } from "./standard-schema.js";
import { rateLimitOption, TokenBucket } from "./token-bucket.js";

/** Jobs run at the same time when the options do not say. */
export const DEFAULT_CONCURRENCY = 1;
/** How long one reserve waits for a job: 5 s. */
export const DEFAULT_POLL_TIMEOUT_MS = 5_000;
/** Pause after an empty poll: none (the poll itself waited `pollTimeoutMs`). */
export const DEFAULT_SLEEP_DURATION_MS = 0;
/** Empty polls in a row before `run()` returns: never (run until stopped). */
export const DEFAULT_SHUTDOWN_AFTER_EMPTY_ITERATIONS = Number.POSITIVE_INFINITY;
/** Runs of one job before it is buried: 10 (with the default backoff, about 8.5 minutes of retries). */
export const DEFAULT_MAX_ATTEMPTS = 10;
/** How long in-flight jobs may take to finish once the worker stops: 10 s. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** Pause after a failed reserve, so a broken queue is not hammered: 1 s. */
export const DEFAULT_ERROR_DELAY_MS = 1_000;
/** Touch a running job when this fraction of its lease has passed. */
export const DEFAULT_TOUCH_FRACTION = 0.5;
/** What happens to a job past its expiration. */
export const DEFAULT_ON_EXPIRED: "bury" | "delete" = "bury";
/** How errors other than `TransientError`/`FatalError` are treated. */
export const DEFAULT_UNEXPECTED_ERRORS: "transient" | "fatal" = "transient";
/** Whether running jobs are touched before their lease ends. */
export const DEFAULT_AUTO_TOUCH = true;
/** Whether `run()` listens to SIGINT and SIGTERM. */
export const DEFAULT_HANDLE_SIGNALS = true;
/** Time limit of one handler run: none. */
export const DEFAULT_TIMEOUT_MS = Number.POSITIVE_INFINITY;
/** Heartbeat period: 10 s. */
export const DEFAULT_HEARTBEAT_PERIOD_MS = 10_000;
/** Heartbeat warm-up announced at start: 30 s. */
export const DEFAULT_HEARTBEAT_WARMUP_MS = 30_000;
/** Handler failures in a row after which the heartbeat says `degraded`. */
export const DEFAULT_DEGRADED_AFTER_FAILURES = 5;

/** Options of {@link createWorker}. Only `queue` and `handlers` are required. */
export interface WorkerOptions<Jobs extends object = Record<string, unknown>> {
  /** Where jobs come from. The worker never closes it: it is yours. */
  readonly queue: QueueAdapter;
  /** The handler of each `request_type`. Jobs of other types are buried (`no-handler`). */
  readonly handlers: HandlerMap<Jobs>;
  /** How many jobs run at the same time. While all are busy, nothing is reserved. @default DEFAULT_CONCURRENCY (1) */
  readonly concurrency?: number;
  /** How long one reserve waits for a job, in ms; 0 polls without waiting, `Infinity` waits until a job comes. @default DEFAULT_POLL_TIMEOUT_MS (5000) */
  readonly pollTimeoutMs?: number;
  /** Pause after a poll came back empty, in ms; stopping interrupts it. 0 is no pause. @default DEFAULT_SLEEP_DURATION_MS (0) */
  readonly sleepDurationMs?: number;
  /**
   * `run()` returns after this many empty polls in a row (pulpo's exit-when-idle). 0 drains: polls
   * do not wait, and the first empty one stops. @default DEFAULT_SHUTDOWN_AFTER_EMPTY_ITERATIONS (Infinity: run until stopped)
   */
  readonly shutdownAfterEmptyIterations?: number;
  /**
   * Runs of one job at most. A failure on the last one buries the job; a delivery beyond it (after
   * crashes or lost leases) is buried without running. @default DEFAULT_MAX_ATTEMPTS (10)
   */
  readonly maxAttempts?: number;
  /** Delay before a failed job is retried. @default DEFAULT_BACKOFF (exponential 1 s x2, cap 5 min, jitter 0.2) */
  readonly backoff?: BackoffStrategy;
  /** Errors other than `TransientError`/`FatalError`: retried (`transient`) or buried (`fatal`). @default "transient" */
  readonly unexpectedErrors?: "transient" | "fatal";
  /** A job past its `expiration` when reserved is buried with reason `expired`, or deleted. @default "bury" */
  readonly onExpired?: "bury" | "delete";
  /** Touch running jobs before their lease ends (at half of `Reservation.leaseMs`). @default DEFAULT_AUTO_TOUCH (true) */
  readonly autoTouch?: boolean;
  /**
   * Once stopping, how long in-flight jobs may take before they are aborted and released, in ms;
   * `Infinity` waits for them however long they take (a second signal still hurries them).
   * @default DEFAULT_SHUTDOWN_TIMEOUT_MS (10000)
   */
  readonly shutdownTimeoutMs?: number;
  /** Pause after a failed reserve, in ms. @default DEFAULT_ERROR_DELAY_MS (1000) */
  readonly errorDelayMs?: number;
  /** Aborting it stops the worker, like `close()`. */
  readonly signal?: AbortSignal;
  /** Stop on SIGINT/SIGTERM while `run()` is active; a second signal skips the shutdown deadline. @default true */
  readonly handleSignals?: boolean;
  /** Where response messages go. @default the same `queue` */
  readonly responseQueue?: QueueAdapter;
  /** A `Heart` from `@x/heartbeat` (or anything with its four methods) to report the worker's health. */
  readonly heart?: WorkerHeart;
  /** How often the heart beats, in ms. @default DEFAULT_HEARTBEAT_PERIOD_MS (10000) */
  readonly heartbeatPeriodMs?: number;
  /** Warm-up announced with `start`, in ms. @default DEFAULT_HEARTBEAT_WARMUP_MS (30000) */
  readonly heartbeatWarmupMs?: number;
  /** Handler failures in a row that turn the heartbeat to `degraded`. @default DEFAULT_DEGRADED_AFTER_FAILURES (5) */
  readonly degradedAfterFailures?: number;
  /**
   * Gets a line for starts, stops, retries, burials and errors, as `logger.warn({ jobId,
   * requestType, attempt, error }, "job released for a retry")`: `@x/core`'s `Logger`, so a pino
   * logger or `console` fits as it is. @default nothing is logged
   */
  readonly logger?: Logger;
  /** Random numbers in [0, 1) for backoff jitter; injectable for tests. @default Math.random */
  readonly random?: () => number;
  /**
   * Time limit of one handler run, in ms, for request types whose definition has no `timeoutMs`.
   * At the limit the handler's `signal` aborts with `HandlerTimeoutError` and the job is retried like a
   * transient failure, without waiting for the handler. @default DEFAULT_TIMEOUT_MS (Infinity: none)
   */
  readonly timeoutMs?: number;
  /**
   * At most `max` jobs start per `intervalMs` in this worker, whatever their type: the worker
   * reserves only when it holds a token, so no job waits reserved. @default no limit
   */
  readonly rateLimit?: RateLimit;
  /**
   * Where replies to `producer.request()` go: the producer's `replies` queue (it must keep custom
   * ids: memory, file). Without it, jobs that ask for a reply get none and their requests time out.
   */
  readonly replyQueue?: QueueAdapter;
  /** Time and timers of the timeouts and rate limits; a fake one in tests. @default systemTime of `@x/core` */
  readonly time?: TimeSource;
}

/** One request type's handler with its options resolved (a plain function has only the defaults). */
export interface ResolvedJob {
  readonly handle: (payload: unknown, context: JobContext) => unknown;
  /** Infinity for no limit. */
  readonly timeoutMs: number;
  readonly schema: StandardSchemaV1 | undefined;
  /** This worker's bucket for the request type, when it has a rate limit. */
  readonly limiter: TokenBucket | undefined;
}

/** Options after validation, with every default filled in. */
export interface ResolvedWorkerOptions {
  readonly queue: QueueAdapter;
  readonly handlers: Readonly<Record<string, ResolvedJob>>;
  readonly concurrency: number;
  readonly pollTimeoutMs: number;
  readonly sleepDurationMs: number;
  readonly shutdownAfterEmptyIterations: number;
  readonly maxAttempts: number;
  readonly backoff: BackoffStrategy;
  readonly unexpectedErrors: "transient" | "fatal";
  readonly onExpired: "bury" | "delete";
  readonly autoTouch: boolean;
  readonly shutdownTimeoutMs: number;
  readonly errorDelayMs: number;
  readonly signal: AbortSignal | undefined;
  readonly handleSignals: boolean;
  readonly responseQueue: QueueAdapter;
  readonly heart: WorkerHeart | undefined;
  readonly heartbeatPeriodMs: number;
  readonly heartbeatWarmupMs: number;
  readonly degradedAfterFailures: number;
  readonly logger: Logger | undefined;
  readonly random: () => number;
  readonly timeoutMs: number;
  /** The worker-wide bucket, when `rateLimit` is set. */
  readonly limiter: TokenBucket | undefined;
  readonly replyQueue: QueueAdapter | undefined;
  readonly time: TimeSource;
}

/** Every option {@link createWorker} takes: anything else is a typo or another library's option. */
const WORKER_OPTION_KEYS = [
  "queue",
  "handlers",
  "concurrency",
  "pollTimeoutMs",
  "sleepDurationMs",
  "shutdownAfterEmptyIterations",
  "maxAttempts",
  "backoff",
  "unexpectedErrors",
  "onExpired",
  "autoTouch",
  "shutdownTimeoutMs",
  "errorDelayMs",
  "signal",
  "handleSignals",
  "responseQueue",
  "heart",
  "heartbeatPeriodMs",
  "heartbeatWarmupMs",
  "degradedAfterFailures",
  "logger",
  "random",
  "timeoutMs",
  "rateLimit",
  "replyQueue",
  "time",
] as const satisfies readonly (keyof WorkerOptions)[];

/** A count of empty polls: `Infinity` means "never stop when idle". */
function iterations(value: unknown, option: string, fallback: number): number {
  if (value === Number.POSITIVE_INFINITY) return value;
  return integerOption(option, value, fallback, 0);
}

/**
 * A duration the worker waits with a timer: finite values are capped at setTimeout's longest delay
 * (about 24.8 days), since a longer one fires at once and would turn a wait into a busy loop.
 */
function timerMs(option: string, value: unknown, fallback: number, { positive = false, infinite = false } = {}): number {
  const ms = durationMsOption(option, value, fallback, { max: MAX_TIMER_MS, infinite });
  if (positive && ms === 0) throw new InvalidOptionError(option, value, "must be more than 0 ms");
  return ms;
}

function bool(value: unknown, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new InvalidOptionError(option, value, "must be true or false");
  return value;
}

function oneOf<T extends string>(value: unknown, option: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T))
    throw new InvalidOptionError(option, value, `must be ${allowed.map((a) => JSON.stringify(a)).join(" or ")}`);
  return value as T;
}

function isQueue(value: unknown): value is QueueAdapter {
  return typeof value === "object" && value !== null && typeof (value as QueueAdapter).reserve === "function";
}

const JOB_DEFINITION_KEYS = ["handle", "timeoutMs", "schema", "rateLimit"] as const satisfies readonly (keyof JobDefinition)[];

function checkJob(type: string, handler: unknown, defaultTimeoutMs: number, time: TimeSource): ResolvedJob {
  const option = `handlers.${type}`;
  if (typeof handler === "function") {
    return { handle: handler as ResolvedJob["handle"], timeoutMs: defaultTimeoutMs, schema: undefined, limiter: undefined };
  }
  if (typeof handler !== "object" || handler === null) {
    throw new InvalidOptionError(option, handler, "must be a function or { handle, timeoutMs?, schema?, rateLimit? }");
  }
  checkOptionKeys(handler, JOB_DEFINITION_KEYS, option);
  const definition = handler as Partial<JobDefinition>;
  if (typeof definition.handle !== "function") throw new InvalidOptionError(`${option}.handle`, definition.handle, "must be a function");
  const rateLimit = rateLimitOption(`${option}.rateLimit`, definition.rateLimit);
  return {
    handle: definition.handle,
    timeoutMs: timerMs(`${option}.timeoutMs`, definition.timeoutMs, defaultTimeoutMs, { positive: true, infinite: true }),
    schema: schemaOption(`${option}.schema`, definition.schema),
    limiter: rateLimit === undefined ? undefined : new TokenBucket(rateLimit, time),
  };
}

function checkHandlers(handlers: unknown, defaultTimeoutMs: number, time: TimeSource): ResolvedWorkerOptions["handlers"] {
  if (typeof handlers !== "object" || handlers === null) {
    throw new InvalidOptionError("handlers", handlers, "must be an object mapping request types to handler functions");
  }
  // A null-prototype copy: a job of type "constructor" or "__proto__" finds no handler.
  const copy: Record<string, ResolvedJob> = Object.create(null) as Record<string, never>;
  for (const [type, handler] of Object.entries(handlers)) copy[type] = checkJob(type, handler, defaultTimeoutMs, time);
  return Object.freeze(copy);
}

function checkHeart(heart: unknown): WorkerHeart | undefined {
  if (heart === undefined) return undefined;
  for (const method of ["start", "beat", "degraded", "stop"] as const) {
    if (typeof heart !== "object" || heart === null || typeof (heart as Record<string, unknown>)[method] !== "function") {
      throw new InvalidOptionError("heart", undefined, `must have a ${method}() method (a Heart from @x/heartbeat)`);
    }
  }
  return heart as WorkerHeart;
}

/**
 * Validates the options up front and fills in the defaults. The caller's object is read once and
 * never kept or changed.
 * @throws InvalidOptionError naming the first bad or unknown option.
 */
export function resolveWorkerOptions<Jobs extends object>(options: WorkerOptions<Jobs>): ResolvedWorkerOptions {
  if (typeof options !== "object" || (options as unknown) === null) {
    throw new InvalidOptionError("options", options, "of createWorker() must be an object with at least `queue` and `handlers`");
  }
  checkOptionKeys(options, WORKER_OPTION_KEYS, "createWorker");
  if (!isQueue(options.queue)) throw new InvalidOptionError("queue", undefined, "must be a QueueAdapter");
  if (options.responseQueue !== undefined && !isQueue(options.responseQueue)) {
    throw new InvalidOptionError("responseQueue", undefined, "must be a QueueAdapter");
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new InvalidOptionError("signal", options.signal, "must be an AbortSignal");
  }
  if (options.random !== undefined && typeof options.random !== "function") {
    throw new InvalidOptionError("random", options.random, "must be a function returning a number in [0, 1)");
  }
  if (options.replyQueue !== undefined && !isQueue(options.replyQueue)) {
    throw new InvalidOptionError("replyQueue", undefined, "must be a QueueAdapter");
  }
  if (options.replyQueue !== undefined && !options.replyQueue.capabilities.customIds) {
    throw new InvalidOptionError(
      "replyQueue",
      undefined,
      `must keep custom ids (capabilities.customIds), as the memory and file queues do; ${options.replyQueue.name} does not`,
    );
  }
  const time = timeSourceOption(options.time);
  const timeoutMs = timerMs("timeoutMs", options.timeoutMs, DEFAULT_TIMEOUT_MS, { positive: true, infinite: true });
  const rateLimit = rateLimitOption("rateLimit", options.rateLimit);
  return {
    queue: options.queue,
    handlers: checkHandlers(options.handlers, timeoutMs, time),
    concurrency: integerOption("concurrency", options.concurrency, DEFAULT_CONCURRENCY, 1),
    pollTimeoutMs: timerMs("pollTimeoutMs", options.pollTimeoutMs, DEFAULT_POLL_TIMEOUT_MS, { infinite: true }),
    sleepDurationMs: timerMs("sleepDurationMs", options.sleepDurationMs, DEFAULT_SLEEP_DURATION_MS),
    shutdownAfterEmptyIterations: iterations(
      options.shutdownAfterEmptyIterations,
      "shutdownAfterEmptyIterations",
      DEFAULT_SHUTDOWN_AFTER_EMPTY_ITERATIONS,
    ),
    maxAttempts: integerOption("maxAttempts", options.maxAttempts, DEFAULT_MAX_ATTEMPTS, 1),
    backoff: normalizeBackoff(options.backoff ?? DEFAULT_BACKOFF),
    unexpectedErrors: oneOf(options.unexpectedErrors, "unexpectedErrors", ["transient", "fatal"], DEFAULT_UNEXPECTED_ERRORS),
    onExpired: oneOf(options.onExpired, "onExpired", ["bury", "delete"], DEFAULT_ON_EXPIRED),
    autoTouch: bool(options.autoTouch, "autoTouch", DEFAULT_AUTO_TOUCH),
    shutdownTimeoutMs: timerMs("shutdownTimeoutMs", options.shutdownTimeoutMs, DEFAULT_SHUTDOWN_TIMEOUT_MS, { infinite: true }),
    errorDelayMs: timerMs("errorDelayMs", options.errorDelayMs, DEFAULT_ERROR_DELAY_MS),
    signal: options.signal,
    handleSignals: bool(options.handleSignals, "handleSignals", DEFAULT_HANDLE_SIGNALS),
    responseQueue: options.responseQueue ?? options.queue,
    heart: checkHeart(options.heart),
    heartbeatPeriodMs: timerMs("heartbeatPeriodMs", options.heartbeatPeriodMs, DEFAULT_HEARTBEAT_PERIOD_MS, { positive: true }),
    heartbeatWarmupMs: timerMs("heartbeatWarmupMs", options.heartbeatWarmupMs, DEFAULT_HEARTBEAT_WARMUP_MS, { positive: true }),
    degradedAfterFailures: integerOption("degradedAfterFailures", options.degradedAfterFailures, DEFAULT_DEGRADED_AFTER_FAILURES, 1),
    // Absent stays absent: the worker skips building log fields when nobody reads them.
    logger: options.logger === undefined ? undefined : loggerOption(options.logger),
    random: options.random ?? Math.random,
    timeoutMs,
    limiter: rateLimit === undefined ? undefined : new TokenBucket(rateLimit, time),
    replyQueue: options.replyQueue,
    time,
  };
}
