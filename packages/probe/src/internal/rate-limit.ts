import type { Clock } from "../clock.js";

/** Lets a repeated warning through at most once per interval (DumbProbe's 30 s rule). */
export class RateLimit {
  readonly #clock: Clock;
  readonly #intervalMs: number;
  #last = Number.NEGATIVE_INFINITY;

  constructor(clock: Clock, intervalMs: number) {
    this.#clock = clock;
    this.#intervalMs = intervalMs;
  }

  /** Whether the warning may be logged now; if so, the window restarts. */
  allow(): boolean {
    const now = this.#clock.now();
    if (now - this.#last < this.#intervalMs) return false;
    this.#last = now;
    return true;
  }
}
