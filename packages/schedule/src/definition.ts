import { describeValue } from "@x/core";
import type { MessageInit } from "@x/message";
import { Cron } from "croner";
import { InvalidScheduleError } from "./errors.js";
import { cronTicks, intervalTicks, type TickSource } from "./ticks.js";

/** One tick of a schedule, as a job factory sees it. */
export interface Tick {
  /** The schedule's name. */
  readonly name: string;
  /** The calendar time the tick is for (not when it was enqueued). */
  readonly at: Date;
}

/**
 * What happens to ticks that were missed, because no scheduler ran (with a `stateDir`), the
 * process was suspended, or the wall clock was stepped forward: `"skip"` drops them, `"once"`
 * enqueues the latest of them, `"all"` enqueues the latest `maxCatchUp` of them, oldest first.
 */
export type MissedTicks = "skip" | "once" | "all";

/** The fields every schedule has, whatever fires it. */
interface ScheduleBase {
  /**
   * Unique among the schedules of one scheduler; part of each job's id (`sched.<name>.<tick ms>`),
   * so it must be 1 to {@link MAX_SCHEDULE_NAME_LENGTH} characters of `A-Z a-z 0-9 . _ : -`,
   * starting with a letter or digit.
   */
  readonly name: string;
  /**
   * The job each tick enqueues, or a function of the tick that returns it. The scheduler sets
   * `id` and `delay` (see the README), so the job must not.
   */
  readonly job: MessageInit | ((tick: Tick) => MessageInit);
  /** What to do with missed ticks. @default "once" */
  readonly missed?: MissedTicks;
  /** With `missed: "all"`, the most missed ticks enqueued at once (the latest ones). @default 10 */
  readonly maxCatchUp?: number;
}

/** A schedule fired by a cron expression. */
export interface CronSchedule extends ScheduleBase {
  /**
   * 5 fields (minute precision) or 6 (seconds first), or a nickname like `@daily`. Day of month
   * and day of week are ORed when both are restricted, like Vixie cron.
   */
  readonly cron: string;
  /** IANA time zone the expression is read in, e.g. `Europe/Berlin`. @default the process's zone */
  readonly timezone?: string;
  readonly everyMs?: never;
}

/** A schedule fired every `everyMs` milliseconds, at multiples of `everyMs` since the Unix epoch. */
export interface IntervalSchedule extends ScheduleBase {
  /** The interval, at least {@link MIN_EVERY_MS}. */
  readonly everyMs: number;
  readonly cron?: never;
  readonly timezone?: never;
}

/** One schedule: exactly one of `cron` and `everyMs`. */
export type ScheduleDefinition = CronSchedule | IntervalSchedule;

/** Longest schedule name: the job id (`sched.<name>.<tick>`) must stay within 128 characters. */
export const MAX_SCHEDULE_NAME_LENGTH = 100;
/** Shortest interval of an `everyMs` schedule. */
export const MIN_EVERY_MS = 100;
/** Default of `maxCatchUp`. */
export const DEFAULT_MAX_CATCH_UP = 10;
/** Highest `maxCatchUp`: a catch-up is a burst, and must stay a small one. */
export const MAX_CATCH_UP_LIMIT = 1_000;

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const KNOWN_KEYS = ["name", "cron", "everyMs", "timezone", "job", "missed", "maxCatchUp"];
const MISSED: readonly string[] = ["skip", "once", "all"] satisfies MissedTicks[];

/** A checked schedule, ready to run. */
export interface CompiledSchedule {
  readonly name: string;
  readonly ticks: TickSource;
  readonly job: MessageInit | ((tick: Tick) => MessageInit);
  readonly missed: MissedTicks;
  readonly maxCatchUp: number;
}

/**
 * Types a schedule (so `job`, `missed` and the `cron`/`everyMs` choice are checked where it is
 * written, e.g. in a `schedules.js` module) and checks it at once.
 * @throws InvalidScheduleError naming the schedule and the problem.
 */
export function defineSchedule<const S extends ScheduleDefinition>(schedule: S): S {
  compileSchedule(schedule, 0);
  return schedule;
}

