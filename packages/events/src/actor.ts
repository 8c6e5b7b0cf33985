import { checkOptionKeys, durationMsOption, InvalidOptionError, integerOption } from "@x/core";
import { type Event, isEvent } from "./event.js";
import type { JobInfo, Middleware } from "./middleware.js";
import { type NameRules, nameRulesOption, validateDescription, validateName } from "./names.js";
import type { EventWithResponse } from "./response.js";
import type { Priority } from "./slots.js";

/** How long the server waits for an acknowledgement before redelivering, in ms (walnats: 16 s). */
export const DEFAULT_ACK_WAIT_MS = 16_000;
/** Handler runs before an event goes to the dead-letter stream (walnats: unlimited). */
export const DEFAULT_MAX_ATTEMPTS = 5;
/** Unacknowledged events per actor across all its instances (walnats: 1000). */
export const DEFAULT_MAX_ACK_PENDING = 1_000;
/** Concurrent jobs of one actor in one process (walnats: 16). */
export const DEFAULT_ACTOR_MAX_JOBS = 16;
/** How long a handler may run, in ms (walnats: 32 s). */
export const DEFAULT_JOB_TIMEOUT_MS = 32_000;
/** Delays after the 1st, 2nd, 3rd and later failures, in ms (walnats' values, applied as documented). */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = Object.freeze([500, 1_000, 2_000, 4_000]);
/** Send in-progress pulses while a job runs. */
export const DEFAULT_PULSE = true;
/** Priority among the actors of one `listen` call. */
export const DEFAULT_PRIORITY: Priority = "normal";

const PRIORITIES: readonly Priority[] = ["high", "normal", "low"];
const BRAND: unique symbol = Symbol.for("@x/events.Actor");

/** What a handler gets besides the payload. */
export interface HandlerContext extends JobInfo {
  /**
   * Aborted when the job times out (`JobTimeoutError`) or `listen` stops and the drain deadline
   * passes (`ShutdownError`). Pass it to fetch, database calls, ... so they stop too.
   */
  readonly signal: AbortSignal;
}

/** Handles one event. Resolve to acknowledge; throw or reject to retry (or dead-letter). */
export type Handler<T> = (payload: T, context: HandlerContext) => unknown;

/**
 * Handles one event of an event made by `withResponse()`: what it returns (or resolves to) is
 * the response a requester gets, sent after the ack.
 */
export type ResponseHandler<T, RInput> = (payload: T, context: HandlerContext) => RInput | PromiseLike<RInput>;

const ACTOR_OPTIONS = [
  "description",
  "ackWaitMs",
  "maxAttempts",
  "maxAckPending",
  "maxJobs",
  "jobTimeoutMs",
  "retryDelaysMs",
  "pulse",
  "priority",
  "middlewares",
  "names",
] as const;

/** Options of {@link Actor}. Durations are milliseconds. */
export interface ActorOptions<T> {
  /** Consumer description; at most 4 KiB (WNS025/026). @default none */
  readonly description?: string;
  /** Stored in the consumer: redelivery after this long without an acknowledgement or pulse. @default {@link DEFAULT_ACK_WAIT_MS} */
  readonly ackWaitMs?: number;
  /** Handler runs before the event goes to the dead-letter stream. @default {@link DEFAULT_MAX_ATTEMPTS} */
  readonly maxAttempts?: number;
  /** Stored in the consumer: unacknowledged events across all instances. @default {@link DEFAULT_MAX_ACK_PENDING} */
  readonly maxAckPending?: number;
  /** Concurrent jobs of this actor in one process. @default {@link DEFAULT_ACTOR_MAX_JOBS} */
  readonly maxJobs?: number;
  /** The handler's signal is aborted and the job fails after this long. @default {@link DEFAULT_JOB_TIMEOUT_MS} */
  readonly jobTimeoutMs?: number;
  /** `retryDelaysMs[k]` is the delay after failure k+1; the last entry repeats. @default {@link DEFAULT_RETRY_DELAYS_MS} */
  readonly retryDelaysMs?: readonly number[];
  /** Send in-progress pulses every `ackWaitMs / 2` so long jobs are not redelivered. @default true */
  readonly pulse?: boolean;
  /** Who gets free `listen` slots first when actors compete. @default "normal" */
  readonly priority?: Priority;
  /** walnats' middlewares: hooks around each job, called in order. @default [] */
  readonly middlewares?: readonly Middleware<T>[];
  /**
   * Which names are accepted: `"strict"` (walnats' linter rules) or `"walnats"` (capitals and `_`
   * too, as walnats accepts at runtime; never a dot, which NATS refuses in a consumer name). @default "strict"
   */
  readonly names?: NameRules;
}

