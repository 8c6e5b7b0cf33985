import {
  checkOptionKeys,
  describeValue,
  durationMsOption,
  Emitter,
  InvalidOptionError,
  integerOption,
  type Listener,
  type Logger,
  loggerOption,
  type Observable,
  type TimeSource,
  timeSourceOption,
  type Unsubscribe,
} from "@x/core";
import { type Backoff, type BackoffOptions, resolveBackoff } from "./backoff.js";
import { type Check, type Handle, isCheck, isHandle, type OnError } from "./contract.js";
import { InvalidCheckError } from "./errors.js";
import { Closable } from "./internal/closable.js";
import { errorText } from "./internal/error-text.js";
import { enumOption, functionOption } from "./internal/options.js";
import type { ProbeMessage } from "./message/types.js";
import { CheckScheduler } from "./scheduling/check-scheduler.js";
import { type CheckEntry, type Entry, type HandleEntry, nameOf } from "./scheduling/entries.js";
import type { ChecksEvents } from "./scheduling/events.js";
import { HandleSupervisor } from "./scheduling/handle-supervisor.js";
import { MessageBuffer } from "./scheduling/message-buffer.js";

/** Checks running at the same time, at most: 10. */
export const DEFAULT_CONCURRENCY = 10;
/** Timeout of a run when neither the check nor the options say: 30 s. */
export const DEFAULT_CHECK_TIMEOUT_MS = 30_000;
/** Delay before re-running a check whose `nextRun()` did not move forward (or threw): 1 s. */
export const DEFAULT_MIN_RESCHEDULE_MS = 1_000;
/** A failed run sends a failure-state message. */
export const DEFAULT_ON_ERROR: OnError = "state";
/** Reopen backoff of handles: 1 s, doubling up to 60 s (DumbProbe's fixed delay), ±10 %. */
export const DEFAULT_REOPEN_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 60_000, factor: 2, jitter: 0.1 };
/** Messages kept for `runNext()` while nobody collects them, at most: 10,000. */
export const DEFAULT_MAX_BUFFERED = 10_000;

/** Options for {@link createChecks}. */
export interface ChecksOptions {
  /** Time source and timers (`now()` is the scheduler's clock). @default `@x/core`'s systemTime */
  readonly time?: TimeSource;
  /** Receives the scheduler's log lines. @default none: nothing is logged */
  readonly logger?: Logger;
  /** Checks running at the same time, at most (asynchronous checks count until they settle). @default DEFAULT_CONCURRENCY */
  readonly concurrency?: number;
  /** Timeout of each run in ms unless the check has its own `timeoutMs`. @default DEFAULT_CHECK_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** What a failed run sends: `"state"` a failure-state message, `"drop"` nothing. @default DEFAULT_ON_ERROR */
  readonly onError?: OnError;
  /** Delay before re-running a check whose `nextRun()` did not advance past its last due time. @default DEFAULT_MIN_RESCHEDULE_MS */
  readonly minRescheduleMs?: number;
  /** Backoff between reopen attempts of a handle after EOF or a failed open. @default DEFAULT_REOPEN_BACKOFF */
  readonly reopen?: BackoffOptions;
  /** Random numbers in [0, 1) for the backoff jitter. @default Math.random */
  readonly random?: () => number;
  /**
   * Messages kept for `runNext()` while nobody collects them; beyond it the oldest are dropped,
   * counted (`messagesDropped`) and logged, so a scheduler nobody reads cannot eat all memory.
   * @default DEFAULT_MAX_BUFFERED
   */
  readonly maxBuffered?: number;
}

const OPTION_KEYS = [
  "time",
  "logger",
  "concurrency",
  "timeoutMs",
  "onError",
  "minRescheduleMs",
  "reopen",
  "random",
  "maxBuffered",
] as const;

/**
 * The scheduler of a `CHECKS` list (DumbProbe's `Checks` container), made by {@link createChecks}:
 * checks run when due, handles are read as soon as they have data, and the messages are collected
 * with `runNext()`, pushed with `forward()`, or gathered once with `runOnce()`.
 */
