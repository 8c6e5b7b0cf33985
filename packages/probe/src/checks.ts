import { backoffDelay, resolveBackoff, type Backoff, type BackoffOptions } from "./backoff.js";
import { awaitRun, failedOutcome, runCheck, type RunOutcome } from "./check-runner.js";
import { systemClock, type Clock } from "./clock.js";
import { isCheck, isHandle, type Check, type CheckFailure, type Handle, type HandleContext, type OnError } from "./contract.js";
import { CheckNoResultError, HandleEofError, HandleReadError, InvalidCheckError, InvalidOptionError } from "./errors.js";
import { defaultFailureMessage, describeFailure } from "./failure.js";
import { BoundedQueue } from "./internal/bounded-queue.js";
import { Closable } from "./internal/closable.js";
import { clockOption, describe, enumOption, functionOption, integerOption, loggerOption, numberOption } from "./internal/options.js";
import { RateLimit } from "./internal/rate-limit.js";
import { isThenable } from "./internal/thenable.js";
import { errorText, silentLogger, type Logger } from "./logger.js";
import type { ProbeMessage } from "./message/types.js";
import { isBuiltMessage } from "./message/build.js";
import { messageProblem } from "./message/validate.js";
import { RunContext } from "./run-context.js";
import { RunQueue } from "./run-queue.js";

/** Checks run at the same time, at most: 10. */
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

/** The "dropped unread messages" warning is logged at most this often. */
const BUFFER_WARN_INTERVAL_MS = 30_000;

/** The longest stretch the scheduler runs due checks before letting I/O (handles, outputs) in. */
const SLICE_MS = 10;
/** In a burst of due checks, the clock is read once per this many runs. */
const CLOCK_EVERY = 32;

/** Options for {@link Checks}. */
export interface ChecksOptions {
  /** Time source and timers. @default systemClock */
  readonly clock?: Clock;
  /** Receives the scheduler's log lines. @default silentLogger */
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

/** A message that was not sent because it is not a valid v3 message. */
export interface MessageRejection {
  /** Which check or handle produced it, e.g. `check #2 load`. */
  readonly source: string;
  /** What is wrong with it, e.g. `location.host must be a string`. */
  readonly reason: string;
  /** What was produced, as it was. */
  readonly value: unknown;
}

/** Identifies a handle in events. */
export interface HandleInfo {
  /** Position of the handle in the checks list. */
  readonly id: number;
  /** The handle's name in logs (`checkName()` or a generated one). */
  readonly name: string;
}

/** Events of {@link Checks}. */
export interface ChecksEvents {
  /** A run threw, timed out or returned nothing. */
  checkFailed: [failure: CheckFailure];
  /** A check or handle produced something that is not a valid message. */
  messageRejected: [rejection: MessageRejection];
  /** A handle was opened (first time or after a reopen). */
  handleOpened: [handle: HandleInfo];
  /** A handle failed to open or hit EOF; it is reopened after `reopenInMs`. */
  handleClosed: [handle: HandleInfo & { readonly reason: string; readonly reopenInMs: number }];
  /** `readMessages()` threw something other than EOF, or the handle reported an error; it stays open. */
  handleError: [handle: HandleInfo & { readonly error: HandleReadError }];
  /** Messages nobody collected with `runNext()` were dropped to stay within `maxBuffered` (the oldest first). */
  messagesDropped: [count: number];
}

interface CheckEntry {
  readonly kind: "check";
  readonly id: number;
  readonly name: string;
  /** `check #<id> <name>`, the prefix of its log lines. */
  readonly label: string;
  readonly check: Check;
  readonly timeoutMs: number;
  readonly onError: OnError;
  readonly logger: Logger;
}

interface HandleEntry {
  readonly kind: "handle";
  readonly id: number;
  readonly name: string;
  /** `handle #<id> <name>`, the prefix of its log lines. */
  readonly label: string;
  readonly handle: Handle;
  state: "closed" | "opening" | "open" | "closing";
  /** The open() or close() in progress, which close() waits for. */
  busy: Promise<void> | undefined;
  /** Consecutive failed opens or short-lived opens; drives the backoff. */
  failures: number;
  openedAt: number;
  /** Bumped on every open, so wake-ups from an earlier incarnation are ignored. */
  generation: number;
  readScheduled: boolean;
  everOpened: boolean;
}

type Entry = CheckEntry | HandleEntry;

/** Receives messages as they are produced. */
interface MessageSink {
  push(message: ProbeMessage): void;
}

interface Waiter {
  resolve(messages: ProbeMessage[]): void;
  cleanup(): void;
}

/** Longest name kept for logs and events; the rest is cut. */
const MAX_NAME_LENGTH = 200;

/**
 * A name safe to put in a log line: control characters (a newline could forge a log line) are
 * escaped as in JSON, and a very long name is cut.
 */
function printable(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
  const escaped = /[\u0000-\u001f\u007f]/.test(name) ? JSON.stringify(name).slice(1, -1) : name;
  return escaped.length > MAX_NAME_LENGTH ? `${escaped.slice(0, MAX_NAME_LENGTH)}…` : escaped;
}

function nameOf(value: Check | Handle, id: number, prefix: string): string {
  try {
    const name = value.checkName?.();
    if (typeof name === "string" && name !== "") return printable(name);
  } catch {
    // A broken checkName() must not take the check down; fall back to the generated name.
  }
  const className = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return `${prefix}-${id}/${typeof className === "string" && className !== "" ? className : "Object"}`;
}

const isEof = (error: unknown): boolean =>
  error instanceof HandleEofError || (typeof error === "object" && error !== null && (error as { code?: unknown }).code === "ERR_HANDLE_EOF");

/**
 * The scheduler for a `CHECKS` list (DumbProbe's `Checks` container): a run queue ordered by
 * due time with a FIFO tie-break, millisecond precision on a monotonic clock, bounded
 * concurrency, a timeout per run, handles read as soon as they have data (also while checks
 * run), and reopened with backoff after EOF. A run that throws, times out or returns nothing is
 * rescheduled and reported with a failure-state message; `null` is never emitted.
 *
 * @example
 * ```ts
 * const checks = new Checks([functionCheck(() => createMessage({ aspect: "tick", value: 1 }), { intervalMs: 1000 })]);
 * const messages = await checks.runNext();
 * await checks.close();
 * ```
 */
export class Checks extends Closable<ChecksEvents> {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #concurrency: number;
  readonly #timeoutMs: number;
  readonly #onError: OnError;
  readonly #minRescheduleMs: number;
  readonly #reopen: Backoff;
  readonly #random: () => number;
  readonly #bufferWarn: RateLimit;

