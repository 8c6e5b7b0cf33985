import { InvalidOptionError } from "./errors.js";

const BRAND: unique symbol = Symbol.for("@x/events.CloudEvent");

/** Fields of a CloudEvents 1.0 envelope, sent as `ce-*` headers (binary content mode). */
export interface CloudEventInit {
  /** Identifies the event; also used as `Nats-Msg-Id` when `emit` has no `uid`. */
  readonly id: string;
  readonly source: string;
  readonly type: string;
  /** @default "1.0" */
  readonly specversion?: string;
  readonly datacontenttype?: string;
  readonly dataschema?: string;
  readonly subject?: string;
  /** Written as ISO-8601 UTC. */
  readonly time?: Date;
  readonly dataref?: string;
  readonly partitionkey?: string;
  readonly sampledrate?: number;
  readonly sequence?: string;
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/** A CloudEvents envelope to pass as `emit`'s `meta`. Create it with {@link CloudEvent}. */
export interface CloudEvent extends Readonly<CloudEventInit> {
  readonly specversion: string;
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