export interface Checks extends Observable<ChecksEvents>, AsyncDisposable {
  /** Number of checks and handles added. */
  readonly size: number;
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /**
   * Adds a check (queued at its `nextRun()`) or a handle (opened when the scheduler starts).
   * Its id is its position: the number of checks and handles added before it.
   */
  add(item: Check | Handle): void;
  /** Opens the handles and starts running due checks; `runNext()` and `forward()` do it. Idempotent. */
  start(): void;
  /**
   * Waits until at least one message is ready and returns every message ready so far, in the
   * order they were produced. Starts the scheduler. After `close()` it returns what is left
   * (possibly nothing) instead of waiting.
   */
  runNext(options?: { readonly signal?: AbortSignal }): Promise<ProbeMessage[]>;
  /**
   * Push mode: hands each message to `send` the moment it is produced, with no batching or
   * buffering, until `signal` aborts or the scheduler closes (`runProbe()` uses it). Starts the
   * scheduler. A `send` that throws is logged. While it runs, `runNext()` receives nothing.
   */
  forward(send: (message: ProbeMessage) => void, options?: { readonly signal?: AbortSignal }): Promise<void>;
  /**
   * Runs every check once, in list order, one after another (handles are skipped): the `--once`
   * mode. Failures give failure messages as in daemon mode. Does not start the scheduler. When
   * `signal` aborts, the running check is aborted and the messages gathered so far are returned.
   */
  runOnce(options?: { readonly signal?: AbortSignal }): Promise<ProbeMessage[]>;
  /**
   * Stops scheduling, aborts running checks, waits for handle opens in progress and closes the
   * open handles. Waiting `runNext()` calls resolve with what is left. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * The scheduler: parses the options and the list, and composes the parts that each do one job
 * (running checks on time, the lifecycle of handles, where messages go).
 */
export class ScheduledChecks extends Closable implements Checks {
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #onError: OnError;
  readonly #events: Emitter<ChecksEvents>;
  readonly #stopped = new AbortController();
  readonly #messages: MessageBuffer;
  readonly #scheduler: CheckScheduler;
  readonly #handles: HandleSupervisor;
  readonly #entries: Entry[] = [];
  #started = false;

