import { InvalidOptionError } from "@x/core";
import { type CloudEvent, cloudEventHeaders, isCloudEvent } from "./cloud-event.js";

/** JetStream's de-duplication header, set from `emit`'s `uid`. */
export const HEADER_MSG_ID = "Nats-Msg-Id";
/** The trace id header, set from `emit`'s `traceId` (the same header walnats uses). */
export const HEADER_TRACE = "Walnats-Trace";
/**
 * Not-before time of a delayed event, in integer epoch milliseconds. walnats sends float seconds
 * under `Walnats-Delay`, computed from a clock that reads UTC as local time, so publisher and actor
 * in different time zones disagree; a different name keeps the two from misreading each other.
 */
export const HEADER_DELAY_UNTIL = "Walnats-Delay-Until";
/**
 * walnats' own delay header: the not-before time as float epoch seconds (Python's `str(float)`,
 * e.g. `1733436000.123`). Written next to {@link HEADER_DELAY_UNTIL} so a walnats actor delays our
 * events too, and read when an event carries only this one (a walnats publisher).
 */
export const HEADER_WALNATS_DELAY = "Walnats-Delay";
/** walnats' request/reply header: the inbox the actor publishes its handler's result to. */
export const HEADER_REPLY = "Walnats-Reply";

/** Header names that `meta` may not set, because emit's own options own them. */
const RESERVED = new Set([HEADER_MSG_ID, HEADER_TRACE, HEADER_DELAY_UNTIL, HEADER_WALNATS_DELAY, HEADER_REPLY].map((h) => h.toLowerCase()));
const KEY = /^[!-9;-~]+$/; // printable ASCII without ':' (RFC 7230 field-name, as NATS expects)

/** The options of `emit` that become headers. */
export interface HeaderInput {
  readonly uid?: string | undefined;
  readonly traceId?: string | undefined;
  readonly delayUntilEpochMs?: number | undefined;
  readonly meta?: Readonly<Record<string, string>> | CloudEvent | undefined;
  /** The inbox of a request (walnats' `Walnats-Reply`). */
  readonly replyTo?: string | undefined;
}

const checkValue = (option: string, value: unknown): string => {
  if (typeof value !== "string") throw new InvalidOptionError(option, value, "must be a string");
  if (/[\r\n]/.test(value)) throw new InvalidOptionError(option, value, "must not contain line breaks");
  return value;
};

/**
 * Builds the headers of an emitted event in walnats' order: `meta` (a record copied, or a
 * CloudEvent as `ce-*`), then `uid` (or the CloudEvent id) as `Nats-Msg-Id`, the trace id, the
 * delay (in our format and in walnats') and the reply inbox. Returns `undefined` when there are none, so the message carries no headers at all.
 */
export function buildHeaders(input: HeaderInput): Record<string, string> | undefined {
  if (
    input.meta === undefined &&
    input.uid === undefined &&
    input.traceId === undefined &&
    input.delayUntilEpochMs === undefined &&
    input.replyTo === undefined
  )
    return undefined;
  const headers: Record<string, string> = {};
  const { meta } = input;
  if (isCloudEvent(meta)) {
    Object.assign(headers, cloudEventHeaders(meta));
  } else if (meta !== undefined) {
    const raw: unknown = meta;
    if (typeof raw !== "object" || raw === null) throw new InvalidOptionError("meta", raw, "must be a record of strings or a CloudEvent");
    for (const [key, value] of Object.entries(meta)) {
      if (!KEY.test(key)) throw new InvalidOptionError(`meta.${key}`, undefined, "is not a valid header name");
      if (RESERVED.has(key.toLowerCase())) throw new InvalidOptionError(`meta.${key}`, undefined, "is set by emit's own options");
      headers[key] = checkValue(`meta.${key}`, value);
    }
  }
  const uid = input.uid ?? (isCloudEvent(meta) ? meta.id : undefined);
  if (uid !== undefined) {
    if (checkValue("uid", uid) === "") throw new InvalidOptionError("uid", uid, "must not be empty");
    headers[HEADER_MSG_ID] = uid;
  }
  if (input.traceId !== undefined) headers[HEADER_TRACE] = checkValue("traceId", input.traceId);
  if (input.delayUntilEpochMs !== undefined) {
    const ms = Math.round(input.delayUntilEpochMs);
    headers[HEADER_DELAY_UNTIL] = String(ms);
    headers[HEADER_WALNATS_DELAY] = walnatsDelayValue(ms);
  }
  if (input.replyTo !== undefined) headers[HEADER_REPLY] = input.replyTo;
  return Object.keys(headers).length === 0 ? undefined : headers;
}

/**
 * The longest delay an event may have, in ms (about 285 years): the server takes a delay in
 * nanoseconds as a 64-bit integer, and a longer one would be misread as "no delay" and
 * redelivered at once, over and over.
 */
export const MAX_DELAY_MS = 9_000_000_000_000;

const EPOCH_MS = /^\d{1,16}$/;

/**
 * Parses the delay header: integer epoch milliseconds, as `emit` writes them. A value that is
 * not (a foreign publisher's `"soon"`, `"1e300"`) or lies more than {@link MAX_DELAY_MS} ahead
 * of `now` is ignored: the event runs without a delay rather than bouncing forever.
 */
export function parseDelayUntil(value: string | undefined, now: number): number | undefined {
  if (value === undefined || !EPOCH_MS.test(value)) return undefined;
  const ms = Number(value);
  return ms - now > MAX_DELAY_MS ? undefined : ms;
}

/** Epoch ms as walnats writes a delay: float seconds, here always with three decimals. */
export function walnatsDelayValue(epochMs: number): string {
  return (epochMs / 1_000).toFixed(3);
}

// Python's str(float) of epoch seconds: digits, an optional fraction; no exponent below 1e16.
const EPOCH_SECONDS = /^\d{1,12}(\.\d{1,17})?$/;

/**
 * Parses walnats' `Walnats-Delay` (float epoch seconds) into epoch ms, with the same rule as
 * {@link parseDelayUntil}: anything else, or more than {@link MAX_DELAY_MS} ahead, is ignored.
 */
export function parseWalnatsDelay(value: string | undefined, now: number): number | undefined {
  if (value === undefined || !EPOCH_SECONDS.test(value)) return undefined;
  const ms = Math.round(Number(value) * 1_000);
  return ms - now > MAX_DELAY_MS ? undefined : ms;
}

/**
 * The not-before time of a delivered event: our `Walnats-Delay-Until` when present (exact, and
 * what our emits always carry), else walnats' `Walnats-Delay`.
 */
export function delayUntilOf(headers: Readonly<Record<string, string>>, now: number): number | undefined {
  const ours = headers[HEADER_DELAY_UNTIL];
  if (ours !== undefined) return parseDelayUntil(ours, now);
  return parseWalnatsDelay(headers[HEADER_WALNATS_DELAY], now);
}
