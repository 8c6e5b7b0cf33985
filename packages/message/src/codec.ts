import { isUtf8 } from "node:buffer";
import { formatPulpoDelay, formatPulpoExpiration, formatWireDate, parseWireDate } from "./dates.js";
import { InvalidArgumentError, InvalidMessageError } from "./errors.js";
import { FORBIDDEN_KEYS, jsonProblem, MAX_JSON_DEPTH } from "./json-value.js";
import { DEFAULT_PRIORITY, isValidMessageId, MAX_PRIORITY, type Message, type MessageHeader } from "./message.js";

/** Largest encoded message `decode()` accepts unless told otherwise: 1 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/** Options for {@link decode}. */
export interface DecodeOptions {
  /** Reject input larger than this many bytes. @default DEFAULT_MAX_MESSAGE_BYTES */
  readonly maxBytes?: number;
}

/** Header keys whose wire name differs from the code name. */
const HEADER_FIELDS = ["request_type", "priority", "delay", "expiration", "attempts"] as const;
const CODE_ONLY_HEADER_KEYS: ReadonlySet<string> = new Set(["requestType"]);
const TOP_LEVEL_KEYS: ReadonlySet<string> = new Set(["id", "header", "body"]);

/**
 * How a message is written. `"iso"`: compact JSON, ISO-8601 UTC dates, every header field.
 * `"pulpo"`: what pulpo-messaging writes and can read back (see {@link encodeToString}).
 */
export type WireDialect = "iso" | "pulpo";

/** The dialects {@link encode} writes. */
export const WIRE_DIALECTS: readonly WireDialect[] = ["iso", "pulpo"];

/** Options for {@link encode} and {@link encodeToString}. */
export interface EncodeOptions {
  /** How the message is written. @default "iso" */
  readonly dialect?: WireDialect;
  /**
   * Write the `id`. pulpo's beanstalkd adapter leaves it out (the job id is the message id); a
   * message with nothing else to write keeps it, so the body is never `{}`. @default true
   */
  readonly includeId?: boolean;
}

/**
 * Encodes a message as UTF-8 JSON with pulpo's wire names:
 * `{"id","header":{"request_type","priority","delay","expiration","attempts",...},"body":{...}}`.
 * Dates are written ISO-8601 UTC unless `dialect` is `"pulpo"`. Fields that are not set are left out.
 */
export function encode(message: Message, options?: EncodeOptions): Buffer {
  return Buffer.from(encodeToString(message, options), "utf8");
}

/**
 * Like {@link encode}, but returns the JSON text.
 *
 * The `"pulpo"` dialect writes what pulpo's adapters write (`json.dumps(components, indent=2,
 * default=str)`), so a pulpo worker reads it and the bytes are pulpo's for the same message:
 * two-space indentation, non-ASCII escaped as `\uXXXX`, keys in the order pulpo's `Message`
 * sets them (`body` with its keys before `payload`; `header` with its keys before `request_type`,
 * `delay`, `expiration`, then `attempts`; `id` last, as pulpo's file adapter adds it on enqueue).
 * `delay` is `YYYY-MM-DD HH:MM:SS.ffffff` and `expiration` `YYYY-MM-DD HH:MM:SS` (rounded down),
 * in UTC, the only forms pulpo parses. pulpo has no priority: it is written (first in the header)
 * only when it is not {@link DEFAULT_PRIORITY}; `attempts` only when not 0; an empty `header` or
 * `body` is left out. Each reads back as the same message, but for the expiration's fraction.
 */
export function encodeToString(message: Message, options?: EncodeOptions): string {
  // Typed wider than WireDialect: JavaScript callers can pass anything.
  const dialect: string = options?.dialect ?? "iso";
  if (dialect === "pulpo") return encodePulpo(message, options?.includeId ?? true);
  if (dialect !== "iso") throw new InvalidArgumentError("dialect", `must be one of ${WIRE_DIALECTS.join(", ")}, got ${describe(dialect)}`);
  const fast = encodeIsoWithoutExtras(message, options?.includeId !== false);
  if (fast !== undefined) return fast;
  const { requestType, priority, delay, expiration, attempts, ...extra } = message.header;
  const header: Record<string, unknown> = {};
  if (requestType !== undefined) header.request_type = requestType;
  header.priority = priority;
  if (delay !== undefined) header.delay = formatWireDate(delay);
  if (expiration !== undefined) header.expiration = formatWireDate(expiration);
  header.attempts = attempts;
  Object.assign(header, extra);
  if (options?.includeId === false) return JSON.stringify({ header, body: message.body });
  return JSON.stringify({ id: message.id, header, body: message.body });
}

