import type { JsonValue, Message, MessageInit } from "@x/message";
import type { StandardSchemaV1 } from "./standard-schema.js";

/**
 * What a handler gets next to the payload. It does not repeat the payload's type on purpose: a
 * context typed by the payload would stop TypeScript from inferring the job map from handlers
 * written as `(payload: T, ctx) => ...`.
 */
export interface JobContext {
  /** The whole message: id, header (priority, expiration, extra keys) and body (the payload is the handler's first argument). */
  readonly message: Message;
  /** The message's `request_type`, which chose this handler. */
  readonly requestType: string;
  /** This run's number, 1-based: 1 on the first delivery, 2 after one retry or lost lease, ... */
  readonly attempt: number;
  /**
   * Aborted when the job must stop: the worker's shutdown deadline passed, or the lease was lost
   * (another worker may now hold the job). Pass it on to `fetch`, timers, child processes.
   */
  readonly signal: AbortSignal;
  /** Extends the lease now. The worker already does this before the lease ends; call it when you want to be sure. */
  touch(): Promise<void>;
  /**
   * Reports how far the job got (a number, or a small JSON value: at most 64 KiB encoded). It
   * extends the lease like `touch()`, stores the value where the queue can (`list()` of reserved
   * jobs shows it when `capabilities.progress`) and emits a `progress` event.
   * @throws InvalidArgumentError (of `@x/message`) for a value that is not JSON or too big.
   * @throws JobEndedError once the job has ended (settled, timed out or abandoned): a late report is a bug worth seeing.
   */
  progress(value: JsonValue): Promise<void>;
}

/**
 * Runs one job. Resolving (with anything, or nothing) acks it; return {@link respond}(...) to enqueue
 * response messages after the ack. Throwing `TransientError` or any other error retries it with
 * backoff; throwing `FatalError` buries it.
 */
export type Handler<P = unknown, R = unknown> = (payload: P, context: JobContext) => R;

/** At most `max` jobs start per `intervalMs` (a token bucket: `max` at once, then one every `intervalMs / max`). */
export interface RateLimit {
  readonly max: number;
  readonly intervalMs: number;
}

/**
 * A handler with options of its own request type. A plain function is the same as `{ handle }`.
 * Write it with {@link defineJob} to have the payload typed by the schema.
 */
export interface JobDefinition<P = unknown, R = unknown> {
  /** Runs one job; see {@link Handler}. */
  readonly handle: Handler<P, R>;
  /** Time limit of one run, in ms, instead of the worker's `timeoutMs`; `Infinity` for none. */
  readonly timeoutMs?: number;
  /**
   * A Standard Schema (zod, valibot, arktype...) the payload is checked against before the handler
   * runs; the handler gets the schema's output. A payload with issues is buried at once, never retried.
   */
  readonly schema?: StandardSchemaV1<unknown, P>;
  /** At most this many jobs of this request type start per interval, in this worker. */
  readonly rateLimit?: RateLimit;
}

/**
 * The handler of each request type, typed by a map of request types to payload types:
 * `HandlerMap<{ send_email: { to: string } }>` requires `send_email: (payload: { to: string }, ctx) => ...`
 * or a {@link JobDefinition} of that payload.
 */
export type HandlerMap<Jobs extends object = Record<string, unknown>> = {
  readonly [K in keyof Jobs]: Handler<Jobs[K]> | JobDefinition<Jobs[K]>;
};

/** What the handler of a function or definition resolves to (the `result` of its `succeeded` event). */
export type ResultOf<H> = H extends JobDefinition<never, infer R> ? Awaited<R> : H extends Handler<never, infer R> ? Awaited<R> : unknown;

/** The result type of every request type of a handler map, for `createProducer<Jobs, ResultsOf<typeof handlers>>`. */
export type ResultsOf<Handlers extends object> = { readonly [K in keyof Handlers]: ResultOf<Handlers[K]> };

/**
 * Types a {@link JobDefinition}: with a `schema`, the payload is the schema's output type, so the
 * schema is the one place the payload's shape is written.
 *
 * @example
 * ```ts
 * const resize = defineJob({
 *   schema: z.object({ url: z.string(), width: z.number().int() }),
 *   timeoutMs: 30_000,
 *   handle: async ({ url, width }) => ({ url, width }),
 * });
 * ```
 */
export function defineJob<S extends StandardSchemaV1, R>(
  definition: Omit<JobDefinition<StandardSchemaV1.InferOutput<S>, R>, "schema"> & { readonly schema: S },
): JobDefinition<StandardSchemaV1.InferOutput<S>, R>;
export function defineJob<P, R>(definition: JobDefinition<P, R>): JobDefinition<P, R>;
export function defineJob(definition: JobDefinition): JobDefinition {
  return definition;
}

/** Marks results across copies of `@x/worker` (a handlers module may import its own). */
const JOB_RESULT = Symbol.for("@x/worker.JobResult");

/** A handler's successful result that carries response messages (pulpo's `response_messages`). */
export class JobResult {
  readonly [JOB_RESULT] = true;
  /** Messages to enqueue once the job is acked. If the ack fails, none is. */
  readonly responses: readonly MessageInit[];

  constructor(responses: readonly MessageInit[]) {
    this.responses = Object.freeze([...responses]);
  }
}

/** Whether a handler's return value is a {@link JobResult} (made by {@link respond}). */
export function isJobResult(value: unknown): value is JobResult {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[JOB_RESULT] === true &&
    Array.isArray((value as { responses?: unknown }).responses)
  );
}

/**
 * The job succeeded and these messages follow from it; the worker enqueues them (on the same queue,
 * or `responseQueue`) after the ack.
 *
 * @example
 * ```ts
 * const handlers = {
 *   order: (payload: { id: string }) => respond({ requestType: "invoice", payload: { order: payload.id } }),
 * };
 * ```
 */
export function respond(...responses: MessageInit[]): JobResult {
  return new JobResult(responses);
}

/**
 * Identity function that checks a handler map against a job map, for handler maps defined apart
 * from `createWorker` (a `handlers.ts` module for `x-queue work`).
 *
 * @example
 * ```ts
 * interface Jobs { greet: { name: string } }
 * export const handlers = defineHandlers<Jobs>({ greet: (payload) => console.log(payload.name) });
 * ```
 */
export function defineHandlers<Jobs extends object>(handlers: HandlerMap<Jobs>): HandlerMap<Jobs> {
  return handlers;
}
