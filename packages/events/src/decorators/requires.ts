import { checkOptionKeys, durationMsOption, sleep, type TimeSource, timeSourceOption } from "@x/core";
import type { Handler } from "../actor.js";

/** How often {@link requires} checks its predicate again, in ms. */
export const DEFAULT_REQUIRE_PAUSE_MS = 100;

/** Options of {@link requires}. */
export interface RequiresOptions {
  /** Pause between checks of the predicate, in ms. @default {@link DEFAULT_REQUIRE_PAUSE_MS} */
  readonly pauseMs?: number;
  /** Where the pauses are timed (tests pass a fake). @default `systemTime` of `@x/core` */
  readonly time?: TimeSource;
}

/**
 * Holds the handler until `predicate()` is true (walnats' `require`, renamed because `require`
 * means something else in JavaScript): waiting for a dependency, say a database connection. The
 * wait counts against `jobTimeoutMs` and ends with the job's signal (the job then fails and is
 * retried later, instead of waiting forever).
 */
export function requires(predicate: () => boolean, options: RequiresOptions = {}): <T>(handler: Handler<T>) => Handler<T> {
  checkOptionKeys(options, ["pauseMs", "time"], "requires");
  const pauseMs = durationMsOption("pauseMs", options.pauseMs, DEFAULT_REQUIRE_PAUSE_MS);
  const time = timeSourceOption(options.time);
  return (handler) => (payload, context) => {
    if (predicate()) return handler(payload, context);
    return (async () => {
      do await sleep(pauseMs, context.signal, time);
      while (!predicate());
      return handler(payload, context);
    })();
  };
}
