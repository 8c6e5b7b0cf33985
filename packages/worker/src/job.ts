import type { TimerHandle } from "@x/core";
import {
  encodeProgress,
  type JsonValue,
  LeaseLostError,
  type Message,
  type MessageInit,
  type Reservation,
  toMessageInit,
} from "@x/message";
import { backoffDelay } from "./backoff.js";
import { describeError } from "./describe-error.js";
import { formatIssues, HandlerTimeoutError, isFatalError, isTransientError, JobEndedError, ResultNotEncodableError } from "./errors.js";
import type { BuryReason, ErrorPhase, WorkerEvents } from "./events.js";
import { isJobResult, type JobContext } from "./handlers.js";
import type { HealthReporter } from "./heartbeat.js";
import { jsonProblem } from "./json.js";
import type { KeptLease, LeaseKeeper } from "./lease-keeper.js";
import { DEFAULT_TOUCH_FRACTION, type ResolvedJob, type ResolvedWorkerOptions } from "./options.js";
import { type ReplyPayload, replyMessage, replyTarget } from "./reply.js";
import { type Validation, validate } from "./schema.js";
import { enqueueTraced } from "./send-span.js";
import { JobTelemetry } from "./telemetry.js";

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

/**
 * How a job's run ended, before it is settled with the queue: one value, so the settlement is one
 * `switch` whatever the handler did (returned, threw, even threw `undefined`) or whether it ran.
 */
