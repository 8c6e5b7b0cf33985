/** How reconnect attempts are spaced. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  readonly initialDelayMs: number;
  /** Upper bound of the delay, in ms. */
  readonly maxDelayMs: number;
}

/**
 * Delay before retry number `attempt` (1 = the retry after the first failure): doubles from
 * `initialDelayMs` up to `maxDelayMs`, then "equal jitter" picks a value between half and all of
 * it, so a crowd of workers that lost the server together does not come back in lockstep.
 * `random` returns a number in [0, 1).
 */
export function reconnectDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** exponent);
  return Math.round(base / 2 + (random() * base) / 2);
}
