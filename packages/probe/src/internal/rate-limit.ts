import type { TimeSource } from "@x/core";

/** Lets a repeated warning through at most once per interval (DumbProbe's 30 s rule). */
export class RateLimit {
  readonly #time: TimeSource;
  readonly #intervalMs: number;
  #last = Number.NEGATIVE_INFINITY;

  constructor(time: TimeSource, intervalMs: number) {
    this.#time = time;
    this.#intervalMs = intervalMs;
  }

  /** Whether the warning may be logged now; if so, the window restarts. */
  allow(): boolean {
    const now = this.#time.now();
    if (now - this.#last < this.#intervalMs) return false;
    this.#last = now;
    return true;
  }
}
