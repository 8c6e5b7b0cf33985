import type { Message, MessageInit } from "./message.js";

/** Options for {@link QueueAdapter.reserve}. */
export interface ReserveOptions {
  /**
   * How long to wait for a job when none is ready. `0` checks once and returns at once;
   * `Infinity` waits until a job arrives or the signal aborts.
   * @default 0
   */
  readonly timeoutMs?: number;
  /** Aborting rejects the pending reserve with the signal's reason. No job is lost. */
  readonly signal?: AbortSignal;
}

/** Options for {@link Reservation.release}. */
export interface ReleaseOptions {
  /** Make the job ready again only after this many milliseconds. @default 0 */
  readonly delayMs?: number;
  /** New priority. @default the job's current priority */
  readonly priority?: number;
}

/**
 * A job handed to one holder. Exactly one of `ack`, `release` or `bury` settles it; afterwards, or
 * once the lease has run out and the job was handed to someone else, every method rejects with
 * `LeaseLostError`.
 */
export interface Reservation {
  /** The message, with `header.attempts` = deliveries before this one. */
  readonly message: Message;
  /** How long the lease lasts after `reserve` or `touch`, in milliseconds. */
  readonly leaseMs: number;
  /** Done: remove the job. */
  ack(): Promise<void>;
  /** Put the job back to be retried, optionally after a delay and with a new priority. */
  release(options?: ReleaseOptions): Promise<void>;
  /** Keep the job aside for inspection; `kick` revives it. */
  bury(reason: string): Promise<void>;
  /** Extend the lease by another `leaseMs` from now. */
  touch(): Promise<void>;
}

/** Job counts by state. Adapters may add their own figures in `extra`. */
export interface QueueStats {
  readonly ready: number;
  readonly delayed: number;
  readonly reserved: number;
  readonly buried: number;
  /** Adapter-specific counters (e.g. beanstalkd's `total-jobs`). */
  readonly extra?: Readonly<Record<string, number>>;
}

/** The state a job is in. */
export type JobState = "ready" | "delayed" | "reserved" | "buried";

/** What {@link QueueAdapter.inspect} tells about one job. */
export interface JobInfo {
  readonly message: Message;
  readonly state: JobState;
  /** Why it was buried, when the adapter can keep that. */
  readonly buryReason?: string;
  /** When the current lease ends (epoch ms), for a reserved job. */
  readonly leaseEndsAt?: number;
}

/**
 * What an adapter can do, declared at runtime (as unstorage drivers declare their flags), so the
 * worker, the CLI and users can tell, for example, that a backend assigns its own ids instead of
 * silently getting a new one. The conformance suite holds every adapter to what it declares.
 */
export interface QueueCapabilities {
  /**
   * `enqueue({ id })` keeps the caller's id, and a second job with the id of a live one rejects
   * with `InvalidArgumentError`. Without it the backend assigns its own id (beanstalkd).
   */
  readonly customIds: boolean;
  /** `inspect()` reports the reason given to `bury()`. */
  readonly buryReason: boolean;
  /** Smallest delay the backend can express, in ms (beanstalkd: 1000). */
  readonly delayResolutionMs: number;
}

/**
 * One interface every queue implements; the worker and the CLI see nothing else.
 * pulpo's words map onto it: dequeue = reserve, commit(success) = ack, commit(fail) = bury,
 * rollback = release.
 */
export interface QueueAdapter extends AsyncDisposable {
  /** Short adapter name: `"memory"`, `"file"`, `"beanstalk"`. */
  readonly name: string;
  /** What this adapter can do; fixed for its lifetime. */
  readonly capabilities: QueueCapabilities;
  /** Stores the job. When the promise resolves the job is as durable as the backend makes it. */
  enqueue<P>(init: MessageInit<P>): Promise<Message<P>>;
  /** Hands out the most urgent ready job under a lease, or `null` when none came within `timeoutMs`. */
  reserve(options?: ReserveOptions): Promise<Reservation | null>;
  /** The job's message in any state, or `null` if there is no such job. */
  peek(id: string): Promise<Message | null>;
  /** Removes the job in any state; `false` if there was none. */
  delete(id: string): Promise<boolean>;
  /** Moves up to `max` buried jobs back to ready; resolves to how many moved. */
  kick(max: number): Promise<number>;
  /** Job counts by state. */
  stats(): Promise<QueueStats>;
  /** State (and bury reason, lease end) of one job, or `null`. Optional: not every backend can. */
  inspect?(id: string): Promise<JobInfo | null>;
  /**
   * Stops the adapter: pending reserves reject with `QueueClosedError`, held reservations go back
   * to the queue where the backend allows it, and every later call rejects with `QueueClosedError`.
   * Idempotent; `[Symbol.asyncDispose]` calls it.
   */
  close(): Promise<void>;
}
