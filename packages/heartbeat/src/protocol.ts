/**
 * The beatit wire convention: subject `heartbeat.<process>`, payloads `start/<warmup>`,
 * `beat/<period>`, `degraded/<period>` and `stop`, numbers in seconds.
 */
import { InvalidArgumentError } from "./errors.js";

/** Every heartbeat subject starts with this. Subscribe to `heartbeat.>` to receive them all. */
export const HEARTBEAT_SUBJECT_PREFIX = "heartbeat.";

/** The four kinds of heartbeat. */
export type HeartbeatKind = "start" | "beat" | "degraded" | "stop";

/** A parsed heartbeat. `seconds` is the warmup (start) or period (beat, degraded); absent for stop. */
export type Heartbeat =
  | { readonly process: string; readonly kind: "start" | "beat" | "degraded"; readonly seconds: number }
  | { readonly process: string; readonly kind: "stop" };

/**
 * Why a process name is not valid, or `undefined` when it is. Valid names are non-empty
 * `.`-separated tokens; a token is non-empty and has no whitespace, `*` or `>` (NATS wildcards:
 * a heart named `a.*` would publish on a subject nobody can address on its own).
 */
export function processNameProblem(name: string): string | undefined {
  if (name.length === 0) return "must not be empty";
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

/** Throws an {@link InvalidArgumentError} naming `argument` unless `value` is a finite number > 0. */
export function assertPositiveSeconds(value: unknown, argument: string): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(argument, value, "must be a finite number > 0 (seconds)");
  }
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

/** UTF-8 bytes of an ASCII string, without a TextEncoder round trip. */
export function asciiBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
