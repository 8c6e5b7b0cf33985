import { XError } from "@x/core";

/** Stable codes of `@x/schedule`'s errors. */
export type ScheduleErrorCode = "ERR_X_SCHEDULE_INVALID" | "ERR_X_SCHEDULE_NO_DEDUPLICATION" | "ERR_X_SCHEDULE_LEADER_QUEUE";

/** Base class of every error `@x/schedule` throws. */
export class ScheduleError extends XError {
  declare readonly code: ScheduleErrorCode;

  // Not useless: it narrows `code` to this package's codes.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: ScheduleErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/**
 * A schedule definition that cannot run: a bad cron expression or time zone, a name that cannot
 * form a message id, both or neither of `cron` and `everyMs`. `schedule` is the schedule's name
 * (or its position when the name itself is the problem), `field` the offending field.
 */
export class InvalidScheduleError extends ScheduleError {
  readonly schedule: string;
  readonly field: string;

  constructor(schedule: string, field: string, problem: string, options?: ErrorOptions) {
    super("ERR_X_SCHEDULE_INVALID", `schedule ${schedule}: \`${field}\` ${problem}`, options);
    this.schedule = schedule;
    this.field = field;
  }
}

/**
 * The queue cannot refuse a second job with the same id (`capabilities.customIds` is false, as
 * with beanstalkd), and neither a `stateDir` (to claim each tick) nor a `leader` queue (to let one
 * process enqueue) was given: schedulers could enqueue a tick twice, so they refuse to start.
 */
export class NoDeduplicationError extends ScheduleError {
  readonly queue: string;

  constructor(queue: string) {
    super(
      "ERR_X_SCHEDULE_NO_DEDUPLICATION",
      `queue "${queue}" cannot refuse duplicate ids (capabilities.customIds is false): give startSchedules() a \`stateDir\` that every scheduler process shares (one machine), or a \`leader\` queue so that one process enqueues (several machines)`,
    );
    this.queue = queue;
  }
}

/**
 * The leader queue handed out a job that is not the leader job: the queue given as
 * `leader.queue` must be dedicated to it. The job is released, and the error is reported with an
 * `error` event.
 */
export class LeaderQueueError extends ScheduleError {
  readonly queue: string;
  readonly jobId: string;

  constructor(queue: string, jobId: string) {
    super("ERR_X_SCHEDULE_LEADER_QUEUE", `leader queue "${queue}" handed out job ${jobId}: it must hold nothing but the leader job`);
    this.queue = queue;
    this.jobId = jobId;
  }
}
