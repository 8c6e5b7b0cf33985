import type { LogFields, Logger } from "@x/core";
import type { CheckContext } from "./contract.js";

/** What every run of one check shares: created once per check, not once per run. */
export interface RunIdentity {
  readonly id: number;
  readonly name: string;
  readonly timeoutMs: number;
  /** The scheduler's logger. */
  readonly logger: Logger;
}

/** Abort state and prefixed logger, created only when a run needs them. */
interface LazyState {
  controller?: AbortController;
  aborted: boolean;
  reason?: unknown;
  onAbort?: (reason: unknown) => void;
  logger?: Logger;
}

/** A logger that adds the check's fields to every line it passes on. */
function withFields(base: Logger, extra: LogFields): Logger {
  return {
    debug: (fields, message) => {
      base.debug({ ...extra, ...fields }, message);
    },
    info: (fields, message) => {
      base.info({ ...extra, ...fields }, message);
    },
    warn: (fields, message) => {
      base.warn({ ...extra, ...fields }, message);
    },
    error: (fields, message) => {
      base.error({ ...extra, ...fields }, message);
    },
  };
}

/**
 * The context of one run. It holds four fields; the abort controller and the prefixed logger are
 * created only when a check reads them, so the scheduler's hot path (thousands of synchronous
 * function checks a second) allocates one small object per run.
 */
export class RunContext implements CheckContext {
  readonly scheduledAt: number;
  readonly startedAt: number;
  readonly #identity: RunIdentity;
  #state: LazyState | undefined;

  constructor(identity: RunIdentity, scheduledAt: number, startedAt: number) {
    this.#identity = identity;
    this.scheduledAt = scheduledAt;
    this.startedAt = startedAt;
  }

  get id(): number {
    return this.#identity.id;
  }

  get name(): string {
    return this.#identity.name;
  }

  get timeoutMs(): number {
    return this.#identity.timeoutMs;
  }

  get signal(): AbortSignal {
    const state = (this.#state ??= { aborted: false });
    if (state.controller === undefined) {
      state.controller = new AbortController();
      if (state.aborted) state.controller.abort(state.reason);
    }
    return state.controller.signal;
  }

  get logger(): Logger {
    const state = (this.#state ??= { aborted: false });
    state.logger ??= withFields(this.#identity.logger, { check: this.#identity.name, id: this.#identity.id });
    return state.logger;
  }

  /** Aborts the run's signal (now, or as soon as the check reads it). */
  abort(reason: unknown): void {
    const state = (this.#state ??= { aborted: false });
    if (state.aborted) return;
    state.aborted = true;
    state.reason = reason;
    state.controller?.abort(reason);
    state.onAbort?.(reason);
  }

  /** Registers the one callback the runner needs when the run is aborted from outside. */
  onAbort(callback: (reason: unknown) => void): void {
    (this.#state ??= { aborted: false }).onAbort = callback;
  }
}