/** Header keys the ISO encoding writes under wire names of its own. */
const ISO_HEADER_KEYS: ReadonlySet<string> = new Set(["requestType", "priority", "delay", "expiration", "attempts"]);

/**
 * The ISO encoding of a message whose header has no extra keys and well-typed fields, written
 * without the intermediate objects (and the rest-spread) of the general path: the text is the
 * same, since JSON.stringify writes the keys in the order they were set and a header without
 * extra keys has no integer-like key to move ahead. `undefined` for every other message, which
 * takes the general path.
 */
function encodeIsoWithoutExtras(message: Message, includeId: boolean): string | undefined {
  // Typed wider than Message: JavaScript callers can pass anything.
  const header: unknown = message.header;
  const body: unknown = message.body;
  const id: unknown = message.id;
  if (typeof header !== "object" || header === null || typeof body !== "object" || body === null) return undefined;
  const { requestType, priority, delay, expiration, attempts } = header as MessageHeader;
  if (typeof priority !== "number" || typeof attempts !== "number" || typeof id !== "string") return undefined;
  if (requestType !== undefined && typeof requestType !== "string") return undefined;
  for (const key in header) {
    if (!ISO_HEADER_KEYS.has(key) || !Object.hasOwn(header, key)) return undefined;
  }
  let text = includeId ? `{"id":${JSON.stringify(id)},"header":{` : `{"header":{`;
  if (requestType !== undefined) text += `"request_type":${JSON.stringify(requestType)},`;
  text += `"priority":${JSON.stringify(priority)}`;
  if (delay !== undefined) text += `,"delay":${JSON.stringify(formatWireDate(delay))}`;
  if (expiration !== undefined) text += `,"expiration":${JSON.stringify(formatWireDate(expiration))}`;
  const bodyText = JSON.stringify(body) as string | undefined;
  if (bodyText === undefined) return undefined;
  return `${text},"attempts":${JSON.stringify(attempts)}},"body":${bodyText}}`;
}

/** What Python's `json.dumps` escapes by default (`ensure_ascii`) and JSON.stringify does not. */
const NOT_PRINTABLE_ASCII = /[\u007f-\uffff]/g;

const escapeAsPython = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;

function encodePulpo(message: Message, includeId: boolean): string {
  const { requestType, priority, delay, expiration, attempts, ...extra } = message.header;
  const header: Record<string, unknown> = {};
  if (priority !== DEFAULT_PRIORITY) header.priority = priority;
  Object.assign(header, extra);
  if (requestType !== undefined) header.request_type = requestType;
  if (delay !== undefined) header.delay = formatPulpoDelay(delay);
  if (expiration !== undefined) header.expiration = formatPulpoExpiration(expiration);
  if (attempts !== 0) header.attempts = attempts;
  const { payload, ...bodyExtra } = message.body;
  const body: Record<string, unknown> = { ...bodyExtra };
  if (payload !== undefined) body.payload = payload;
  const components: Record<string, unknown> = {};
  if (Object.keys(body).length > 0) components.body = body;
  if (Object.keys(header).length > 0) components.header = header;
  if (includeId || Object.keys(components).length === 0) components.id = message.id;
  // JSON.stringify escapes lone surrogates itself; what is left above 0x7e is escaped code unit
  // by code unit, as Python does (an emoji becomes its surrogate pair).
  return JSON.stringify(components, null, 2).replace(NOT_PRINTABLE_ASCII, escapeAsPython);
}

class ForbiddenKey extends Error {
  constructor(readonly key: string) {
    super(key);
  }
}

