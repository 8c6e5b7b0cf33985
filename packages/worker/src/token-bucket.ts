import { checkOptionKeys, durationMsOption, InvalidOptionError, integerOption, MAX_TIMER_MS, type TimeSource } from "@x/core";
import type { RateLimit } from "./handlers.js";

/**
 * A token bucket on a {@link TimeSource}: `max` tokens at most, refilled continuously at `max` per
 * `intervalMs`. Nobody polls it: a caller that finds it empty asks {@link msUntilToken} and sets
 * one timer.
 */
export class TokenBucket {
  readonly max: number;
  readonly intervalMs: number;
  readonly #time: TimeSource;
  #tokens: number;
  #refilledAt: number;
  /** When the next deferred job is due back (see {@link deferralDelayMs}). */
  #nextDeferral = Number.NEGATIVE_INFINITY;

  constructor({ max, intervalMs }: RateLimit, time: TimeSource) {
    this.max = max;
    this.intervalMs = intervalMs;
    this.#time = time;
    this.#tokens = max;
    this.#refilledAt = time.now();
  }

  #refill(): void {
    const now = this.#time.now();
    // A clock that went backwards (a fake one, or a bug) adds nothing rather than taking tokens away.
    const elapsed = Math.max(0, now - this.#refilledAt);
    this.#tokens = Math.min(this.max, this.#tokens + (elapsed * this.max) / this.intervalMs);
    this.#refilledAt = now;
  }

  /** Takes a token if there is one. */
  tryTake(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Gives back a token taken for a job that did not start (the reserve found nothing, or the job was deferred). */
  refund(): void {
    this.#tokens = Math.min(this.max, this.#tokens + 1);
  }

  /** Milliseconds until a token is there (0 when one is there now); rounded up, so a wait that long finds one. */
  msUntilToken(): number {
    this.#refill();
    if (this.#tokens >= 1) return 0;
    return Math.ceil(((1 - this.#tokens) * this.intervalMs) / this.max);
  }

  /**
   * How long to put back a job that found no token: the first waits for the next token, each
   * further one a token's worth longer, so deferred jobs come back spread out rather than all at
   * once to be deferred again.
   */
  deferralDelayMs(): number {
    const now = this.#time.now();
    const due = Math.max(this.#nextDeferral, now + this.msUntilToken());
    this.#nextDeferral = due + this.intervalMs / this.max;
    return Math.ceil(due - now);
  }
}

const RATE_LIMIT_KEYS = ["max", "intervalMs"] as const satisfies readonly (keyof RateLimit)[];

/** A `rateLimit` option, checked: `{ max, intervalMs }` with a whole `max` >= 1 and an interval > 0 ms. */
export function rateLimitOption(option: string, value: unknown): RateLimit | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null) throw new InvalidOptionError(option, value, "must be { max, intervalMs }");
  checkOptionKeys(value, RATE_LIMIT_KEYS, option);
  const { max, intervalMs } = value as Partial<RateLimit>;
  if (max === undefined) throw new InvalidOptionError(`${option}.max`, max, "is required: the jobs that may start per interval");
  if (intervalMs === undefined) throw new InvalidOptionError(`${option}.intervalMs`, intervalMs, "is required: the interval in ms");
  const interval = durationMsOption(`${option}.intervalMs`, intervalMs, 0, { max: MAX_TIMER_MS });
  if (interval === 0) throw new InvalidOptionError(`${option}.intervalMs`, intervalMs, "must be more than 0 ms");
  return { max: integerOption(`${option}.max`, max, 1, 1), intervalMs: interval };
}
