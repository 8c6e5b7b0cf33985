/** Anything that can say "still working on it". */
export interface Pulsable {
  working(): void;
}

/**
 * In-progress pulses for all running jobs of one actor with a single timer (walnats runs one
 * task per job). Every `period` ms each tracked delivery sends `working()`, which resets the
 * server's ack timer; a job that started just before a tick pulses early, which is harmless.
 */
export class Pulse {
  readonly #tracked = new Set<Pulsable>();
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly periodMs: number) {}

  /** Starts pulsing for a delivery. */
  track(delivery: Pulsable): void {
    this.#tracked.add(delivery);
    this.#timer ??= setInterval(() => {
      for (const tracked of this.#tracked) tracked.working();
    }, this.periodMs);
  }

  /** Stops pulsing for a delivery; the timer stops with the last one. */
  untrack(delivery: Pulsable): void {
    this.#tracked.delete(delivery);
    if (this.#tracked.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
