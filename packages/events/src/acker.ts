import { createInbox, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { systemTime } from "@x/core";
import { AckTimeoutError } from "./errors.js";

/** An acknowledgement on its way: where it goes, its reply subject, and who waits for the answer. */
interface Pending {
  readonly subject: string;
  readonly payload: Uint8Array;
  readonly reply: string;
  /** On the monotonic clock: a wall-clock step must not fail (or prolong) every pending acknowledgement at once. */
  readonly deadline: number;
  /** Settles the acknowledgement: `undefined` when confirmed, else why not. */
  readonly settle: (failure: Error | undefined) => void;
}

/**
 * Confirmed acknowledgements ("double acks") at the cost of a plain publish: every ack, nak and
 * term carries its own reply subject under one wildcard subscription, and the server's empty
 * answer resolves it. The client's own `request()` would do the same with a subscription entry, a
 * timer and a stack-trace `Error` per call, which cost more than the rest of a job together.
 * Unanswered acknowledgements are failed by one sweeping timer after `timeoutMs`.
 */
export class Acker {
  readonly #pending = new Map<string, Pending>();
  /** `<inbox>.`: each acknowledgement's reply subject is this plus a counter. */
  readonly #prefix = `${createInbox()}.`;
  #subscription: Subscription | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #next = 0;
  #queue: Pending[] = [];
  /** A hand-over of the queue to the client is scheduled (`process.nextTick`). */
  #flushing = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Publishes `payload` to a message's ack subject. Resolves with `undefined` once the server
   * confirmed it, or with the reason it was not confirmed (never rejects: an unconfirmed
   * acknowledgement is reported, not thrown, so a job needs no try/catch frame for it).
   */
  send(ackSubject: string, payload: Uint8Array): Promise<Error | undefined> {
    this.#subscription ??= this.nc.subscribe(`${this.#prefix}*`, { callback: this.#onReply });
    this.#sweeper ??= setInterval(this.#sweep, Math.max(50, this.timeoutMs / 5)).unref();
    // Decimal: V8 formats base 10 (and caches small numbers) far faster than any other radix.
    const reply = this.#prefix + String(this.#next++);
    return new Promise<Error | undefined>((settle) => {
      const pending: Pending = { subject: ackSubject, payload, reply, deadline: systemTime.now() + this.timeoutMs, settle };
      this.#pending.set(reply, pending);
      this.#queue.push(pending);
      // Publish the acks of one run of microtasks together (a nextTick queued from a microtask
      // runs once the microtask queue is empty): the client then writes them to the socket in one
      // go instead of once per microtask checkpoint, and without waiting for the event loop's
      // next turn as a setImmediate would.
      if (!this.#flushing) {
        this.#flushing = true;
        process.nextTick(this.#flush);
      }
    });
  }

  /** Number of acknowledgements waiting for the server. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Fails what is still pending (with {@link AckTimeoutError}) and unsubscribes. Idempotent. */
  close(): void {
    this.#queue = [];
    for (const pending of this.#pending.values()) pending.settle(new AckTimeoutError(this.timeoutMs));
    this.#pending.clear();
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    if (this.#subscription !== undefined && !this.nc.isClosed()) this.#subscription.unsubscribe();
    this.#subscription = undefined;
  }

  readonly #onReply = (_error: Error | null, msg: Msg): void => {
    const pending = this.#pending.get(msg.subject);
    if (pending === undefined) return; // already timed out
    this.#pending.delete(msg.subject);
    pending.settle(undefined);
  };

  readonly #flush = (): void => {
    this.#flushing = false;
    const queue = this.#queue;
    this.#queue = [];
    for (const pending of queue) {
      if (!this.#pending.has(pending.reply)) continue; // timed out or closed meanwhile
      try {
        this.nc.publish(pending.subject, pending.payload, { reply: pending.reply });
      } catch (error) {
        this.#pending.delete(pending.reply);
        pending.settle(error instanceof Error ? error : new Error(String(error)));
      }
    }
  };

  readonly #sweep = (): void => {
    const now = systemTime.now();
    for (const [reply, pending] of this.#pending) {
      if (pending.deadline > now) continue;
      this.#pending.delete(reply);
      pending.settle(new AckTimeoutError(this.timeoutMs));
    }
    if (this.#pending.size === 0 && this.#sweeper !== undefined) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  };
}
