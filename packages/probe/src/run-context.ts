import type { CheckContext } from "./contract.js";
import type { Logger } from "./logger.js";

/**
 * The context of one run. The abort controller is created only when a check reads `signal`, so
 * the scheduler's hot path (thousands of synchronous function checks a second) allocates one
 * small object per run.
 */
export class RunContext implements CheckContext {
  readonly id: number;
  readonly name: string;
  readonly scheduledAt: number;
  readonly startedAt: number;
  readonly timeoutMs: number;
  readonly #baseLogger: Logger;
  #logger: Logger | undefined;
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #onAbort: ((reason: unknown) => void) | undefined;

  constructor(id: number, name: string, scheduledAt: number, startedAt: number, timeoutMs: number, logger: Logger) {
    this.#baseLogger = logger;
    this.id = id;
    this.name = name;
    this.scheduledAt = scheduledAt;
    this.startedAt = startedAt;
    this.timeoutMs = timeoutMs;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get logger(): Logger {
    if (this.#logger === undefined) {
      const base = this.#baseLogger;
      const prefix = `check #${this.id} ${this.name}: `;
      this.#logger = {
        debug: (message) => {
          base.debug(prefix + message);
        },
        info: (message) => {
          base.info(prefix + message);
        },
        warn: (message) => {
          base.warn(prefix + message);
        },
        error: (message) => {
          base.error(prefix + message);
        },
      };
    }
    return this.#logger;
  }

  /** Aborts the run's signal (now, or as soon as the check reads it). */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#onAbort?.(reason);
  }

  /** Registers the one callback the runner needs when the run is aborted from outside. */
  onAbort(callback: (reason: unknown) => void): void {
    this.#onAbort = callback;
  }
}
