import { isWireDateInRange } from "./dates.js";
import { InvalidArgumentError } from "./errors.js";
import { uuid7 } from "./id.js";
import { FORBIDDEN_KEYS, isJsonValue, jsonProblem } from "./json-value.js";

/** Priority of a message that does not say: pulpo's (greenstalk's) default, 2^16. */
export const DEFAULT_PRIORITY = 65_536;
/** Most urgent priority. */
export const MIN_PRIORITY = 0;
/** Least urgent priority: beanstalkd's range ends here. */
export const MAX_PRIORITY = 2 ** 32 - 1;

/**
 * What ids look like: 1 to 128 characters of letters, digits and `._:-`, starting with a letter or
 * digit. Generated ids are UUIDv7; adapters may use their own (beanstalkd's numbers). The rule keeps
 * ids safe as file names and log tokens (`../x` or `/etc/passwd` can never be an id).
 */
export const MESSAGE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Header keys with a meaning of their own; extra header keys may not use them. */
export const RESERVED_HEADER_KEYS: ReadonlySet<string> = new Set([
  "requestType",
  "request_type",
  "priority",
  "delay",
  "expiration",
  "attempts",
]);

/** Routing and flow-control fields of a message, plus any extra keys the producer added. */
export interface MessageHeader {
  /** Which handler runs the job (`send_email`). Wire name `request_type`. */
  readonly requestType?: string;
  /** 0 is most urgent, up to 2^32-1. Equal priorities are served first in, first out. */
  readonly priority: number;
  /** Earliest time the job may run. */
  readonly delay?: Date;
  /** Latest time the job may *start*. */
  readonly expiration?: Date;
  /** How many times the job was handed out before this delivery (crashes and lease timeouts count). */
  readonly attempts: number;
  /** Extra keys are kept as they are, on the wire too. Values must be JSON values. */
  readonly [key: string]: unknown;
}

/** The content a handler works on: `payload`, plus any extra keys. */
export interface MessageBody<P = unknown> {
  readonly payload?: P;
  readonly [key: string]: unknown;
}

/** A job request: `id`, `header` for routing and control, `body` for the handler. */
export interface Message<P = unknown> {
  /** Unique, and for generated ids sortable by creation time (UUIDv7). */
  readonly id: string;
  readonly header: MessageHeader;
  readonly body: MessageBody<P>;
}

/** What a producer gives to `createMessage()` or `QueueAdapter.enqueue()`. Every field is optional. */
export interface MessageInit<P = unknown> {
  /** Normally left out: a UUIDv7 is generated. Must match {@link MESSAGE_ID_PATTERN}. */
  readonly id?: string;
  readonly requestType?: string;
  readonly payload?: P;
  /** Integer 0..2^32-1; negative numbers become 0 (pulpo's rule). @default DEFAULT_PRIORITY */
  readonly priority?: number;
  /** Earliest time the job may run, absolute. Give either this or `delayMs`. */
  readonly delay?: Date;
  /** Earliest time the job may run, in milliseconds from now. */
  readonly delayMs?: number;
  /** Latest time the job may start, absolute. Give either this or `expiresInMs`. */
  readonly expiration?: Date;
  /** Latest time the job may start, in milliseconds from now. */
  readonly expiresInMs?: number;
  /** Deliveries so far; only for moving jobs between queues. @default 0 */
  readonly attempts?: number;
  /** Extra header keys (JSON values), e.g. `{ source: "shop" }`. Reserved names are rejected. */
  readonly header?: Readonly<Record<string, unknown>>;
  /** Extra body keys (JSON values) next to `payload`, e.g. pulpo's `{ to, subject }`. */
  readonly body?: Readonly<Record<string, unknown>>;
}

/** A new message id: UUIDv7, unique and sortable by creation time. */
export function newMessageId(): string {
  return uuid7();
}

/** Whether a string is acceptable as a message id (see {@link MESSAGE_ID_PATTERN}). */
export function isValidMessageId(id: string): boolean {
  return MESSAGE_ID_PATTERN.test(id);
}

/**
 * Checks a priority and applies pulpo's rule: negative becomes 0.
 * @throws InvalidArgumentError for NaN, non-integers and values above 2^32-1.
 */
export function normalizePriority(priority: number, argument = "priority"): number {
  if (!Number.isInteger(priority)) throw new InvalidArgumentError(argument, `must be an integer, got ${String(priority)}`);
  if (priority > MAX_PRIORITY) throw new InvalidArgumentError(argument, `must be at most ${MAX_PRIORITY}, got ${priority}`);
  return priority < MIN_PRIORITY ? MIN_PRIORITY : priority;
}

function checkDate(date: Date, argument: string): Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError(argument, "must be a valid Date");
  }
  // Outside this range a date has no plain ISO-8601 form: it could be sent but not read back.
  if (!isWireDateInRange(date.getTime())) {
    throw new InvalidArgumentError(argument, `must be between the years 0000 and 9999, got ${date.toISOString()}`);
  }
  return new Date(date.getTime());
}

function fromNow(ms: number, argument: string, now: number): Date {
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(argument, `must be a finite number of milliseconds, got ${String(ms)}`);
  // Checked as a number first: far enough out, `new Date()` is invalid and has no ISO form at all.
  if (!isWireDateInRange(now + ms)) {
    throw new InvalidArgumentError(argument, `must give a date between the years 0000 and 9999, got ${String(ms)} ms from now`);
  }
  return new Date(now + ms);
}

