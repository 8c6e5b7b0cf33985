/**
 * What the worker needs of a `Heart` from `@x/heartbeat` (`createHeart()`): the beatit calls, with
 * durations in milliseconds. Any of them may return a promise (an async publisher); a rejection is
 * reported, never thrown.
 */
export interface WorkerHeart {
  /** `run()` began; the first beat comes within `warmupMs`. */
  start(options: { readonly warmupMs: number }): unknown;
  /** Healthy; the next pulse comes within `periodMs`. */
  beat(options: { readonly periodMs: number }): unknown;
  /** Alive but failing (the queue, or the handlers); the next pulse comes within `periodMs`. */
  degraded(options: { readonly periodMs: number }): unknown;
  /** The worker shut down on purpose. */
  stop(): unknown;
}

/** Settings of a {@link HealthReporter}. */
export interface HealthReporterOptions {
  readonly periodMs: number;
  readonly warmupMs: number;
  readonly degradedAfterFailures: number;
}

type Pulse = "beat" | "degraded";

/**
 * Turns what the worker sees into heartbeats: `start` with the warm-up when `run()` begins, the
 * first `beat` once a poll of the queue has come back (so the warm-up covers connecting), then one
 * every period. It says `degraded` instead while the queue keeps failing or the last
 * `degradedAfterFailures` handler runs all failed, and switches at once when health changes.
 */
export class HealthReporter {
  readonly #heart: WorkerHeart;
  readonly #options: HealthReporterOptions;
  readonly #onError: (error: unknown) => void;
  #queueFailing = false;
  #failures = 0;
  #last: Pulse | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(heart: WorkerHeart, options: HealthReporterOptions, onError: (error: unknown) => void) {
    this.#heart = heart;
    this.#options = options;
    this.#onError = onError;
  }

  /** Whether the next pulse is a `beat` (true) or `degraded`. */
  get healthy(): boolean {
    return !this.#queueFailing && this.#failures < this.#options.degradedAfterFailures;
  }

  start(): void {
    void this.#call(() => this.#heart.start({ warmupMs: this.#options.warmupMs }));
  }

  /** A queue operation worked (a reserve came back, with or without a job). */
  queueOk(): void {
    if (this.#queueFailing || this.#last === undefined) {
      this.#queueFailing = false;
      this.#update();
    }
  }

  /** A queue operation failed. */
  queueFailed(): void {
    this.#queueFailing = true;
    this.#update();
  }

  handlerSucceeded(): void {
    if (this.#failures === 0) return;
    this.#failures = 0;
    this.#update();
  }

  handlerFailed(): void {
    this.#failures++;
    this.#update();
  }

  /** Stops the periodic pulses and sends `stop`; resolves once it was published (or failed). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#call(() => this.#heart.stop());
  }

  #update(): void {
    if (this.#stopped) return;
    const next: Pulse = this.healthy ? "beat" : "degraded";
    if (next !== this.#last) this.#pulse();
  }

  #pulse = (): void => {
    if (this.#stopped) return;
    const kind: Pulse = this.healthy ? "beat" : "degraded";
    this.#last = kind;
    const periodMs = this.#options.periodMs;
    void this.#call(() => (kind === "beat" ? this.#heart.beat({ periodMs }) : this.#heart.degraded({ periodMs })));
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(this.#pulse, this.#options.periodMs);
    // The worker's own loop keeps the process alive; the heartbeat must not do it after a stop.
    this.#timer.unref();
  };

  async #call(publish: () => unknown): Promise<void> {
    try {
      // A sync publisher returns nothing; an async one a promise: awaiting covers both.
      await publish();
    } catch (error) {
      this.#onError(error);
    }
  }
}