type Outcome =
  | { readonly kind: "succeeded"; readonly value: unknown }
  | { readonly kind: "failed"; readonly error: unknown }
  | { readonly kind: "abandoned"; readonly reason: unknown }
  | { readonly kind: "timed-out"; readonly error: HandlerTimeoutError }
  | { readonly kind: "deferred"; readonly delayMs: number }
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

  progress(value: JsonValue): Promise<void> {
    return this.#job.progressNow(value);
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
  /** Spans and instruments, when `@opentelemetry/api` is installed. */
  readonly #telemetry: JobTelemetry | undefined;

  constructor(env: JobEnvironment, reservation: Reservation) {
    this.#env = env;
    this.#reservation = reservation;
    this.attempt = reservation.message.header.attempts + 1;
    const lease = reservation.leaseMs;
    // An adapter with no lease (or a broken one: NaN, 0, negative) gets no touches rather than a timer storm.
    this.touchEveryMs = Number.isFinite(lease) && lease > 0 ? Math.max(1, lease * DEFAULT_TOUCH_FRACTION) : Number.POSITIVE_INFINITY;
    const { queue, time, logger } = env.options;
    this.#telemetry = JobTelemetry.for(queue, reservation.message, this.attempt, time.wallNow(), logger);
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
    this.#telemetry?.touched();
    this.#env.keeper.touched(this);
  }

  /** `ctx.progress(value)`: checks the value, emits `progress`, and stores it (or touches) on the queue. */
  async progressNow(value: JsonValue): Promise<void> {
    if (!this.#running) throw new JobEndedError();
    // The adapter checks too; checking here makes a bad value fail the same way on every queue.
    encodeProgress(value);
    const env = this.#env;
    if (env.wants("progress")) env.emit("progress", { message: this.message, attempt: this.attempt, value });
    const reservation = this.#reservation;
    await (env.options.queue.capabilities.progress && reservation.progress ? reservation.progress(value) : reservation.touch());
    this.#telemetry?.touched();
    env.keeper.touched(this);
  }

  /** Called by the lease keeper; failures are reported, and a lost lease aborts the handler. */
  touch(): void {
    this.#reservation.touch().then(
      () => this.#telemetry?.touched(),
      (error: unknown) => {
        if (!this.#running) return;
        this.#env.reportError("touch", error, this.message);
        // Someone else may hold the job now: tell the handler to stop.
        if (error instanceof LeaseLostError) this.abort(error);
      },
    );
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
      this.#telemetry?.settleFailed(error);
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
    const job = type === undefined ? undefined : options.handlers[type];
    if (type === undefined || job === undefined) {
      const detail = type === undefined ? "no request type" : `no handler for request type ${JSON.stringify(type)}`;
      return { kind: "refused", reason: "no-handler", detail };
    }
    if (job.limiter !== undefined && !job.limiter.tryTake()) return { kind: "deferred", delayMs: job.limiter.deferralDelayMs() };
    const payload = message.body.payload;
    if (job.schema === undefined) return this.#start(job, type, payload);
    let checked: Validation | Promise<Validation>;
    try {
      checked = validate(job.schema, payload);
    } catch (error) {
      // A schema that throws is broken, not the payload: handled like a handler that throws.
      return { kind: "failed", error };
    }
    if (!isThenable(checked)) return this.#validated(job, type, checked);
    return checked.then(
      (validation) => this.#validated(job, type, validation),
      (error: unknown): Outcome => ({ kind: "failed", error }),
    );
  }

  #validated(job: ResolvedJob, type: string, validation: Validation): Outcome | Promise<Outcome> {
    if (!validation.ok)
      return {
        kind: "refused",
        reason: "invalid-payload",
        detail: `invalid payload: ${formatIssues(validation.issues)}`.slice(0, MAX_REASON_LENGTH),
      };
    return this.#start(job, type, validation.value);
  }

  #start(job: ResolvedJob, type: string, payload: unknown): Outcome | Promise<Outcome> {
    if (this.#env.options.autoTouch) this.#env.keeper.add(this);
    this.#telemetry?.started();
    return this.#call(job, type, payload);
  }

  /**
   * Calls the handler; an async one is raced against its timeout and `abandon()` (the shutdown
   * deadline). A synchronous handler cannot be interrupted, so it has no timer.
   */
  #call(job: ResolvedJob, requestType: string, payload: unknown): Outcome | Promise<Outcome> {
    let value: unknown;
    try {
      this.#running = true;
      const context = new Context(this, requestType);
      const telemetry = this.#telemetry;
      value = telemetry === undefined ? job.handle(payload, context) : telemetry.run(() => job.handle(payload, context));
    } catch (error) {
      this.#running = false;
      return { kind: "failed", error };
    }
    if (!isThenable(value)) {
      this.#running = false;
      return { kind: "succeeded", value };
    }
    const { time } = this.#env.options;
    let timer: TimerHandle = undefined;
    return new Promise<Outcome>((resolve) => {
      this.#endRun = (outcome) => {
        if (!this.#running) return;
        this.#running = false;
        this.#endRun = undefined;
        if (timer !== undefined) time.clearTimeout(timer);
        resolve(outcome);
      };
      if (Number.isFinite(job.timeoutMs)) {
        timer = time.setTimeout(() => {
          timer = undefined;
          const error = new HandlerTimeoutError(job.timeoutMs);
          // The outcome is decided before the abort: a handler that rejects on abort must not turn it into a failure.
          const endRun = this.#endRun;
          this.abort(error);
          endRun?.({ kind: "timed-out", error });
        }, job.timeoutMs);
      }
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
      case "timed-out":
        health?.handlerFailed();
        if (this.#env.wants("timed-out")) {
          this.#env.emit("timed-out", {
            message: this.message,
            attempt: this.attempt,
            durationMs: this.#durationMs(),
            timeoutMs: outcome.error.timeoutMs,
          });
        }
        return this.#fail(outcome.error, true);
      case "deferred":
        return this.#defer(outcome.delayMs);
      case "expired":
        return this.#expire();
      case "refused":
        return this.#bury(outcome.reason, outcome.detail, undefined);
    }
  }

  async #succeed(value: unknown): Promise<void> {
    this.#telemetry?.settling("ack");
    try {
      await this.#reservation.ack();
    } catch (error) {
      this.#failed("ack", error);
      return;
    }
    const responses = isJobResult(value) ? await this.#respond(value.responses) : 0;
    const result = isJobResult(value) ? undefined : value;
    this.#countSuccess(responses, result);
    this.#telemetry?.settled("succeeded", this.#durationMs());
    if (this.#env.options.replyQueue !== undefined) await this.#reply(this.#resultReply(result));
  }

  #resultReply(result: unknown): ReplyPayload {
    if (result === undefined) return { ok: true };
    const problem = jsonProblem(result, "result");
    if (problem === undefined) return { ok: true, result: result as JsonValue };
    // The job is done and acked; only the way back is broken. The worker's side sees it too.
    this.#env.reportError("reply", new ResultNotEncodableError(this.message.id, problem), this.message);
    return { ok: false, reason: "not-encodable", detail: problem };
  }

  /** Sends a reply to a `producer.request()` that asked for one and still waits; failures are `error` events. */
  async #reply(payload: ReplyPayload): Promise<void> {
    const { replyQueue, time } = this.#env.options;
    const target = replyTarget(this.message);
    if (replyQueue === undefined || target === undefined) return;
    // Nobody waits any more: a reply now would only lie in the reply queue.
    if (target.replyBy !== undefined && time.wallNow() > target.replyBy) return;
    try {
      // The process span has ended, but stays the parent: the reply belongs to this job's trace.
      await this.#traced(() => enqueueTraced(replyQueue, replyMessage(target, payload)));
    } catch (error) {
      this.#env.reportError("reply", error, this.message);
    }
  }

  /**
   * The request type's rate limit is used up: put the job back for later without counting this
   * delivery. `release()` would count it as an attempt, so a copy with the same attempts count is
   * enqueued (delayed) and the original acked: a crash between the two duplicates the job, never
   * loses it. If the copy cannot be enqueued, the job is released instead (that one counts).
   */
  async #defer(delayMs: number): Promise<void> {
    const env = this.#env;
    const { queue, limiter } = env.options;
    // The job did not start, so the worker-wide token it was reserved with goes back.
    limiter?.refund();
    const message = this.message;
    let id: string;
    try {
      const { id: _id, delay: _delay, ...init } = toMessageInit(message);
      id = (await queue.enqueue({ ...init, delayMs })).id;
    } catch (error) {
      env.reportError("defer", error, message);
      try {
        await this.#reservation.release({ delayMs, priority: message.header.priority });
      } catch (releaseError) {
        this.#failed("release", releaseError);
        return;
      }
      id = message.id;
    }
    if (id !== message.id) {
      try {
        await this.#reservation.ack();
      } catch (error) {
        this.#failed("ack", error);
        return;
      }
    }
    this.#telemetry?.settled("deferred", this.#durationMs());
    if (env.wants("deferred")) env.emit("deferred", { message, attempt: this.attempt, delayMs, id });
  }

  #durationMs(): number {
    return performance.now() - this.#startedAt;
  }

  #failed(phase: ErrorPhase, error: unknown): false {
    this.#telemetry?.settleFailed(error);
    if (!(error instanceof LeaseLostError)) this.#env.health?.queueFailed();
    this.#env.reportError(phase, error, this.message);
    return false;
  }

  #countSuccess(responses: number, result: unknown): void {
    const env = this.#env;
    env.counts.succeeded++;
    if (env.wants("succeeded")) {
      env.emit("succeeded", { message: this.message, attempt: this.attempt, durationMs: this.#durationMs(), responses, result });
    }
  }

  /** Enqueues response messages (after the ack); resolves to how many were enqueued. */
  /** Runs `fn` inside the job's process span (when one records), so its `send` spans are children of it. */
  #traced<T>(fn: () => T): T {
    return this.#telemetry === undefined ? fn() : this.#telemetry.run(fn);
  }

  async #respond(responses: readonly MessageInit[]): Promise<number> {
    let enqueued = 0;
    for (const response of responses) {
      try {
        await this.#traced(() => enqueueTraced(this.#env.options.responseQueue, response));
        enqueued++;
      } catch (error) {
        this.#failed("respond", error);
      }
    }
    return enqueued;
  }

  /** A failed run: bury it, or release it for a retry. `transient`: a timeout, retried whatever `unexpectedErrors` says. */
  async #fail(error: unknown, transient = false): Promise<void> {
    const { options } = this.#env;
    this.#telemetry?.failed();
    const fatal = !transient && (isFatalError(error) || (options.unexpectedErrors === "fatal" && !isTransientError(error)));
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
    this.#telemetry?.settling("release");
    try {
      await this.#reservation.release({ delayMs, priority: message.header.priority });
    } catch (releaseError) {
      this.#failed("release", releaseError);
      return;
    }
    this.#telemetry?.settled("retried", this.#durationMs(), error);
    env.health?.queueOk();
    env.counts.retried++;
    if (env.wants("retried")) {
      env.emit("retried", { message, attempt: this.attempt, durationMs: this.#durationMs(), delayMs, error, shutdown });
    }
  }

  async #bury(reason: BuryReason, detail: string, error: unknown): Promise<void> {
    const env = this.#env;
    this.#telemetry?.settling("bury");
    try {
      await this.#reservation.bury(detail);
    } catch (buryError) {
      this.#failed("bury", buryError);
      return;
    }
    this.#telemetry?.settled("buried", this.#durationMs(), error);
    env.health?.queueOk();
    env.counts.buried++;
    if (env.wants("buried")) {
      const base = { message: this.message, attempt: this.attempt, durationMs: this.#durationMs(), reason, detail };
      env.emit("buried", error === undefined ? base : { ...base, error });
    }
    if (env.options.replyQueue !== undefined) await this.#reply({ ok: false, reason: "buried", detail });
  }

  async #expire(): Promise<void> {
    const env = this.#env;
    const action = env.options.onExpired;
    this.#telemetry?.settling(action === "bury" ? "bury" : "ack");
    try {
      // For the holder of the reservation, ack *is* delete, and works on every backend.
      await (action === "bury" ? this.#reservation.bury("expired") : this.#reservation.ack());
    } catch (error) {
      this.#failed(action === "bury" ? "bury" : "ack", error);
      return;
    }
    env.counts.expired++;
    this.#telemetry?.settled("expired", this.#durationMs());
    if (env.wants("expired")) env.emit("expired", { message: this.message, attempt: this.attempt, durationMs: this.#durationMs(), action });
    if (env.options.replyQueue !== undefined) await this.#reply({ ok: false, reason: "expired", detail: `expired (${action})` });
  }
}
