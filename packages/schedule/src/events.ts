import type { Message } from "@x/message";

/** A tick's job was stored in the queue by this scheduler. */
export interface EnqueuedEvent {
  /** The schedule's name. */
  readonly name: string;
  /** The tick's calendar time. */
  readonly at: Date;
  /** The job as stored; its id is `sched.<name>.<tick ms>` where the queue keeps custom ids. */
  readonly message: Message;
  /** `true` for a missed tick caught up by the `missed` policy. */
  readonly late: boolean;
}

/** Why a tick was not enqueued by this scheduler. */
export type SkipReason =
  /** Another scheduler enqueued the tick first: the queue refused the same id. */
  | "duplicate"
  /** Another scheduler sharing the `stateDir` claimed the tick first. */
  | "claimed"
  /** The tick was missed (more than `graceMs` late) and the `missed` policy drops it. */
  | "missed"
  /** With a `leader` queue: another process holds the lease, so it enqueues the tick. */
  | "follower";

/** Ticks this scheduler did not enqueue. */
export interface SkippedEvent {
  readonly name: string;
  /** The tick's time; for `missed`, the latest of the skipped ticks. */
  readonly at: Date;
  readonly reason: SkipReason;
  /** How many ticks: 1, except for `missed` (counted up to 10,000). */
  readonly count: number;
}

/**
 * A tick could not be enqueued (the queue failed, or the job function threw); it is not retried.
 * A refusal the queue marks as transient (`transient: true`, as the file queue's `IdLockedError`)
 * is tried again first, while the tick is less than `graceMs` late, and reported only if it
 * lasts. Failures of the leader queue have the name `""`.
 */
export interface ScheduleErrorEvent {
  readonly name: string;
  /** The tick, or `undefined` when the failure was not about one tick (e.g. reading `stateDir`). */
  readonly at: Date | undefined;
  readonly error: unknown;
}

/** With a `leader` queue: this process became the leader (`held: true`) or stopped being it. */
export interface LeadershipEvent {
  readonly held: boolean;
}

/** The events of a {@link Scheduler}, for `scheduler.on(event, listener)`. */
export interface ScheduleEvents {
  enqueued: EnqueuedEvent;
  skipped: SkippedEvent;
  error: ScheduleErrorEvent;
  leadership: LeadershipEvent;
}
