/** Anything that can say "still working on it". */
export interface Pulsable {
  working(): void;
}

/**
 * In-progress pulses for all running jobs of one actor with a single timer (walnats runs one
 * task per job). Every `period` ms each tracked delivery sends `working()`, which resets the
 * server's ack timer; a job that started just before a tick pulses early, which is harmless.
 * The timer stops itself at a tick that finds nothing to pulse, so a stream of short jobs does
 * not create and clear a timer per job.
 */
export class Pulse {
  readonly #tracked = new Set<Pulsable>();
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly periodMs: number) {}

  /** Starts pulsing for a delivery. */
  track(delivery: Pulsable): void {
    this.#tracked.add(delivery);
    this.#timer ??= setInterval(() => {
      this.#tick();
    }, this.periodMs).unref();
  }

  /** Stops pulsing for a delivery. */
  untrack(delivery: Pulsable): void {
    this.#tracked.delete(delivery);
  }

  /** Stops the timer and forgets every delivery (when the actor's jobs are all done). */
  stop(): void {
    this.#tracked.clear();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    if (this.#tracked.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    for (const tracked of this.#tracked) tracked.working();
  }
}
