import type { TimeSource } from "@x/core";

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** Lets promise chains and setImmediate callbacks (handle reads) run. Real macrotasks. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise<void>((resolve) => {
      setImmediate(resolve);
    });
  }
}

/**
 * A manual clock: time moves only when a test calls `advance()`, which fires the due timers in
 * time order and lets the async work they start settle before the next one.
 */
export class FakeClock implements TimeSource {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, Timer>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** The fake has one timeline: calendar time is the same reading. */
  wallNow(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), seq: id, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Number of timers waiting. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Time of the earliest timer, or undefined. */
  nextTimerAt(): number | undefined {
    let best: number | undefined;
    for (const t of this.#timers.values()) if (best === undefined || t.at < best) best = t.at;
    return best;
  }

  /** Moves time forward by `ms`, firing due timers one by one. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      let next: [number, Timer] | undefined;
      for (const entry of this.#timers) {
        const t = entry[1];
        if (t.at <= target && (next === undefined || t.at < next[1].at || (t.at === next[1].at && t.seq < next[1].seq))) next = entry;
      }
      if (next === undefined) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].callback();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}
