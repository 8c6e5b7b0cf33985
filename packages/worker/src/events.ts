import type { JsonValue, Message } from "@x/message";

/** Why a job was buried (an expired job has its own `expired` event). `invalid-payload`: its schema found issues. */
export type BuryReason = "fatal" | "no-handler" | "max-attempts" | "invalid-payload";

/** Why the worker stopped (or is stopping). */
export type StopReason = "idle" | "signal" | "aborted" | "closed" | "queue-closed";

/** Which queue operation (or other step) an `error` event comes from. */
export type ErrorPhase =
  | "reserve"
  | "ack"
  | "release"
  | "bury"
  | "touch"
  | "respond"
  | "reply"
  | "defer"
  | "heartbeat"
  | "backoff"
  | "listener"
  | "internal";

/** Fields every job event has. */
export interface JobEvent {
  readonly message: Message;
  /** This run's number, 1-based. */
  readonly attempt: number;
}

/**
 * The payload of each worker event. Every reserved job ends in exactly one of `succeeded`,
 * `retried`, `buried`, `expired` or `deferred`, or in an `error` when settling it failed (the lease then runs
 * out and the queue hands it out again). Durations are milliseconds from the reservation to the event.
 */
export interface WorkerEvents {
  /** A job was handed to this worker. */
  reserved: JobEvent;
  /**
   * The handler resolved and the job was acked. `result`: what the handler resolved to (sent back
   * to a `producer.request()` that waits for it); `responses`: how many response messages were enqueued.
   */
  succeeded: JobEvent & { readonly durationMs: number; readonly responses: number; readonly result: unknown };
  /** The handler reported progress with `ctx.progress(value)`. */
  progress: JobEvent & { readonly value: JsonValue };
  /**
   * The handler did not finish within its `timeoutMs`: its signal was aborted and the job is
   * settled now (a `retried` or `buried` event follows), without waiting for the handler.
   */
  "timed-out": JobEvent & { readonly durationMs: number; readonly timeoutMs: number };
  /**
   * The request type's rate limit had no token: the job was put back, delayed by `delayMs`, without
   * counting the delivery as an attempt. `id`: the id it has now (see the README: a copy is enqueued).
   */
  deferred: JobEvent & { readonly delayMs: number; readonly id: string };
  /**
   * The job was released to run again after `delayMs`: the handler threw a retryable error, or
   * (`shutdown: true`) the worker stopped before it finished.
   */
  retried: JobEvent & { readonly durationMs: number; readonly delayMs: number; readonly error: unknown; readonly shutdown: boolean };
  /** The job was buried; `detail` is the reason given to the queue. `error` is set for `fatal` and `max-attempts`. */
  buried: JobEvent & { readonly durationMs: number; readonly reason: BuryReason; readonly detail: string; readonly error?: unknown };
  /** The job was past its `expiration` when reserved: buried with reason `expired`, or deleted. */
  expired: JobEvent & { readonly durationMs: number; readonly action: "bury" | "delete" };
  /** A queue operation (or a heartbeat, or a listener) failed. The worker carries on. */
  error: { readonly phase: ErrorPhase; readonly error: unknown; readonly message?: Message };
  /** The worker stopped reserving and is finishing its jobs. */
  stopping: { readonly reason: StopReason };
  /** Everything is settled; `run()` is about to resolve. */
  stopped: { readonly reason: StopReason };
}

/** The name of a worker event. */
export type WorkerEventName = keyof WorkerEvents;
