import type { Message, MessageInit, QueueAdapter } from "@x/message";
import { ATTR, messagingSpanName, SCOPE, startSpan, telemetryActive, traceFields } from "@x/telemetry";
import type { EnqueueOptions } from "./producer.js";
import { jobAttributes, jobInstruments } from "./telemetry.js";

/**
 * A producer's enqueue under a `send` span, whose W3C `traceparent`/`tracestate` go into the job's
 * header so the worker's `process` span continues the trace. The caller's header is copied, never
 * changed. Without `@opentelemetry/api` this is the plain enqueue.
 */
export function sendTraced(queue: QueueAdapter, requestType: string, payload: unknown, options: EnqueueOptions): Promise<Message> {
  return enqueueTraced(queue, { ...options, requestType, payload });
}

/**
 * {@link sendTraced} for a whole `MessageInit`: also the worker's follow-up jobs (`responses`) and
 * `request()` replies, so a trace goes on through them like through a producer's jobs. A message
 * without a request type has nothing to name its span after and is enqueued as given.
 */
export async function enqueueTraced(queue: QueueAdapter, init: MessageInit): Promise<Message> {
  const requestType = init.requestType;
  if (requestType === undefined || !telemetryActive()) return queue.enqueue(init);
  const attributes = jobAttributes(queue.name, requestType);
  const span = startSpan(SCOPE.worker, messagingSpanName("send", requestType), {
    kind: "producer",
    attributes: { ...attributes, [ATTR.MESSAGING_OPERATION_TYPE]: "send", [ATTR.MESSAGING_OPERATION_NAME]: "send" },
  });
  if (span === undefined) {
    // Metrics without tracing (a Prometheus exporter alone, say): still counted.
    const message = await queue.enqueue(init);
    jobInstruments.add("enqueued", 1, attributes);
    return message;
  }
  // No valid span context (no SDK, no parent): nothing to carry, so the header stays as it was.
  const traced = traceFields(span) === undefined ? init : { ...init, header: span.inject({ ...init.header }) };
  try {
    const message = await queue.enqueue(traced);
    span.setAttribute(ATTR.MESSAGING_MESSAGE_ID, message.id);
    jobInstruments.add("enqueued", 1, attributes);
    span.end();
    return message;
  } catch (error) {
    span.end(error);
    throw error;
  }
}
