import { describeError, type Logger } from "../logger.js";
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
      logger.debug("event received", { actor: ctx.actor, event: ctx.event, attempt: ctx.attempt, seq: ctx.seq });
    },
    onSuccess(ctx) {
      logger.debug("event processed", { actor: ctx.actor, event: ctx.event, attempt: ctx.attempt, seq: ctx.seq, durationMs: ctx.durationMs });
    },
    onFailure(ctx) {
      const fields = {
        actor: ctx.actor,
        event: ctx.event,
        attempt: ctx.attempt,
        seq: ctx.seq,
        willRetry: ctx.willRetry,
        error: describeError(ctx.error),
        errorType: ctx.error instanceof Error ? ctx.error.name : typeof ctx.error,
      };
      if (ctx.willRetry) logger.warn("actor failed", fields);
      else logger.error("actor failed", fields);
    },
    onDeadLetter(ctx) {
      logger.error("event dead-lettered", { actor: ctx.actor, event: ctx.event, seq: ctx.seq, reason: ctx.reason, error: ctx.error, subject: ctx.subject });
    },
  } satisfies Middleware);
}