/** An actor: a named handler for one event, one durable consumer shared by all its instances. */
export interface Actor<T = unknown, TInput = T> {
  /** The actor's name: the durable consumer's name on the event's stream. */
  readonly name: string;
  /** The event it handles. */
  readonly event: Event<T, TInput>;
  /** The handler (declared as a method so any actor fits {@link AnyActor}). */
  handler(payload: T, context: HandlerContext): unknown;
  /** The consumer description, if any. */
  readonly description: string | undefined;
  /** See {@link ActorOptions.ackWaitMs}. */
  readonly ackWaitMs: number;
  /** See {@link ActorOptions.maxAttempts}. */
  readonly maxAttempts: number;
  /** See {@link ActorOptions.maxAckPending}. */
  readonly maxAckPending: number;
  /** See {@link ActorOptions.maxJobs}. */
  readonly maxJobs: number;
  /** See {@link ActorOptions.jobTimeoutMs}. */
  readonly jobTimeoutMs: number;
  /** See {@link ActorOptions.retryDelaysMs} (a frozen copy). */
  readonly retryDelaysMs: readonly number[];
  /** See {@link ActorOptions.pulse}. */
  readonly pulse: boolean;
  /** See {@link ActorOptions.priority}. */
  readonly priority: Priority;
  /** See {@link ActorOptions.middlewares} (a frozen copy). */
  readonly middlewares: readonly Middleware<T>[];
  /** Marks values created by {@link Actor}. */
  readonly [BRAND]: true;
}

/** Any actor, whatever its payload types. */
export type AnyActor = Actor<unknown, unknown>;

const isList = (value: unknown): value is readonly unknown[] => Array.isArray(value);

/**
 * Declares an actor. The name follows walnats' linter rules (WNS021-024) and is the durable
 * consumer's name, unique per event: the same actor name may be used on different events. On an
 * event made by `withResponse()` the handler's result is the response to a `request()`.
 */
export function Actor<T, TInput, R, RInput>(
  name: string,
  event: EventWithResponse<T, TInput, R, RInput>,
  handler: ResponseHandler<NoInfer<T>, NoInfer<RInput>>,
  options?: ActorOptions<NoInfer<T>>,
): Actor<T, TInput>;
export function Actor<T, TInput>(
  name: string,
  event: Event<T, TInput> & { readonly response?: undefined },
  handler: Handler<NoInfer<T>>,
  options?: ActorOptions<NoInfer<T>>,
): Actor<T, TInput>;
export function Actor<T, TInput>(
  name: string,
  event: Event<T, TInput>,
  handler: Handler<T>,
  options: ActorOptions<T> = {},
): Actor<T, TInput> {
  checkOptionKeys(options, ACTOR_OPTIONS, "Actor");
  validateName("actor", name, nameRulesOption(options.names));
  validateDescription("actor", options.description);
  if (!isEvent(event)) throw new InvalidOptionError("event", event, "must be created with Event()");
  if (typeof handler !== "function") throw new InvalidOptionError("handler", handler, "must be a function");
  const retryDelaysMs: unknown = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  if (!isList(retryDelaysMs) || retryDelaysMs.some((d) => typeof d !== "number" || !Number.isFinite(d) || d < 0)) {
    throw new InvalidOptionError("retryDelaysMs", retryDelaysMs, "must be a list of non-negative numbers of milliseconds");
  }
  const priority = options.priority ?? DEFAULT_PRIORITY;
  if (!PRIORITIES.includes(priority)) throw new InvalidOptionError("priority", priority, `must be one of ${PRIORITIES.join(", ")}`);
  const pulse = options.pulse ?? DEFAULT_PULSE;
  if (typeof pulse !== "boolean") throw new InvalidOptionError("pulse", pulse, "must be a boolean");
  const middlewares: unknown = options.middlewares ?? [];
  if (!isList(middlewares)) throw new InvalidOptionError("middlewares", middlewares, "must be a list");
  return Object.freeze({
    name,
    event,
    handler,
    description: options.description,
    ackWaitMs: positiveMs("ackWaitMs", options.ackWaitMs, DEFAULT_ACK_WAIT_MS),
    maxAttempts: integerOption("maxAttempts", options.maxAttempts, DEFAULT_MAX_ATTEMPTS, 1),
    maxAckPending: integerOption("maxAckPending", options.maxAckPending, DEFAULT_MAX_ACK_PENDING, 1),
    maxJobs: integerOption("maxJobs", options.maxJobs, DEFAULT_ACTOR_MAX_JOBS, 1),
    jobTimeoutMs: positiveMs("jobTimeoutMs", options.jobTimeoutMs, DEFAULT_JOB_TIMEOUT_MS),
    retryDelaysMs: Object.freeze([...(retryDelaysMs as readonly number[])]),
    pulse,
    priority,
    middlewares: Object.freeze([...(middlewares as readonly Middleware<T>[])]),
    [BRAND]: true as const,
  });
}

/** A duration that must be above zero (a zero ack wait or job timeout would fail every job at once). */
function positiveMs(option: string, value: unknown, fallback: number): number {
  const ms = durationMsOption(option, value, fallback);
  if (ms <= 0) throw new InvalidOptionError(option, value, "must be a positive number of milliseconds");
  return ms;
}

/** True for values created by {@link Actor}. */
export function isActor(value: unknown): value is AnyActor {
  return typeof value === "object" && value !== null && (value as Partial<AnyActor>)[BRAND] === true;
}
