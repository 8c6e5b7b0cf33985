import { describeValue, type Logger } from "@x/core";
import type { Middleware } from "../middleware.js";

/**
 * Structured logging of every job (walnats' `ExtraLogMiddleware`): `event received` (debug),
 * `event processed` with `durationMs` (debug), `actor failed` with the error (error, or warn
 * while it will be retried), `event dead-lettered` with the reason (error). Every line carries
 * `actor`, `event`, `attempt` and `seq`.
 */
export function loggingMiddleware(logger: Logger): Middleware {
  return Object.freeze({
    onStart(ctx) {
      logger.debug({ actor: ctx.actor, event: ctx.event, attempt: ctx.attempt, seq: ctx.seq }, "event received");
    },
    onSuccess(ctx) {
      logger.debug(
        { actor: ctx.actor, event: ctx.event, attempt: ctx.attempt, seq: ctx.seq, durationMs: ctx.durationMs },
        "event processed",
      );
    },
    onFailure(ctx) {
      const fields = {
        actor: ctx.actor,
        event: ctx.event,
        attempt: ctx.attempt,
        seq: ctx.seq,
        willRetry: ctx.willRetry,
        error: describeValue(ctx.error),
        errorType: ctx.error instanceof Error ? ctx.error.name : typeof ctx.error,
      };
      if (ctx.willRetry) logger.warn(fields, "actor failed");
      else logger.error(fields, "actor failed");
    },
    onDeadLetter(ctx) {
      logger.error(
        { actor: ctx.actor, event: ctx.event, seq: ctx.seq, reason: ctx.reason, error: ctx.error, subject: ctx.subject },
        "event dead-lettered",
      );
    },
  } satisfies Middleware);
}
