import { InvalidOptionError } from "./errors.js";

const BRAND: unique symbol = Symbol.for("@x/events.CloudEvent");

/** Fields of a CloudEvents 1.0 envelope, sent as `ce-*` headers (binary content mode). */
export interface CloudEventInit {
  /** Identifies the event; also used as `Nats-Msg-Id` when `emit` has no `uid`. */
  readonly id: string;
  /** Identifies the context in which the event happened (a URI reference). */
  readonly source: string;
  /** The kind of event, e.g. `com.example.parcel.sent`. */
  readonly type: string;
  /** @default "1.0" */
  readonly specversion?: string;
  /** Content type of the payload, e.g. `application/json`. */
  readonly datacontenttype?: string;
  /** URI of the payload's schema. */
  readonly dataschema?: string;
  /** The subject of the event within its source. */
  readonly subject?: string;
  /** Written as ISO-8601 UTC. */
  readonly time?: Date;
  /** Where the payload is, when it is not in the message (claim check). */
  readonly dataref?: string;
  /** Partitioning extension: the partition key. */
  readonly partitionkey?: string;
  /** Sampling extension: one event in this many was kept. */
  readonly sampledrate?: number;
  /** Sequence extension: the event's position in its source's sequence. */
  readonly sequence?: string;
  /** Distributed tracing extension: W3C `traceparent`. */
  readonly traceparent?: string;
  /** Distributed tracing extension: W3C `tracestate`. */
  readonly tracestate?: string;
}

/** A CloudEvents envelope to pass as `emit`'s `meta`. Create it with {@link CloudEvent}. */
export interface CloudEvent extends Readonly<CloudEventInit> {
  /** The CloudEvents version, `"1.0"` unless given. */
  readonly specversion: string;
  /** Marks values created by {@link CloudEvent}. */
  readonly [BRAND]: true;
}

/** Creates a frozen CloudEvents envelope; `id`, `source` and `type` are required. */
export function CloudEvent(init: CloudEventInit): CloudEvent {
  for (const key of ["id", "source", "type"] as const) {
    if (typeof init[key] !== "string" || init[key] === "") throw new InvalidOptionError(`CloudEvent.${key}`, "must be a non-empty string");
  }
  return Object.freeze({ specversion: "1.0", ...init, [BRAND]: true as const });
}

/** True for envelopes created by {@link CloudEvent}. */
export function isCloudEvent(value: unknown): value is CloudEvent {
  return typeof value === "object" && value !== null && (value as Partial<CloudEvent>)[BRAND] === true;
}

/** The `ce-<field>` headers of an envelope; missing fields are left out. */
export function cloudEventHeaders(event: CloudEvent): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(event)) {
    if (value === undefined) continue;
    headers[`ce-${key}`] = value instanceof Date ? value.toISOString() : String(value);
  }
  return headers;
}