function rejectForbiddenKeys(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) throw new ForbiddenKey(key);
  return value;
}

function parseJson(text: string): unknown {
  // A forbidden key can only appear spelled out or behind a \u escape; the reviver (slow) runs
  // only when one of those is in the text.
  const suspicious = text.includes("__proto__") || text.includes("constructor") || text.includes("\\u");
  try {
    return suspicious ? JSON.parse(text, rejectForbiddenKeys) : JSON.parse(text);
  } catch (err) {
    if (err instanceof ForbiddenKey) {
      throw new InvalidMessageError(err.key, "forbidden key (prototype pollution guard)");
    }
    throw new InvalidMessageError(undefined, `not JSON: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Whether every value under `container` (itself at `depth`) would be written back as read and is
 * one `createMessage` accepts: numbers finite, no object or array at depth MAX_JSON_DEPTH or more.
 * Turns -0 into 0 on the way, since JSON writes it as 0 and the message must decode equal.
 * It builds no paths: on the hot path it is only a walk over what JSON.parse just built; a failure
 * goes on to {@link jsonProblem} for the path and wording.
 */
function isFaithful(container: Record<string, unknown> | unknown[], depth: number): boolean {
  if (depth >= MAX_JSON_DEPTH) return false;
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      const value = container[i];
      if (typeof value === "number") {
        if (value === 0) container[i] = 0;
        else if (!Number.isFinite(value)) return false;
      } else if (typeof value === "object" && value !== null && !isFaithful(value as Record<string, unknown>, depth + 1)) {
        return false;
      }
    }
    return true;
  }
  for (const key of Object.keys(container)) {
    const value = container[key];
    if (typeof value === "number") {
      if (value === 0) container[key] = 0;
      else if (!Number.isFinite(value)) return false;
    } else if (typeof value === "object" && value !== null && !isFaithful(value as Record<string, unknown>, depth + 1)) {
      return false;
    }
  }
  return true;
}

/**
 * Checks the free-form values of a header or body (each one at depth 0, as `createMessage` counts)
 * and throws naming the first one that could not be written back or built by `createMessage`.
 */
function checkValues(values: Record<string, unknown>, where: "header" | "body"): void {
  if (isFaithful(values, -1)) return;
  for (const key of Object.keys(values)) {
    const found = jsonProblem(values[key], `${where}.${key}`);
    if (found) throw new InvalidMessageError(found.path, found.problem);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function readDate(header: Record<string, unknown>, key: "delay" | "expiration"): Date | undefined {
  const raw = header[key];
  if (raw === undefined || raw === null) return undefined;
  const date = parseWireDate(raw);
  if (date === undefined) {
    throw new InvalidMessageError(
      `header.${key}`,
      // describe(), not JSON.stringify: the value may be nested too deep to stringify.
      `unparsable date ${typeof raw === "string" ? JSON.stringify(raw.slice(0, 80)) : describe(raw)} (expected ISO-8601, "YYYY-MM-DD HH:MM:SS[.ffffff]" or epoch milliseconds, in the years 0000-9999)`,
    );
  }
  return date;
}

function readHeader(raw: unknown): MessageHeader {
  if (raw === undefined || raw === null) return { priority: DEFAULT_PRIORITY, attempts: 0 };
  if (!isObject(raw)) throw new InvalidMessageError("header", `must be an object, got ${describe(raw)}`);
  const header: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    if (CODE_ONLY_HEADER_KEYS.has(key)) {
      throw new InvalidMessageError(`header.${key}`, "is not a wire name (use request_type)");
    }
    if (!(HEADER_FIELDS as readonly string[]).includes(key)) header[key] = raw[key];
  }
  checkValues(header, "header");

  const requestType = raw.request_type;
  if (requestType !== undefined && requestType !== null) {
    if (typeof requestType !== "string" || requestType.length === 0) {
      throw new InvalidMessageError("header.request_type", `must be a non-empty string, got ${describe(requestType)}`);
    }
    header.requestType = requestType;
  }

  const priority = raw.priority ?? DEFAULT_PRIORITY;
  if (typeof priority !== "number" || !Number.isInteger(priority)) {
    throw new InvalidMessageError("header.priority", `must be an integer, got ${describe(priority)}`);
  }
  if (priority > MAX_PRIORITY) throw new InvalidMessageError("header.priority", `must be at most ${MAX_PRIORITY}, got ${priority}`);
  // `<= 0` also turns -0 into 0.
  header.priority = priority <= 0 ? 0 : priority;

  const delay = readDate(raw, "delay");
  if (delay !== undefined) header.delay = delay;
  const expiration = readDate(raw, "expiration");
  if (expiration !== undefined) header.expiration = expiration;

  const attempts = raw.attempts ?? 0;
  if (typeof attempts !== "number" || !Number.isSafeInteger(attempts) || attempts < 0) {
    throw new InvalidMessageError("header.attempts", `must be a non-negative integer, got ${describe(attempts)}`);
  }
  header.attempts = attempts === 0 ? 0 : attempts;
  return header as MessageHeader;
}

function readId(raw: unknown): string {
  // pulpo accepted an int id and read it back as a string ('123').
  const id = typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 0 ? String(raw) : raw;
  if (typeof id !== "string") throw new InvalidMessageError("id", `must be a string, got ${describe(raw)}`);
  if (!isValidMessageId(id)) throw new InvalidMessageError("id", `not a valid message id: ${JSON.stringify(id.slice(0, 140))}`);
  return id;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  switch (typeof value) {
    case "object":
      return "an object";
    case "number":
    case "boolean":
    case "bigint":
      return `${typeof value} ${value.toString()}`;
    default:
      return typeof value;
  }
}

/**
 * Decodes bytes (or text) from the wire into a message. Untrusted input is safe: anything wrong
 * throws {@link InvalidMessageError} naming the field and the problem, and nothing else.
 *
 * Accepted: UTF-8 JSON `{id, header?, body?}`; dates as ISO-8601, pulpo's `YYYY-MM-DD HH:MM:SS`
 * and `...SS.ffffff` (UTC), or epoch milliseconds; an integer id (read as a string); a negative
 * priority (read as 0). Rejected: invalid UTF-8, input over `maxBytes`, `__proto__` or
 * `constructor` keys at any depth, unknown top-level keys, fields of the wrong type, and anything
 * that could not be encoded back as read or that `createMessage` would refuse: numbers beyond a
 * double (`1e309`), values nested deeper than `MAX_JSON_DEPTH`, dates outside the years 0000-9999.
 * So whatever decodes re-encodes and decodes to an equal message (`-0` is read as `0`).
 */
export function decode(input: Uint8Array | string, options: DecodeOptions = {}): Message {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  let text: string;
  if (typeof input === "string") {
    const size = input.length > maxBytes / 3 ? Buffer.byteLength(input, "utf8") : input.length;
    if (size > maxBytes) throw new InvalidMessageError(undefined, `${size} bytes is over the limit of ${maxBytes} bytes`);
    text = input;
  } else {
    if (input.byteLength > maxBytes) {
      throw new InvalidMessageError(undefined, `${input.byteLength} bytes is over the limit of ${maxBytes} bytes`);
    }
    if (!isUtf8(input)) throw new InvalidMessageError(undefined, "not valid UTF-8");
    // A Buffer (what sockets and files hand over) is read as it is, without a view made of it first.
    text = Buffer.isBuffer(input) ? input.toString("utf8") : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString("utf8");
  }

  const parsed = parseJson(text);
  if (!isObject(parsed)) throw new InvalidMessageError(undefined, `must be a JSON object, got ${describe(parsed)}`);
  for (const key of Object.keys(parsed)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw new InvalidMessageError(key, "unknown top-level field (expected id, header, body)");
  }
  const id = readId(parsed.id);
  const header = readHeader(parsed.header);
  const rawBody = parsed.body ?? {};
  if (!isObject(rawBody)) throw new InvalidMessageError("body", `must be an object, got ${describe(rawBody)}`);
  checkValues(rawBody, "body");
  return { id, header, body: rawBody };
}
