import {
  checkOptionKeys,
  durationMsOption,
  InvalidOptionError,
  type Logger,
  loggerOption,
  type TimeSource,
  timeSourceOption,
} from "@x/core";
import type { QueueAdapter } from "@x/message";

/** Default `graceMs`: how late a tick may be enqueued and still count as on time. */
export const DEFAULT_GRACE_MS = 1_000;
/**
 * Longest a scheduler sleeps before it reads the wall clock again, so that a stepped clock is
 * noticed within this time rather than at the next tick by the monotonic timer.
 */
export const WALL_CHECK_MS = 60_000;

/** Options of {@link startSchedules}. */
export interface ScheduleOptions {
  /** Aborting closes the scheduler (as `close()` does). */
  readonly signal?: AbortSignal;
  /** Receives enqueue failures and listener errors; silent by default. */
  readonly logger?: Logger;
  /** Time source; `wallNow()` decides which ticks are due. @default systemTime */
  readonly time?: TimeSource;
  /**
   * A tick is enqueued as on time only while it is less than `graceMs` late, and its job becomes
   * ready `2 × graceMs` after it was enqueued: together they keep the job waiting until every
   * other on-time scheduler has tried the same tick (see "Guarantees"). Later ticks are missed.
   * @default 1000
   */
  readonly graceMs?: number;
  /**
   * A directory every scheduler process shares (one machine): each tick is claimed there with an
   * exclusive file create before it is enqueued, and the last tick survives restarts, so missed
   * ticks are caught up after downtime. Required for a queue without `capabilities.customIds`.
   */
  readonly stateDir?: string;
  /**
   * Only one scheduler process enqueues: the one holding the reservation of the leader job in
   * `queue`, a queue dedicated to it that keeps custom ids (a file queue on a shared host, or any
   * adapter with `capabilities.customIds` that every scheduler reaches). Its lease is the queue's
   * own (`leaseMs`, `ttrMs`...), and must be well above `graceMs`. For queues without custom ids
   * whose schedulers run on several machines.
   */
  readonly leader?: LeaderOptions;
}

/** The `leader` option of {@link ScheduleOptions}. */
export interface LeaderOptions {
  /** A queue for the leader job alone, with `capabilities.customIds`. */
  readonly queue: QueueAdapter;
}

const KNOWN = ["signal", "logger", "time", "graceMs", "stateDir", "leader"];

/** The checked options. */
export interface ResolvedOptions {
  readonly signal: AbortSignal | undefined;
  readonly logger: Logger;
  readonly time: TimeSource;
  readonly graceMs: number;
  readonly stateDir: string | undefined;
  readonly leader: QueueAdapter | undefined;
}

export function resolveOptions(options: ScheduleOptions | undefined): ResolvedOptions {
  checkOptionKeys(options, KNOWN, "startSchedules");
  const o = options ?? {};
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
    throw new InvalidOptionError("signal", o.signal, "must be an AbortSignal");
  if (o.stateDir !== undefined && (typeof o.stateDir !== "string" || o.stateDir === "")) {
    throw new InvalidOptionError("stateDir", o.stateDir, "must be a directory path");
  }
  return {
    signal: o.signal,
    logger: loggerOption(o.logger),
    time: timeSourceOption(o.time),
    graceMs: durationMsOption("graceMs", o.graceMs, DEFAULT_GRACE_MS, { min: 10, max: 3_600_000 }),
    stateDir: o.stateDir,
    leader: leaderOption(o.leader),
  };
}

function leaderOption(leader: unknown): QueueAdapter | undefined {
  if (leader === undefined) return undefined;
  checkOptionKeys(leader, ["queue"], "startSchedules leader");
  const queue = (leader as { queue?: Partial<QueueAdapter> }).queue;
  if (typeof queue?.reserve !== "function" || typeof queue.enqueue !== "function") {
    throw new InvalidOptionError("leader.queue", undefined, "must be a QueueAdapter");
  }
  if (queue.capabilities?.customIds !== true) {
    throw new InvalidOptionError(
      "leader.queue",
      undefined,
      `must keep custom ids (capabilities.customIds), so that it holds one leader job; queue "${String(queue.name)}" does not`,
    );
  }
  return queue as QueueAdapter;
}
