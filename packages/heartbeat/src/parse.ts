/**
 * Reading heartbeats from untrusted subjects and payloads, as a subscriber receives them. The
 * `read*` functions return a reason instead of throwing, because the monitor's hot path must not
 * pay for exceptions; {@link parseHeartbeat} is the throwing wrapper for everyone else.
 */
import { InvalidHeartbeatError } from "./errors.js";
import { HEARTBEAT_SUBJECT_PREFIX, type Heartbeat, type HeartbeatKind, MAX_SUBJECT_BYTES, processNameProblem } from "./protocol.js";

/** Longest payload accepted; `degraded/` plus any shortest-form double is far below it. */
export const MAX_PAYLOAD_BYTES = 64;

/** A rejected input, with the reason. Allocated only on the error path. */
export interface Rejection {
  readonly reason: string;
}

/** Where {@link readPayload} writes what it read, so the hot path allocates nothing. */
export interface PayloadFields {
  kind: HeartbeatKind;
  seconds: number;
}

const PREFIX_LENGTH = HEARTBEAT_SUBJECT_PREFIX.length;
const PREFIX_CODES = Array.from(HEARTBEAT_SUBJECT_PREFIX, (c) => c.charCodeAt(0));
// ignoreBOM: a U+FEFF right after the prefix is part of the name (and rejected by the name rules),
// not a byte-order mark to drop; dropping it would make the bytes name another process.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The process named by a heartbeat subject (not yet validated as a name), or why there is none. */
export function readSubject(subject: unknown): string | Rejection {
  if (typeof subject === "string") {
    if (subject.length > MAX_SUBJECT_BYTES) return { reason: `subject is longer than ${MAX_SUBJECT_BYTES} characters` };
    if (!subject.startsWith(HEARTBEAT_SUBJECT_PREFIX)) return { reason: `subject does not start with "${HEARTBEAT_SUBJECT_PREFIX}"` };
    return subject.slice(PREFIX_LENGTH);
  }
  if (!(subject instanceof Uint8Array)) return { reason: "subject is neither a string nor bytes" };
  if (subject.length > MAX_SUBJECT_BYTES) return { reason: `subject is longer than ${MAX_SUBJECT_BYTES} bytes` };
  for (let i = 0; i < PREFIX_LENGTH; i++) {
    if (subject[i] !== PREFIX_CODES[i]) return { reason: `subject does not start with "${HEARTBEAT_SUBJECT_PREFIX}"` };
  }
  return decodeText(subject, PREFIX_LENGTH) ?? { reason: "subject is not valid UTF-8" };
}

/**
 * Reads a payload into `out`; returns a reason when it is not `start/<n>`, `beat/<n>`,
 * `degraded/<n>` or `stop` with `n` a finite decimal number > 0. Works on the characters or
 * bytes directly (the payload is ASCII when valid), so the common case allocates nothing.
 */
export function readPayload(payload: unknown, out: PayloadFields): string | undefined {
  let length: number;
  if (typeof payload === "string") length = payload.length;
  else if (payload instanceof Uint8Array) length = payload.length;
  else return "payload is neither a string nor bytes";
  if (length > MAX_PAYLOAD_BYTES) return `payload is longer than ${MAX_PAYLOAD_BYTES} bytes`;
  const text = payload;
  const code = typeof text === "string" ? (i: number) => text.charCodeAt(i) : (i: number) => text[i] ?? Number.NaN;
  let kind: HeartbeatKind;
  if (matches(code, length, "beat/")) kind = "beat";
  else if (matches(code, length, "degraded/")) kind = "degraded";
  else if (matches(code, length, "start/")) kind = "start";
  else if (length === 4 && matches(code, length, "stop")) {
    out.kind = "stop";
    out.seconds = 0;
    return undefined;
  } else return `payload ${describePayload(payload)} is not start/<seconds>, beat/<seconds>, degraded/<seconds> or stop`;
  const start = kind.length + 1;
  const seconds = readSeconds(code, start, length);
  if (Number.isNaN(seconds)) return `payload ${describePayload(payload)}: seconds are not a decimal number`;
  if (!(seconds > 0) || !Number.isFinite(seconds)) return `payload ${describePayload(payload)}: seconds must be finite and > 0`;
  out.kind = kind;
  out.seconds = seconds;
  return undefined;
}

/** Parses one heartbeat; throws {@link InvalidHeartbeatError} with the reason when it is not one. */
export function parseHeartbeat(subject: string | Uint8Array, payload: string | Uint8Array): Heartbeat {
  const process = readSubject(subject);
  if (typeof process !== "string") throw new InvalidHeartbeatError(process.reason);
  const problem = processNameProblem(process);
  if (problem !== undefined) throw new InvalidHeartbeatError(`process name ${JSON.stringify(process)} ${problem}`);
  const fields: PayloadFields = { kind: "stop", seconds: 0 };
  const reason = readPayload(payload, fields);
  if (reason !== undefined) throw new InvalidHeartbeatError(reason);
  return fields.kind === "stop" ? { process, kind: "stop" } : { process, kind: fields.kind, seconds: fields.seconds };
}

/** Whether the characters start with `prefix`. */
function matches(code: (i: number) => number, length: number, prefix: string): boolean {
  if (length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (code(i) !== prefix.charCodeAt(i)) return false;
  return true;
}

/**
 * The number in characters `start..length`: digits, an optional fraction, an optional exponent
 * (what `String(n)` and Python's `str()` write); NaN when it is not one. Plain integers are
 * computed directly; the rest goes through `Number()` once the grammar is checked.
 */
function readSeconds(code: (i: number) => number, start: number, length: number): number {
  let i = start;
  let integer = 0;
  while (i < length) {
    const c = code(i);
    if (c < 0x30 || c > 0x39) break;
    integer = integer * 10 + (c - 0x30);
    i++;
  }
  if (i === start) return Number.NaN;
  if (i === length && i - start <= 15) return integer;
  const digits = (): boolean => {
    const from = i;
    while (i < length) {
      const c = code(i);
      if (c < 0x30 || c > 0x39) break;
      i++;
    }
    return i > from;
  };
  if (code(i) === 0x2e /* . */) {
    i++;
    if (!digits()) return Number.NaN;
  }
  const e = code(i);
  if (e === 0x65 || e === 0x45 /* e E */) {
    i++;
    const sign = code(i);
    if (sign === 0x2b || sign === 0x2d /* + - */) i++;
    if (!digits()) return Number.NaN;
  }
  if (i !== length) return Number.NaN;
  let text = "";
  for (let j = start; j < length; j++) text += String.fromCharCode(code(j));
  return Number(text);
}

/** A short printable form of a payload for a reason text. */
function describePayload(payload: string | Uint8Array): string {
  const text = typeof payload === "string" ? payload : (decodeText(payload, 0) ?? "<invalid UTF-8>");
  return JSON.stringify(text);
}

/** Text of `bytes` from `start`; ASCII without a decoder call, UTF-8 otherwise; undefined when invalid. */
function decodeText(bytes: Uint8Array, start: number): string | undefined {
  let text = "";
  for (let i = start; i < bytes.length; i++) {
    const c = bytes[i] ?? 0;
    if (c >= 0x80) {
      try {
        return utf8.decode(bytes.subarray(start));
      } catch {
        return undefined;
      }
    }
    text += String.fromCharCode(c);
  }
  return text;
}
