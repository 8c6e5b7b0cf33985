import { checkOptionKeys, InvalidOptionError, integerOption } from "@x/core";
import { SerializationError } from "./errors.js";
import { type Limits, validateLimits } from "./limits.js";
import { type NameRules, nameRulesOption, streamNameOf, validateDescription, validateName } from "./names.js";
import { jsonSerializer, type Serializer } from "./serializers.js";
import type { StandardSchemaV1 } from "./standard-schema.js";
import { validatePayload } from "./validate.js";

/**
 * How long the stream keeps an event:
 * - `"interest"` (walnats' choice): until every actor registered *at the time it was emitted*
 *   has acknowledged it. With no actor registered, an emitted event is dropped at once.
 * - `"limits"`: until a limit (age, count, bytes) removes it, acknowledged or not. Events
 *   emitted before an actor exists are delivered to it later.
 * - `"workqueue"`: until one consumer acknowledges it; only one actor per event is allowed.
 */
export type Retention = "interest" | "limits" | "workqueue";

/** The default retention (walnats'). */
export const DEFAULT_RETENTION: Retention = "interest";

const RETENTIONS: readonly Retention[] = ["interest", "limits", "workqueue"];
const EVENT_OPTIONS = ["description", "serializer", "limits", "retention", "schema", "replicas", "names"] as const;

/** Most copies of a stream JetStream keeps. */
export const MAX_REPLICAS = 5;
const BRAND: unique symbol = Symbol.for("@x/events.Event");

/** Options of {@link Event}. */
export interface EventOptions<TInput> {
  /** Becomes the stream description; at most 4 KiB (WNS005/006). @default none */
  readonly description?: string;
  /** Turns payloads into bytes and back. @default {@link jsonSerializer} */
  readonly serializer?: Serializer<TInput>;
  /** Stream limits. @default {} (server defaults: unlimited) */
  readonly limits?: Limits;
  /** Stream retention policy; see {@link Retention}. @default "interest" */
  readonly retention?: Retention;
  /**
   * Copies of the stream a NATS cluster keeps (1 to 5; 3 survives the loss of one node). A single
   * server accepts only 1. `register()` updates it on an existing stream. @default 1
   */
  readonly replicas?: number;
  /**
   * Which names are accepted: `"strict"` (walnats' linter rules: kebab-case, no dots) or
   * `"walnats"` (what walnats accepts at runtime: capitals, `_` and dots, for sharing an event
   * with walnats services that already use such a name). @default "strict"
   */
  readonly names?: NameRules;
}

/** Options of {@link Event} with a Standard Schema that types and validates the payload. */
export interface EventSchemaOptions<S extends StandardSchemaV1> extends EventOptions<StandardSchemaV1.InferInput<S>> {
  /** A Standard Schema (zod, valibot, arktype, ...): validates on emit and on receive. */
  readonly schema: S;
}

/**
 * A named, typed event: one JetStream stream with one subject. `T` is what actors receive,
 * `TInput` what `emit` accepts (they differ only for schemas that transform).
 */
export interface Event<T = unknown, TInput = T> {
  /** The event name; also the NATS subject. */
  readonly name: string;
  /** The subject events are published on (the name). */
  readonly subject: string;
  /** The JetStream stream name (the name with `.` replaced by `-`). */
  readonly streamName: string;
  /** The stream description, if any. */
  readonly description: string | undefined;
  /** The stream limits (a frozen copy). */
  readonly limits: Limits;
  /** The stream's retention policy. */
  readonly retention: Retention;
  /** Copies of the stream in a cluster. */
  readonly replicas: number;
  /** The Standard Schema that validates payloads, if any. */
  readonly schema: StandardSchemaV1<TInput, T> | undefined;
  /** Turns payloads into bytes and back. */
  readonly serializer: Serializer<TInput>;
  /** Validates (with the schema, if any) and serializes a payload for emitting. */
  encode(payload: TInput): Promise<Uint8Array>;
  /**
   * Deserializes and validates a received payload. Synchronous (no promise) when there is no
   * schema or the schema validates synchronously; throws or rejects on bad input.
   */
  decode(data: Uint8Array): T | Promise<T>;
  /** Marks values created by {@link Event}. */
  readonly [BRAND]: true;
}

/**
 * Declares an event. The name is validated with walnats' linter rules (kebab-case, at most 64
 * characters, no `.`, `*`, `>` or whitespace) and cannot change later: it is the subject and the
 * stream name. With a `schema`, payload types flow from it and payloads are validated on emit
 * and on receive; without one, give the payload type explicitly: `Event<number>("counts")`.
 */
export function Event<S extends StandardSchemaV1>(
  name: string,
  options: EventSchemaOptions<S>,
): Event<StandardSchemaV1.InferOutput<S>, StandardSchemaV1.InferInput<S>>;
export function Event<T = unknown>(name: string, options?: EventOptions<T>): Event<T>;
export function Event(name: string, options: EventOptions<unknown> & { readonly schema?: StandardSchemaV1 } = {}): Event {
  checkOptionKeys(options, EVENT_OPTIONS, "Event");
  validateName("event", name, nameRulesOption(options.names));
  validateDescription("event", options.description);
  const retention = options.retention ?? DEFAULT_RETENTION;
  if (!RETENTIONS.includes(retention)) throw new InvalidOptionError("retention", retention, `must be one of ${RETENTIONS.join(", ")}`);
  const { schema } = options;
  if (schema !== undefined && typeof (schema["~standard"] as Partial<StandardSchemaV1.Props> | undefined)?.validate !== "function") {
    throw new InvalidOptionError("schema", schema, "must be a Standard Schema (zod, valibot, ...)");
  }
  const serializer = options.serializer ?? jsonSerializer;
  if (typeof serializer.encode !== "function" || typeof serializer.decode !== "function") {
    throw new InvalidOptionError("serializer", serializer, "must have encode and decode functions");
  }
  return Object.freeze({
    name,
    subject: name,
    streamName: streamNameOf(name),
    description: options.description,
    limits: validateLimits(options.limits),
    retention,
    replicas: integerOption("replicas", options.replicas, 1, 1, MAX_REPLICAS),
    schema,
    serializer,
    async encode(payload: unknown): Promise<Uint8Array> {
      // The input (not the schema's output) goes on the wire: the receiver validates it again,
      // so transforming schemas see the same shape on both sides.
      if (schema !== undefined) await validatePayload(name, schema, payload);
      return serialize(name, serializer, payload);
    },
    decode(data: Uint8Array): unknown {
      let value: unknown;
      try {
        value = serializer.decode(data);
      } catch (error) {
        throw new SerializationError(name, "decode", error instanceof Error ? error.message : String(error), { cause: error });
      }
      return schema === undefined ? value : validatePayload(name, schema, value);
    },
    [BRAND]: true as const,
  });
}

/** Serializes with the event's serializer, wrapping its failure in a {@link SerializationError}. */
export function serialize<T>(event: string, serializer: Serializer<T>, payload: T): Uint8Array {
  try {
    return serializer.encode(payload);
  } catch (error) {
    throw new SerializationError(event, "encode", error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** True for values created by {@link Event}. */
export function isEvent(value: unknown): value is AnyEvent {
  return typeof value === "object" && value !== null && (value as Partial<Event>)[BRAND] === true;
}

/** Any event, whatever its payload types. */
export type AnyEvent = Event<unknown, unknown>;
