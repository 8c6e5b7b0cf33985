import { checkOptionKeys, durationMsOption, type TimeSource, timeSourceOption } from "@x/core";
import type { ErrorContext, Middleware } from "../middleware.js";
import { forwardHook } from "./forward.js";

/** Options of {@link frequency}. */
export interface FrequencyOptions {
  /** At most one `onFailure` per actor is passed on within this many ms. @default DEFAULT_FREQUENCY_INTERVAL_MS (20000) */
  readonly intervalMs?: number;
  /** The clock; a fake one in tests. @default systemTime of `@x/core` */
  readonly time?: TimeSource;
}

/** Shortest time between two failures `frequency` passes on for one actor, by default: 20 s (walnats' default). */
export const DEFAULT_FREQUENCY_INTERVAL_MS = 20_000;

const OPTION_KEYS = ["intervalMs", "time"] as const satisfies readonly (keyof FrequencyOptions)[];

/**
 * walnats' `FrequencyMiddleware`: passes `onFailure` on to `middlewares` at most once per
 * `intervalMs` for each actor, so a broken dependency failing every event sends one alert, not
 * thousands; the failures in between are not passed on. Every other hook is passed on as it is.
 * The interval is measured on the monotonic clock of `time`.
 * @throws InvalidOptionError for an unknown option or a bad interval.
 */
export function frequency(middlewares: readonly Middleware[], options: FrequencyOptions = {}): Middleware {
  checkOptionKeys(options, OPTION_KEYS, "frequency");
  const intervalMs = durationMsOption("intervalMs", options.intervalMs, DEFAULT_FREQUENCY_INTERVAL_MS, { min: 1 });
  const time = timeSourceOption(options.time);
  const inner = [...middlewares];
  const lastPassed = new Map<string, number>();
  const middleware: Middleware = {
    onStart: (context) => forwardHook(inner, (m) => m.onStart?.(context)),
    onSuccess: (context) => forwardHook(inner, (m) => m.onSuccess?.(context)),
    onFailure(context: ErrorContext) {
      const now = time.now();
      const last = lastPassed.get(context.actor);
      if (last !== undefined && now - last < intervalMs) return undefined;
      lastPassed.set(context.actor, now);
      return forwardHook(inner, (m) => m.onFailure?.(context));
    },
    onDeadLetter: (context) => forwardHook(inner, (m) => m.onDeadLetter?.(context)),
  };
  return Object.freeze(middleware);
}
