import type { Message, MessageInit } from "@x/message";

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
}

/**
 * Runs one job. Resolving (with anything, or nothing) acks it; return {@link respond}(...) to enqueue
 * response messages after the ack. Throwing `TransientError` or any other error retries it with
 * backoff; throwing `FatalError` buries it.
 */
export type Handler<P = unknown> = (payload: P, context: JobContext) => unknown;

/**
 * The handler of each request type, typed by a map of request types to payload types:
 * `HandlerMap<{ send_email: { to: string } }>` requires `send_email: (payload: { to: string }, ctx) => ...`.
 */
export type HandlerMap<Jobs extends object = Record<string, unknown>> = {
  readonly [K in keyof Jobs]: Handler<Jobs[K]>;
};

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
