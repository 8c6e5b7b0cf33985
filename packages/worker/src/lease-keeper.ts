import { MAX_TIMER_MS, systemTime } from "@x/core";

/** A job whose lease the keeper may extend. */
export interface KeptLease {
  /** Whether it still needs touching (its handler is running). */
  readonly keepAlive: boolean;
  /** When to touch next, on the monotonic clock (`systemTime.now()`). The keeper moves it forward after each touch. */
  touchAt: number;
  /** How long to wait between touches, in ms. */
  readonly touchEveryMs: number;
  /** Extends the lease; the keeper does not wait for it. */
  touch(): void;
}

/**
 * Touches running jobs before their leases end, with one timer for all of them rather than one
 * per job. It walks the worker's own set of running jobs, so starting and finishing a job costs
 * no bookkeeping here; the timer is only re-armed when it must fire earlier. `stop()` must be
 * called when the worker stops, to drop the timer.
 */
export class LeaseKeeper {
  readonly #jobs: Iterable<KeptLease>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(jobs: Iterable<KeptLease>) {
    this.#jobs = jobs;
  }

  /**
   * Starts keeping a job (one of `jobs`): its first touch is an interval from now. A job whose
   * interval is not a finite number (a lease without end) is never touched.
   */
  add(job: KeptLease, now: number = systemTime.now()): void {
    job.touchAt = now + job.touchEveryMs;
    if (Number.isFinite(job.touchAt)) this.#arm(job.touchAt, now);
  }

  /** The job was touched by hand: its next touch is a full interval away. */
  touched(job: KeptLease, now: number = systemTime.now()): void {
    job.touchAt = now + job.touchEveryMs;
  }

  /** Drops the timer. */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #arm(at: number, now: number): void {
    if (this.#timer && this.#timerAt <= at) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    // A lease of weeks is re-armed in steps rather than overflowing into a timer that fires at once.
    this.#timer = setTimeout(this.#tick, Math.min(MAX_TIMER_MS, Math.max(0, at - now)));
  }

  #tick = (): void => {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    // Monotonic: a wall clock stepped back must not hold a touch past the end of a lease.
    const now = systemTime.now();
    let next = Number.POSITIVE_INFINITY;
    for (const job of this.#jobs) {
      if (!job.keepAlive) continue;
      if (job.touchAt <= now) {
        job.touchAt = now + job.touchEveryMs;
        job.touch();
      }
      if (Number.isFinite(job.touchAt)) next = Math.min(next, job.touchAt);
    }
    // Nothing running: stay unarmed until the next job starts.
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next, now);
  };
}
