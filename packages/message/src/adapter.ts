import type { JsonValue } from "./json-value.js";
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
  /**
   * Extends the lease like `touch()` and stores `value` as the job's progress, which `list()`
   * shows for reserved jobs. Present when `capabilities.progress`.
   */
  progress?(value: JsonValue): Promise<void>;
}

/** Job counts by state. Adapters may add their own figures in `extra`. */
export interface QueueStats {
  readonly ready: number;
  readonly delayed: number;
  readonly reserved: number;
  readonly buried: number;
  /** Whether the queue is paused (see {@link QueueAdapter.pause}); `false` for adapters that cannot pause. */
  readonly paused?: boolean;
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

/** Options of {@link QueueAdapter.list}. */
export interface ListOptions {
  /** Which jobs: one state per walk. */
  readonly state: JobState;
  /** Only jobs of this `request_type`. */
  readonly requestType?: string;
  /** Jobs per page, 1 to {@link MAX_LIST_LIMIT}. @default DEFAULT_LIST_LIMIT (100) */
  readonly limit?: number;
  /** Where the previous page ended (its `cursor`); omit for the first page. Opaque. */
  readonly cursor?: string;
}

/** Largest `Reservation.progress()` value, in bytes of JSON. */
export const MAX_PROGRESS_BYTES = 64 * 1024;

/** Jobs per {@link QueueAdapter.list} page when the options do not say. */
export const DEFAULT_LIST_LIMIT = 100;
/** Most jobs one {@link QueueAdapter.list} page may hold. */
export const MAX_LIST_LIMIT = 1_000;

/** One job as {@link QueueAdapter.list} shows it to an operator. Times are epoch ms. */
export interface JobListing {
  readonly id: string;
  readonly state: JobState;
  /** `header.requestType`, `""` when the job has none. */
  readonly requestType: string;
  readonly priority: number;
  /** Deliveries so far (`header.attempts`). */
  readonly attempts: number;
  /** When the job was first stored, where the adapter knows it. */
  readonly enqueuedAt?: number;
  /** When a delayed job becomes ready. */
  readonly readyAt?: number;
  /** Who holds a reserved job (for example `host:pid`), where the adapter knows it. */
  readonly leaseHolder?: string;
  /** When the lease of a reserved job ends. */
  readonly leaseEndsAt?: number;
  /** Why a buried job was buried, where the adapter keeps it. */
  readonly buryReason?: string;
  /** When a buried job was buried, where the adapter knows it. */
  readonly buriedAt?: number;
  /** The last `Reservation.progress()` value of a reserved job, where the adapter stores it. */
  readonly progress?: JsonValue;
  /** The message itself, payload included. */
  readonly message: Message;
}

/**
 * One page of a walk over the jobs in one state. A walk is stable under concurrent changes: no
 * job appears twice, and every job that stays in the state for the whole walk appears once.
 */
export interface JobPage {
  readonly jobs: readonly JobListing[];
  /** Pass it as `cursor` for the next page; `null` when this page was the last. */
  readonly cursor: string | null;
}

/** What a bulk operation does to the jobs it matches. */
export type BulkAction =
  /** buried -> ready (the state must be `buried`). */
  | "kick"
  /** buried or delayed -> ready now. */
  | "retry"
  /** Remove ready, delayed or buried jobs (reserved jobs belong to their holder). */
  | "delete";

/** Options of {@link QueueAdapter.bulk}: every job in `state` (of `requestType`, if given). */
export interface BulkOptions {
  readonly action: BulkAction;
  readonly state: JobState;
  readonly requestType?: string;
  /** Aborting stops the operation between jobs; the result counts what was done. */
  readonly signal?: AbortSignal;
}

/** What {@link QueueAdapter.bulk} did. */
export interface BulkResult {
  /** Jobs that matched the filter when they were looked at. */
  readonly matched: number;
  /** Jobs the action changed; smaller than `matched` when workers took some first. */
  readonly changed: number;
}

/** The outcome of one job of {@link QueueAdapter.enqueueMany}, in the order given. */
export type EnqueueResult<P = unknown> =
  | { readonly ok: true; readonly message: Message<P> }
  | { readonly ok: false; readonly error: Error };

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
  /** `list()` pages through the jobs of every state. */
  readonly list: boolean;
  /** `enqueueMany()` stores a batch faster than one `enqueue` per job. */
  readonly enqueueMany: boolean;
  /** `bulk()` kicks, retries and deletes by state and request type. */
  readonly bulk: boolean;
  /** `pause()`/`resume()` stop and restart hand-outs for every process using the queue. */
  readonly pause: boolean;
  /** `Reservation.progress()` stores a running job's progress where `list()` shows it. */
  readonly progress: boolean;
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
  /** A page of the jobs in one state, ordered so that a walk is stable. Present when `capabilities.list`. */
  list?(options: ListOptions): Promise<JobPage>;
  /**
   * Stores many jobs in one call, at the durability of `enqueue`. One result per job, in order: a
   * bad message fails its own entry, never the batch. Present when `capabilities.enqueueMany`.
   */
  enqueueMany?<P>(inits: readonly MessageInit<P>[]): Promise<EnqueueResult<P>[]>;
  /** Kicks, retries or deletes every job matching a state and request type; safe while workers run. Present when `capabilities.bulk`. */
  bulk?(options: BulkOptions): Promise<BulkResult>;
  /**
   * Stops handing out jobs, for every process using the queue, until `resume()`. Enqueue still
   * works and reserved jobs keep their leases. Present when `capabilities.pause`.
   */
  pause?(): Promise<void>;
  /** Hands out jobs again after `pause()`. */
  resume?(): Promise<void>;
  /**
   * Stops the adapter: pending reserves reject with `QueueClosedError`, held reservations go back
   * to the queue where the backend allows it, and every later call rejects with `QueueClosedError`.
   * Idempotent; `[Symbol.asyncDispose]` calls it.
   */
  close(): Promise<void>;
}
