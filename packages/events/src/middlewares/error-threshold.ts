import { checkOptionKeys, integerOption } from "@x/core";
import type { DeadLetterContext, ErrorContext, Middleware } from "../middleware.js";
import { forwardHook } from "./forward.js";

/** Options of {@link errorThreshold}. */
export interface ErrorThresholdOptions {
  /** Failures in a row of one actor (a success resets it) from which `onFailure` is passed on. @default DEFAULT_CONSECUTIVE_FAILURES (3) */
  readonly consecutiveFailures?: number;
  /** Failures of one actor in all, since the middleware was made, from which `onFailure` is passed on whatever came between. @default none */
  readonly totalFailures?: number;
}

/** Failures in a row before `errorThreshold` passes `onFailure` on, by default. */
export const DEFAULT_CONSECUTIVE_FAILURES = 3;

const OPTION_KEYS = ["consecutiveFailures", "totalFailures"] as const satisfies readonly (keyof ErrorThresholdOptions)[];

/**
 * walnats' `ErrorThresholdMiddleware`: passes `onFailure` on to `middlewares` (an alerting one:
 * Sentry, a pager) only once an actor failed `consecutiveFailures` times in a row, or
 * `totalFailures` times in all, so one flaky run does not page anyone. Every other hook is passed
 * on as it is. Counts are kept per actor; a success resets the run of failures.
 * @throws InvalidOptionError for an unknown option or a count that is not a positive integer.
 */
export function errorThreshold(middlewares: readonly Middleware[], options: ErrorThresholdOptions = {}): Middleware {
  checkOptionKeys(options, OPTION_KEYS, "errorThreshold");
  const consecutive = integerOption("consecutiveFailures", options.consecutiveFailures, DEFAULT_CONSECUTIVE_FAILURES, 1);
  const total = integerOption("totalFailures", options.totalFailures, Number.MAX_SAFE_INTEGER, 1);
  const inner = [...middlewares];
  const inARow = new Map<string, number>();
  const inAll = new Map<string, number>();
  const middleware: Middleware = {
    onStart: (context) => forwardHook(inner, (m) => m.onStart?.(context)),
    onSuccess(context) {
      inARow.delete(context.actor);
      return forwardHook(inner, (m) => m.onSuccess?.(context));
    },
    onFailure(context: ErrorContext) {
      const row = (inARow.get(context.actor) ?? 0) + 1;
      const all = (inAll.get(context.actor) ?? 0) + 1;
      inARow.set(context.actor, row);
      inAll.set(context.actor, all);
      if (row < consecutive && all < total) return undefined;
      return forwardHook(inner, (m) => m.onFailure?.(context));
    },
    onDeadLetter: (context: DeadLetterContext) => forwardHook(inner, (m) => m.onDeadLetter?.(context)),
  };
  return Object.freeze(middleware);
}
