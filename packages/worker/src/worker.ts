import { Emitter, type Observable, sleep, type TimeSource } from "@x/core";
import { type Message, QueueClosedError, type Reservation } from "@x/message";
import { WorkerStateError, WorkerStoppingError } from "./errors.js";
import type { ErrorPhase, StopReason, WorkerEvents } from "./events.js";
import { HealthReporter } from "./heartbeat.js";
import { ActiveJob, type Counts, type JobEnvironment } from "./job.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { type LoggedEvent, logEvent } from "./log.js";
import { type ResolvedWorkerOptions, resolveWorkerOptions, type WorkerOptions } from "./options.js";
import { observeQueueDepth } from "./telemetry.js";

/** Outcome counts since the worker was created. */
export interface WorkerCounters {
  /** Jobs handed to this worker. */
  readonly reserved: number;
  /** Jobs whose handler resolved and that were acked. */
  readonly succeeded: number;
  /** Releases for another try, including jobs released at shutdown. */
  readonly retried: number;
  /** Jobs buried: fatal errors, no handler, too many attempts. */
  readonly buried: number;
  /** Jobs past their expiration when reserved (buried with reason `expired`, or deleted). */
  readonly expired: number;
  /** `error` events (failed queue calls, heartbeats, listeners). */
  readonly errors: number;
  /** Jobs running now. */
  readonly inFlight: number;
}

/** What `run()` resolves to. */
export interface WorkerRunResult {
  /** Why the worker stopped. */
  readonly reason: StopReason;
  /** The counts at the end. */
  readonly counters: WorkerCounters;
}

/** Where a worker is in its life. */
export type WorkerState = "created" | "running" | "stopping" | "stopped";

/** A worker made by {@link createWorker}. */
export interface Worker extends Observable<WorkerEvents>, AsyncDisposable {
  /**
   * Reserves and runs jobs until stopped: `shutdownAfterEmptyIterations` empty polls, the `signal`
   * option, SIGINT/SIGTERM, `close()`, or the queue closing. Resolves once every job it reserved is
   * settled. Call it once.
   * @throws WorkerStateError when called twice or after `close()`.
   */
  run(): Promise<WorkerRunResult>;
  /**
   * Stops reserving, lets running jobs finish within `shutdownTimeoutMs`, then aborts and releases
   * the rest; resolves when everything is settled. Idempotent. The queue is not closed.
   */
  close(): Promise<void>;
  /**
   * Calls `listener` on each `event`; returns the function that removes it. A listener that
   * throws becomes an `error` event (phase `listener`), never a failure of the worker.
   */
  on<E extends keyof WorkerEvents>(event: E, listener: (payload: WorkerEvents[E]) => void): () => void;
  /** A snapshot of the outcome counts. */
  readonly counters: WorkerCounters;
  /** `created` until `run()`, `running`, `stopping` once a stop was asked for, `stopped` when settled. */
  readonly state: WorkerState;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

class QueueWorker implements Worker, JobEnvironment {
  readonly options: ResolvedWorkerOptions;
  readonly keeper: LeaseKeeper;
  readonly counts: Counts = { reserved: 0, succeeded: 0, retried: 0, buried: 0, expired: 0, errors: 0 };
  readonly health: HealthReporter | undefined;
  readonly #emitter: Emitter<WorkerEvents>;
  readonly #active = new Set<ActiveJob>();
  readonly #stopController = new AbortController();
  #state: WorkerState = "created";
  #stopReason: StopReason | undefined;
  #deadline: ReturnType<typeof setTimeout> | undefined;
  /** Resolves the one pending `#changed()` (the loop or the drain; never both at once). */
  #wakeup: (() => void) | undefined;
  /** The loop is waiting on its own reserve (with more than one slot): finished jobs' slots are refilled ahead. */
  #loopReserving = false;
  /** The last reserve brought a job (with more than one slot): free slots reserve ahead together. */
  #flowing = false;
  #emptyPolls = 0;
  /** Non-blocking reserves in flight beside the loop's own (see `#reserveAhead`). */
  #reservingAhead = 0;
  #runPromise: Promise<WorkerRunResult> | undefined;
  #closePromise: Promise<void> | undefined;
  #inListenerError = false;

