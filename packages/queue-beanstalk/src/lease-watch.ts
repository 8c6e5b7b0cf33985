import { systemTime } from "@x/core";

/** A reservation whose lease this client enforces (see `reservation.ts`). */
export interface Leased {
  /** When the lease counts as run out (`systemTime.now()` ms); moves later on every touch. */
  readonly leaseDeadline: number;
  /** Called once the deadline has passed while the lease is still watched. */
  leaseRanOut(): void;
}

/**
 * One timer for the leases of every reservation of a queue, instead of a timer per job: it is
 * armed for the earliest deadline, and when it fires it gives back what is overdue and re-arms
 * for the next. Deadlines only move later (a touch), so a new or renewed lease never needs an
 * earlier timer, and a timer that fires for leases settled meanwhile costs one scan of the
 * reservations held, then re-arms for the earliest one left (if any).
 */
export class LeaseWatch {
  readonly #watched = new Set<Leased>();
  #timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (`systemTime.now()` ms); `Infinity` when none is armed. */
  #armedFor = Infinity;
  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    this.#check();
  };

  /** How many leases are watched. */
  get size(): number {
    return this.#watched.size;
  }

  /** Starts watching (or re-checks after a touch moved the deadline). */
  watch(lease: Leased): void {
    this.#watched.add(lease);
    if (lease.leaseDeadline < this.#armedFor) this.#arm(lease.leaseDeadline);
  }

  /**
   * Stops watching: the reservation was settled or lost. The timer stays armed (it is unref'd and
   * fires once for nothing), so a steady flow of short jobs never re-arms it.
   */
  unwatch(lease: Leased): void {
    this.#watched.delete(lease);
  }

  /** Stops watching everything (the queue closed). */
  clear(): void {
    this.#watched.clear();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Infinity;
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#armedFor = at;
    this.#timer = setTimeout(this.#fire, Math.max(0, at - systemTime.now()));
    // A forgotten reservation must not keep the process alive.
    this.#timer.unref();
  }

  #check(): void {
    const now = systemTime.now();
    const overdue: Leased[] = [];
    let next = Infinity;
    for (const lease of this.#watched) {
      if (lease.leaseDeadline <= now) overdue.push(lease);
      else if (lease.leaseDeadline < next) next = lease.leaseDeadline;
    }
    for (const lease of overdue) {
      // Give it back once, even if the reservation does not unwatch itself (the queue is closing).
      this.#watched.delete(lease);
      lease.leaseRanOut();
    }
    if (next < this.#armedFor) this.#arm(next);
  }
}
