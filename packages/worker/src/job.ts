import { LeaseLostError, type Message, type MessageInit, type Reservation } from "@x/message";
import { backoffDelay } from "./backoff.js";
import { describeError } from "./describe-error.js";
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
  /** Whether anyone (a listener or the logger) wants `event`, so its payload is only built then. */
  wants(event: keyof WorkerEvents): boolean;
  emit<E extends keyof WorkerEvents>(event: E, payload: WorkerEvents[E]): void;
  reportError(phase: ErrorPhase, error: unknown, message?: Message): void;
  /** Called once per job, when it is settled (or settling failed). */
  jobDone(job: ActiveJob): void;
}

type Handler = (payload: unknown, context: JobContext) => unknown;

/**
 * How a job's run ended, before it is settled with the queue: one value, so the settlement is one
 * `switch` whatever the handler did (returned, threw, even threw `undefined`) or whether it ran.
 */
type Outcome =
  | { readonly kind: "succeeded"; readonly value: unknown }
  | { readonly kind: "failed"; readonly error: unknown }
  | { readonly kind: "abandoned"; readonly reason: unknown }
  | { readonly kind: "expired" }
  | { readonly kind: "refused"; readonly reason: BuryReason; readonly detail: string };

/** Longest reason handed to `bury()`; a huge error message must not bloat the queue. */
const MAX_REASON_LENGTH = 1_000;

function describe(error: unknown): string {
  return describeError(error, MAX_REASON_LENGTH);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}

/** The `ctx` a handler gets: a view on its job, with no closures to allocate per job. */
class Context implements JobContext {
  readonly #job: ActiveJob;
  readonly requestType: string;

  constructor(job: ActiveJob, requestType: string) {
    this.#job = job;
    this.requestType = requestType;
  }

  get message(): Message {
    return this.#job.message;
  }

  get attempt(): number {
    return this.#job.attempt;
  }

  get signal(): AbortSignal {
    return this.#job.signal;
  }

  touch(): Promise<void> {
    return this.#job.touchNow();
  }
}

/**
 * One reserved job, from the reservation to its settlement: the expiration and attempts checks,
 * routing, the handler run (raced against the shutdown deadline), and exactly one of ack, release,
 * bury or ack-as-delete. Nothing here throws: every failure becomes an `error` event. It runs for
 * every job, so the handler's context is a view on the job rather than a set of closures.
 */
export class ActiveJob implements KeptLease {
  touchAt = 0;
  readonly touchEveryMs: number;
  readonly attempt: number;
  readonly #env: JobEnvironment;
  readonly #reservation: Reservation;
  readonly #startedAt = performance.now();
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #aborted = false;
  /** True while the handler runs; `abandon()` only acts then. */
  #running = false;
  /** Ends an asynchronous handler run: first call wins (the handler, or `abandon()`). */
  #endRun: ((outcome: Outcome) => void) | undefined;

  constructor(env: JobEnvironment, reservation: Reservation) {
    this.#env = env;
    this.#reservation = reservation;
    this.attempt = reservation.message.header.attempts + 1;
    const lease = reservation.leaseMs;
    // An adapter with no lease (or a broken one: NaN, 0, negative) gets no touches rather than a timer storm.
    this.touchEveryMs = Number.isFinite(lease) && lease > 0 ? Math.max(1, lease * DEFAULT_TOUCH_FRACTION) : Number.POSITIVE_INFINITY;
  }

  get message(): Message {
    return this.#reservation.message;
  }

  /** The lease keeper touches the job while its handler runs. */
  get keepAlive(): boolean {
    return this.#running;
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
    this.#endRun?.({ kind: "abandoned", reason });
  }

  /** `ctx.touch()`: extends the lease now; the next automatic touch is a full interval away. */
  async touchNow(): Promise<void> {
    await this.#reservation.touch();
    this.#env.keeper.touched(this);
  }