/** Checks one definition and builds its tick source. `index` names it when the name is bad. */
export function compileSchedule(definition: unknown, index: number): CompiledSchedule {
  if (typeof definition !== "object" || definition === null || Array.isArray(definition)) {
    throw new InvalidScheduleError(`#${index}`, "schedule", `must be an object, got ${describeValue(definition, 60)}`);
  }
  const d = definition as Partial<Record<string, unknown>>;
  const name = d.name;
  if (typeof name !== "string" || !NAME_PATTERN.test(name) || name.length > MAX_SCHEDULE_NAME_LENGTH) {
    throw new InvalidScheduleError(
      `#${index}`,
      "name",
      `must be 1 to ${MAX_SCHEDULE_NAME_LENGTH} characters of A-Z a-z 0-9 . _ : - starting with a letter or digit (it becomes part of each job's id), got ${describeValue(name, 60)}`,
    );
  }
  const label = JSON.stringify(name);
  for (const key of Object.keys(d)) {
    if (!KNOWN_KEYS.includes(key))
      throw new InvalidScheduleError(label, key, `is not a field of a schedule; valid fields: ${KNOWN_KEYS.join(", ")}`);
  }
  const missed = d.missed ?? "once";
  if (typeof missed !== "string" || !MISSED.includes(missed)) {
    throw new InvalidScheduleError(label, "missed", `must be "skip", "once" or "all", got ${describeValue(missed, 60)}`);
  }
  const maxCatchUp = d.maxCatchUp ?? DEFAULT_MAX_CATCH_UP;
  if (typeof maxCatchUp !== "number" || !Number.isInteger(maxCatchUp) || maxCatchUp < 1 || maxCatchUp > MAX_CATCH_UP_LIMIT) {
    throw new InvalidScheduleError(
      label,
      "maxCatchUp",
      `must be an integer between 1 and ${MAX_CATCH_UP_LIMIT}, got ${describeValue(maxCatchUp, 60)}`,
    );
  }
  const job = d.job;
  if (typeof job !== "function") checkJob(label, job);
  return { name, ticks: compileTicks(label, d), job: job as CompiledSchedule["job"], missed: missed as MissedTicks, maxCatchUp };
}

function compileTicks(label: string, d: Partial<Record<string, unknown>>): TickSource {
  if ((d.cron === undefined) === (d.everyMs === undefined)) {
    throw new InvalidScheduleError(label, "cron", "or `everyMs` must be given, exactly one of them");
  }
  if (d.everyMs !== undefined) {
    if (d.timezone !== undefined)
      throw new InvalidScheduleError(label, "timezone", "applies to `cron` only; intervals count from the Unix epoch");
    const everyMs = d.everyMs;
    if (typeof everyMs !== "number" || !Number.isSafeInteger(everyMs) || everyMs < MIN_EVERY_MS) {
      throw new InvalidScheduleError(
        label,
        "everyMs",
        `must be an integer number of milliseconds >= ${MIN_EVERY_MS}, got ${describeValue(everyMs, 60)}`,
      );
    }
    return intervalTicks(everyMs);
  }
  const timezone = d.timezone;
  if (timezone !== undefined) checkTimezone(label, timezone);
  if (typeof d.cron !== "string" || d.cron.trim() === "") {
    throw new InvalidScheduleError(label, "cron", `must be a cron expression, got ${describeValue(d.cron, 60)}`);
  }
  try {
    return cronTicks(new Cron(d.cron, { mode: "5-or-6-parts", ...(timezone === undefined ? {} : { timezone: timezone as string }) }));
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^CronPattern: /, "") : describeValue(error);
    throw new InvalidScheduleError(label, "cron", `${JSON.stringify(d.cron)} is not a valid cron expression: ${detail}`, { cause: error });
  }
}

function checkTimezone(label: string, timezone: unknown): void {
  // croner reads an unknown zone as the process's own, silently: Intl names the problem instead.
  try {
    if (typeof timezone !== "string" || timezone === "") throw new RangeError("not a string");
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch (error) {
    throw new InvalidScheduleError(
      label,
      "timezone",
      `must be an IANA time zone such as "Europe/Berlin", got ${describeValue(timezone, 60)}`,
      {
        cause: error,
      },
    );
  }
}

/** A job the scheduler can enqueue: an object that leaves `id` and `delay` to the scheduler. */
export function checkJob(label: string, job: unknown): asserts job is MessageInit {
  if (typeof job !== "object" || job === null || Array.isArray(job)) {
    throw new InvalidScheduleError(
      label,
      "job",
      `must be a message (an object) or a function of the tick returning one, got ${describeValue(job, 60)}`,
    );
  }
  for (const key of ["id", "delay", "delayMs"]) {
    if ((job as Partial<Record<string, unknown>>)[key] !== undefined) {
      throw new InvalidScheduleError(
        label,
        `job.${key}`,
        "is set by the scheduler (each tick's id, and the settle delay), so a schedule's job must leave it out",
      );
    }
  }
}
