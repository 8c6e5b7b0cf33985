import type { Emitter, Logger } from "@x/core";
import { isBuiltMessage } from "../message/build.js";
import type { ProbeMessage } from "../message/types.js";
import { messageProblem } from "../message/validate.js";
import type { Entry } from "./entries.js";
import type { ChecksEvents } from "./events.js";

/** Receives messages as they are produced. */
export interface MessageSink {
  push(message: ProbeMessage): void;
}

/**
 * Validates what a check or handle produced and pushes the valid messages to `sink`; an invalid
 * one is logged with the reason and emitted as `messageRejected`, and the rest still go out.
 */
export function collectMessages(output: unknown, entry: Entry, sink: MessageSink, logger: Logger, events: Emitter<ChecksEvents>): void {
  if (Array.isArray(output)) {
    for (const item of output as unknown[]) accept(item, entry, sink, logger, events);
  } else {
    accept(output, entry, sink, logger, events);
  }
}

function accept(value: unknown, entry: Entry, sink: MessageSink, logger: Logger, events: Emitter<ChecksEvents>): void {
  // Messages from createMessage() were validated when built.
  const reason = isBuiltMessage(value) ? undefined : messageProblem(value);
  if (reason === undefined) {
    sink.push(value as ProbeMessage);
    return;
  }
  logger.warn({ ...entry.fields, reason }, "invalid message");
  events.emit("messageRejected", { source: entry.label, reason, value });
}
