import { InvalidOptionError } from "@x/core";

/**
 * Stream limits of an event (walnats' `Limits`). Every field is optional; a missing field means
 * the server's default (unlimited). Durations are milliseconds.
 */
export interface Limits {
  /** Maximum age of a stored event in milliseconds (`max_age`). @default unlimited */
  readonly ageMs?: number;
  /** Maximum number of consumers (actors) on the stream (`max_consumers`). Cannot be changed later. @default unlimited */
  readonly consumers?: number;
  /** Maximum number of stored events (`max_msgs`). @default unlimited */
  readonly messages?: number;
  /** Maximum total size of the stream in bytes (`max_bytes`). @default unlimited */
  readonly bytes?: number;
  /** Maximum size of one event in bytes (`max_msg_size`). @default the server's max payload */
  readonly messageSize?: number;
}

/**
 * Ages of 10^12 ms (~31 years) and more are almost surely micro- or nanoseconds passed by
 * mistake: walnats' WNS012 ("age must be in seconds") in milliseconds.
 */
export const MAX_AGE_MS = 1e12;

const LIMIT_KEYS = ["ageMs", "consumers", "messages", "bytes", "messageSize"] as const;

/** Validates limits (WNS011: every limit positive; WNS012: `ageMs` below {@link MAX_AGE_MS}) and returns a frozen copy. */
export function validateLimits(limits: Limits | undefined): Limits {
  if (limits === undefined) return Object.freeze({});
  const raw: unknown = limits;
  if (typeof raw !== "object" || raw === null) throw new InvalidOptionError("limits", raw, "must be an object");
  for (const key of Object.keys(limits)) {
    if (!(LIMIT_KEYS as readonly string[]).includes(key)) {
      throw new InvalidOptionError(`limits.${key}`, undefined, `is not a limit; valid limits: ${[...LIMIT_KEYS].sort().join(", ")}`);
    }
  }
  const copy: Record<string, number> = {};
  for (const key of LIMIT_KEYS) {
    const value = limits[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new InvalidOptionError(`limits.${key}`, value, "must be a positive number (WNS011)");
    }
    if (key !== "ageMs" && !Number.isInteger(value)) throw new InvalidOptionError(`limits.${key}`, value, "must be an integer");
    copy[key] = value;
  }
  if (limits.ageMs !== undefined && limits.ageMs >= MAX_AGE_MS) {
    throw new InvalidOptionError("limits.ageMs", limits.ageMs, `must be in milliseconds and below ${MAX_AGE_MS} (WNS012)`);
  }
  return Object.freeze(copy as Limits);
}
