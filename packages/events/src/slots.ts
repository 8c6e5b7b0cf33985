/** Priority of an actor when actors compete for the slots of one `listen` call. */
export type Priority = "high" | "normal" | "low";

const RANK: Record<Priority, number> = { high: 0, normal: 1, low: 2 };

interface Waiter {
  readonly max: number;
  readonly rank: number;
  readonly order: number;
  readonly resolve: (taken: number) => void;
}

/**
 * A counting semaphore that hands out several slots at once. Waiters are served by priority
 * (high before normal before low), then first come first served. walnats approximates this by
 * passing through the semaphore once per priority level; a queue makes the order exact.
 */
export class Slots {
  #available: number;
  readonly #waiters: Waiter[] = [];
  #order = 0;

  constructor(readonly capacity: number) {
    this.#available = capacity;
  }

  /** Slots free right now. */
  get available(): number {
    return this.#available;
  }

  /** Slots in use. */
  get used(): number {
    return this.capacity - this.#available;
  }

  /**
   * Waits until at least one slot is free, then takes up to `max` of them and resolves with how
   * many it took. Rejects with the signal's reason if the signal aborts first. Not an `async`
   * function on purpose: promises resolve in exactly the order slots were granted.
   */
  take(max: number, priority: Priority = "normal", signal?: AbortSignal): Promise<number> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as unknown);
    if (this.#available > 0 && this.#waiters.length === 0) return Promise.resolve(this.#grab(max));
    return new Promise<number>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#waiters.indexOf(waiter);
        if (index !== -1) this.#waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        max,
        rank: RANK[priority],
        order: this.#order++,
        resolve: (taken) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(taken);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#waiters.sort((a, b) => a.rank - b.rank || a.order - b.order);
    });
  }

  /** Takes up to `max` free slots without waiting (0 when none, or when others are waiting). */
  tryTake(max: number): number {
    if (this.#available === 0 || this.#waiters.length > 0 || max <= 0) return 0;
    return this.#grab(max);
  }

  /** Gives `count` slots back and serves waiters in priority order. */
  release(count = 1): void {
    if (count <= 0) return;
    this.#available = Math.min(this.capacity, this.#available + count);
    while (this.#available > 0) {
      const next = this.#waiters.shift();
      if (next === undefined) break;
      next.resolve(this.#grab(next.max));
    }
  }

  #grab(max: number): number {
    const taken = Math.min(Math.max(1, max), this.#available);
    this.#available -= taken;
    return taken;
  }
}

/**
 * The slots of one actor in one `listen` call, counted at two levels at once: the actor's own
 * `maxJobs`, and the call's `maxJobs` it shares with the other actors (by priority). A slot is
 * taken from both or from neither, so everything above this class counts one number.
 */
export class ActorSlots {
  readonly #own: Slots;
  readonly #shared: Slots;
  readonly #priority: Priority;

  constructor(maxJobs: number, shared: Slots, priority: Priority) {
    this.#own = new Slots(maxJobs);
    this.#shared = shared;
    this.#priority = priority;
  }

  /** Waits until a slot is free at both levels, then takes up to `max` and resolves with how many. */
  async take(max: number, signal?: AbortSignal): Promise<number> {
    const own = await this.#own.take(max, "normal", signal);
    let taken: number;
    try {
      taken = await this.#shared.take(own, this.#priority, signal);
    } catch (error) {
      this.#own.release(own);
      throw error;
    }
    this.#own.release(own - taken);
    return taken;
  }

  /** Takes up to `max` slots free at both levels right now, without waiting (maybe 0). */
  tryTake(max: number): number {
    const own = this.#own.tryTake(max);
    const taken = this.#shared.tryTake(own);
    this.#own.release(own - taken);
    return taken;
  }

  /** Gives `count` slots back at both levels. */
  release(count = 1): void {
    this.#own.release(count);
    this.#shared.release(count);
  }
}
