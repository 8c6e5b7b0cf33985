/**
 * Up-front checks of options and arguments. Each throws an {@link InvalidArgumentError} that
 * names the option and shows the value, so JavaScript callers (and `as` casts) get a typed error
 * instead of a `TypeError` from deep inside.
 */
import { InvalidArgumentError } from "./errors.js";

/** Throws unless `value` is an object (an options object, or a method's argument object). */
export function assertObject(value: unknown, argument: string): asserts value is object {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(argument, value, "must be an object");
  }
}

/** Throws unless `value` is a finite number > 0 (a warmup, period or interval in seconds). */
export function assertPositiveSeconds(value: unknown, argument: string): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(argument, value, "must be a finite number > 0 (seconds)");
  }
}

/** `value`, or `fallback` when it is undefined; throws unless it is a finite number >= `min`. */
export function numberAtLeast(value: unknown, fallback: number, min: number, argument: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new InvalidArgumentError(argument, value, `must be a finite number >= ${min}`);
  }
  return value;
}

/** `value`, or `fallback` when it is undefined; throws unless it is a whole number >= 1. */
export function positiveInteger(value: unknown, fallback: number, argument: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(argument, value, "must be a whole number >= 1");
  }
  return value;
}

/** `value`, or `fallback` when it is undefined; throws unless it is a number >= 0 (Infinity allowed). */
export function durationMs(value: unknown, fallback: number, argument: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new InvalidArgumentError(argument, value, "must be a number >= 0 or Infinity (milliseconds)");
  }
  return value;
}

/** Throws unless `value` is undefined or a function (an optional callback). */
export function assertOptionalFunction(value: unknown, argument: string): void {
  if (value !== undefined && typeof value !== "function") throw new InvalidArgumentError(argument, value, "must be a function");
}
