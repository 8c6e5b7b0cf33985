/** A running job whose lease the keeper extends. */
export interface KeptLease {
  /** When to touch next (epoch ms). The keeper moves it forward after each touch. */
  touchAt: number;
  /** How long to wait between touches, in ms. */
  readonly touchEveryMs: number;
  /** Extends the lease; the keeper does not wait for it. */
  touch(): void;
}

/**
 * Touches running jobs before their leases end, with one timer for all of them rather than one per
 * job: adding and removing a job costs a set operation, and the timer is only re-armed when it
 * must fire earlier. `stop()` must be called when the worker stops, to drop the timer.
 */
export class LeaseKeeper {
  readonly #jobs = new Set<KeptLease>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  add(job: KeptLease, now: number = Date.now()): void {
    job.touchAt = now + job.touchEveryMs;
    this.#jobs.add(job);
    this.#arm(job.touchAt, now);
  }

  /** The job touched itself (or was touched by hand): its next touch is a full interval away. */
  touched(job: KeptLease, now: number = Date.now()): void {
    job.touchAt = now + job.touchEveryMs;
  }

  delete(job: KeptLease): void {
    // The timer stays armed: when it fires with nothing due it simply is not re-armed. Disarming
    // here would cost a clearTimeout + setTimeout per job when jobs run one at a time.
    this.#jobs.delete(job);
  }

  /** Forgets every job and the timer. */
  stop(): void {
    this.#jobs.clear();
    this.#disarm();
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #arm(at: number, now: number): void {
    if (this.#timer && this.#timerAt <= at) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(this.#tick, Math.max(0, at - now));
  }

  #tick = (): void => {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const job of this.#jobs) {
      if (job.touchAt <= now) {
        job.touchAt = now + job.touchEveryMs;
        job.touch();
      }
      next = Math.min(next, job.touchAt);
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next, now);
  };
}
