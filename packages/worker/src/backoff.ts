import { InvalidOptionError } from "@x/core";
import type { Message } from "@x/message";

/** What a custom backoff function is told about the failure it schedules a retry for. */
export interface BackoffContext {
  /** The attempt that just failed, 1-based: 1 after the first run failed. */
  readonly attempt: number;
  /** What the handler threw. */
  readonly error: unknown;
  readonly message: Message;
}

/** The same delay after every failure. */
export interface FixedBackoff {
  readonly type: "fixed";
  /** Milliseconds to wait before the job is ready again. */
  readonly delayMs: number;
}

/**
 * `delayMs * factor^(attempt-1)`, capped at `maxDelayMs`, then shortened by up to `jitter` of itself
 * at random so that jobs that failed together do not all come back together.
 */
export interface ExponentialBackoff {
  readonly type: "exponential";
  /** Delay after the first failure, in milliseconds. */
  readonly delayMs: number;
  /** Growth per failure. @default 2 */
  readonly factor?: number;
  /** Upper bound of the delay, in milliseconds. @default 300_000 (5 minutes) */
  readonly maxDelayMs?: number;
  /** Fraction (0..1) of the delay that is randomised away: 0.2 gives 80..100 % of it. @default 0.2 */
  readonly jitter?: number;
}

/** Explicit delays: after failure #k, `delaysMs[k-1]`; the last one repeats. */
export interface ListBackoff {
  readonly type: "list";
  /** At least one delay, in milliseconds. */
  readonly delaysMs: readonly number[];
}

/** A function returning the delay in milliseconds (a finite number >= 0). */
export type BackoffFunction = (context: BackoffContext) => number;

/** How long a failed job waits before it is ready again. */
export type BackoffStrategy = FixedBackoff | ExponentialBackoff | ListBackoff | BackoffFunction;

/** Growth per failure of an exponential backoff that does not say. */
export const DEFAULT_BACKOFF_FACTOR = 2;
/** Cap of an exponential backoff that does not say: 5 minutes. */
export const DEFAULT_BACKOFF_MAX_DELAY_MS = 300_000;
/** Jitter of an exponential backoff that does not say. */
export const DEFAULT_BACKOFF_JITTER = 0.2;
/** The worker's backoff when the options do not say: 1 s, 2 s, 4 s, ... up to 5 minutes, 20 % jitter. */
export const DEFAULT_BACKOFF: ExponentialBackoff = Object.freeze({
  type: "exponential",
  delayMs: 1_000,
  factor: DEFAULT_BACKOFF_FACTOR,
  maxDelayMs: DEFAULT_BACKOFF_MAX_DELAY_MS,
  jitter: DEFAULT_BACKOFF_JITTER,
});

function checkDelay(value: unknown, option: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionError(option, value, "must be a finite number of milliseconds >= 0");
  }
  return value;
}

/** The fields each kind of strategy has: a misspelt one (`delay`, `maxDelay`) is refused, not ignored. */
const BACKOFF_FIELDS: Readonly<Record<string, readonly string[]>> = {
  fixed: ["type", "delayMs"],
  exponential: ["type", "delayMs", "factor", "maxDelayMs", "jitter"],
  list: ["type", "delaysMs"],
};

/**
 * Checks a strategy up front and returns a frozen copy with every default filled in, so the
 * caller's object is never kept or changed.
 * @throws InvalidOptionError naming the field (`backoff.factor`).
 */
export function normalizeBackoff(strategy: BackoffStrategy, option = "backoff"): BackoffStrategy {
  if (typeof strategy === "function") return strategy;
  if (typeof strategy !== "object" || (strategy as BackoffStrategy | null) === null) {
    throw new InvalidOptionError(option, strategy, "must be a function or an object with `type` fixed, exponential or list");
  }
  const fields = Object.hasOwn(BACKOFF_FIELDS, strategy.type) ? BACKOFF_FIELDS[strategy.type] : undefined;
  if (fields === undefined) {
    throw new InvalidOptionError(`${option}.type`, (strategy as { type?: unknown }).type, 'must be "fixed", "exponential" or "list"');
  }
  for (const key of Object.keys(strategy)) {
    if (!fields.includes(key)) {
      throw new InvalidOptionError(
        `${option}.${key}`,
        undefined,
        `is not a field of a ${strategy.type} backoff; its fields: ${fields.join(", ")}`,
      );
    }
  }
  switch (strategy.type) {
    case "fixed":
      return Object.freeze({ type: "fixed", delayMs: checkDelay(strategy.delayMs, `${option}.delayMs`) });
    case "exponential": {
      const factor = strategy.factor ?? DEFAULT_BACKOFF_FACTOR;
      if (!Number.isFinite(factor) || factor < 1) throw new InvalidOptionError(`${option}.factor`, factor, "must be a finite number >= 1");
      const jitter = strategy.jitter ?? DEFAULT_BACKOFF_JITTER;
      if (!(jitter >= 0 && jitter <= 1)) throw new InvalidOptionError(`${option}.jitter`, jitter, "must be between 0 and 1");
      const delayMs = checkDelay(strategy.delayMs, `${option}.delayMs`);
      const maxDelayMs = checkDelay(strategy.maxDelayMs ?? DEFAULT_BACKOFF_MAX_DELAY_MS, `${option}.maxDelayMs`);
      return Object.freeze({ type: "exponential", delayMs, factor, maxDelayMs, jitter });
    }
    case "list": {
      if (!Array.isArray(strategy.delaysMs) || strategy.delaysMs.length === 0) {
        throw new InvalidOptionError(`${option}.delaysMs`, strategy.delaysMs, "must be a non-empty array of milliseconds");
      }
      const delaysMs = strategy.delaysMs.map((d, i) => checkDelay(d, `${option}.delaysMs[${i}]`));
      return Object.freeze({ type: "list", delaysMs: Object.freeze(delaysMs) });
    }
  }
}

/**
 * The delay before retry number `context.attempt` (the attempt that just failed, 1-based), in whole
 * milliseconds. `random` returns a number in [0, 1); it is injectable for tests.
 * @throws InvalidOptionError when a custom function returns something other than a finite number >= 0.
 */
export function backoffDelay(strategy: BackoffStrategy, context: BackoffContext, random: () => number = Math.random): number {
  if (typeof strategy === "function") {
    return Math.round(checkDelay(strategy(context), "backoff (return value)"));
  }
  const failures = Math.max(1, context.attempt);
  switch (strategy.type) {
    case "fixed":
      return Math.round(strategy.delayMs);
    case "list":
      return Math.round(strategy.delaysMs[Math.min(failures, strategy.delaysMs.length) - 1] ?? 0);
    case "exponential": {
      const factor = strategy.factor ?? DEFAULT_BACKOFF_FACTOR;
      const cap = strategy.maxDelayMs ?? DEFAULT_BACKOFF_MAX_DELAY_MS;
      const jitter = strategy.jitter ?? DEFAULT_BACKOFF_JITTER;
      const raw = Math.min(cap, strategy.delayMs * factor ** (failures - 1));
      return Math.round(raw * (1 - jitter * random()));
    }
  }
}
