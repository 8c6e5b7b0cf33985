import { checkOptionKeys, InvalidOptionError } from "@x/core";
import type { Handler } from "../actor.js";

/** One field of a {@link filterTime} pattern: a value, or any of several. */
export type TimeField = number | Iterable<number>;

/** The pattern of {@link filterTime}: a field left out matches any value. */
export interface TimePattern {
  /** Full year, e.g. 2026. */
  readonly year?: TimeField;
  /** 1 (January) to 12, as in walnats (Python's `timetuple()`), not `Date`'s 0-11. */
  readonly month?: TimeField;
  /** Day of the month, 1 to 31. */
  readonly day?: TimeField;
  /** 0 to 23. */
  readonly hour?: TimeField;
  /** 0 to 59. */
  readonly minute?: TimeField;
  /** Read the fields in UTC (the default; the Clock's ticks are instants) or in this machine's zone. @default "utc" */
  readonly timeZone?: "utc" | "local";
}

const FIELDS = [
  ["year", 1, 9999],
  ["month", 1, 12],
  ["day", 1, 31],
  ["hour", 0, 23],
  ["minute", 0, 59],
] as const;

function fieldSet(name: string, value: TimeField | undefined, min: number, max: number): ReadonlySet<number> | undefined {
  if (value === undefined) return undefined;
  const values = typeof value === "number" ? [value] : [...value];
  if (values.length === 0) throw new InvalidOptionError(name, value, "must list at least one value");
  for (const v of values) {
    if (!Number.isInteger(v) || v < min || v > max) throw new InvalidOptionError(name, value, `must hold integers from ${min} to ${max}`);
  }
  return new Set(values);
}

/**
 * Runs the handler only when its `Date` payload matches the pattern, like a cron line (walnats'
 * `filter_time`): a companion of `Clock` for actors that need not run on every tick. A tick that
 * does not match is acknowledged without running the handler.
 *
 * ```ts no-run
 * Actor("backup", MINUTE_PASSED, filterTime({ hour: 0, minute: 0 })(createBackup));
 * Actor("pulse", MINUTE_PASSED, filterTime({ minute: range(0, 60, 5) })(sendPulse));
 * ```
 */
export function filterTime(pattern: TimePattern): (handler: Handler<Date>) => Handler<Date> {
  checkOptionKeys(pattern, ["year", "month", "day", "hour", "minute", "timeZone"], "filterTime");
  const timeZone: unknown = pattern.timeZone ?? "utc";
  if (timeZone !== "utc" && timeZone !== "local") throw new InvalidOptionError("timeZone", timeZone, 'must be "utc" or "local"');
  const sets = FIELDS.map(([name, min, max]) => fieldSet(name, pattern[name], min, max));
  const utc = timeZone === "utc";
  const fieldsOf = (at: Date): readonly number[] =>
    utc
      ? [at.getUTCFullYear(), at.getUTCMonth() + 1, at.getUTCDate(), at.getUTCHours(), at.getUTCMinutes()]
      : [at.getFullYear(), at.getMonth() + 1, at.getDate(), at.getHours(), at.getMinutes()];
  return (handler) => (at, context) => {
    const values = fieldsOf(at);
    for (const [i, set] of sets.entries()) if (set !== undefined && !set.has(values[i] ?? Number.NaN)) return undefined;
    return handler(at, context);
  };
}
