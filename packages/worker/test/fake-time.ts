import type { TimerHandle, TimeSource } from "@x/core";

/**
 * A `TimeSource` that moves only when told: `advance(ms)` fires the timers that fall due, in order,
 * each with the clock set to its own due time.
 */
export class FakeTime implements TimeSource {
  #now = 1_000_000;
  #wall = Date.UTC(2026, 0, 1);
  #nextId = 1;
  readonly #timers = new Map<number, { readonly at: number; readonly callback: () => void }>();

  now(): number {
    return this.#now;
  }

  wallNow(): number {
    return this.#wall;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: [number, { readonly at: number; readonly callback: () => void }] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= target && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.#timers.delete(next[0]);
      this.#step(next[1].at);
      next[1].callback();
    }
    this.#step(target);
  }

  #step(to: number): void {
    this.#wall += to - this.#now;
    this.#now = to;
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
