import type { Logger } from "@x/core";
import type { Message } from "@x/message";
import type { WorkerEvents } from "./events.js";
import { jobTraceFields } from "./telemetry.js";

/** One event with its name, so a `switch` narrows the payload. */
export type LoggedEvent = { [E in keyof WorkerEvents]: { readonly event: E; readonly payload: WorkerEvents[E] } }[keyof WorkerEvents];

/** The fields that say which job a line is about, with the trace and span ids of its span when one is recording. */
function job(message: Message, attempt: number): Record<string, unknown> {
  const trace = jobTraceFields(message);
  const fields = { jobId: message.id, requestType: message.header.requestType, attempt };
  return trace === undefined ? fields : { ...fields, traceId: trace.traceId, spanId: trace.spanId };
}

/**
 * Writes one line per event: debug for the routine, warn for retries, burials and expirations,
 * error for errors. Messages are constants and every value is a field, so a pino logger keeps
 * them searchable.
 */
export function logEvent(logger: Logger, { event, payload }: LoggedEvent): void {
  switch (event) {
    case "reserved":
      logger.debug(job(payload.message, payload.attempt), "job reserved");
      break;
    case "succeeded":
      logger.debug(
        { ...job(payload.message, payload.attempt), durationMs: payload.durationMs, responses: payload.responses },
        "job succeeded",
      );
      break;
    case "progress":
      logger.debug({ ...job(payload.message, payload.attempt), progress: payload.value }, "job progress");
      break;
    case "timed-out":
      logger.warn(
        { ...job(payload.message, payload.attempt), durationMs: payload.durationMs, timeoutMs: payload.timeoutMs },
        "job timed out",
      );
      break;
    case "deferred":
      logger.debug(
        { ...job(payload.message, payload.attempt), delayMs: payload.delayMs, newJobId: payload.id },
        "job deferred by a rate limit",
      );
      break;
    case "retried":
      logger.warn(
        {
          ...job(payload.message, payload.attempt),
          durationMs: payload.durationMs,
          delayMs: payload.delayMs,
          shutdown: payload.shutdown,
          error: payload.error,
        },
        "job released for a retry",
      );
      break;
    case "buried":
      logger.warn(
        {
          ...job(payload.message, payload.attempt),
          durationMs: payload.durationMs,
          reason: payload.reason,
          detail: payload.detail,
          error: payload.error,
        },
        "job buried",
      );
      break;
    case "expired":
      logger.warn({ ...job(payload.message, payload.attempt), durationMs: payload.durationMs, action: payload.action }, "job expired");
      break;
    case "error":
      logger.error(
        payload.message === undefined
          ? { phase: payload.phase, error: payload.error }
          : {
              phase: payload.phase,
              jobId: payload.message.id,
              requestType: payload.message.header.requestType,
              ...jobTraceFields(payload.message),
              error: payload.error,
            },
        "worker step failed",
      );
      break;
    case "stopping":
      logger.info({ reason: payload.reason }, "worker stopping");
      break;
    case "stopped":
      logger.info({ reason: payload.reason }, "worker stopped");
      break;
  }
}
