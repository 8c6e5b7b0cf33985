import type { Message } from "@x/message";
import type { WorkerEvents } from "./events.js";
import type { WorkerLogger } from "./options.js";

/** One event with its name, so a `switch` narrows the payload. */
export type LoggedEvent = { [E in keyof WorkerEvents]: { readonly event: E; readonly payload: WorkerEvents[E] } }[keyof WorkerEvents];

function job(message: Message, attempt: number): string {
  return `job ${message.id} (${message.header.requestType ?? "no type"}, attempt ${attempt})`;
}

/** Writes one line per event to the optional logger: debug for the routine, warn/error for the rest. */
export function logEvent(logger: WorkerLogger, { event, payload }: LoggedEvent): void {
  switch (event) {
    case "reserved":
      logger.debug(`worker: ${job(payload.message, payload.attempt)} reserved`);
      break;
    case "succeeded":
      logger.debug(`worker: ${job(payload.message, payload.attempt)} succeeded in ${Math.round(payload.durationMs)} ms`);
      break;
    case "retried":
      logger.warn(
        `worker: ${job(payload.message, payload.attempt)} released, retry in ${payload.delayMs} ms${payload.shutdown ? " (shutdown)" : ""}`,
        payload.error,
      );
      break;
    case "buried":
      logger.warn(`worker: ${job(payload.message, payload.attempt)} buried (${payload.reason}): ${payload.detail}`);
      break;
    case "expired":
      logger.warn(`worker: ${job(payload.message, payload.attempt)} expired (${payload.action === "bury" ? "buried" : "deleted"})`);
      break;
    case "error": {
      const about = payload.message === undefined ? "" : ` for job ${payload.message.id}`;
      logger.error(`worker: ${payload.phase} failed${about}`, payload.error);
      break;
    }
    case "stopping":
      logger.info(`worker: stopping (${payload.reason})`);
      break;
    case "stopped":
      logger.info(`worker: stopped (${payload.reason})`);
      break;
  }
}
