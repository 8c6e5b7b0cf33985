/**
 * The beatit wire convention: subject `heartbeat.<process>`, payloads `start/<warmup>`,
 * `beat/<period>`, `degraded/<period>` and `stop`, numbers in seconds.
 */
import { InvalidArgumentError } from "./errors.js";

/** Every heartbeat subject starts with this. Subscribe to `heartbeat.>` to receive them all. */
export const HEARTBEAT_SUBJECT_PREFIX = "heartbeat.";

/**
 * Longest subject, in UTF-8 bytes, that a heart publishes on or a monitor accepts (NATS subjects
 * have no hard limit, but a name this long is a mistake).
 */
export const MAX_SUBJECT_BYTES = 1024;

/** The four kinds of heartbeat. */
export type HeartbeatKind = "start" | "beat" | "degraded" | "stop";

/** A parsed heartbeat. `seconds` is the warmup (start) or period (beat, degraded); absent for stop. */
export type Heartbeat =
  | {
      /** The process name. */
      readonly process: string;
      /** What the process said. */
      readonly kind: "start" | "beat" | "degraded";
      /** Warmup (start) or period (beat, degraded), in seconds. */
      readonly seconds: number;
    }
  | {
      /** The process name. */
      readonly process: string;
      /** The process stopped gracefully. */
      readonly kind: "stop";
    };

/**
 * Why a process name is not valid, or `undefined` when it is. Valid names are non-empty
 * `.`-separated tokens; a token is non-empty and has no whitespace, `*` or `>` (NATS wildcards:
 * a heart named `a.*` would publish on a subject nobody can address on its own). The subject
 * `heartbeat.<name>` must fit in {@link MAX_SUBJECT_BYTES}, so that what a heart may send, a
 * monitor accepts.
 */
export function processNameProblem(name: string): string | undefined {
  if (name.length === 0) return "must not be empty";
  if (utf8Length(name) > MAX_SUBJECT_BYTES - HEARTBEAT_SUBJECT_PREFIX.length) {
    return `must be at most ${MAX_SUBJECT_BYTES - HEARTBEAT_SUBJECT_PREFIX.length} bytes of UTF-8`;
  }
  if (/[*>]/.test(name)) return "must not contain the wildcards * or >";
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is rejected
  if (/[\s\x00-\x1f\x7f]/.test(name)) return "must not contain whitespace or control characters";
  if (name.startsWith(".") || name.endsWith(".") || name.includes("..")) return "must not contain an empty token";
  return undefined;
}

/** Throws an {@link InvalidArgumentError} naming `argument` unless `value` is a valid process name. */
export function assertProcessName(value: unknown, argument = "process"): asserts value is string {
  if (typeof value !== "string") throw new InvalidArgumentError(argument, value, "must be a string");
  const problem = processNameProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(argument, value, problem);
}

/**
 * A number in its shortest round-trip form: `60`, `0.5`, `1e-7`. JavaScript cannot tell `60`
 * from `60.0`, so beatit's Python `60.0` is written `60`.
 */
export function formatSeconds(seconds: number): string {
  return String(seconds);
}

/** The payload text of a heartbeat. */
export function payloadText(kind: HeartbeatKind, seconds?: number): string {
  return kind === "stop" || seconds === undefined ? "stop" : `${kind}/${formatSeconds(seconds)}`;
}

/** The length of a string in UTF-8 bytes, without encoding it. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      // A surrogate pair is one code point of four bytes.
      bytes += 4;
      i++;
    } else bytes += 3; // lone surrogates are encoded as U+FFFD, three bytes
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** UTF-8 bytes of an ASCII string, without a TextEncoder round trip. */
export function asciiBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
