/**
 * Every error `@x/events` throws extends {@link EventsError} (itself an `XError` of `@x/core`) and
 * carries a stable `code`, unique across the toolkit, so callers branch on `instanceof` or `code`,
 * never on message text. A bad option is `@x/core`'s `InvalidOptionError`, shared by every
 * package. Errors of the NATS client that walnats does not wrap (for example "stream not found"
 * when `register({ create: false })` meets a missing stream) pass through unchanged.
 */
import { XError } from "@x/core";

/** Stable, machine-readable error codes of `@x/events`. */
export type EventsErrorCode =
  | "ERR_X_EVENTS_INVALID_NAME"
  | "ERR_X_EVENTS_STREAM_EXISTS"
  | "ERR_X_EVENTS_STREAM_CONFIG"
  | "ERR_X_EVENTS_CONSUMER_CONFIG"
  | "ERR_X_EVENTS_UNKNOWN_EVENT"
  | "ERR_X_EVENTS_INVALID_PAYLOAD"
  | "ERR_X_EVENTS_SERIALIZATION"
  | "ERR_X_EVENTS_PAYLOAD_TOO_LARGE"
  | "ERR_X_EVENTS_JOB_TIMEOUT"
  | "ERR_X_EVENTS_ACK_TIMEOUT"
  | "ERR_X_EVENTS_SHUTDOWN"
  | "ERR_X_EVENTS_CLOSED"
  | "ERR_X_EVENTS_CONNECTION_LOST"
  | "ERR_X_EVENTS_EMIT_NOT_CONFIRMED"
  | "ERR_X_EVENTS_MALFORMED_MESSAGE"
  | "ERR_X_EVENTS_REQUEST_TIMEOUT"
  | "ERR_X_EVENTS_REQUEST_FAILED"
  | "ERR_X_EVENTS_DUPLICATE_REQUEST";

/** Base class of every error thrown by `@x/events` (bad options aside: `InvalidOptionError`). */
export class EventsError extends XError {
  /** Stable code, unique across the toolkit; safe to branch on. */
  declare readonly code: EventsErrorCode;

  // Not useless: it narrows `code` to the codes of this package.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: EventsErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/**
 * A name or description that breaks one of walnats' linter rules, enforced at construction.
 * `rule` is the walnats linter code (`WNS001`..`WNS026`).
 */
export class InvalidNameError extends EventsError {
  /** The walnats linter code, `WNS001`..`WNS026`. */
  readonly rule: string;

  constructor(rule: string, problem: string, options?: ErrorOptions) {
    super("ERR_X_EVENTS_INVALID_NAME", `${rule}: ${problem}`, options);
    this.rule = rule;
  }
}

/**
 * `register({ create: true, update: false })` found the stream with a different configuration
 * (JetStream API error 10058).
 */
export class StreamExistsError extends EventsError {
  /** The stream's name. */
  readonly stream: string;

  constructor(stream: string, options?: ErrorOptions) {
    super("ERR_X_EVENTS_STREAM_EXISTS", `stream "${stream}" already exists with a different configuration`, options);
    this.stream = stream;
  }
}

/**
 * The server rejected a stream configuration: a field that cannot be updated changed
 * (e.g. `limits.consumers`, `retention`), or a value is out of range (JetStream API error 10052).
 */
export class StreamConfigError extends EventsError {
  /** The stream's name. */
  readonly stream: string;

  constructor(stream: string, reason: string, options?: ErrorOptions) {
    super("ERR_X_EVENTS_STREAM_CONFIG", `stream "${stream}": ${reason}`, options);
    this.stream = stream;
  }
}

/** The server rejected an actor's consumer configuration (e.g. a field that cannot be updated). */
export class ConsumerConfigError extends EventsError {
  /** The event's stream. */
  readonly stream: string;
  /** The consumer (actor) name. */
  readonly consumer: string;

  constructor(stream: string, consumer: string, reason: string, options?: ErrorOptions) {
    super("ERR_X_EVENTS_CONSUMER_CONFIG", `consumer "${consumer}" on stream "${stream}": ${reason}`, options);
    this.stream = stream;
    this.consumer = consumer;
  }
}

/** `emit` was called with an event that is not part of this `Events` registry. */
export class UnknownEventError extends EventsError {
  /** The event's name. */
  readonly event: string;

