import type { Emitter, Logger, TimeSource } from "@x/core";
import { awaitRun, failedOutcome, type RunOutcome, runCheck } from "../check-runner.js";
import type { CheckFailure } from "../contract.js";
import { CheckNoResultError } from "../errors.js";
import { defaultFailureMessage } from "../failure.js";
import { isThenable } from "../internal/thenable.js";
import type { ProbeMessage } from "../message/types.js";
import { RunContext } from "../run-context.js";
import { CheckRun } from "../telemetry.js";
import { collectMessages, type MessageSink } from "./collect.js";
import type { CheckEntry, Entry, HandleEntry } from "./entries.js";
import type { ChecksEvents } from "./events.js";
import type { MessageBuffer } from "./message-buffer.js";
import { RunQueue } from "./run-queue.js";

/** The longest stretch the scheduler runs due checks before letting I/O (handles, outputs) in. */
const SLICE_MS = 10;
/** In a burst of due checks, the clock is read once per this many runs. */
const CLOCK_EVERY = 32;

/** The log message of each kind of failed run. */
const FAILURE_MESSAGES: Readonly<Record<CheckFailure["kind"], string>> = {
  exception: "check raised an exception",
  timeout: "check timed out",
  "no-result": "check returned nothing",
};

/** What the {@link CheckScheduler} needs from the scheduler around it. */
export interface CheckSchedulerParts {
  readonly time: TimeSource;
  readonly logger: Logger;
  readonly events: Emitter<ChecksEvents>;
  /** Checks running at once, at most. */
  readonly concurrency: number;
  /** Delay before re-running a check whose `nextRun()` did not move forward. */
  readonly minRescheduleMs: number;
  /** Where the messages of runs go. */
  readonly messages: MessageBuffer;
  /** Aborted when the scheduler closes. */
  readonly stopped: AbortSignal;
  /** Called when a handle's (re)open time has come. */
  readonly openHandle: (entry: HandleEntry) => void;
}

/**
 * Runs checks when they are due: a run queue ordered by due time with a FIFO tie-break, one
 * timer for the earliest entry, bounded concurrency, a timeout per asynchronous run, failures
 * turned into failure messages, and the next run queued from `nextRun()`. Handles sit in the
 * same queue while they wait to be reopened; their open is handed back to the supervisor.
 */
