import type { Logger } from "@x/core";
import type { SpanScope } from "@x/telemetry";
import type { JobInfo, Middleware } from "../middleware.js";
import { countDeadLettered, countRetried, endHandleSpan, startHandleSpan } from "../telemetry.js";

/** Options of {@link openTelemetryMiddleware}. */
export interface OpenTelemetryMiddlewareOptions {
  /** Where the debug line about a malformed `traceparent` goes. @default nothing is logged */
  readonly logger?: Logger;
}

function key(info: JobInfo): string {
  return `${info.actor}\u0000${String(info.seq)}\u0000${String(info.attempt)}`;
}

/**
 * walnats' OpenTelemetry and Prometheus middlewares in one, on the toolkit's schema: a `process
 * {event}` span per handler run that continues the emitter's trace from the NATS headers, and the
 * event instruments (`x.events.handled`, `x.events.retried`, `x.events.dead_lettered`,
 * `x.event.handler.duration`). Export them with any OpenTelemetry SDK and exporter (Prometheus,
 * OTLP, Zipkin). Without `@opentelemetry/api` it does nothing.
 *
 * Hooks observe: the span is not the active context inside the handler (a middleware cannot enter
 * one); the actors wire the same span around the handler themselves when telemetry is on.
 */
export function openTelemetryMiddleware(options: OpenTelemetryMiddlewareOptions = {}): Middleware {
  const spans = new Map<string, SpanScope>();
  const { logger } = options;
  const middleware: Middleware = {
    onStart(ctx) {
      const span = startHandleSpan(ctx, logger);
      if (span !== undefined) spans.set(key(ctx), span);
    },
    onSuccess(ctx) {
      const span = spans.get(key(ctx));
      spans.delete(key(ctx));
      endHandleSpan(span, ctx, ctx.durationMs);
    },
    onFailure(ctx) {
      if (ctx.willRetry) countRetried(ctx.event, ctx.actor);
      const span = spans.get(key(ctx));
      spans.delete(key(ctx));
      // The run's duration is not passed to onFailure: the span's own timing has it.
      span?.setAttribute("x.outcome", ctx.willRetry ? "retried" : "failed");
      span?.end(ctx.error ?? new Error("the handler failed"));
    },
    onDeadLetter(ctx) {
      countDeadLettered(ctx.event, ctx.actor);
    },
  };
  return Object.freeze(middleware);
}
