import { createInbox, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { systemTime } from "@x/core";
import { MAX_REPORTED_UNCONFIRMED, type UnconfirmedEmit } from "./errors.js";

/** What the server answered to a publish with a reply subject, read by {@link parsePubAck}. */
export type PubAckResult =
  | { readonly ok: true; readonly seq: number; readonly duplicate: boolean }
  | { readonly ok: false; readonly reason: string };

const decoder = new TextDecoder();

/**
 * Reads JetStream's answer to a publish: `{"stream","seq"[,"duplicate"]}` when it stored the
 * event, `{"error":{...}}` when it refused it, or an empty message with a status header (503: no
 * stream stores the subject). Never throws: anything else is a refusal with the reason.
 */
export function parsePubAck(data: Uint8Array, status?: number): PubAckResult {
  if (status !== undefined && status >= 400) {
    return {
      ok: false,
      reason: status === 503 ? "no stream stores this subject (503 no responders)" : `the server answered with status ${status}`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    return { ok: false, reason: "the server's answer is not JSON" };
  }
  if (typeof value !== "object" || value === null) return { ok: false, reason: "the server's answer is not an object" };
  const { error, seq, duplicate } = value as { error?: unknown; seq?: unknown; duplicate?: unknown };
  if (error !== undefined) {
    const description = typeof error === "object" && error !== null ? (error as { description?: unknown }).description : undefined;
    return { ok: false, reason: typeof description === "string" ? description.slice(0, 512) : "the server refused the event" };
  }
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0)
    return { ok: false, reason: "the server's answer has no sequence number" };
  return { ok: true, seq, duplicate: duplicate === true };
}

/** Counters of fire-and-forget emits since the connection opened. */
export interface EmitCounts {
  /** Handed to the client, not yet confirmed or failed. */
  readonly pending: number;
  /** Confirmed stored (or de-duplicated) by the server. */
  readonly confirmed: number;
  /** Not confirmed: timed out, refused, or could not be sent. Each was reported by `on("unconfirmed")`. */
  readonly unconfirmed: number;
}

interface Pending {
  readonly id: number;
  readonly event: string;
  readonly uid: string | undefined;
  /** On the monotonic clock: a wall-clock step must not fail (or prolong) every pending emit at once. */
  readonly deadline: number;
}

/**
 * Confirmations of fire-and-forget emits at the cost of a plain publish: each carries its own
 * reply subject under one wildcard subscription (as the Acker does for acks), JetStream answers
 * it once it stored the event, and one sweeping timer fails what stays unanswered. The caller
 * never waits; what was not confirmed is counted and reported instead of vanishing.
 */
export class EmitConfirmations {
  readonly #nc: NatsConnection;
  readonly #onUnconfirmed: (emit: UnconfirmedEmit) => void;
  readonly #pending = new Map<string, Pending>();
  readonly #prefix = `${createInbox()}.`;
  readonly #waiters = new Set<{ readonly upTo: number; readonly resolve: () => void }>();
  #subscription: Subscription | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #sweepEveryMs = Number.POSITIVE_INFINITY;
  #next = 0;
  #confirmed = 0;
  #unconfirmed = 0;
  /** Failures since the last {@link takeFailures}. */
  #failures: UnconfirmedEmit[] = [];
  #failureCount = 0;

  /** `onUnconfirmed` gets each emit the server did not confirm (the owner's emitter; it must not throw). */
  constructor(nc: NatsConnection, onUnconfirmed: (emit: UnconfirmedEmit) => void = () => undefined) {
    this.#nc = nc;
    this.#onUnconfirmed = onUnconfirmed;
  }

  /** Registers an emit about to be published; returns the reply subject to publish it with. */
  expect(event: string, uid: string | undefined, timeoutMs: number): string {
    this.#subscription ??= this.#nc.subscribe(`${this.#prefix}*`, { callback: this.#onReply });
    const sweepEveryMs = Math.max(50, Math.min(1_000, timeoutMs / 5));
    if (this.#sweeper === undefined || sweepEveryMs < this.#sweepEveryMs) {
      if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
      this.#sweepEveryMs = sweepEveryMs;
      this.#sweeper = setInterval(this.#sweep, sweepEveryMs).unref();
    }
    const id = this.#next++;
    const reply = this.#prefix + String(id); // decimal: far faster to format than base 36
    this.#pending.set(reply, { id, event, uid, deadline: systemTime.now() + timeoutMs });
    return reply;
  }

  /** The publish of `reply` failed before it left (the client threw). */
  fail(reply: string, reason: string): void {
    const pending = this.#pending.get(reply);
    if (pending !== undefined) this.#settle(reply, pending, reason);
  }

  /** Counters since the connection opened. */
  get counts(): EmitCounts {
    return { pending: this.#pending.size, confirmed: this.#confirmed, unconfirmed: this.#unconfirmed };
  }

  /** Resolves once every emit registered so far is confirmed or failed, or `signal` aborts. */
  async settled(signal?: AbortSignal): Promise<void> {
    const upTo = this.#next;
    if (this.#settledUpTo(upTo) || signal?.aborted === true) return;
    await new Promise<void>((resolve) => {
      const waiter = {
        upTo,
        resolve: () => {
          this.#waiters.delete(waiter);
          signal?.removeEventListener("abort", waiter.resolve);
          resolve();
        },
      };
      this.#waiters.add(waiter);
      signal?.addEventListener("abort", waiter.resolve, { once: true });
    });
  }

  /** The failures since the previous call (at most {@link MAX_REPORTED_UNCONFIRMED} listed), and forgets them. */
  takeFailures(): { readonly count: number; readonly emits: readonly UnconfirmedEmit[] } {
    const taken = { count: this.#failureCount, emits: this.#failures };
    this.#failures = [];
    this.#failureCount = 0;
    return taken;
  }

  /** Fails what is still pending and unsubscribes. Idempotent. */
  close(): void {
    for (const [reply, pending] of [...this.#pending])
      this.#settle(reply, pending, "the connection was closed before the server confirmed");
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    if (this.#subscription !== undefined && !this.#nc.isClosed()) this.#subscription.unsubscribe();
    this.#subscription = undefined;
  }

  /** True when no emit with an id below `upTo` is pending (the map is in id order). */
  #settledUpTo(upTo: number): boolean {
    for (const pending of this.#pending.values()) return pending.id >= upTo;
    return true;
  }

  #settle(reply: string, pending: Pending, failure: string | undefined): void {
    this.#pending.delete(reply);
    if (failure === undefined) {
      this.#confirmed++;
    } else {
      this.#unconfirmed++;
      this.#failureCount++;
      const emit: UnconfirmedEmit = Object.freeze({ event: pending.event, uid: pending.uid, reason: failure });
      if (this.#failures.length < MAX_REPORTED_UNCONFIRMED) this.#failures.push(emit);
      this.#onUnconfirmed(emit);
    }
    if (this.#waiters.size > 0) {
      for (const waiter of [...this.#waiters]) if (this.#settledUpTo(waiter.upTo)) waiter.resolve();
    }
  }

  readonly #onReply = (_error: Error | null, msg: Msg): void => {
    const pending = this.#pending.get(msg.subject);
    if (pending === undefined) return; // already timed out
    const result = parsePubAck(msg.data, msg.headers?.code);
    this.#settle(msg.subject, pending, result.ok ? undefined : result.reason);
  };

  readonly #sweep = (): void => {
    const now = systemTime.now();
    for (const [reply, pending] of this.#pending) {
      if (pending.deadline > now) continue;
      this.#settle(reply, pending, "the server did not confirm within the emit's timeout");
    }
    if (this.#pending.size === 0 && this.#sweeper !== undefined) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
      this.#sweepEveryMs = Number.POSITIVE_INFINITY;
    }
  };
}
