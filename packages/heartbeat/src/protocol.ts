/**
 * The beatit wire convention: subject `heartbeat.<process>`, payloads `start/<warmup>`,
 * `beat/<period>`, `degraded/<period>` and `stop`, numbers in seconds.
 */
import { InvalidOptionError } from "@x/core";
import { InvalidProcessNameError } from "./errors.js";

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
 * Characters a process name must not contain, by what is wrong with them: a name is printed in
 * logs and dashboards and compared byte for byte, so nothing in it may be invisible, move the
 * cursor, or change when encoded.
 * - whitespace: tab, line breaks and every Unicode separator (spaces, U+2028, U+2029);
 * - control characters: Unicode `Cc` (U+0000-U+001F, U+007F-U+009F, including U+0085);
 * - invisible format characters: Unicode `Cf` (zero-width space and joiners, U+FEFF, bidi overrides);
 * - lone surrogates: UTF-8 cannot encode them (a heart would send U+FFFD, another name).
 */
const FORBIDDEN_CHARACTERS: readonly (readonly [RegExp, string])[] = [
  [/[\t\n\v\f\r\p{Z}]/u, "whitespace"],
  [/\p{Cc}/u, "control characters"],
  [/\p{Cf}/u, "invisible format characters"],
];
const LONE_SURROGATE = /\p{Cs}/u;
// Covers all of `\s` too: its members are separators, control characters or U+FEFF (format).
const ANY_FORBIDDEN = /[\p{Z}\p{Cc}\p{Cf}\p{Cs}]/u;

/**
 * Why a process name is not valid, or `undefined` when it is. Valid names are non-empty
 * `.`-separated tokens; a token is non-empty and has no whitespace, control or invisible format
 * characters, lone surrogates, `*` or `>` (NATS wildcards: a heart named `a.*` would publish on a
 * subject nobody can address on its own). The subject `heartbeat.<name>` must fit in
 * {@link MAX_SUBJECT_BYTES}, so that what a heart may send, a monitor accepts.
 */
export function processNameProblem(name: string): string | undefined {
  if (name.length === 0) return "must not be empty";
  if (utf8Length(name) > MAX_SUBJECT_BYTES - HEARTBEAT_SUBJECT_PREFIX.length) {
    return `must be at most ${MAX_SUBJECT_BYTES - HEARTBEAT_SUBJECT_PREFIX.length} bytes of UTF-8`;
  }
  if (/[*>]/.test(name)) return "must not contain the wildcards * or >";
  if (ANY_FORBIDDEN.test(name)) return forbiddenCharacterProblem(name);
  if (name.startsWith(".") || name.endsWith(".") || name.includes("..")) return "must not contain an empty token";
  return undefined;
}

/** Names the first forbidden character of `name` and what is wrong with it (the rare path). */
function forbiddenCharacterProblem(name: string): string {
  for (const character of name) {
    const code = `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
    if (LONE_SURROGATE.test(character)) return `must not contain a lone surrogate (${code}): it cannot be encoded as UTF-8`;
    for (const [pattern, what] of FORBIDDEN_CHARACTERS) {
      if (pattern.test(character)) return `must not contain ${what} (${code})`;
    }
  }
  return "must not contain whitespace, control or format characters";
}

/**
 * Throws unless `value` is a valid process name: {@link InvalidOptionError} when it is not a
 * string at all, {@link InvalidProcessNameError} when it breaks the name rules.
 */
export function assertProcessName(value: unknown): asserts value is string {
  if (typeof value !== "string") throw new InvalidOptionError("process", value, "must be a string");
  const problem = processNameProblem(value);
  if (problem !== undefined) throw new InvalidProcessNameError(value, problem);
}

/**
 * The payload text of a heartbeat. Seconds are written in their shortest round-trip form
 * (`60`, `0.5`, `1e-7`): JavaScript cannot tell `60` from `60.0`, so beatit's Python `60.0` is
 * written `60`.
 */
export function payloadText(kind: HeartbeatKind, seconds?: number): string {
  return kind === "stop" || seconds === undefined ? "stop" : `${kind}/${String(seconds)}`;
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