  constructor(options: ResolvedWorkerOptions) {
    this.options = options;
    this.keeper = new LeaseKeeper(this.#active);
    this.#emitter = new Emitter<WorkerEvents>({
      onListenerError: (error, event) => {
        // A throwing `error` listener must not recurse.
        if (this.#inListenerError) {
          this.options.logger?.error({ event, error }, "a worker error listener threw");
          return;
        }
        this.#inListenerError = true;
        try {
          this.reportError("listener", error);
        } finally {
          this.#inListenerError = false;
        }
      },
    });
    const heart = options.heart;
    this.health =
      heart === undefined
        ? undefined
        : new HealthReporter(
            heart,
            {
              periodMs: options.heartbeatPeriodMs,
              warmupMs: options.heartbeatWarmupMs,
              degradedAfterFailures: options.degradedAfterFailures,
            },
            (error) => {
              this.reportError("heartbeat", error);
            },
          );
  }

  get state(): WorkerState {
    return this.#state;
  }

  get counters(): WorkerCounters {
    return Object.freeze({ ...this.counts, inFlight: this.#active.size });
  }

  on<E extends keyof WorkerEvents>(event: E, listener: (payload: WorkerEvents[E]) => void): () => void {
    return this.#emitter.on(event, listener);
  }

  wants(event: keyof WorkerEvents): boolean {
    return this.options.logger !== undefined || this.#emitter.has(event);
  }

  jobDone(job: ActiveJob): void {
    this.#active.delete(job);
    // While the loop waits on its own reserve, nothing else would fill the slot this job frees
    // until some reserve comes back: a queue whose reserve is a round trip would idle it that long.
    if (this.#loopReserving) this.#reserveAhead();
    this.#wake();
  }

  emit<E extends keyof WorkerEvents>(event: E, payload: WorkerEvents[E]): void {
    this.#emitter.emit(event, payload);
    if (this.options.logger) logEvent(this.options.logger, { event, payload } as LoggedEvent);
  }

  reportError(phase: ErrorPhase, error: unknown, message?: Message): void {
    this.counts.errors++;
    this.emit("error", message === undefined ? { phase, error } : { phase, error, message });
  }

  run(): Promise<WorkerRunResult> {
    if (this.#state !== "created") {
      return Promise.reject(
        new WorkerStateError(this.#closePromise ? "the worker is closed" : "run() was already called; a worker runs once"),
      );
    }
    this.#state = "running";
    this.#runPromise = this.#run();
    return this.#runPromise;
  }

  close(): Promise<void> {
    this.#closePromise ??= this.#close();
    return this.#closePromise;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(): Promise<void> {
    if (this.#state === "created") {
      this.#state = "stopped";
      return;
    }
    this.#requestStop("closed");
    // run()'s caller sees its failure; close() only waits for the end.
    await this.#runPromise?.catch(() => undefined);
  }

  async #run(): Promise<WorkerRunResult> {
    const stopListening = this.#listenForStop();
    const { logger, queue, concurrency } = this.options;
    logger?.info({ queue: queue.name, concurrency }, "worker started");
    this.health?.start();
    const stopObserving = observeQueueDepth(queue);
    try {
      await this.#loop();
    } finally {
      await this.#drain();
      stopObserving();
      stopListening();
      this.keeper.stop();
      if (this.#deadline) clearTimeout(this.#deadline);
      await this.health?.stop();
      this.#state = "stopped";
    }
    const reason = this.#stopReason ?? "closed";
    this.emit("stopped", { reason });
    return { reason, counters: this.counters };
  }

  async #loop(): Promise<void> {
    const { queue, concurrency, errorDelayMs, sleepDurationMs, shutdownAfterEmptyIterations, limiter } = this.options;
    const stopSignal = this.#stopController.signal;
    // 0 empty iterations means "drain": never wait for new jobs.
    const timeoutMs = shutdownAfterEmptyIterations === 0 ? 0 : this.options.pollTimeoutMs;
    // A reserve that does not wait cannot block a stop, so it needs no signal.
    const reserveOptions = timeoutMs === 0 ? { timeoutMs } : { timeoutMs, signal: stopSignal };
    while (!this.#stopRequested()) {
      if (this.#active.size + this.#reservingAhead >= concurrency) {
        await this.#changed();
        continue;
      }
      // Reserve only with a token in hand, so no job waits reserved for the rate limit.
      if (limiter !== undefined && !limiter.tryTake()) {
        await this.#pause(limiter.msUntilToken(), this.options.time);
        continue;
      }
      // While jobs flow, the other free slots reserve alongside this one rather than after it:
      // slots freed together would otherwise refill one round trip apart, in lockstep.
      if (this.#flowing) this.#reserveAhead();
      let reservation: Reservation | null;
      try {
        this.#loopReserving = concurrency > 1;
        reservation = await queue.reserve(reserveOptions);
      } catch (error) {
        this.#loopReserving = false;
        limiter?.refund();
        if (this.#stopRequested()) break;
        this.reportError("reserve", error);
        if (error instanceof QueueClosedError) {
          this.#requestStop("queue-closed");
          break;
        }
        this.health?.queueFailed();
        await this.#pause(errorDelayMs);
        continue;
      }
      this.#loopReserving = false;
      this.health?.queueOk();
      if (reservation === null || this.#stopRequested()) limiter?.refund();
      if (reservation !== null && this.#stopRequested()) {
        // A reserve that does not wait has no signal to abort it: what it brings back after a stop
        // is handed back untouched rather than started.
        await this.#handBack(reservation);
        break;
      }
      this.#flowing = reservation !== null && concurrency > 1;
      if (reservation === null) {
        this.#emptyPolls++;
        if (this.#emptyPolls >= shutdownAfterEmptyIterations) {
          this.#requestStop("idle");
          break;
        }
        await this.#pause(sleepDurationMs);
        continue;
      }
      this.#emptyPolls = 0;
      const job = new ActiveJob(this, reservation);
      this.#active.add(job);
      if (concurrency > 1) {
        void job.run();
        this.#reserveAhead();
        continue;
      }
      // One job at a time: nothing else may be reserved until it is settled.
      await job.run();
    }
  }

  /**
   * Waits between polls, or after a failed reserve; a stop ends the wait at once. A zero pause
   * sets no timer: the default `sleepDurationMs` of 0 must not cost a timer turn per empty poll.
   */
  async #pause(ms: number, time?: TimeSource): Promise<void> {
    if (ms <= 0) return;
    try {
      await sleep(ms, this.#stopController.signal, time);
    } catch (error) {
      // The stop's own abort is the expected way out; the loop sees the stop and ends.
      if (!this.#stopRequested()) throw error;
    }
  }

  /**
   * While jobs are flowing, fills the free slots with non-blocking reserves issued together, so a
   * queue whose reserve takes a round trip or two (beanstalkd) is not limited to one reserve at a
   * time. Their empty results are not polls: only the loop's own reserve counts towards
   * `shutdownAfterEmptyIterations` and sleeps, so the loop's timing is the same as with one slot.
   * A reserve ahead stays counted in `#reservingAhead` until what it got is running or handed back,
   * so the drain (and `close()`) cannot end while a job it reserved is still held.
   */
  #reserveAhead(): void {
    const { queue, concurrency, limiter } = this.options;
    while (
      !this.#stopRequested() &&
      this.#active.size + this.#reservingAhead + 1 < concurrency &&
      (limiter === undefined || limiter.tryTake())
    ) {
      this.#reservingAhead++;
      queue.reserve({ timeoutMs: 0 }).then(
        (reservation) => {
          if (reservation !== null) {
            this.#startAhead(reservation);
            return;
          }
          this.#flowing = false;
          limiter?.refund();
          this.#aheadDone();
        },
        (error: unknown) => {
          limiter?.refund();
          // The loop's own reserve meets the same failure and deals with it (error delay, stop).
          if (!this.#stopRequested()) this.reportError("reserve", error);
          this.#aheadDone();
        },
      );
    }
  }

  #aheadDone(): void {
    this.#reservingAhead--;
    this.#wake();
  }

  #startAhead(reservation: Reservation): void {
    // Running out of work waits for whatever is running, so a job found after all is run; any other
    // stop hands it straight back, untouched, before the drain may end.
    if (this.#stopRequested() && this.#stopReason !== "idle") {
      this.options.limiter?.refund();
      void this.#handBack(reservation).then(() => {
        this.#aheadDone();
      });
      return;
    }
    this.#emptyPolls = 0;
    this.#flowing = true;
    this.health?.queueOk();
    const job = new ActiveJob(this, reservation);
    this.#active.add(job);
    this.#aheadDone();
    void job.run();
    this.#reserveAhead();
  }

  /** Releases a job that was reserved but never started (no delay, priority kept); never rejects. */
  async #handBack(reservation: Reservation): Promise<void> {
    try {
      await reservation.release();
    } catch (error) {
      this.reportError("release", error, reservation.message);
    }
  }

  /** Waits until every running job has settled (or was abandoned and released), and no reserve is pending. */
  async #drain(): Promise<void> {
    while (this.#active.size > 0 || this.#reservingAhead > 0) await this.#changed();
  }

  #requestStop(reason: StopReason): void {
    if (this.#stopReason === undefined) {
      this.#stopReason = reason;
      this.#state = "stopping";
      this.emit("stopping", { reason });
      this.#stopController.abort(new WorkerStoppingError(`the worker is stopping (${reason})`));
    }
    // Running out of work waits for running jobs as long as they take; any other stop has a deadline.
    if (reason !== "idle" && this.#deadline === undefined && Number.isFinite(this.options.shutdownTimeoutMs)) {
      this.#deadline = setTimeout(() => {
        this.#hurryUp();
      }, this.options.shutdownTimeoutMs);
    }
    this.#wake();
  }

  /** A method, not a field read, so TypeScript does not narrow it across awaits. */
  #stopRequested(): boolean {
    return this.#stopReason !== undefined;
  }

  /** The deadline passed (or a second signal came): abort running jobs and release them now. */
  #hurryUp(): void {
    const reason = new WorkerStoppingError("the worker stopped before the job finished");
    // Each abandoned job releases itself and leaves the set, which wakes whoever waits.
    for (const job of this.#active) job.abandon(reason);
  }

  #listenForStop(): () => void {
    const { signal, handleSignals } = this.options;
    const onAbort = (): void => {
      this.#requestStop("aborted");
    };
    const onSignal = (name: NodeJS.Signals): void => {
      this.options.logger?.info({ signal: name }, "worker received a signal");
      // A second signal (or one after close()) means "now": skip the rest of the deadline.
      if (this.#stopReason !== undefined && this.#stopReason !== "idle") this.#hurryUp();
      else this.#requestStop("signal");
    };
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    if (handleSignals) for (const name of SIGNALS) process.on(name, onSignal);
    return () => {
      signal?.removeEventListener("abort", onAbort);
      if (handleSignals) for (const name of SIGNALS) process.off(name, onSignal);
    };
  }

  /** Resolves at the next change: a job ended, a stop was requested, the deadline passed. */
  #changed(): Promise<void> {
    return new Promise((resolve) => (this.#wakeup = resolve));
  }

  #wake(): void {
    const wakeup = this.#wakeup;
    this.#wakeup = undefined;
    wakeup?.();
  }
}

/**
 * Creates a worker that reserves jobs from `queue` and runs the handler of each job's
 * `request_type`. Options are checked here, so a mistake fails at once, naming the option; the
 * caller's object is not kept. Nothing runs until `run()`.
 *
 * @example
 * ```ts
 * const worker = createWorker<{ greet: { name: string } }>({
 *   queue,
 *   handlers: { greet: async (payload) => console.log(`hello ${payload.name}`) },
 * });
 * await worker.run();
 * ```
 * @throws InvalidOptionError naming the first bad option.
 */
export function createWorker<Jobs extends object = Record<string, unknown>>(options: WorkerOptions<Jobs>): Worker {
  return new QueueWorker(resolveWorkerOptions(options));
}