export class CheckScheduler {
  readonly #time: TimeSource;
  readonly #logger: Logger;
  readonly #events: Emitter<ChecksEvents>;
  readonly #concurrency: number;
  readonly #minRescheduleMs: number;
  readonly #messages: MessageBuffer;
  readonly #stopped: AbortSignal;
  readonly #openHandle: (entry: HandleEntry) => void;
  readonly #queue = new RunQueue<Entry>();
  readonly #inFlight = new Set<RunContext>();
  #running = 0;
  #started = false;
  #pumping = false;
  #sliceQueued = false;
  #timer: unknown;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(parts: CheckSchedulerParts) {
    this.#time = parts.time;
    this.#logger = parts.logger;
    this.#events = parts.events;
    this.#concurrency = parts.concurrency;
    this.#minRescheduleMs = parts.minRescheduleMs;
    this.#messages = parts.messages;
    this.#stopped = parts.stopped;
    this.#openHandle = parts.openHandle;
  }

  /** Queues an entry at `time` and, once started, runs what is due. */
  queue(time: number, entry: Entry): void {
    this.#queue.add(time, entry);
    if (this.#started) this.#pump();
  }

  /** Queues a handle's reopen at `time`. */
  queueReopen(time: number, entry: HandleEntry): void {
    this.#queue.add(time, entry);
    this.#arm();
  }

  /** Starts running due checks. */
  start(): void {
    this.#started = true;
    this.#pump();
  }

  /**
   * Runs each check once, in list order, one after another: the `--once` mode. Stops early,
   * returning what it has, when `signal` aborts or the scheduler closes.
   */
  async runOnce(entries: readonly Entry[], signal: AbortSignal | undefined): Promise<ProbeMessage[]> {
    const messages: ProbeMessage[] = [];
    const stopped = (): boolean => signal?.aborted === true || this.#stopped.aborted;
    for (const entry of entries) {
      if (stopped()) break;
      if (entry.kind !== "check") continue;
      const now = this.#time.now();
      const context = new RunContext(entry, now, now);
      const onAbort = (): void => {
        context.abort(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#inFlight.add(context);
      const run = CheckRun.start(entry.name, now);
      const outcome = await new Promise<RunOutcome>((resolve) => {
        const go = (): void => {
          runCheck(entry.check, context, this.#time, resolve);
        };
        if (run === undefined) go();
        else run.run(go);
      });
      run?.end(this.#time.now(), outcome.ok ? "ok" : outcome.failure.kind, outcome.ok ? undefined : outcome.failure.error);
      this.#inFlight.delete(context);
      signal?.removeEventListener("abort", onAbort);
      // A run cut short by shutdown is not a failure of the check.
      if (stopped()) break;
      this.#settle(entry, outcome, messages);
    }
    return messages;
  }

  /** Stops the timer, forgets the queue and aborts the running checks with `reason`. */
  close(reason: unknown): void {
    if (this.#timer !== undefined) this.#time.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.clear();
    for (const context of this.#inFlight) context.abort(reason);
    this.#inFlight.clear();
  }

  /** Starts every due entry the concurrency limit allows, then arms one timer for the next. */
  #pump(): void {
    if (this.#stopped.aborted || this.#pumping || !this.#started) return;
    this.#pumping = true;
    const time = this.#time;
    const queue = this.#queue;
    // Reading the clock costs as much as a small check on some machines, so in a burst it is
    // read once per CLOCK_EVERY runs, and again whenever the head looks not yet due.
    let now = time.now();
    const sliceStart = now;
    let sinceRead = 0;
    try {
      while (this.#running < this.#concurrency) {
        const due = queue.peekTime();
        if (due === undefined) break;
        if (due > now || ++sinceRead === CLOCK_EVERY) {
          now = time.now();
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
    if (this.#timer !== undefined) this.#time.clearTimeout(this.#timer);
    this.#timerAt = due;
    this.#timer = this.#time.setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Number.POSITIVE_INFINITY;
        this.#pump();
      },
      Math.max(0, due - this.#time.now()),
    );
  }

  #start(entry: CheckEntry, scheduledAt: number, now: number): void {
    const context = new RunContext(entry, scheduledAt, now);
    // The synchronous case (most function checks) is handled inline: no callback, no outcome
    // object, no tracking. It is the hot path of a probe with thousands of checks.
    let result: unknown;
    const run = CheckRun.start(entry.name, now);
    try {
      result = run === undefined ? entry.check.run(context) : run.run(() => entry.check.run(context));
    } catch (error) {
      this.#finishRun(entry, scheduledAt, failedOutcome("exception", error, context), undefined, run);
      return;
    }
    if (!isThenable(result)) {
      if (result === undefined || result === null)
        this.#finishRun(entry, scheduledAt, failedOutcome("no-result", new CheckNoResultError(), context), undefined, run);
      else this.#finishRun(entry, scheduledAt, undefined, result, run);
      return;
    }
    this.#running++;
    this.#inFlight.add(context);
    awaitRun(result, context, this.#time, (outcome) => {
      this.#running--;
      this.#inFlight.delete(context);
      if (this.#stopped.aborted) {
        run?.end(this.#time.now(), "exception", outcome.ok ? undefined : outcome.failure.error);
        return;
      }
      if (outcome.ok) this.#finishRun(entry, scheduledAt, undefined, outcome.output, run);
      else this.#finishRun(entry, scheduledAt, outcome, undefined, run);
      this.#pump();
    });
  }

  #finishRun(entry: CheckEntry, scheduledAt: number, failure: RunOutcome | undefined, output?: unknown, run?: CheckRun): void {
    if (run !== undefined) {
      const failed = failure?.ok === false ? failure.failure : undefined;
      run.end(this.#time.now(), failed?.kind ?? "ok", failed?.error);
    }
    if (failure === undefined) collectMessages(output, entry, this.#messages, this.#logger, this.#events);
    else this.#settle(entry, failure, this.#messages);
    this.#messages.wake();
    this.#reschedule(entry, scheduledAt);
  }

  /** Logs a failure and turns an outcome into messages pushed to `sink`. */
  #settle(entry: CheckEntry, outcome: RunOutcome, sink: MessageSink): void {
    if (outcome.ok) {
      collectMessages(outcome.output, entry, sink, this.#logger, this.#events);
      return;
    }
    const { failure } = outcome;
    this.#logger.warn({ ...entry.fields, error: failure.error }, FAILURE_MESSAGES[failure.kind]);
    this.#events.emit("checkFailed", failure);
    if (entry.onError === "drop") return;
    let output: unknown;
    try {
      output = entry.check.failureMessages ? entry.check.failureMessages(failure) : defaultFailureMessage(entry.check, failure);
    } catch (error) {
      this.#logger.warn({ ...entry.fields, error }, "failureMessages() threw");
      output = defaultFailureMessage(entry.check, failure);
    }
    collectMessages(output, entry, sink, this.#logger, this.#events);
  }

  #reschedule(entry: CheckEntry, scheduledAt: number): void {
    let next: number;
    try {
      next = entry.check.nextRun();
    } catch (error) {
      this.#logger.warn({ ...entry.fields, error, retryInMs: this.#minRescheduleMs }, "nextRun() threw");
      next = Number.NaN;
    }
    // `!(next > scheduledAt)` also catches NaN and non-numbers: a check that does not move its
    // schedule forward would otherwise run in a busy loop (a DumbProbe gap).
    if (!(typeof next === "number" && next > scheduledAt)) {
      if (!Number.isNaN(next)) {
        this.#logger.warn({ ...entry.fields, retryInMs: this.#minRescheduleMs }, "nextRun() did not move forward");
      }
      next = this.#time.now() + this.#minRescheduleMs;
    }
    this.#queue.add(next, entry);
  }
}
