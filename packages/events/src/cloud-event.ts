import { checkOptionKeys, InvalidOptionError } from "@x/core";
import { formatPythonIsoTime, parseIsoTime } from "./iso-time.js";

const BRAND: unique symbol = Symbol.for("@x/events.CloudEvent");

/** The envelope fields {@link CloudEvent} knows: a misspelt one (`datacontentype`) is refused, not sent. */
const CLOUD_EVENT_FIELDS = [
  "id",
  "source",
  "type",
  "specversion",
  "datacontenttype",
  "dataschema",
  "subject",
  "time",
  "dataref",
  "partitionkey",
  "sampledrate",
  "sequence",
  "traceparent",
  "tracestate",
] as const;

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
  /** Written as RFC 3339 UTC the way Python's `isoformat()` writes it (`2024-01-02T03:04:05.678000+00:00`). */
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

/**
 * The header value of one envelope field. A line break would end the header early (and let the
 * rest of the value pass as headers of its own), so it is refused here, naming the field,
 * instead of surfacing as the NATS client's error at publish time.
 */
function fieldValue(key: string, value: unknown): string {
  let text: string;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new InvalidOptionError(`CloudEvent.${key}`, value, "is an invalid Date");
    text = formatPythonIsoTime(value);
  } else if (typeof value === "string") {
    text = value;
  } else if (typeof value === "number" && Number.isFinite(value)) {
    text = String(value);
  } else {
    throw new InvalidOptionError(`CloudEvent.${key}`, value, "must be a string (a Date for time, a finite number for sampledrate)");
  }
  if (/[\r\n]/.test(text)) throw new InvalidOptionError(`CloudEvent.${key}`, value, "must not contain line breaks (CR or LF)");
  return text;
}

/**
 * Creates a frozen CloudEvents envelope; `id`, `source` and `type` are required. Every field is
 * checked at once: a line break (CR or LF) in any of them is an {@link InvalidOptionError}
 * naming the field (`CloudEvent.subject`, ...).
 */
export function CloudEvent(init: CloudEventInit): CloudEvent {
  checkOptionKeys(init, CLOUD_EVENT_FIELDS, "CloudEvent");
  for (const key of ["id", "source", "type"] as const) {
    if (typeof init[key] !== "string" || init[key] === "")
      throw new InvalidOptionError(`CloudEvent.${key}`, init[key], "must be a non-empty string");
  }
  for (const [key, value] of Object.entries(init)) if (value !== undefined) fieldValue(key, value);
  return Object.freeze({ specversion: "1.0", ...init, [BRAND]: true as const });
}

/** True for envelopes created by {@link CloudEvent}. */
export function isCloudEvent(value: unknown): value is CloudEvent {
  return typeof value === "object" && value !== null && (value as Partial<CloudEvent>)[BRAND] === true;
}

/** The `ce-<field>` headers of an envelope; missing fields are left out. Throws {@link InvalidOptionError} on a line break. */
export function cloudEventHeaders(event: CloudEvent): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(event)) {
    if (value === undefined) continue;
    // Checked again: an envelope may have been spread and changed after the factory made it.
    headers[`ce-${key}`] = fieldValue(key, value);
  }
  return headers;
}

/**
 * Reads the CloudEvents envelope of a delivered event (`ctx.headers`), whoever wrote it: the
 * `ce-*` headers of `emit`'s `meta`, or walnats' `CloudEvent.as_headers()` (a `time` in any
 * `isoformat()` form, a naive one read as UTC). `undefined` when `ce-id`, `ce-source` or `ce-type`
 * is missing. A `ce-time` that is not a date, or a `ce-sampledrate` that is not a number, is left out.
 */
export function readCloudEvent(headers: Readonly<Record<string, string>>): CloudEvent | undefined {
  const init: Record<string, unknown> = {};
  for (const key of CLOUD_EVENT_FIELDS) {
    const value = headers[`ce-${key}`];
    if (value === undefined) continue;
    if (key === "time") {
      const time = parseIsoTime(value);
      if (time !== undefined) init[key] = time;
    } else if (key === "sampledrate") {
      const rate = Number(value);
      if (value !== "" && Number.isFinite(rate)) init[key] = rate;
    } else init[key] = value;
  }
  if (typeof init.id !== "string" || typeof init.source !== "string" || typeof init.type !== "string") return undefined;
  if (init.id === "" || init.source === "" || init.type === "") return undefined;
  return Object.freeze({ specversion: "1.0", ...(init as unknown as CloudEventInit), [BRAND]: true as const });
}
