import type { Clock } from "../clock.js";
import { InvalidOptionError } from "../errors.js";
import type { Logger } from "../logger.js";

/** `value` if it is a number >= `min` (finite unless `allowInfinity`), the default when undefined; otherwise throws naming the option. */
export function numberOption(option: string, value: unknown, fallback: number, min = 0, allowInfinity = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < min || (!allowInfinity && !Number.isFinite(value))) {
    throw new InvalidOptionError(option, `must be a number >= ${min}, got ${describe(value)}`);
  }
  return value;
}

/** `value` if it is an integer >= `min`, the default when undefined; otherwise throws naming the option. */
export function integerOption(option: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError(option, `must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

/** `value` if it is a string (non-empty unless allowed), the default when undefined. */
export function stringOption(option: string, value: unknown, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== "string" || value === "") throw new InvalidOptionError(option, `must be a non-empty string, got ${describe(value)}`);
  return value;
}

/** `value` if it is a function, the default when undefined. */
export function functionOption<F>(option: string, value: unknown, fallback: F): F {
  if (value === undefined) return fallback;
  if (typeof value !== "function") throw new InvalidOptionError(option, `must be a function, got ${describe(value)}`);
  return value as F;
}

/** `value` if it is one of `allowed`, the default when undefined. */
export function enumOption<T extends string>(option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(option, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${describe(value)}`);
  }
  return value as T;
}

/** `value` if it is a boolean, the default when undefined. */
export function booleanOption(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new InvalidOptionError(option, `must be true or false, got ${describe(value)}`);
  return value;
}

/** A TCP or UDP port number (1-65535), or throws naming the option. */
export function portOption(option: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65_535) {
    throw new InvalidOptionError(option, `must be a port number 1-65535, got ${describe(value)}`);
  }
  return value;
}

/** `value` if it has every method in `methods`, the default when undefined. */
function objectWith<T>(option: string, value: unknown, methods: readonly string[], fallback: T): T {
  if (value === undefined) return fallback;
  const missing = typeof value === "object" && value !== null ? methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== "function") : methods;
  if (missing.length > 0) throw new InvalidOptionError(option, `must be an object with ${methods.map((m) => `${m}()`).join(", ")}; ${describe(value)} lacks ${missing.join(", ")}`);
  return value as T;
}

/** A `{ debug, info, warn, error }` logger, the default when undefined. */
export function loggerOption(option: string, value: unknown, fallback: Logger): Logger {
  return objectWith(option, value, ["debug", "info", "warn", "error"], fallback);
}

/** A `{ now, setTimeout, clearTimeout }` clock, the default when undefined. */
export function clockOption(option: string, value: unknown, fallback: Clock): Clock {
  return objectWith(option, value, ["now", "setTimeout", "clearTimeout"], fallback);
}

/** A copy of a string-to-string record (`{}` when undefined), or throws naming the option. */
export function stringRecordOption(option: string, value: unknown): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(option, `must be an object of strings, got ${describe(value)}`);
  }
  const copy: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") throw new InvalidOptionError(`${option}.${key}`, `must be a string, got ${describe(item)}`);
    Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "a list";
  if (value === null || typeof value !== "object") return String(value);
  return "an object";
}
