import { InvalidOptionError } from "./errors.js";

/**
 * Rejects an options object with a key the factory does not know, naming the valid ones, so a
 * typo (`concurency`) or an option from another library (`limiter`) fails at once instead of
 * being ignored. `undefined` and `{}` pass.
 */
export function checkOptionKeys(options: unknown, known: readonly string[], factory: string): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidOptionError("options", options, `of ${factory}() must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new InvalidOptionError(key, undefined, `is not an option of ${factory}(); valid options: ${[...known].sort().join(", ")}`);
    }
  }
}

/** Bounds for {@link durationMsOption}. */
export interface DurationBounds {
  /** Smallest accepted value. @default 0 */
  readonly min?: number;
  /** Largest accepted value. @default Infinity */
  readonly max?: number;
  /** Accept `Infinity` (for "never"). @default false */
  readonly infinite?: boolean;
}

/** A duration option in milliseconds: a finite number within bounds, or the default when absent. */
export function durationMsOption(option: string, value: unknown, fallback: number, bounds: DurationBounds = {}): number {
  if (value === undefined) return fallback;
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.POSITIVE_INFINITY;
  if (typeof value !== "number" || Number.isNaN(value)) throw new InvalidOptionError(option, value, "must be a number of milliseconds");
  if (value === Number.POSITIVE_INFINITY && bounds.infinite === true) return value;
  if (!Number.isFinite(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `between ${min} and ${max}`;
    throw new InvalidOptionError(option, value, `must be a finite number of milliseconds ${range}`);
  }
  return value;
}

/** An integer option within bounds, or the default when absent. */
export function integerOption(option: string, value: unknown, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(option, value, `must be an integer between ${min} and ${max}`);
  }
  return value;
}
