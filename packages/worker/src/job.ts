import { LeaseLostError, type Message, type Reservation } from "@x/message";
import { backoffDelay } from "./backoff.js";
import { isFatalError, isTransientError } from "./errors.js";
import type { BuryReason, ErrorPhase, WorkerEvents } from "./events.js";
import { isJobResult, type JobContext } from "./handlers.js";
import type { HealthReporter } from "./heartbeat.js";
import type { KeptLease, LeaseKeeper } from "./lease-keeper.js";
import { DEFAULT_TOUCH_FRACTION, type ResolvedWorkerOptions } from "./options.js";

/** Mutable outcome counts, shared by the worker and its jobs. */
export interface Counts {
  reserved: number;
  succeeded: number;
  retried: number;
  buried: number;
  expired: number;
  errors: number;
}

/** What a job needs from the worker that runs it. */
export interface JobEnvironment {
  readonly options: ResolvedWorkerOptions;
  readonly keeper: LeaseKeeper;
  readonly counts: Counts;
  readonly health: HealthReporter | undefined;
  emit<E extends keyof WorkerEvents>(event: E, payload: WorkerEvents[E]): void;
  reportError(phase: ErrorPhase, error: unknown, message?: Message): void;
}

type Outcome =
  | { readonly kind: "ok"; readonly value: unknown }
  | { readonly kind: "failed"; readonly error: unknown }
  | { readonly kind: "abandoned"; readonly reason: unknown };

/** Longest reason handed to `bury()`; a huge error message must not bloat the queue. */
const MAX_REASON_LENGTH = 1_000;

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}

/**
 * One reserved job, from the reservation to its settlement: the expiration and attempts checks,
 * routing, the handler run (raced against the shutdown deadline), and exactly one of ack, release,
 * bury or delete. Nothing here throws: every failure becomes an `error` event.
 */
export class ActiveJob implements KeptLease {
  touchAt = 0;
  readonly touchEveryMs: number;
  readonly #env: JobEnvironment;
  readonly #reservation: Reservation;
  readonly #attempt: number;
  readonly #startedAt = performance.now();
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #aborted = false;
  #running = false;
  #finishRun: ((outcome: Outcome) => void) | undefined;
  /** Resolves once the job is settled (or settling failed); never rejects. */
  readonly done: Promise<void>;

