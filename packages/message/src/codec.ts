import { isUtf8 } from "node:buffer";
import { formatWireDate, parseWireDate } from "./dates.js";
import { InvalidMessageError } from "./errors.js";
import { FORBIDDEN_KEYS } from "./json-value.js";
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
 * Encodes a message as UTF-8 JSON with pulpo's wire names:
 * `{"id","header":{"request_type","priority","delay","expiration","attempts",...},"body":{...}}`.
 * Dates are written ISO-8601 UTC. Fields that are not set are left out.
 */
export function encode(message: Message): Buffer {
  return Buffer.from(encodeToString(message), "utf8");
}

/** Like {@link encode}, but returns the JSON text. */
export function encodeToString(message: Message): string {
  const { requestType, priority, delay, expiration, attempts, ...extra } = message.header;
  const header: Record<string, unknown> = {};
  if (requestType !== undefined) header.request_type = requestType;
  header.priority = priority;
  if (delay !== undefined) header.delay = formatWireDate(delay);
  if (expiration !== undefined) header.expiration = formatWireDate(expiration);
  header.attempts = attempts;
  Object.assign(header, extra);
  return JSON.stringify({ id: message.id, header, body: message.body });
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

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function readDate(header: Record<string, unknown>, key: "delay" | "expiration"): Date | undefined {
  const raw = header[key];
  if (raw === undefined || raw === null) return undefined;
  const date = parseWireDate(raw);
  if (date === undefined) {
    throw new InvalidMessageError(
      `header.${key}`,
      `unparsable date ${JSON.stringify(raw)} (expected ISO-8601, "YYYY-MM-DD HH:MM:SS[.ffffff]" or epoch milliseconds)`,
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
  header.priority = priority < 0 ? 0 : priority;

  const delay = readDate(raw, "delay");
  if (delay !== undefined) header.delay = delay;
  const expiration = readDate(raw, "expiration");
  if (expiration !== undefined) header.expiration = expiration;

  const attempts = raw.attempts ?? 0;
  if (typeof attempts !== "number" || !Number.isSafeInteger(attempts) || attempts < 0) {
    throw new InvalidMessageError("header.attempts", `must be a non-negative integer, got ${describe(attempts)}`);
  }
  header.attempts = attempts;
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
 * `constructor` keys at any depth, unknown top-level keys, and fields of the wrong type.
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
    text = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString("utf8");
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
  return { id, header, body: rawBody };
}