  constructor(checks: readonly (Check | Handle)[], options: ChecksOptions) {
    super();
    if (!Array.isArray(checks)) throw new InvalidOptionError("checks", checks, "must be a list of checks and handles");
    checkOptionKeys(options, OPTION_KEYS, "createChecks");
    const time = timeSourceOption(options.time);
    const logger = loggerOption(options.logger);
    this.#logger = logger;
    const concurrency = integerOption("concurrency", options.concurrency, DEFAULT_CONCURRENCY, 1);
    this.#timeoutMs = durationMsOption("timeoutMs", options.timeoutMs, DEFAULT_CHECK_TIMEOUT_MS, { min: 1 });
    this.#onError = enumOption("onError", options.onError, ["state", "drop"], DEFAULT_ON_ERROR);
    const minRescheduleMs = durationMsOption("minRescheduleMs", options.minRescheduleMs, DEFAULT_MIN_RESCHEDULE_MS, { min: 1 });
    const reopen = resolveBackoff("reopen", options.reopen, DEFAULT_REOPEN_BACKOFF);
    const random = functionOption("random", options.random, Math.random);
    const maxBuffered = integerOption("maxBuffered", options.maxBuffered, DEFAULT_MAX_BUFFERED, 1);
    this.#events = new Emitter<ChecksEvents>({ logger });
    const stopped = this.#stopped.signal;
    this.#messages = new MessageBuffer(maxBuffered, time, logger, this.#events);
    this.#handles = new HandleSupervisor({
      time,
      logger,
      events: this.#events,
      reopen,
      random,
      messages: this.#messages,
      stopped,
      reopenAt: (at, entry) => {
        this.#scheduler.queueReopen(at, entry);
      },
    });
    this.#scheduler = new CheckScheduler({
      time,
      logger,
      events: this.#events,
      concurrency,
      minRescheduleMs,
      messages: this.#messages,
      stopped,
      openHandle: (entry) => {
        this.#handles.open(entry);
      },
    });
    for (const item of checks as readonly unknown[]) this.add(item as Check | Handle);
  }

  get size(): number {
    return this.#entries.length;
  }

  on<E extends keyof ChecksEvents>(event: E, listener: Listener<ChecksEvents[E]>): Unsubscribe {
    return this.#events.on(event, listener);
  }

  add(item: Check | Handle): void {
    const id = this.#entries.length;
    if (isHandle(item)) {
      const name = nameOf(item, id, "H");
      const entry: HandleEntry = {
        kind: "handle",
        id,
        name,
        label: `handle #${id} ${name}`,
        fields: { handle: name, id },
        handle: item,
        state: "closed",
        failures: 0,
        openedAt: 0,
        generation: 0,
        readScheduled: false,
        everOpened: false,
        busy: undefined,
      };
      this.#entries.push(entry);
      if (this.#started && !this.closed) this.#handles.open(entry);
      return;
    }
    if (!isCheck(item))
      throw new InvalidCheckError(id, "is neither a check (nextRun() and run()) nor a handle (open(), readMessages(), close())");
    const timeoutMs = durationMsOption(`checks[${id}].timeoutMs`, item.timeoutMs, this.#timeoutMs, { min: 1 });
    const onError = enumOption(`checks[${id}].onError`, item.onError, ["state", "drop"], this.#onError);
    let due: number;
    try {
      due = item.nextRun();
    } catch (error) {
      throw new InvalidCheckError(id, `nextRun() threw: ${errorText(error)}`, { cause: error });
    }
    if (typeof due !== "number" || Number.isNaN(due))
      throw new InvalidCheckError(id, `nextRun() must return a number, got ${describeValue(due, 60)}`);
    const name = nameOf(item, id, "C");
    const fields = { check: name, id };
    const entry: CheckEntry = {
      kind: "check",
      id,
      name,
      label: `check #${id} ${name}`,
      fields,
      check: item,
      timeoutMs,
      onError,
      logger: this.#logger,
    };
    this.#entries.push(entry);
    this.#logger.debug({ ...fields, dueAt: due }, "check added");
    this.#scheduler.queue(due, entry);
  }

  start(): void {
    if (this.#started || this.closed) return;
    this.#started = true;
    for (const entry of this.#entries) if (entry.kind === "handle") this.#handles.open(entry);
    this.#scheduler.start();
  }

  async runNext(options: { readonly signal?: AbortSignal } = {}): Promise<ProbeMessage[]> {
    checkOptionKeys(options, ["signal"], "runNext");
    const { signal } = options;
    signal?.throwIfAborted();
    this.start();
    if (this.#messages.ready || this.closed) return this.#messages.take();
    return this.#messages.next(signal);
  }

  async forward(send: (message: ProbeMessage) => void, options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    checkOptionKeys(options, ["signal"], "forward");
    if (typeof send !== "function") throw new InvalidOptionError("send", send, "must be a function");
    const { signal } = options;
    if (signal?.aborted === true || this.closed) return;
    const stop = signal === undefined ? this.#stopped.signal : AbortSignal.any([signal, this.#stopped.signal]);
    const forwarding = this.#messages.forward(send, stop);
    this.start();
    await forwarding;
  }

  async runOnce(options: { readonly signal?: AbortSignal } = {}): Promise<ProbeMessage[]> {
    checkOptionKeys(options, ["signal"], "runOnce");
    return this.#scheduler.runOnce(this.#entries, options.signal);
  }

  protected async shutdown(): Promise<void> {
    const reason = new DOMException("the checks scheduler was closed", "AbortError");
    this.#stopped.abort(reason);
    this.#scheduler.close(reason);
    this.#messages.close();
    await this.#handles.close(this.#entries.filter((entry) => entry.kind === "handle"));
  }
}

/**
 * Makes the scheduler for a `CHECKS` list: a run queue ordered by due time with a FIFO
 * tie-break, millisecond precision on a monotonic clock, bounded concurrency, a timeout per run,
 * handles read as soon as they have data (also while checks run), and reopened with backoff
 * after EOF. A run that throws, times out or returns nothing is rescheduled and reported with a
 * failure-state message; `null` is never emitted. Options are checked up front.
 *
 * @example
 * ```ts
 * const checks = createChecks([functionCheck(() => createMessage({ aspect: "tick", value: 1 }), { intervalMs: 1000 })]);
 * const messages = await checks.runNext();
 * await checks.close();
 * ```
 */
export function createChecks(checks: readonly (Check | Handle)[] = [], options: ChecksOptions = {}): Checks {
  return new ScheduledChecks(checks, options);
}
