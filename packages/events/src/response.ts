import { checkOptionKeys, InvalidOptionError } from "@x/core";
import { SerializationError } from "./errors.js";
import { type Event, isEvent, serialize } from "./event.js";
import { jsonSerializer, type Serializer } from "./serializers.js";
import type { StandardSchemaV1 } from "./standard-schema.js";
import { validatePayload } from "./validate.js";

/**
 * Sent with the empty reply of a request whose event was dead-lettered: `<reason>: <error>`. Our
 * requester rejects with `RequestFailedError`; walnats has no such reply (its requester would
 * wait for the timeout) and fails to decode the empty body instead, which at least ends the wait.
 */
export const HEADER_REPLY_ERROR = "Walnats-Reply-Error";

/** Encodes and decodes the response of an {@link EventWithResponse}. */
export interface ResponseCodec<R, RInput = R> {
  /** The Standard Schema that validates responses, if any. */
  readonly schema: StandardSchemaV1<RInput, R> | undefined;
  /** Turns responses into bytes and back. */
  readonly serializer: Serializer<RInput>;
  /** Validates (with the schema, if any) and serializes a handler's result. */
  encode(value: RInput): Promise<Uint8Array>;
  /** Deserializes and validates a response. */
  decode(data: Uint8Array): Promise<R>;
}

/**
 * An event whose actors answer: `request()` emits it and awaits the first actor's response,
 * typed `R` (what the requester gets) from `RInput` (what the handler returns).
 */
export interface EventWithResponse<T = unknown, TInput = T, R = unknown, RInput = R> extends Event<T, TInput> {
  /** How the response travels. */
  readonly response: ResponseCodec<R, RInput>;
}

/** Options of {@link withResponse} without a schema. */
export interface ResponseOptions<R> {
  /** Turns responses into bytes and back. @default {@link jsonSerializer} */
  readonly serializer?: Serializer<R>;
}

/** Options of {@link withResponse} with a Standard Schema that types and validates the response. */
export interface ResponseSchemaOptions<S extends StandardSchemaV1> extends ResponseOptions<StandardSchemaV1.InferInput<S>> {
  /** Validates the handler's result before it is sent, and the response when it arrives. */
  readonly schema: S;
}

/**
 * A copy of `event` whose actors answer requests (walnats' `Event.with_response`). Use the copy
 * for `request()` and for the actors that answer; the stream is the same, so a plain `emit` of it
 * works too (the handler's result is then dropped). The response travels as walnats' does: a core
 * NATS message to the requester's inbox, named by the `Walnats-Reply` header, after the ack.
 */
export function withResponse<T, TInput, S extends StandardSchemaV1>(
  event: Event<T, TInput>,
  options: ResponseSchemaOptions<S>,
): EventWithResponse<T, TInput, StandardSchemaV1.InferOutput<S>, StandardSchemaV1.InferInput<S>>;
export function withResponse<T, TInput, R>(event: Event<T, TInput>, options?: ResponseOptions<R>): EventWithResponse<T, TInput, R>;
export function withResponse(
  event: Event,
  options: ResponseOptions<unknown> & { readonly schema?: StandardSchemaV1 } = {},
): EventWithResponse {
  if (!isEvent(event)) throw new InvalidOptionError("event", event, "must be created with Event()");
  checkOptionKeys(options, ["schema", "serializer"], "withResponse");
  const { schema } = options;
  if (schema !== undefined && typeof (schema["~standard"] as Partial<StandardSchemaV1.Props> | undefined)?.validate !== "function") {
    throw new InvalidOptionError("schema", schema, "must be a Standard Schema (zod, valibot, ...)");
  }
  const serializer = options.serializer ?? jsonSerializer;
  if (typeof serializer.encode !== "function" || typeof serializer.decode !== "function") {
    throw new InvalidOptionError("serializer", serializer, "must have encode and decode functions");
  }
  const label = `${event.name} (response)`;
  const response: ResponseCodec<unknown> = Object.freeze({
    schema,
    serializer,
    async encode(value: unknown): Promise<Uint8Array> {
      if (schema !== undefined) await validatePayload(label, schema, value);
      return serialize(label, serializer, value);
    },
    async decode(data: Uint8Array): Promise<unknown> {
      let value: unknown;
      try {
        value = serializer.decode(data);
      } catch (error) {
        throw new SerializationError(label, "decode", error instanceof Error ? error.message : String(error), { cause: error });
      }
      return schema === undefined ? value : await validatePayload(label, schema, value);
    },
  });
  // The spread keeps the event's brand (an own symbol property), so the copy is an Event too.
  return Object.freeze({ ...event, response });
}

/** The response codec of an event made by {@link withResponse}, or `undefined` for a plain event. */
export function responseOf(event: Event<unknown, unknown>): ResponseCodec<unknown, unknown> | undefined {
  const { response } = event as Partial<EventWithResponse>;
  return response;
}
