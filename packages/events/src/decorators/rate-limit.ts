import { checkOptionKeys, durationMsOption, InvalidOptionError, integerOption, type TimeSource, timeSourceOption } from "@x/core";
import type { Handler } from "../actor.js";

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** Handler starts allowed per `periodMs`. */
  readonly maxJobs: number;
  /** The window, in ms: each start holds its place for this long. */
  readonly periodMs: number;
  /** Where the windows are timed (tests pass a fake). @default `systemTime` of `@x/core` */
  readonly time?: TimeSource;
}

/**
 * At most `maxJobs` handler starts per `periodMs` in this process (walnats' `rate_limit`): a
 * start takes a place that frees `periodMs` later, and a job that finds none waits for the
 * first to free, in order. The wait counts against `jobTimeoutMs` and ends with the job's signal
 * (the job then fails and is retried). One `rateLimit(...)` value is one budget: every handler it
 * wraps shares it.
 */
export function rateLimit(options: RateLimitOptions): <T>(handler: Handler<T>) => Handler<T> {
  checkOptionKeys(options, ["maxJobs", "periodMs", "time"], "rateLimit");
  const given = options as unknown as Partial<Record<string, unknown>>;
  for (const required of ["maxJobs", "periodMs"]) {
    if (given[required] === undefined) throw new InvalidOptionError(required, undefined, "is required");
  }
  const maxJobs = integerOption("maxJobs", options.maxJobs, 1, 1);
  const periodMs = durationMsOption("periodMs", options.periodMs, 0, { min: 1 });
  const time = timeSourceOption(options.time);
  let free = maxJobs;
  const waiting: { grant(): void }[] = [];

  const hold = (): void => {
    time.setTimeout(() => {
      const next = waiting.shift();
      if (next === undefined) free++;
      else next.grant();
    }, periodMs);
  };
  const take = (signal: AbortSignal): Promise<void> | undefined => {
    if (free > 0) {
      free--;
      hold();
      return undefined;
    }
    signal.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal.removeEventListener("abort", onAbort);
          hold();
          resolve();
        },
      };
      const onAbort = (): void => {
        waiting.splice(waiting.indexOf(waiter), 1);
        reject(signal.reason as Error);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      waiting.push(waiter);
    });
  };
  return (handler) => (payload, context) => {
    const wait = take(context.signal);
    return wait === undefined ? handler(payload, context) : wait.then(() => handler(payload, context));
  };
}
