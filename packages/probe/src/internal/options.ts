import { InvalidOptionError } from "@x/core";

/** `value` if it is a number >= `min` (finite unless `allowInfinity`), the default when undefined; otherwise throws naming the option. */
export function numberOption(option: string, value: unknown, fallback: number, min = 0, allowInfinity = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < min || (!allowInfinity && !Number.isFinite(value))) {
    throw new InvalidOptionError(option, value, `must be a number >= ${min}`);
  }
  return value;
}

/** `value` if it is an integer >= `min`, the default when undefined; otherwise throws naming the option. */
export function integerOption(option: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError(option, value, `must be an integer >= ${min}`);
  }
  return value;
}

/** `value` if it is a string (non-empty unless allowed), the default when undefined. */
export function stringOption(option: string, value: unknown, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== "string" || value === "") throw new InvalidOptionError(option, value, `must be a non-empty string`);
  return value;
}

/** `value` if it is a function, the default when undefined. */
export function functionOption<F>(option: string, value: unknown, fallback: F): F {
  if (value === undefined) return fallback;
  if (typeof value !== "function") throw new InvalidOptionError(option, value, `must be a function`);
  return value as F;
}

/** `value` if it is one of `allowed`, the default when undefined. */
export function enumOption<T extends string>(option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(option, value, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
  }
  return value as T;
}

/** `value` if it is a boolean, the default when undefined. */
export function booleanOption(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new InvalidOptionError(option, value, `must be true or false`);
  return value;
}

/** A TCP or UDP port number (1-65535), or throws naming the option. */
export function portOption(option: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65_535) {
    throw new InvalidOptionError(option, value, `must be a port number 1-65535`);
  }
  return value;
}

/** A copy of a string-to-string record (`{}` when undefined), or throws naming the option. */
export function stringRecordOption(option: string, value: unknown): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(option, value, `must be an object of strings`);
  }
  const copy: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") throw new InvalidOptionError(`${option}.${key}`, item, `must be a string`);
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
