import type { Logger } from "@x/core";
import {
  ATTR,
  type AttributeMap,
  createInstruments,
  EVENT_INSTRUMENTS,
  messagingSpanName,
  metricsActive,
  otelApi,
  SCOPE,
  type SpanScope,
  startSpan,
  traceFields,
  tracingActive,
} from "@x/telemetry";

/** The event instruments of the schema (`x.events.*`, `x.event.*`). */
export const eventInstruments = createInstruments(SCOPE.events, EVENT_INSTRUMENTS);

/** The backend of every event: JetStream. */
const SYSTEM = "nats";

const attributeCache = new Map<string, AttributeMap>();

/** `messaging.system`, `messaging.destination.name` (the event) and, for a consumer, `messaging.consumer.group.name` (the actor). */
export function eventAttributes(event: string, actor?: string): AttributeMap {
  const key = `${event}\u0000${actor ?? ""}`;
  let attributes = attributeCache.get(key);
  if (attributes === undefined) {
    attributes = Object.freeze({
      [ATTR.MESSAGING_SYSTEM]: SYSTEM,
      [ATTR.MESSAGING_DESTINATION_NAME]: event,
      [ATTR.MESSAGING_CONSUMER_GROUP_NAME]: actor,
    });
    // Event and actor names come from code; the cap guards against names made from data.
    if (attributeCache.size < 10_000) attributeCache.set(key, attributes);
  }
  return attributes;
}

/**
 * Starts the `send {event}` span of an emit and writes its W3C `traceparent`/`tracestate` into the
 * NATS header record (a copy: the caller's `meta` is not changed). `undefined` without the API;
 * the record is returned as it was when there is no trace to carry.
 */
export function startEmitSpan(
  event: string,
  headers: Readonly<Record<string, string>> | undefined,
  uid: string | undefined,
): { readonly span: SpanScope | undefined; readonly headers: Readonly<Record<string, string>> | undefined } {
  // Without a tracer provider no span is made: skip building its attributes (emit is the hot path).
  if (!tracingActive()) return { span: undefined, headers };
  const span = startSpan(SCOPE.events, messagingSpanName("send", event), {
    kind: "producer",
    attributes: {
      ...eventAttributes(event),
      [ATTR.MESSAGING_OPERATION_TYPE]: "send",
      [ATTR.MESSAGING_OPERATION_NAME]: "emit",
      [ATTR.MESSAGING_MESSAGE_ID]: uid,
    },
  });
  if (span === undefined || traceFields(span) === undefined) return { span, headers };
  return { span, headers: span.inject<Record<string, string>>({ ...headers }) };
}

/** An emit ended: counts it when stored and ends its span. */
export function endEmitSpan(event: string, span: SpanScope | undefined, error?: unknown): void {
  if (error === undefined && metricsActive()) eventInstruments.add("emitted", 1, eventAttributes(event));
  span?.end(error);
}

/** What identifies one delivery of an event to an actor. */
export interface DeliveryInfo {
  readonly actor: string;
  readonly event: string;
  readonly seq: number;
  readonly attempt: number;
  readonly uid: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Starts the `process {event}` span of one handler run, continuing the trace of the emit from the
 * event's NATS headers (a malformed `traceparent` starts a new trace, with a debug line).
 */
export function startHandleSpan(delivery: DeliveryInfo, logger?: Logger): SpanScope | undefined {
  if (!tracingActive()) return undefined;
  const options = {
    kind: "consumer" as const,
    parentHeaders: delivery.headers,
    attributes: {
      ...eventAttributes(delivery.event, delivery.actor),
      [ATTR.MESSAGING_OPERATION_TYPE]: "process",
      [ATTR.MESSAGING_OPERATION_NAME]: "handle",
      [ATTR.MESSAGING_MESSAGE_ID]: delivery.uid,
      [ATTR.MESSAGING_DELIVERY_COUNT]: delivery.attempt,
      "x.messaging.nats.stream.sequence": delivery.seq,
    },
  };
  return startSpan(SCOPE.events, messagingSpanName("process", delivery.event), logger === undefined ? options : { ...options, logger });
}

/** One consumer's backlog: events in its stream it has not yet received. */
export interface ConsumerLag {
  readonly actor: string;
  readonly event: string;
  readonly pending: number;
}

/**
 * Reports `x.event.consumer.lag` from `read()` (for instance, each actor's consumer info
 * `num_pending`) at every metrics collection; returns the function that stops it.
 */
export function observeConsumerLag(read: () => Promise<readonly ConsumerLag[]>): () => void {
  if (otelApi() === undefined) return () => undefined;
  return eventInstruments.observe("consumerLag", async (observe) => {
    let lags: readonly ConsumerLag[];
    try {
      lags = await read();
    } catch {
      return;
    }
    for (const { actor, event, pending } of lags) observe(pending, eventAttributes(event, actor));
  });
}

/**
 * A handler run ended: records its duration, counts a success, and ends the run's span (with the
 * error when `failure` is given: a handler may throw anything, `undefined` included).
 */
export function endHandleSpan(
  span: SpanScope | undefined,
  delivery: Pick<DeliveryInfo, "actor" | "event">,
  durationMs: number,
  failure?: { readonly error: unknown },
): void {
  if (metricsActive()) {
    const attributes = eventAttributes(delivery.event, delivery.actor);
    eventInstruments.record("handlerDuration", durationMs / 1000, attributes);
    if (failure === undefined) eventInstruments.add("handled", 1, attributes);
  }
  span?.setAttribute(ATTR.OUTCOME, failure === undefined ? "succeeded" : "failed");
  span?.end(failure === undefined ? undefined : (failure.error ?? new Error("the handler threw undefined")));
}

/** A failed run will be delivered again: counts it. */
export function countRetried(event: string, actor: string): void {
  eventInstruments.add("retried", 1, eventAttributes(event, actor));
}

/** An event went to the dead-letter stream: counts it. */
export function countDeadLettered(event: string, actor: string): void {
  eventInstruments.add("deadLettered", 1, eventAttributes(event, actor));
}
