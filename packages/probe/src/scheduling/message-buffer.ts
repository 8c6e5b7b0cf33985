import type { Emitter, Logger, TimeSource } from "@x/core";
import { BoundedQueue } from "../internal/bounded-queue.js";
import { RateLimit } from "../internal/rate-limit.js";
import type { ProbeMessage } from "../message/types.js";
import type { MessageSink } from "./collect.js";
import type { ChecksEvents } from "./events.js";

/** The "dropped unread messages" warning is logged at most this often. */
const DROP_WARN_INTERVAL_MS = 30_000;

interface Waiter {
  resolve(messages: ProbeMessage[]): void;
  cleanup(): void;
}

/**
 * Where produced messages go: into a bounded buffer that `runNext()` drains in batches, or,
 * while `forward()` runs, straight to its callback. Nothing else: it neither runs checks nor
 * validates messages.
 */
export class MessageBuffer implements MessageSink {
  readonly #queue: BoundedQueue<ProbeMessage>;
  readonly #logger: Logger;
  readonly #events: Emitter<ChecksEvents>;
  readonly #dropWarn: RateLimit;
  readonly #waiters: Waiter[] = [];
  readonly #buffering: MessageSink = {
    push: (message) => {
      this.#buffer(message);
    },
  };
  /** The buffer, or the callback of `forward()`. */
  #sink: MessageSink = this.#buffering;
  #wakeQueued = false;
  #droppedSinceWarn = 0;

  constructor(maxBuffered: number, time: TimeSource, logger: Logger, events: Emitter<ChecksEvents>) {
    this.#queue = new BoundedQueue<ProbeMessage>(maxBuffered, () => 1);
    this.#logger = logger;
    this.#events = events;
    this.#dropWarn = new RateLimit(time, DROP_WARN_INTERVAL_MS);
  }

  /** Whether messages wait for `next()`. */
  get ready(): boolean {
    return this.#queue.length > 0;
  }

  /** Hands one message on: to the buffer, or to the callback of `forward()`. */
  push(message: ProbeMessage): void {
    this.#sink.push(message);
  }

  /** Every buffered message, oldest first, removed from the buffer. */
  take(): ProbeMessage[] {
    return this.#queue.takeAll();
  }

  /** Waits until a message is buffered, then returns every buffered message. */
  async next(signal: AbortSignal | undefined): Promise<ProbeMessage[]> {
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

  /** Hands buffered messages to a waiter after the current burst, so one burst is one batch. */
  wake(): void {
    if (this.#wakeQueued || this.#waiters.length === 0) return;
    this.#wakeQueued = true;
    queueMicrotask(() => {
      this.#wakeQueued = false;
      if (this.#queue.length === 0) return;
      const waiter = this.#waiters.shift();
      if (waiter === undefined) return;
      waiter.cleanup();
      waiter.resolve(this.take());
    });
  }

  /**
   * Sends what is buffered, then every new message, to `send` until `stop` aborts; a `send` that
   * throws is logged and the next message still goes out.
   */
  async forward(send: (message: ProbeMessage) => void, stop: AbortSignal): Promise<void> {
    const logger = this.#logger;
    const sink: MessageSink = {
      push(message) {
        try {
          send(message);
        } catch (error) {
          logger.error({ error }, "sending a message failed");
        }
      },
    };
    for (const message of this.take()) sink.push(message);
    this.#sink = sink;
    try {
      await new Promise<void>((resolve) => {
        if (stop.aborted) resolve();
        else
          stop.addEventListener(
            "abort",
            () => {
              resolve();
            },
            { once: true },
          );
      });
    } finally {
      if (this.#sink === sink) this.#sink = this.#buffering;
    }
  }

  /** Resolves every waiting `next()` with what is left. */
  close(): void {
    for (const waiter of this.#waiters.splice(0)) {
      waiter.cleanup();
      waiter.resolve(this.take());
    }
  }

  #buffer(message: ProbeMessage): void {
    const dropped = this.#queue.push(message);
    if (dropped === 0) return;
    this.#droppedSinceWarn += dropped;
    this.#events.emit("messagesDropped", { count: dropped });
    if (this.#dropWarn.allow()) {
      this.#logger.warn({ dropped: this.#droppedSinceWarn, maxBuffered: this.#queue.size }, "dropped messages nobody collected");
      this.#droppedSinceWarn = 0;
    }
  }
}
