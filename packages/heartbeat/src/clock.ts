import { InvalidArgumentError } from "./errors.js";

/**
 * A monotonic clock: milliseconds from an arbitrary origin, never going backwards. Inject one
 * for deterministic tests; wall-clock time (`Date.now`) is a poor choice because it jumps.
 */
export type Clock = () => number;

/**
 * The default clock, `performance.now()`. It is read through a wrapper on every call, so fake
 * timers installed after construction (`vi.useFakeTimers()`) still apply.
 */
export const monotonicClock: Clock = () => performance.now();

/** Returns the clock option or the default, rejecting anything that is not a function. */
export function clockOption(value: unknown, argument = "clock"): Clock {
  if (value === undefined) return monotonicClock;
  if (typeof value !== "function") throw new InvalidArgumentError(argument, value, "must be a function returning milliseconds");
  return value as Clock;
}