  constructor(event: string, options?: ErrorOptions) {
    super("ERR_X_EVENTS_UNKNOWN_EVENT", `event "${event}" is not registered in this Events registry`, options);
    this.event = event;
  }
}

/** One problem reported by a Standard Schema. */
export interface PayloadIssue {
  /** What is wrong, as the schema library says it. */
  readonly message: string;
  /** Dotted path of the offending field, or `""` for the payload as a whole. */
  readonly path: string;
}

/** A payload failed its event's schema (on emit, or on receive). */
export class InvalidPayloadError extends EventsError {
  /** The event's name. */
  readonly event: string;
  /** Every problem the schema reported. */
  readonly issues: readonly PayloadIssue[];

  constructor(event: string, issues: readonly PayloadIssue[], options?: ErrorOptions) {
    const summary = issues.map((i) => (i.path === "" ? i.message : `${i.path}: ${i.message}`)).join("; ");
    super("ERR_X_EVENTS_INVALID_PAYLOAD", `invalid payload for event "${event}": ${summary}`, options);
    this.event = event;
    this.issues = issues;
  }
}

/** The event's serializer could not encode a payload (on emit) or decode one (on receive). */
export class SerializationError extends EventsError {
  /** The event's name. */
  readonly event: string;
  /** Whether emitting (`encode`) or receiving (`decode`) failed. */
  readonly direction: "encode" | "decode";

  constructor(event: string, direction: "encode" | "decode", problem: string, options?: ErrorOptions) {
    super("ERR_X_EVENTS_SERIALIZATION", `cannot ${direction} payload of event "${event}": ${problem}`, options);
    this.event = event;
    this.direction = direction;
  }
}

/**
 * An emitted event (payload plus headers) is larger than the server accepts (`max_payload`) or
 * than its event's `limits.messageSize`. Checked before publishing, so a fire-and-forget emit
 * fails loudly instead of being dropped on the way.
 */
export class PayloadTooLargeError extends EventsError {
  /** The event's name. */
  readonly event: string;
  /** Size of payload and headers, in bytes. */
  readonly size: number;
  /** The limit it exceeds, in bytes. */
  readonly limit: number;

  constructor(event: string, size: number, limit: number, options?: ErrorOptions) {
    super("ERR_X_EVENTS_PAYLOAD_TOO_LARGE", `event "${event}" is ${size} bytes, more than the limit of ${limit} bytes`, options);
    this.event = event;
    this.size = size;
    this.limit = limit;
  }
}

/** A handler ran longer than its actor's `jobTimeoutMs`; its `AbortSignal` was aborted with this. */
export class JobTimeoutError extends EventsError {
  /** The actor's name. */
  readonly actor: string;
  /** The actor's `jobTimeoutMs`. */
  readonly timeoutMs: number;