  constructor(env: JobEnvironment, reservation: Reservation) {
    this.#env = env;
    this.#reservation = reservation;
    this.#attempt = reservation.message.header.attempts + 1;
    this.touchEveryMs = Math.max(1, reservation.leaseMs * DEFAULT_TOUCH_FRACTION);
    this.done = this.#process().catch((error: unknown) => {
      env.reportError("internal", error, reservation.message);
    });
  }

  get message(): Message {
    return this.#reservation.message;
  }

  /** The handler's signal, made on first use: most handlers never look at it. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /** Aborts the handler's signal (lease lost, or the shutdown deadline). */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  /**
   * The shutdown deadline passed: abort the handler and release the job now, without waiting for
   * the handler. Does nothing once the handler has returned (its settlement is under way).
   */
  abandon(reason: unknown): void {
    if (!this.#running) return;
    this.abort(reason);
    this.#finishRun?.({ kind: "abandoned", reason });
  }

  /** Called by the lease keeper. */
  touch(): void {
    this.#reservation.touch().then(
      () => undefined,
      (error: unknown) => {
        if (!this.#running) return;
        this.#env.reportError("touch", error, this.message);
        // Someone else may hold the job now: tell the handler to stop.
        if (error instanceof LeaseLostError) this.abort(error);
      },
    );
  }

  async #process(): Promise<void> {
    const env = this.#env;
    const { options } = env;
    const message = this.message;
    env.counts.reserved++;
    env.emit("reserved", { message, attempt: this.#attempt });

    const expiration = message.header.expiration;
    if (expiration !== undefined && Date.now() > expiration.getTime()) {
      await this.#expire();
      return;
    }
    if (this.#attempt > options.maxAttempts) {
      await this.#bury("max-attempts", `max attempts (${options.maxAttempts}) reached`, undefined);
      return;
    }
    const type = message.header.requestType;
    const handler = type === undefined ? undefined : options.handlers[type];
    if (type === undefined || handler === undefined) {
      const detail = type === undefined ? "no request type" : `no handler for request type ${JSON.stringify(type)}`;
      await this.#bury("no-handler", detail, undefined);
      return;
    }

    if (options.autoTouch) env.keeper.add(this);
    const outcome = await this.#run(handler as (payload: unknown, context: JobContext) => unknown, type);
    env.keeper.delete(this);

    if (outcome.kind === "abandoned") {
      await this.#release(0, outcome.reason, true);
    } else if (outcome.kind === "ok") {
      env.health?.handlerSucceeded();
      await this.#succeed(outcome.value);
    } else {
      env.health?.handlerFailed();
      await this.#fail(outcome.error);
    }
  }

  #run(handler: (payload: unknown, context: JobContext) => unknown, requestType: string): Promise<Outcome> {
    const reservation = this.#reservation;
    const signalOf = (): AbortSignal => this.signal;
    const context: JobContext = {
      message: reservation.message,
      requestType,
      attempt: this.#attempt,
      get signal() {
        return signalOf();
      },
      touch: async () => {
        await reservation.touch();
        this.#env.keeper.touched(this);
      },
    };
    return new Promise<Outcome>((resolve) => {
      this.#running = true;
      // First call wins: the handler's result, or the shutdown deadline (abandon).
      this.#finishRun = (outcome) => {
        if (!this.#running) return;
        this.#running = false;
        this.#finishRun = undefined;
        resolve(outcome);
      };
      const finish = this.#finishRun;
      try {
        const value = handler(reservation.message.body.payload, context);
        if (isThenable(value)) {
          value.then(
            (resolved) => {
              finish({ kind: "ok", value: resolved });
            },
            (error: unknown) => {
              finish({ kind: "failed", error });
            },
          );
        } else {
          finish({ kind: "ok", value });
        }
      } catch (error) {
        finish({ kind: "failed", error });
      }
    });
  }

  #durationMs(): number {
    return performance.now() - this.#startedAt;
  }

  /** Runs one settling call; on failure reports it and returns false. */
  async #settle(phase: ErrorPhase, operation: () => Promise<unknown>): Promise<boolean> {
    try {
      await operation();
      this.#env.health?.queueOk();
      return true;
    } catch (error) {
      if (!(error instanceof LeaseLostError)) this.#env.health?.queueFailed();
      this.#env.reportError(phase, error, this.message);
      return false;
    }
  }

  async #succeed(value: unknown): Promise<void> {
    const env = this.#env;
    const message = this.message;
    if (!(await this.#settle("ack", () => this.#reservation.ack()))) return;
    let responses = 0;
    if (isJobResult(value)) {
      for (const response of value.responses) {
        if (await this.#settle("respond", () => env.options.responseQueue.enqueue(response))) responses++;
      }
    }
    env.counts.succeeded++;
    env.emit("succeeded", { message, attempt: this.#attempt, durationMs: this.#durationMs(), responses });
  }

  async #fail(error: unknown): Promise<void> {
    const { options } = this.#env;
    const fatal = isFatalError(error) || (options.unexpectedErrors === "fatal" && !isTransientError(error));
    if (fatal) {
      await this.#bury("fatal", describe(error), error);
      return;
    }
    if (this.#attempt >= options.maxAttempts) {
      await this.#bury("max-attempts", `max attempts (${options.maxAttempts}) reached; last error: ${describe(error)}`, error);
      return;
    }
    await this.#release(this.#retryDelay(error), error, false);
  }

  #retryDelay(error: unknown): number {
    if (isTransientError(error)) {
      const after = error.retryAfterMs;
      if (typeof after === "number" && Number.isFinite(after) && after >= 0) return Math.round(after);
    }
    try {
      return backoffDelay(this.#env.options.backoff, { attempt: this.#attempt, error, message: this.message }, this.#env.options.random);
    } catch (backoffError) {
      // A broken custom backoff must not leave the job reserved: retry it at once instead.
      this.#env.reportError("backoff", backoffError, this.message);
      return 0;
    }
  }

  async #release(delayMs: number, error: unknown, shutdown: boolean): Promise<void> {
    const env = this.#env;
    const message = this.message;
    const released = await this.#settle("release", () =>
      this.#reservation.release({ delayMs, priority: message.header.priority }),
    );
    if (!released) return;
    env.counts.retried++;
    env.emit("retried", { message, attempt: this.#attempt, durationMs: this.#durationMs(), delayMs, error, shutdown });
  }

  async #bury(reason: BuryReason, detail: string, error: unknown): Promise<void> {
    const env = this.#env;
    const message = this.message;
    if (!(await this.#settle("bury", () => this.#reservation.bury(detail)))) return;
    env.counts.buried++;
    const base = { message, attempt: this.#attempt, durationMs: this.#durationMs(), reason, detail };
    env.emit("buried", error === undefined ? base : { ...base, error });
  }

  async #expire(): Promise<void> {
    const env = this.#env;
    const message = this.message;
    const action = env.options.onExpired;
    // For the holder of the reservation, ack *is* delete, and works on every backend.
    const settled =
      action === "bury"
        ? await this.#settle("bury", () => this.#reservation.bury("expired"))
        : await this.#settle("ack", () => this.#reservation.ack());
    if (!settled) return;
    env.counts.expired++;
    env.emit("expired", { message, attempt: this.#attempt, durationMs: this.#durationMs(), action });
  }
}
