/**
 * Serializers turn payloads into message bytes and back. JSON is the default; bytes, strings,
 * dates and custom serializers (msgpack, protobuf, encryption, ...) plug in through the same
 * two-method interface.
 */

/** Encodes payloads of type `T` to bytes and decodes them back. `decode` throws on bad input. */
export interface Serializer<T> {
  /** Short name for logs and errors, e.g. `"json"`. */
  readonly name: string;
  /** Turns a payload into message bytes; throws when it cannot. */
  encode(value: T): Uint8Array;
  /** Turns message bytes back into a payload; throws on bytes it cannot read. */
  decode(data: Uint8Array): T;
}

import { formatPythonIsoTime, parseIsoTime } from "./iso-time.js";

/**
 * A serializer of any payload (JSON, MessagePack): `decode` returns what the bytes hold, typed as
 * the event's payload (the event's schema, when it has one, checks it), so it fits `Event<T>`
 * for any `T`, alone or inside a wrapper (`gzipSerializer`, `hmacSerializer`, `fernetSerializer`).
 */
export interface UntypedSerializer {
  /** Short name for logs and errors. */
  readonly name: string;
  /** Turns a payload into message bytes; throws when it cannot. */
  encode(value: unknown): Uint8Array;
  /** Turns message bytes back into a payload; throws on bytes it cannot read. */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T is the event's payload type, checked by its schema
  decode<T = unknown>(data: Uint8Array): T;
}

const encoder = new TextEncoder();
// fatal: invalid UTF-8 is an error, never a silently replaced character.
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Drops `__proto__` keys: a reviver that returns `undefined` deletes the property. */
const withoutProto = (key: string, value: unknown): unknown => (key === "__proto__" ? undefined : value);

/**
 * Compact UTF-8 JSON (walnats' wire format). The default serializer of every event.
 *
 * Decoding strips every own `__proto__` key, at any depth: `JSON.parse` keeps it as an own
 * property, which code that copies or merges the payload (`Object.assign`, a spread into a
 * class instance, a naive deep merge) would turn into a prototype change. Other keys, including
 * `constructor`, are data and stay.
 */
export const jsonSerializer: UntypedSerializer = Object.freeze({
  name: "json",
  encode(value: unknown): Uint8Array {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) throw new TypeError(`${typeof value} is not JSON-serializable`);
    return encoder.encode(text);
  },
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T is the event's payload type, checked by its schema
  decode<T>(data: Uint8Array): T {
    const text = decoder.decode(data);
    // The reviver visits every value, so it only runs where a __proto__ key is possible: spelled
    // out, or hidden behind a \u escape.
    return (text.includes("__proto__") || text.includes("\\u") ? JSON.parse(text, withoutProto) : JSON.parse(text)) as T;
  },
});

/** Raw bytes, passed through unchanged. */
export const bytesSerializer: Serializer<Uint8Array> = Object.freeze({
  name: "bytes",
  encode: (value: Uint8Array): Uint8Array => value,
  decode: (data: Uint8Array): Uint8Array => data,
});

/** A UTF-8 string, without JSON quoting. */
export const stringSerializer: Serializer<string> = Object.freeze({
  name: "string",
  encode: (value: string): Uint8Array => encoder.encode(value),
  decode: (data: Uint8Array): string => decoder.decode(data),
});

/**
 * A `Date` as an ISO-8601 UTC string (`2024-01-01T00:00:00.000Z`); the Clock's payload. Decoding
 * also reads what walnats' `DatetimeSerializer` writes (Python's `isoformat()`: an offset such
 * as `+00:00`, microseconds, a naive time, which is read as UTC, or a date alone).
 */
export const dateSerializer: Serializer<Date> = Object.freeze({
  name: "date",
  encode(value: Date): Uint8Array {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError("not a valid Date");
    return encoder.encode(value.toISOString());
  },
  decode: decodeDate,
});

/**
 * A `Date` as walnats' `DatetimeSerializer` writes an aware UTC datetime (Python's
 * `isoformat()`: `2024-01-01T00:00:00.123000+00:00`), which every Python `fromisoformat()` reads
 * (the `Z` of {@link dateSerializer} only since Python 3.11). Decodes like {@link dateSerializer}.
 */
export const walnatsDateSerializer: Serializer<Date> = Object.freeze({
  name: "walnats-date",
  encode(value: Date): Uint8Array {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError("not a valid Date");
    return encoder.encode(formatPythonIsoTime(value));
  },
  decode: decodeDate,
});

function decodeDate(data: Uint8Array): Date {
  const text = decoder.decode(data);
  const date = parseIsoTime(text);
  if (date === undefined) throw new TypeError(`"${text.slice(0, 64)}" is not an ISO-8601 date`);
  return date;
}