const DELAY_NAMES: [string, string] = ["delay", "delayMs"];
const EXPIRATION_NAMES: [string, string] = ["expiration", "expiresInMs"];

function pickDate(absolute: Date | undefined, relative: number | undefined, names: [string, string], now: number): Date | undefined {
  if (absolute !== undefined && relative !== undefined) {
    throw new InvalidArgumentError(names[0], `and \`${names[1]}\` are mutually exclusive`);
  }
  if (absolute !== undefined) return checkDate(absolute, names[0]);
  if (relative !== undefined) return fromNow(relative, names[1], now);
  return undefined;
}

function checkExtras(extras: Readonly<Record<string, unknown>> | undefined, where: "header" | "body"): void {
  if (extras === undefined) return;
  for (const key of Object.keys(extras)) {
    if (where === "header" && RESERVED_HEADER_KEYS.has(key)) {
      throw new InvalidArgumentError(`header.${key}`, "is reserved; use the field of the same meaning instead");
    }
    if (where === "body" && key === "payload") {
      throw new InvalidArgumentError("body.payload", "is reserved; use `payload` instead");
    }
    if (FORBIDDEN_KEYS.has(key)) throw new InvalidArgumentError(`${where}.${key}`, "is a forbidden key");
    if (isJsonValue(extras[key])) continue;
    const found = jsonProblem(extras[key], `${where}.${key}`);
    if (found) throw new InvalidArgumentError(found.path, found.problem);
  }
}

/**
 * Builds a valid message: fills in the id and defaults, checks every field, and copies dates so
 * later changes to the caller's objects do not leak in. The caller's object is never modified.
 *
 * @throws InvalidArgumentError naming the field, for a bad id, priority, date, attempts count,
 *   reserved extra key, or a payload that is not a JSON value.
 *
 * @example
 * ```ts
 * const msg = createMessage({ requestType: "send_email", payload: { to: "a@example.com" }, priority: 10 });
 * ```
 */
export function createMessage<P = unknown>(init: MessageInit<P> = {}, now: number = Date.now()): Message<P> {
  // A generated id matches the pattern by construction: only a given one is checked.
  const id = init.id ?? newMessageId();
  if (init.id !== undefined && (typeof id !== "string" || !isValidMessageId(id))) {
    throw new InvalidArgumentError("id", `must match ${String(MESSAGE_ID_PATTERN)}, got ${JSON.stringify(id)}`);
  }
  if (init.requestType !== undefined && (typeof init.requestType !== "string" || init.requestType.length === 0)) {
    throw new InvalidArgumentError("requestType", "must be a non-empty string");
  }
  const attempts = init.attempts ?? 0;
  if (!Number.isSafeInteger(attempts) || attempts < 0) {
    throw new InvalidArgumentError("attempts", `must be a non-negative integer, got ${String(attempts)}`);
  }
  // The walk that names the problem builds a path per value; it runs only once one is known to be wrong.
  if (init.payload !== undefined && !isJsonValue(init.payload)) {
    const found = jsonProblem(init.payload, "payload");
    if (found) throw new InvalidArgumentError(found.path, found.problem);
  }
  checkExtras(init.header, "header");
  checkExtras(init.body, "body");

  const delay = pickDate(init.delay, init.delayMs, DELAY_NAMES, now);
  const expiration = pickDate(init.expiration, init.expiresInMs, EXPIRATION_NAMES, now);
  const header: Record<string, unknown> = {
    ...init.header,
    priority: normalizePriority(init.priority ?? DEFAULT_PRIORITY),
    attempts,
  };
  if (init.requestType !== undefined) header.requestType = init.requestType;
  if (delay !== undefined) header.delay = delay;
  if (expiration !== undefined) header.expiration = expiration;
  const body: Record<string, unknown> = { ...init.body };
  if (init.payload !== undefined) body.payload = init.payload;
  return { id, header: header as MessageHeader, body };
}

/** The changes an adapter may make to a message's header when handing it out again. */
export interface HeaderUpdate {
  readonly priority?: number;
  readonly attempts?: number;
  /** `null` removes the delay. */
  readonly delay?: Date | null;
}

/** Returns a copy of the message with some header fields replaced; the original is not touched. */
export function withHeader<P>(message: Message<P>, update: HeaderUpdate): Message<P> {
  const header: Record<string, unknown> = { ...message.header };
  if (update.priority !== undefined) header.priority = normalizePriority(update.priority);
  if (update.attempts !== undefined) header.attempts = update.attempts;
  if (update.delay === null) delete header.delay;
  else if (update.delay !== undefined) header.delay = update.delay;
  return { id: message.id, header: header as MessageHeader, body: message.body };
}

/** Turns a message back into an init (for re-enqueueing elsewhere, e.g. moving between queues). */
export function toMessageInit<P>(message: Message<P>): MessageInit<P> {
  const { requestType, priority, delay, expiration, attempts, ...headerExtras } = message.header;
  const { payload, ...bodyExtras } = message.body;
  return {
    id: message.id,
    priority,
    attempts,
    ...(requestType === undefined ? {} : { requestType }),
    ...(payload === undefined ? {} : { payload }),
    ...(delay === undefined ? {} : { delay }),
    ...(expiration === undefined ? {} : { expiration }),
    header: headerExtras,
    body: bodyExtras,
  };
}
