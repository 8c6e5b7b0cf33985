import { createInbox, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { EventsError } from "./errors.js";

/** An acknowledgement on its way: where it goes, and who waits for the server's answer. */
interface Pending {
  readonly subject: string;
  readonly payload: Uint8Array;
  readonly deadline: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** An acknowledgement the server did not confirm in time. */
export class AckTimeoutError extends EventsError {
  constructor(timeoutMs: number) {
    super("ERR_ACK_TIMEOUT", `the server did not confirm the acknowledgement within ${timeoutMs} ms`);
  }
}

/**
 * Confirmed acknowledgements ("double acks") at the cost of a plain publish: every ack, nak and
 * term carries a reply subject under one wildcard subscription, and the server's empty answer
 * resolves it. The client's own `request()` would do the same with a subscription entry, a timer
 * and a stack-trace `Error` per call, which cost more than the rest of a job together.
 */
export class Acker {
  readonly #pending = new Map<string, Pending>();
  readonly #prefix = createInbox();
  #subscription: Subscription | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #next = 0;
  #queue: string[] = [];
  #flushing: NodeJS.Immediate | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {}

  /** Publishes `payload` to a message's ack subject and resolves when the server confirms. */
  send(ackSubject: string, payload: Uint8Array): Promise<void> {
    this.#subscription ??= this.nc.subscribe(`${this.#prefix}.*`, {
      callback: (_error, msg) => {
        const token = msg.subject.slice(this.#prefix.length + 1);
        const pending = this.#pending.get(token);
        if (pending === undefined) return;
        this.#pending.delete(token);
        pending.resolve();
      },
    });
    this.#sweeper ??= setInterval(() => {
      this.#sweep();
    }, Math.max(50, this.timeoutMs / 5)).unref();
    const token = (this.#next++).toString(36);
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(token, { subject: ackSubject, payload, deadline: Date.now() + this.timeoutMs, resolve, reject });
      this.#queue.push(token);
      // Publish the acks of one event-loop turn together: the client then writes them to the
      // socket in one go instead of one write per ack.
      this.#flushing ??= setImmediate(() => {
        this.#flush();
      });
    });
  }

  /** Rejects what is still pending and unsubscribes. */
  close(): void {
    if (this.#flushing !== undefined) clearImmediate(this.#flushing);
    this.#flushing = undefined;
    this.#queue = [];
    for (const pending of this.#pending.values()) pending.reject(new AckTimeoutError(this.timeoutMs));
    this.#pending.clear();
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    if (this.#subscription !== undefined && !this.nc.isClosed()) this.#subscription.unsubscribe();
    this.#subscription = undefined;
  }

  #flush(): void {
    this.#flushing = undefined;
    const queue = this.#queue;
    this.#queue = [];
    for (const token of queue) {
      const pending = this.#pending.get(token);
      if (pending === undefined) continue;
      try {
        this.nc.publish(pending.subject, pending.payload, { reply: `${this.#prefix}.${token}` });
      } catch (error) {
        this.#pending.delete(token);
        pending.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const [token, pending] of this.#pending) {
      if (pending.deadline > now) continue;
      this.#pending.delete(token);
      pending.reject(new AckTimeoutError(this.timeoutMs));
    }
    if (this.#pending.size === 0 && this.#sweeper !== undefined) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }
}