  /** Called by the lease keeper; failures are reported, and a lost lease aborts the handler. */
  touch(): void {
    this.#reservation.touch().then(undefined, (error: unknown) => {
      if (!this.#running) return;
      this.#env.reportError("touch", error, this.message);
      // Someone else may hold the job now: tell the handler to stop.
      if (error instanceof LeaseLostError) this.abort(error);
    });
  }

  /**
   * Runs the job to its settlement, then calls `jobDone`; never rejects. Every job takes this one
   * path, whatever the concurrency: the checks and the handler call give an {@link Outcome}, and
   * the outcome decides the queue call.
   */
  async run(): Promise<void> {
    const env = this.#env;
    try {
      const outcome = this.#begin();
      await this.#settle(isThenable(outcome) ? await outcome : outcome);
    } catch (error) {
      // A bug of ours, not the handler's: report it; the lease runs out and the job comes back.
      env.reportError("internal", error, this.message);
    }
    env.jobDone(this);
  }

  /** The checks, routing and the handler call: what happened, or a promise of it for an async handler. */
  #begin(): Outcome | Promise<Outcome> {
    const env = this.#env;
    const { options } = env;
    const message = this.message;
    env.counts.reserved++;
    if (env.wants("reserved")) env.emit("reserved", { message, attempt: this.attempt });
    const expiration = message.header.expiration;
    if (expiration !== undefined && Date.now() > expiration.getTime()) return { kind: "expired" };
    if (this.attempt > options.maxAttempts) {
      return { kind: "refused", reason: "max-attempts", detail: `max attempts (${options.maxAttempts}) reached` };
    }
    const type = message.header.requestType;
    const handler = type === undefined ? undefined : (options.handlers[type] as Handler | undefined);
    if (type === undefined || handler === undefined) {
      const detail = type === undefined ? "no request type" : `no handler for request type ${JSON.stringify(type)}`;
      return { kind: "refused", reason: "no-handler", detail };
    }
    if (options.autoTouch) env.keeper.add(this);
    return this.#call(handler, type);
  }

  /** Calls the handler; an async one is raced against `abandon()` (the shutdown deadline). */
  #call(handler: Handler, requestType: string): Outcome | Promise<Outcome> {
    let value: unknown;
    try {
      this.#running = true;
      value = handler(this.#reservation.message.body.payload, new Context(this, requestType));
    } catch (error) {
      this.#running = false;
      return { kind: "failed", error };
    }
    if (!isThenable(value)) {
      this.#running = false;
      return { kind: "succeeded", value };
    }
    return new Promise<Outcome>((resolve) => {
      this.#endRun = (outcome) => {
        if (!this.#running) return;
        this.#running = false;
        this.#endRun = undefined;
        resolve(outcome);
      };
      value.then(
        (resolved) => this.#endRun?.({ kind: "succeeded", value: resolved }),
        (error: unknown) => this.#endRun?.({ kind: "failed", error }),
      );
    });
  }

  /**
   * Exactly one queue call for the outcome (plus responses after a successful ack). It hands back
   * the promise of the step it chose rather than awaiting it: one async frame less per job.
   */
  #settle(outcome: Outcome): Promise<void> {
    const health = this.#env.health;
    switch (outcome.kind) {
      case "succeeded":
        health?.handlerSucceeded();
        return this.#succeed(outcome.value);
      case "failed":
        health?.handlerFailed();
        return this.#fail(outcome.error);
      case "abandoned":
        return this.#release(0, outcome.reason, true);
      case "expired":
        return this.#expire();
      case "refused":
        return this.#bury(outcome.reason, outcome.detail, undefined);
    }
  }

  async #succeed(value: unknown): Promise<void> {
    try {
      await this.#reservation.ack();
    } catch (error) {
      this.#failed("ack", error);
      return;
    }
    this.#countSuccess(isJobResult(value) ? await this.#respond(value.responses) : 0);
  }

  #durationMs(): number {
    return performance.now() - this.#startedAt;
  }

  #failed(phase: ErrorPhase, error: unknown): false {
    if (!(error instanceof LeaseLostError)) this.#env.health?.queueFailed();
    this.#env.reportError(phase, error, this.message);
    return false;
  }

  #countSuccess(responses: number): void {
    const env = this.#env;
    env.counts.succeeded++;
    if (env.wants("succeeded")) {
      env.emit("succeeded", { message: this.message, attempt: this.attempt, durationMs: this.#durationMs(), responses });
    }
  }

  /** Enqueues response messages (after the ack); resolves to how many were enqueued. */
  async #respond(responses: readonly MessageInit[]): Promise<number> {
    let enqueued = 0;
    for (const response of responses) {
      try {
        await this.#env.options.responseQueue.enqueue(response);
        enqueued++;
      } catch (error) {
        this.#failed("respond", error);
      }
    }
    return enqueued;
  }

  async #fail(error: unknown): Promise<void> {
    const { options } = this.#env;
    const fatal = isFatalError(error) || (options.unexpectedErrors === "fatal" && !isTransientError(error));
    if (fatal) {
      await this.#bury("fatal", describe(error), error);
      return;
    }
    if (this.attempt >= options.maxAttempts) {
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
      return backoffDelay(this.#env.options.backoff, { attempt: this.attempt, error, message: this.message }, this.#env.options.random);
    } catch (backoffError) {
      // A broken custom backoff must not leave the job reserved: retry it at once instead.
      this.#env.reportError("backoff", backoffError, this.message);
      return 0;
    }
  }

  async #release(delayMs: number, error: unknown, shutdown: boolean): Promise<void> {
    const env = this.#env;
    const message = this.message;
    try {
      await this.#reservation.release({ delayMs, priority: message.header.priority });
    } catch (releaseError) {
      this.#failed("release", releaseError);
      return;
    }
    env.health?.queueOk();
    env.counts.retried++;
    if (env.wants("retried")) {
      env.emit("retried", { message, attempt: this.attempt, durationMs: this.#durationMs(), delayMs, error, shutdown });
    }
  }

  async #bury(reason: BuryReason, detail: string, error: unknown): Promise<void> {
    const env = this.#env;
    try {
      await this.#reservation.bury(detail);
    } catch (buryError) {
      this.#failed("bury", buryError);
      return;
    }
    env.health?.queueOk();
    env.counts.buried++;
    if (env.wants("buried")) {
      const base = { message: this.message, attempt: this.attempt, durationMs: this.#durationMs(), reason, detail };
      env.emit("buried", error === undefined ? base : { ...base, error });
    }
  }

  async #expire(): Promise<void> {
    const env = this.#env;
    const action = env.options.onExpired;
    try {
      // For the holder of the reservation, ack *is* delete, and works on every backend.
      await (action === "bury" ? this.#reservation.bury("expired") : this.#reservation.ack());
    } catch (error) {
      this.#failed(action === "bury" ? "bury" : "ack", error);
      return;
    }
    env.counts.expired++;
    if (env.wants("expired")) env.emit("expired", { message: this.message, attempt: this.attempt, durationMs: this.#durationMs(), action });
  }
}
