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

/** How the handler run ended. */
type Ended = "ok" | "failed" | "abandoned";

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
 * bury or ack-as-delete. Nothing here throws: every failure becomes an `error` event. The hot path
 * (a handler that succeeds) allocates little: it runs for every job.
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
  #finishRun: ((ended: Ended) => void) | undefined;
  #result: unknown;
  /** Set when `run` awaits the ack of a synchronous success. */
  #acking = false;

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
    this.#result = reason;
    this.#finishRun?.("abandoned");
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
   * Runs the job to its settlement, then calls `jobDone`; never rejects. A worker with
   * concurrency 1 does the same inline (`start`, await, `finish`) to spare the async frame,
   * which is most of what a job costs the worker when handlers are quick.
   */
  async run(): Promise<void> {
    let pending: Promise<void> | undefined;
    try {
      pending = this.start();
      if (pending !== undefined) await pending;
    } catch (error) {
      this.finish(error);
      return;
    }
    this.finish();
  }

  /**
   * The synchronous part: checks, routing, the handler call. Returns what must be awaited before
   * `finish()`, if anything; never throws.
   */
  start(): Promise<void> | undefined {
    try {
      return this.#start();
    } catch (error) {
      this.#env.reportError("internal", error, this.message);
      return undefined;
    }
  }

  /** After `start()`'s promise settled (`error`: its rejection): counts a plain success, then `jobDone`. */
  finish(...failure: [error?: unknown]): void {
    const env = this.#env;
    if (failure.length > 0) {
      if (this.#acking) this.#failed("ack", failure[0]);
      else env.reportError("internal", failure[0], this.message);
    } else if (this.#acking) {
      this.#countSuccess(0);
    }
    env.jobDone(this);
  }

  /** The synchronous part: checks, routing, the handler call. Returns what `run` must wait for. */
  #start(): Promise<void> | undefined {
    const env = this.#env;
    const { options } = env;
    const message = this.message;
    env.counts.reserved++;
    if (env.wants("reserved")) env.emit("reserved", { message, attempt: this.attempt });
    const expiration = message.header.expiration;
    if (expiration !== undefined && Date.now() > expiration.getTime()) return this.#expire();
    if (this.attempt > options.maxAttempts) {
      return this.#bury("max-attempts", `max attempts (${options.maxAttempts}) reached`, undefined);
    }
    const type = message.header.requestType;
    const handler = type === undefined ? undefined : (options.handlers[type] as Handler | undefined);
    if (type === undefined || handler === undefined) {
      return this.#bury("no-handler", type === undefined ? "no request type" : `no handler for request type ${JSON.stringify(type)}`, undefined);
    }
    if (options.autoTouch) env.keeper.add(this);
    const running = this.#run(handler, type);
    if (running === "ok" && !isJobResult(this.#result)) {
      env.health?.handlerSucceeded();
      this.#acking = true;
      return this.#reservation.ack();
    }
    return this.#settle(running);
  }

  /** Everything but a plain synchronous success: waits for the handler, then settles. */
  async #settle(running: Ended | Promise<Ended>): Promise<void> {
    const ended = typeof running === "string" ? running : await running;
    const env = this.#env;
    if (ended === "ok") {
      env.health?.handlerSucceeded();
      try {
        await this.#reservation.ack();
      } catch (error) {
        this.#failed("ack", error);
        return;
      }
      const result = this.#result;
      this.#countSuccess(isJobResult(result) ? await this.#respond(result.responses) : 0);
    } else if (ended === "failed") {
      env.health?.handlerFailed();
      await this.#fail(this.#result);
    } else {
      await this.#release(0, this.#result, true);
    }
  }

  /** Calls the handler; a synchronous result needs no promise, an async one is raced against `abandon()`. */
  #run(handler: Handler, requestType: string): Ended | Promise<Ended> {
    let value: unknown;
    try {
      this.#running = true;
      value = handler(this.#reservation.message.body.payload, new Context(this, requestType));
    } catch (error) {
      this.#running = false;
      this.#result = error;
      return "failed";
    }
    if (!isThenable(value)) {
      this.#running = false;
      this.#result = value;
      return "ok";
    }
    return new Promise<Ended>((resolve) => {
      // First call wins: the handler's result, or the shutdown deadline (abandon).
      const finish = (ended: Ended, result: unknown): void => {
        if (!this.#running) return;
        this.#running = false;
        this.#finishRun = undefined;
        if (ended !== "abandoned") this.#result = result;
        resolve(ended);
      };
      this.#finishRun = (ended) => {
        finish(ended, undefined);
      };
      value.then(
        (resolved) => {
          finish("ok", resolved);
        },
        (error: unknown) => {
          finish("failed", error);
        },
      );
    });
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