  constructor(actor: string, timeoutMs: number, options?: ErrorOptions) {
    super("ERR_X_EVENTS_JOB_TIMEOUT", `actor "${actor}" did not finish within ${timeoutMs} ms`, options);
    this.actor = actor;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The server did not confirm an acknowledgement (ack, nak or term) in time: the event may be
 * delivered again. Reported through the logger; handlers never see it.
 */
export class AckTimeoutError extends EventsError {
  /** The `ackTimeoutMs` that passed. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number, options?: ErrorOptions) {
    super("ERR_X_EVENTS_ACK_TIMEOUT", `the server did not confirm the acknowledgement within ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * `listen` was stopped and the handler did not finish within the drain deadline; its
 * `AbortSignal` was aborted with this and the message was handed back (nak, no delay).
 */
export class ShutdownError extends EventsError {
  constructor(options?: ErrorOptions) {
    super("ERR_X_EVENTS_SHUTDOWN", "listen stopped before the job finished", options);
  }
}

/** The connection was closed by `close()`; the call cannot run. */
export class ClosedError extends EventsError {
  constructor(what: string, options?: ErrorOptions) {
    super("ERR_X_EVENTS_CLOSED", `${what} is closed`, options);
  }
}

/**
 * The NATS connection closed for good without `close()` being called: the client used up its
 * `maxReconnectAttempts` (unlimited by default), or the server refused it (authorization).
 * `listen()` rejects with it, `emit()` throws it, and the `status` event reports it with `type: "closed"`.
 */
export class ConnectionLostError extends EventsError {
  constructor(reason: string, options?: ErrorOptions) {
    super("ERR_X_EVENTS_CONNECTION_LOST", `the NATS connection closed for good: ${reason}`, options);
  }
}

/** One fire-and-forget emit the server did not confirm (see {@link EmitsNotConfirmedError}). */
export interface UnconfirmedEmit {
  /** The event's name. */
  readonly event: string;
  /** The emit's `uid` (`Nats-Msg-Id`), if it had one: re-emitting with it cannot store the event twice. */
  readonly uid: string | undefined;
  /** Why it is not confirmed: a timeout, a disconnect, or the server's refusal. */
  readonly reason: string;
}

/**
 * Fire-and-forget emits that the server did not confirm storing, within their `timeoutMs`. Each
 * may or may not have been stored: re-emit with the same `uid` to be sure without duplicates.
 * `flush()` rejects with it; the `unconfirmed` event reports each one as it happens.
 */
export class EmitsNotConfirmedError extends EventsError {
  /** How many emits were not confirmed (all of them, even beyond `emits`). */
  readonly count: number;
  /** The unconfirmed emits, the first {@link MAX_REPORTED_UNCONFIRMED} of them. */
  readonly emits: readonly UnconfirmedEmit[];

  constructor(count: number, emits: readonly UnconfirmedEmit[], options?: ErrorOptions) {
    const first = emits[0];
    super(
      "ERR_X_EVENTS_EMIT_NOT_CONFIRMED",
      `${count} fire-and-forget emit(s) not confirmed by the server${first === undefined ? "" : `; first: event "${first.event}": ${first.reason}`}`,
      options,
    );
    this.count = count;
    this.emits = emits;
  }
}

/** How many unconfirmed emits an {@link EmitsNotConfirmedError} lists (it counts them all). */
export const MAX_REPORTED_UNCONFIRMED = 1_000;

/**
 * Bytes from the network that do not follow the protocol: a header block with a name NATS
 * forbids, or a delivery whose ack subject is not a JetStream one. `part` says which.
 */
export class MalformedMessageError extends EventsError {
  /** What could not be read. */
  readonly part: "headers" | "ack-subject";

  constructor(part: "headers" | "ack-subject", problem: string, options?: ErrorOptions) {
    super("ERR_X_EVENTS_MALFORMED_MESSAGE", `malformed ${part}: ${problem}`, options);
    this.part = part;
  }
}

/**
 * `request()` got no response within its `timeoutMs`: no actor handled the event in time (none
 * registered, all failing and retrying, or the delay longer than the timeout). The event itself
 * stays stored and may still be handled later.
 */
export class RequestTimeoutError extends EventsError {
  /** The event's name. */
  readonly event: string;
  /** How long the request waited, in ms. */
  readonly timeoutMs: number;

  constructor(event: string, timeoutMs: number, options?: ErrorOptions) {
    super("ERR_X_EVENTS_REQUEST_TIMEOUT", `no response to a request of event "${event}" within ${timeoutMs} ms`, options);
    this.event = event;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The actor answered a `request()` with a failure instead of a response: the event was
 * dead-lettered (`reason` as in the dead letter, `error` the last failure), so no response will come.
 */
export class RequestFailedError extends EventsError {
  /** The event's name. */
  readonly event: string;
  /** Why the actor gave up: `max-attempts`, `decode-error` or `schema-error`. */
  readonly reason: string;

  constructor(event: string, reason: string, problem: string, options?: ErrorOptions) {
    super("ERR_X_EVENTS_REQUEST_FAILED", `request of event "${event}" failed (${reason}): ${problem}`, options);
    this.event = event;
    this.reason = reason;
  }
}

/**
 * A `request()` whose `uid` the stream had already stored within its duplicate window: the event
 * was not stored again, so no actor runs for it and no response would come. The first request
 * with that uid gets the response.
 */
export class DuplicateRequestError extends EventsError {
  /** The event's name. */
  readonly event: string;
  /** The request's `uid`. */
  readonly uid: string;

  constructor(event: string, uid: string, options?: ErrorOptions) {
    super("ERR_X_EVENTS_DUPLICATE_REQUEST", `request of event "${event}" with uid "${uid}" is a duplicate: no response will come`, options);
    this.event = event;
    this.uid = uid;
  }
}
