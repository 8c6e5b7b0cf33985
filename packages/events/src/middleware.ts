/** What middlewares and handlers know about the job at hand. */
export interface JobInfo {
  /** The actor's name. */
  readonly actor: string;
  /** The event's name. */
  readonly event: string;
  /** Which run of the handler this is, from 1; delay bounces do not count. */
  readonly attempt: number;
  /** The actor's `maxAttempts`. */
  readonly maxAttempts: number;
  /** The event's sequence number in its stream. */
  readonly seq: number;
  /** The emitter's `uid` (`Nats-Msg-Id`): an idempotency key for side effects. */
  readonly uid: string | undefined;
  /** The emitter's `traceId` (`Walnats-Trace`). */
  readonly traceId: string | undefined;
  /** All headers of the event (first value of each). */
  readonly headers: Readonly<Record<string, string>>;
}

/** Passed to `onStart`: the decoded event is about to be handled. */
export interface Context<T = unknown> extends JobInfo {
  /** The decoded (and validated) payload. */
  readonly message: T;
}

/** Passed to `onSuccess`. */
export interface OkContext<T = unknown> extends Context<T> {
  /** How long the handler ran, in ms. */
  readonly durationMs: number;
}

/** Passed to `onFailure`: the handler threw or timed out, or the payload could not be decoded. */
export interface ErrorContext<T = unknown> extends JobInfo {
  /** The decoded event; `undefined` when decoding or validation failed. */
  readonly message: T | undefined;
  /** What the handler threw (a `JobTimeoutError` or `ShutdownError` when it was stopped), or the decode error. */
  readonly error: unknown;
  /** True when the event will be delivered again; false when it goes to the dead-letter stream. */
  readonly willRetry: boolean;
}

/** Why an event went to the dead-letter stream. */
export type DeadLetterReason = "max-attempts" | "decode-error" | "schema-error";

/** Passed to `onDeadLetter`: the event was published to the dead-letter stream and terminated. */
export interface DeadLetterContext extends JobInfo {
  /** Why it was dead-lettered. */
  readonly reason: DeadLetterReason;
  /** The last error, as text. */
  readonly error: string;
  /** Subject it was published on in the dead-letter stream. */
  readonly subject: string;
}

/** A hook's return: nothing, or a promise (tracked, never awaited before the handler). */
export type HookResult = void | Promise<void>;

/**
 * Observability hooks around each job (walnats' middlewares). Hooks must not control the flow:
 * a hook that throws or rejects is logged and changes nothing about acking or retrying. A hook
 * returning a promise is not awaited before the job goes on, but `listen` waits for it before it
 * returns.
 */
export interface Middleware<T = unknown> {
  /** Before the handler runs (after decoding). */
  onStart?(context: Context<T>): HookResult;
  /** After the handler succeeded and the event was acknowledged. */
  onSuccess?(context: OkContext<T>): HookResult;
  /** After the handler failed, timed out, or the payload could not be decoded. */
  onFailure?(context: ErrorContext<T>): HookResult;
  /** After the event was moved to the dead-letter stream. */
  onDeadLetter?(context: DeadLetterContext): HookResult;
}