  readonly #entries: Entry[] = [];
  readonly #queue = new RunQueue<Entry>();
  readonly #inFlight = new Set<RunContext>();
  /** Messages waiting for `runNext()`. */
  readonly #buffer: BoundedQueue<ProbeMessage>;
  readonly #bufferSink: MessageSink = {
    push: (message) => {
      this.#buffered(message);
    },
  };
  /** Where produced messages go: the buffer `runNext()` drains, or the callback of `forward()`. */
  #sink: MessageSink = this.#bufferSink;
  #droppedSinceWarn = 0;
  readonly #closedSignal = new AbortController();
  readonly #waiters: Waiter[] = [];
  #wakeQueued = false;
  #running = 0;
  #started = false;
  #pumping = false;
  #sliceQueued = false;
  #timer: unknown;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(checks: readonly (Check | Handle)[] = [], options: ChecksOptions = {}) {
    super();
    if (!Array.isArray(checks)) throw new InvalidOptionError("checks", `must be a list of checks and handles, got ${describe(checks)}`);
    if (typeof options !== "object" || (options as unknown) === null) throw new InvalidOptionError("options", `must be an object, got ${describe(options)}`);
    this.#clock = clockOption("clock", options.clock, systemClock);
    this.#logger = loggerOption("logger", options.logger, silentLogger);
    this.#concurrency = integerOption("concurrency", options.concurrency, DEFAULT_CONCURRENCY, 1);
    this.#timeoutMs = numberOption("timeoutMs", options.timeoutMs, DEFAULT_CHECK_TIMEOUT_MS, 1);
    this.#onError = enumOption("onError", options.onError, ["state", "drop"], DEFAULT_ON_ERROR);
    this.#minRescheduleMs = numberOption("minRescheduleMs", options.minRescheduleMs, DEFAULT_MIN_RESCHEDULE_MS, 1);
    this.#reopen = resolveBackoff("reopen", options.reopen, DEFAULT_REOPEN_BACKOFF);
    this.#random = functionOption("random", options.random, Math.random);
    this.#buffer = new BoundedQueue<ProbeMessage>(integerOption("maxBuffered", options.maxBuffered, DEFAULT_MAX_BUFFERED, 1), () => 1);
    this.#bufferWarn = new RateLimit(this.#clock, BUFFER_WARN_INTERVAL_MS);
    for (const item of checks as readonly unknown[]) this.add(item as Check | Handle);
  }

  /** Number of checks and handles added. */
  get size(): number {
    return this.#entries.length;
  }

  /**
   * Adds a check (queued at its `nextRun()`) or a handle (opened when the scheduler starts).
   * Its id is its position: the number of checks and handles added before it.
   */
  add(item: Check | Handle): void {
    const id = this.#entries.length;
    if (isHandle(item)) {
      const name = nameOf(item, id, "H");
      const entry: HandleEntry = {
        kind: "handle",
        id,
        name,
        label: `handle #${id} ${name}`,
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
      if (this.#started && !this.closed) this.#openHandle(entry);
      return;
    }
    if (!isCheck(item)) throw new InvalidCheckError(id, "is neither a check (nextRun() and run()) nor a handle (open(), readMessages(), close())");
    const timeoutMs = numberOption(`checks[${id}].timeoutMs`, item.timeoutMs, this.#timeoutMs, 1);
    const onError = enumOption(`checks[${id}].onError`, item.onError, ["state", "drop"], this.#onError);
    let due: number;
    try {
      due = item.nextRun();
    } catch (error) {
      throw new InvalidCheckError(id, `nextRun() threw: ${errorText(error)}`, { cause: error });
    }
    if (typeof due !== "number" || Number.isNaN(due)) throw new InvalidCheckError(id, `nextRun() must return a number, got ${describe(due)}`);
    const name = nameOf(item, id, "C");
    const entry: CheckEntry = { kind: "check", id, name, label: `check #${id} ${name}`, check: item, timeoutMs, onError, logger: this.#logger };
    this.#entries.push(entry);
    this.#queue.add(due, entry);
    this.#logger.debug(`adding check #${id} ${entry.name} to run at @${due}`);
    if (this.#started) this.#pump();
  }

  /** Opens the handles and starts running due checks; `runNext()` does it on first call. Idempotent. */
  start(): void {
    if (this.#started || this.closed) return;
    this.#started = true;
    for (const entry of this.#entries) if (entry.kind === "handle") this.#openHandle(entry);
    this.#pump();
  }

  /**
   * Waits until at least one message is ready and returns every message ready so far, in the
   * order they were produced. Starts the scheduler on first call. After `close()` it returns
   * what is left (possibly nothing) instead of waiting.
   */
  async runNext(options: { readonly signal?: AbortSignal } = {}): Promise<ProbeMessage[]> {
    const { signal } = options;
    signal?.throwIfAborted();
    this.start();
    if (this.#buffer.length > 0 || this.closed) return this.#take();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = { resolve, cleanup: () => signal?.removeEventListener("abort", onAbort) };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /**
   * Push mode: hands each message to `send` the moment it is produced, with no batching or
   * buffering, until `signal` aborts or the scheduler closes (`runProbe()` uses it). Starts the
   * scheduler. A `send` that throws is logged. While it runs, `runNext()` receives nothing.
   */
  async forward(send: (message: ProbeMessage) => void, options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted === true || this.closed) return;
    const logger = this.#logger;
    const sink: MessageSink = {
      push(message) {
        try {
          send(message);
        } catch (error) {
          logger.error(`sending a message failed: ${errorText(error)}`);
        }
      },
    };
    for (const message of this.#take()) sink.push(message);
    this.#sink = sink;
    this.start();
    try {
      await new Promise<void>((resolve) => {
        const stop = AbortSignal.any(signal === undefined ? [this.#closedSignal.signal] : [signal, this.#closedSignal.signal]);
        if (stop.aborted) resolve();
        else stop.addEventListener("abort", () => {
          resolve();
        }, { once: true });
      });
    } finally {
      if (this.#sink === sink) this.#sink = this.#bufferSink;
    }
  }

  /**
   * Runs every check once, in list order, one after another (handles are skipped): the `--once`
   * mode. Failures give failure messages as in daemon mode. Does not start the scheduler. When
   * `signal` aborts, the running check is aborted and the messages gathered so far are returned.
   */
  async runOnce(options: { readonly signal?: AbortSignal } = {}): Promise<ProbeMessage[]> {
    const { signal } = options;
    const messages: ProbeMessage[] = [];
    const stopped = (): boolean => signal?.aborted === true || this.closed;
    for (const entry of this.#entries) {
      if (stopped()) break;
      if (entry.kind !== "check") continue;
      const now = this.#clock.now();
      const context = new RunContext(entry, now, now);
      const onAbort = (): void => {
        context.abort(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#inFlight.add(context);
      const outcome = await new Promise<RunOutcome>((resolve) => {
        runCheck(entry.check, context, this.#clock, resolve);
      });
      this.#inFlight.delete(context);
      signal?.removeEventListener("abort", onAbort);
      // A run cut short by shutdown is not a failure of the check.
      if (stopped()) break;
      this.#settle(entry, outcome, messages);
    }
    return messages;
  }

  /**
   * Stops scheduling, aborts running checks, waits for handle opens in progress and closes the
   * open handles. Waiting `runNext()` calls resolve with what is left. Idempotent.
   */
  protected async shutdown(): Promise<void> {
    const reason = new DOMException("the checks scheduler was closed", "AbortError");
    this.#closedSignal.abort(reason);
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.clear();
    for (const context of this.#inFlight) context.abort(reason);
    this.#inFlight.clear();
    for (const waiter of this.#waiters.splice(0)) {
      waiter.cleanup();
      waiter.resolve(this.#take());
    }
    const handles = this.#entries.filter((entry) => entry.kind === "handle");
    // An open() in progress would otherwise finish after close() and leave its handle (a child
    // process, say) running: wait for it (its context's signal is aborted), then close it.
    await Promise.all(handles.map(async (entry) => entry.busy));
    await Promise.all(
      handles.filter((entry) => entry.state === "open").map(async (entry) => {
        entry.generation++;
        entry.state = "closing";
        await this.#closeHandle(entry);
      }),
    );
  }

  #take(): ProbeMessage[] {
    return this.#buffer.takeAll();
  }

  #buffered(message: ProbeMessage): void {
    const dropped = this.#buffer.push(message);
    if (dropped === 0) return;
    this.#droppedSinceWarn += dropped;
    this.#safeEmit("messagesDropped", dropped);
    if (this.#bufferWarn.allow()) {
      this.#logger.warn(`dropped ${this.#droppedSinceWarn} messages nobody collected (maxBuffered is ${this.#buffer.size})`);
      this.#droppedSinceWarn = 0;
    }
  }

  /** Hands buffered messages to a waiter after the current burst, so one burst is one batch. */
  #wake(): void {
    if (this.#wakeQueued || this.#waiters.length === 0) return;
    this.#wakeQueued = true;
    queueMicrotask(() => {
      this.#wakeQueued = false;
      if (this.#buffer.length === 0) return;
      const waiter = this.#waiters.shift();
      if (waiter === undefined) return;
      waiter.cleanup();
      waiter.resolve(this.#take());
    });
  }

  #safeEmit<K extends keyof ChecksEvents>(event: K, ...args: ChecksEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: ChecksEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      this.#logger.error(`a "${event}" listener threw: ${errorText(error)}`);
    }
  }

  // ---- checks ---------------------------------------------------------------------------------

  /** Starts every due entry the concurrency limit allows, then arms one timer for the next. */
  #pump(): void {
    if (this.closed || this.#pumping || !this.#started) return;
    this.#pumping = true;
    const clock = this.#clock;
    const queue = this.#queue;
    // Reading the clock costs as much as a small check on some machines, so in a burst it is
    // read once per CLOCK_EVERY runs, and again whenever the head looks not yet due.
    let now = clock.now();
    const sliceStart = now;
    let sinceRead = 0;
    try {
      while (this.#running < this.#concurrency) {
        const due = queue.peekTime();
        if (due === undefined) break;
        if (due > now || ++sinceRead === CLOCK_EVERY) {
          now = clock.now();
          sinceRead = 0;
          if (due > now) break;
          if (now - sliceStart > SLICE_MS) {
            // Let pending I/O (handle reads, output writes) through before the next slice.
            this.#queueSlice();
            return;
          }
        }
        const entry = queue.get();
        if (entry === undefined) break;
        if (entry.kind === "check") this.#start(entry, due, now);
        else this.#openHandle(entry);
      }
      this.#arm();
    } finally {
      this.#pumping = false;
    }
  }

  #queueSlice(): void {
    if (this.#sliceQueued) return;
    this.#sliceQueued = true;
    setImmediate(() => {
      this.#sliceQueued = false;
      this.#pump();
    });
  }

  #arm(): void {
    if (this.#running >= this.#concurrency) return; // a finishing run pumps again
    const due = this.#queue.peekTime();
    if (due === undefined || due === this.#timerAt) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timerAt = due;
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Number.POSITIVE_INFINITY;
        this.#pump();
      },
      Math.max(0, due - this.#clock.now()),
    );
  }

  #start(entry: CheckEntry, scheduledAt: number, now: number): void {
    const context = new RunContext(entry, scheduledAt, now);
    // The synchronous case (most function checks) is handled inline: no callback, no outcome
    // object, no tracking. It is the hot path of a probe with thousands of checks.
    let result: unknown;
    try {
      result = entry.check.run(context);
    } catch (error) {
      this.#finishRun(entry, scheduledAt, failedOutcome("exception", error, context));
      return;
    }
    if (!isThenable(result)) {
      if (result === undefined || result === null) this.#finishRun(entry, scheduledAt, failedOutcome("no-result", new CheckNoResultError(), context));
      else this.#finishRun(entry, scheduledAt, undefined, result);
      return;
    }
    this.#running++;
    this.#inFlight.add(context);
    awaitRun(result, context, this.#clock, (outcome) => {
      this.#running--;
      this.#inFlight.delete(context);
      if (this.closed) return;
      if (outcome.ok) this.#finishRun(entry, scheduledAt, undefined, outcome.output);
      else this.#finishRun(entry, scheduledAt, outcome);
      this.#pump();
    });
  }

  #finishRun(entry: CheckEntry, scheduledAt: number, failure: RunOutcome | undefined, output?: unknown): void {
    if (failure === undefined) this.#collect(output, entry.label, this.#sink);
    else this.#settle(entry, failure, this.#sink);
    this.#wake();
    this.#reschedule(entry, scheduledAt);
  }

  /** Logs a failure and turns an outcome into messages appended to `sink`. */
  #settle(entry: CheckEntry, outcome: RunOutcome, sink: MessageSink): void {
    if (outcome.ok) {
      this.#collect(outcome.output, entry.label, sink);
      return;
    }
    const { failure } = outcome;
    const text =
      failure.kind === "no-result"
        ? `${entry.label} has returned nothing`
        : `${entry.label} ${describeFailure(failure)}`;
    this.#logger.warn(text);
    this.#safeEmit("checkFailed", failure);
    if (entry.onError === "drop") return;
    let output: unknown;
    try {
      output = entry.check.failureMessages ? entry.check.failureMessages(failure) : defaultFailureMessage(entry.check, failure);
    } catch (error) {
      this.#logger.warn(`${entry.label} failureMessages() threw: ${errorText(error)}`);
      output = defaultFailureMessage(entry.check, failure);
    }
    this.#collect(output, entry.label, sink);
  }

  #reschedule(entry: CheckEntry, scheduledAt: number): void {
    let next: number;
    try {
      next = entry.check.nextRun();
    } catch (error) {
      this.#logger.warn(`${entry.label} nextRun() threw: ${errorText(error)}; retrying in ${this.#minRescheduleMs} ms`);
      next = Number.NaN;
    }
    // `!(next > scheduledAt)` also catches NaN and non-numbers: a check that does not move its
    // schedule forward would otherwise run in a busy loop (a DumbProbe gap).
    if (!(typeof next === "number" && next > scheduledAt)) {
      if (!Number.isNaN(next)) {
        this.#logger.warn(`${entry.label} did not move nextRun() forward; retrying in ${this.#minRescheduleMs} ms`);
      }
      next = this.#clock.now() + this.#minRescheduleMs;
    }
    this.#queue.add(next, entry);
  }

  /** Validates a check's or handle's output and appends the valid messages to `sink`. */
  #collect(output: unknown, source: string, sink: MessageSink): void {
    if (Array.isArray(output)) {
      for (const item of output as unknown[]) this.#accept(item, source, sink);
    } else {
      this.#accept(output, source, sink);
    }
  }

  #accept(value: unknown, source: string, sink: MessageSink): void {
    // Messages from createMessage() were validated when built.
    const reason = isBuiltMessage(value) ? undefined : messageProblem(value);
    if (reason === undefined) {
      sink.push(value as ProbeMessage);
      return;
    }
    this.#logger.warn(`${source} produced an invalid message: ${reason}`);
    this.#safeEmit("messageRejected", { source, reason, value });
  }

  // ---- handles --------------------------------------------------------------------------------

  /** Opens a handle in the background; `close()` waits for it. */
  #openHandle(entry: HandleEntry): void {
    this.#track(entry, this.#open(entry));
  }

  /** Records a handle's open or close in progress, so that `close()` can wait for it. */
  #track(entry: HandleEntry, operation: Promise<void>): void {
    entry.busy = operation;
    void operation.then(() => {
      if (entry.busy === operation) entry.busy = undefined;
    });
  }

  async #open(entry: HandleEntry): Promise<void> {
    const first = !entry.everOpened;
    const firstAttempt = first && entry.failures === 0;
    entry.state = "opening";
    const generation = ++entry.generation;
    const context: HandleContext = {
      signal: this.#closedSignal.signal,
      readable: () => {
        this.#scheduleRead(entry, generation);
      },
      reportError: (error: unknown) => {
        if (entry.generation !== generation) return;
        this.#handleError(entry, error, "reported an error");
      },
    };
    try {
      await entry.handle.open(context);
    } catch (error) {
      if (this.closed || entry.generation !== generation) {
        entry.state = "closed";
        return;
      }
      entry.state = "closed";
      entry.failures++;
      const delay = backoffDelay(this.#reopen, entry.failures, this.#random);
      const reason = errorText(error);
      this.#logger.warn(`${entry.label} ${firstAttempt ? "start" : "reopen"} failed: ${reason}; reopening in ${delay} ms`);
      this.#safeEmit("handleClosed", { id: entry.id, name: entry.name, reason, reopenInMs: delay });
      this.#queue.add(this.#clock.now() + delay, entry);
      this.#arm();
      return;
    }
    entry.state = "open";
    // Opened while the scheduler was closing: close() closes it once this returns.
    if (this.closed || entry.generation !== generation) return;
    entry.everOpened = true;
    entry.openedAt = this.#clock.now();
    this.#logger.info(first ? `adding handle #${entry.id} ${entry.name} to poll queue` : `${entry.label} reopened`);
    this.#safeEmit("handleOpened", { id: entry.id, name: entry.name });
    // Data that arrived during open() (or a wake-up we ignored while opening) is read now.
    this.#scheduleRead(entry, generation);
  }

  /** Logs and emits a problem of an open handle, as a typed {@link HandleReadError}. */
  #handleError(entry: HandleEntry, error: unknown, what: string): void {
    this.#logger.warn(`${entry.label} ${what}: ${errorText(error)}`);
    const typed = error instanceof HandleReadError ? error : new HandleReadError(errorText(error), { cause: error });
    this.#safeEmit("handleError", { id: entry.id, name: entry.name, error: typed });
  }

  #scheduleRead(entry: HandleEntry, generation: number): void {
    if (entry.generation !== generation || entry.readScheduled || this.closed) return;
    entry.readScheduled = true;
    setImmediate(() => {
      entry.readScheduled = false;
      this.#read(entry, generation);
    });
  }

  #read(entry: HandleEntry, generation: number): void {
    if (this.closed || entry.generation !== generation || entry.state !== "open") return;
    const source = entry.label;
    let output: unknown;
    try {
      output = entry.handle.readMessages();
    } catch (error) {
      if (isEof(error)) this.#track(entry, this.#eof(entry, errorText(error)));
      else this.#handleError(entry, error, "raised a read exception");
      return;
    }
    this.#collect(output, source, this.#sink);
    this.#wake();
  }

  async #eof(entry: HandleEntry, reason: string): Promise<void> {
    entry.state = "closing";
    entry.generation++;
    // A handle that stayed up for a whole maximum backoff period starts over from the shortest delay.
    if (this.#clock.now() - entry.openedAt >= this.#reopen.maxMs) entry.failures = 0;
    entry.failures++;
    const delay = backoffDelay(this.#reopen, entry.failures, this.#random);
    const reopenAt = this.#clock.now() + delay;
    this.#logger.warn(`${entry.label} returned EOF: ${reason}; reopening in ${delay} ms`);
    this.#safeEmit("handleClosed", { id: entry.id, name: entry.name, reason, reopenInMs: delay });
    await this.#closeHandle(entry);
    if (this.closed) return;
    this.#queue.add(reopenAt, entry);
    this.#arm();
  }

  async #closeHandle(entry: HandleEntry): Promise<void> {
    try {
      await entry.handle.close();
    } catch (error) {
      // DumbProbe crashed here; a handle that cannot close cleanly is logged and reopened anyway.
      this.#logger.warn(`${entry.label} close failed: ${errorText(error)}`);
    }
    entry.state = "closed";
  }
}
