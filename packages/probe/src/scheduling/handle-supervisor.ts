import type { Emitter, Logger, TimeSource } from "@x/core";
import { type Backoff, backoffDelay } from "../backoff.js";
import type { HandleContext } from "../contract.js";
import { HandleEofError, HandleReadError } from "../errors.js";
import { errorText } from "../internal/error-text.js";
import { collectMessages } from "./collect.js";
import type { HandleEntry } from "./entries.js";
import type { ChecksEvents } from "./events.js";
import type { MessageBuffer } from "./message-buffer.js";

/** What the {@link HandleSupervisor} needs from the scheduler around it. */
export interface HandleSupervisorParts {
  readonly time: TimeSource;
  readonly logger: Logger;
  readonly events: Emitter<ChecksEvents>;
  /** Backoff between reopen attempts. */
  readonly reopen: Backoff;
  /** Random numbers in [0, 1) for the backoff jitter. */
  readonly random: () => number;
  /** Where the messages read from handles go. */
  readonly messages: MessageBuffer;
  /** Aborted when the scheduler closes; handed to every `open()`. */
  readonly stopped: AbortSignal;
  /** Queues a handle's reopen at a time on `time`. */
  readonly reopenAt: (at: number, entry: HandleEntry) => void;
}

const isEof = (error: unknown): boolean =>
  error instanceof HandleEofError ||
  (typeof error === "object" && error !== null && (error as { code?: unknown }).code === "ERR_X_PROBE_HANDLE_EOF");

/**
 * The lifecycle of handles: opens them, reads them as soon as they say they are readable, closes
 * them at EOF and has them reopened with backoff, and closes them all on shutdown, including
 * one whose open was still in progress.
 */
export class HandleSupervisor {
  readonly #time: TimeSource;
  readonly #logger: Logger;
  readonly #events: Emitter<ChecksEvents>;
  readonly #reopen: Backoff;
  readonly #random: () => number;
  readonly #messages: MessageBuffer;
  readonly #stopped: AbortSignal;
  readonly #reopenAt: (at: number, entry: HandleEntry) => void;

  constructor(parts: HandleSupervisorParts) {
    this.#time = parts.time;
    this.#logger = parts.logger;
    this.#events = parts.events;
    this.#reopen = parts.reopen;
    this.#random = parts.random;
    this.#messages = parts.messages;
    this.#stopped = parts.stopped;
    this.#reopenAt = parts.reopenAt;
  }

  /** Opens a handle in the background; `close()` waits for it. */
  open(entry: HandleEntry): void {
    this.#track(entry, this.#open(entry));
  }

  /** Waits for the opens in progress, then closes every open handle. */
  async close(entries: readonly HandleEntry[]): Promise<void> {
    // An open() in progress would otherwise finish after close() and leave its handle (a child
    // process, say) running: wait for it (its context's signal is aborted), then close it.
    await Promise.all(entries.map(async (entry) => entry.busy));
    await Promise.all(
      entries
        .filter((entry) => entry.state === "open")
        .map(async (entry) => {
          entry.generation++;
          entry.state = "closing";
          await this.#closeHandle(entry);
        }),
    );
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
      signal: this.#stopped,
      readable: () => {
        this.#scheduleRead(entry, generation);
      },
      reportError: (error: unknown) => {
        if (entry.generation !== generation) return;
        this.#handleError(entry, error, "handle reported an error");
      },
    };
    try {
      await entry.handle.open(context);
    } catch (error) {
      entry.state = "closed";
      if (this.#stopped.aborted || entry.generation !== generation) return;
      entry.failures++;
      const delay = backoffDelay(this.#reopen, entry.failures, this.#random);
      this.#logger.warn({ ...entry.fields, error, reopenInMs: delay }, firstAttempt ? "handle start failed" : "handle reopen failed");
      this.#events.emit("handleClosed", { id: entry.id, name: entry.name, reason: errorText(error), reopenInMs: delay });
      this.#reopenAt(this.#time.now() + delay, entry);
      return;
    }
    entry.state = "open";
    // Opened while the scheduler was closing: close() closes it once this returns.
    if (this.#stopped.aborted || entry.generation !== generation) return;
    entry.everOpened = true;
    entry.openedAt = this.#time.now();
    this.#logger.info(entry.fields, first ? "handle opened" : "handle reopened");
    this.#events.emit("handleOpened", { id: entry.id, name: entry.name });
    // Data that arrived during open() (or a wake-up we ignored while opening) is read now.
    this.#scheduleRead(entry, generation);
  }

  /** Logs and emits a problem of an open handle, as a typed {@link HandleReadError}. */
  #handleError(entry: HandleEntry, error: unknown, message: string): void {
    this.#logger.warn({ ...entry.fields, error }, message);
    const typed = error instanceof HandleReadError ? error : new HandleReadError(errorText(error), { cause: error });
    this.#events.emit("handleError", { id: entry.id, name: entry.name, error: typed });
  }

  #scheduleRead(entry: HandleEntry, generation: number): void {
    if (entry.generation !== generation || entry.readScheduled || this.#stopped.aborted) return;
    entry.readScheduled = true;
    setImmediate(() => {
      entry.readScheduled = false;
      this.#read(entry, generation);
    });
  }

  #read(entry: HandleEntry, generation: number): void {
    if (this.#stopped.aborted || entry.generation !== generation || entry.state !== "open") return;
    let output: unknown;
    try {
      output = entry.handle.readMessages();
    } catch (error) {
      if (isEof(error)) this.#track(entry, this.#eof(entry, errorText(error)));
      else this.#handleError(entry, error, "handle read failed");
      return;
    }
    collectMessages(output, entry, this.#messages, this.#logger, this.#events);
    this.#messages.wake();
  }

  async #eof(entry: HandleEntry, reason: string): Promise<void> {
    entry.state = "closing";
    entry.generation++;
    // A handle that stayed up for a whole maximum backoff period starts over from the shortest delay.
    if (this.#time.now() - entry.openedAt >= this.#reopen.maxMs) entry.failures = 0;
    entry.failures++;
    const delay = backoffDelay(this.#reopen, entry.failures, this.#random);
    const reopenAt = this.#time.now() + delay;
    this.#logger.warn({ ...entry.fields, reason, reopenInMs: delay }, "handle reached EOF");
    this.#events.emit("handleClosed", { id: entry.id, name: entry.name, reason, reopenInMs: delay });
    await this.#closeHandle(entry);
    if (this.#stopped.aborted) return;
    this.#reopenAt(reopenAt, entry);
  }

  async #closeHandle(entry: HandleEntry): Promise<void> {
    try {
      await entry.handle.close();
    } catch (error) {
      // DumbProbe crashed here; a handle that cannot close cleanly is logged and reopened anyway.
      this.#logger.warn({ ...entry.fields, error }, "handle close failed");
    }
    entry.state = "closed";
  }
}
