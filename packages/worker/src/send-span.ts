import type { Message, QueueAdapter } from "@x/message";
import { ATTR, messagingSpanName, SCOPE, startSpan, traceFields } from "@x/telemetry";
import type { EnqueueOptions } from "./producer.js";
import { jobAttributes, jobInstruments } from "./telemetry.js";

/**
 * A producer's enqueue under a `send` span, whose W3C `traceparent`/`tracestate` go into the job's
 * header so the worker's `process` span continues the trace. The caller's header is copied, never
 * changed. Without `@opentelemetry/api` this is the plain enqueue.
 */
export async function sendTraced(queue: QueueAdapter, requestType: string, payload: unknown, options: EnqueueOptions): Promise<Message> {
  const attributes = jobAttributes(queue.name, requestType);
  const span = startSpan(SCOPE.worker, messagingSpanName("send", requestType), {
    kind: "producer",
    attributes: { ...attributes, [ATTR.MESSAGING_OPERATION_TYPE]: "send", [ATTR.MESSAGING_OPERATION_NAME]: "send" },
  });
  if (span === undefined) return queue.enqueue({ ...options, requestType, payload });
  // No valid span context (no SDK, no parent): nothing to carry, so the header stays as it was.
  const traced = traceFields(span) === undefined ? options : { ...options, header: span.inject({ ...options.header }) };
  try {
    const message = await queue.enqueue({ ...traced, requestType, payload });
    span.setAttribute(ATTR.MESSAGING_MESSAGE_ID, message.id);
    jobInstruments.add("enqueued", 1, attributes);
    span.end();
    return message;
  } catch (error) {
    span.end(error);
    throw error;
  }
}
