import { systemTime } from "@x/core";
import type { BeanstalkReservation } from "./reservation.js";

interface Entry {
  readonly reservation: BeanstalkReservation;
  /** When it was reserved or last touched. */
  at: number;
}

/** How often waiting entries are checked for a touch. */
const KEEPALIVE_CHECK_MS = 200;

/**
 * Jobs reserved ahead of `reserve()` calls (the `prefetch` option). A caller that reserves one job
 * at a time (like @x/worker's loop) pays two round trips per job (`reserve`, then `stats-job`);
 * fetching a few ready jobs in parallel on other sockets and handing them out from here removes
 * that wait. Entries are handed out most urgent first. While they wait they are touched at half
 * their lease, so a job never times out (and never gains an attempt) just for waiting here; one
 * whose lease was lost anyway is dropped.
 */
export class PrefetchBuffer {
  readonly #entries: Entry[] = [];
  #filling: Promise<void> | undefined;
  #keepalive: NodeJS.Timeout | undefined;

  get size(): number {
    return this.#entries.length;
  }

  get isFilling(): boolean {
    return this.#filling !== undefined;
  }

  /** Runs `fill` unless a fill is already running; `fill` adds what it reserves with {@link add}. */
  fill(fill: () => Promise<void>): void {
    if (this.#filling) return;
    this.#filling = fill()
      .catch(() => undefined)
      .finally(() => {
        this.#filling = undefined;
      });
  }

  add(reservation: BeanstalkReservation): void {
    this.#entries.push({ reservation, at: systemTime.now() });
    if (!this.#keepalive) {
      this.#keepalive = setInterval(() => {
        this.#touchWaiting();
      }, KEEPALIVE_CHECK_MS);
      this.#keepalive.unref();
    }
  }

  #touchWaiting(): void {
    const now = systemTime.now();
    for (const entry of this.#entries) {
      if (now - entry.at < entry.reservation.leaseMs / 2) continue;
      entry.at = now;
      // A failed touch means the lease is lost; take() skips entries that no longer hold their job.
      entry.reservation.touch().catch(() => undefined);
    }
    if (this.#entries.length === 0) this.#stopKeepalive();
  }

  #stopKeepalive(): void {
    clearInterval(this.#keepalive);
    this.#keepalive = undefined;
  }

  /** The most urgent job still held, after any fill in progress; `undefined` when there is none. */
  async take(): Promise<BeanstalkReservation | undefined> {
    if (this.#entries.length === 0 && this.#filling) await this.#filling;
    for (;;) {
      let best = -1;
      for (let i = 0; i < this.#entries.length; i++) {
        const entry = this.#entries[i];
        const current = this.#entries[best];
        if (!entry) continue;
        if (!current || moreUrgent(entry.reservation, current.reservation)) best = i;
      }
      if (best < 0) return undefined;
      const [entry] = this.#entries.splice(best, 1);
      if (!entry?.reservation.isHeld) continue;
      if (systemTime.now() - entry.at < entry.reservation.leaseMs / 2) return entry.reservation;
      try {
        await entry.reservation.touch();
        return entry.reservation;
      } catch {
        // Lost while waiting here: someone else has it now.
      }
    }
  }

  /** Forgets every waiting job and stops touching them (the queue closed: its sockets give them back). */
  clear(): void {
    this.#entries.length = 0;
    this.#stopKeepalive();
  }

  /** Gives every waiting job back to the queue (the caller went away). */
  releaseAll(reason: string): void {
    for (const entry of this.#entries.splice(0)) entry.reservation.giveBack(reason);
    this.#stopKeepalive();
  }
}

/** beanstalkd's order: priority, then age (job ids grow). */
function moreUrgent(a: BeanstalkReservation, b: BeanstalkReservation): boolean {
  const pa = a.message.header.priority;
  const pb = b.message.header.priority;
  return pa < pb || (pa === pb && a.jobId < b.jobId);
}
