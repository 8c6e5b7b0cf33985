import type { JsMsg } from "@nats-io/jetstream";
import type { Acker } from "./acker.js";
import { headerRecord } from "./nats-headers.js";

/**
 * One delivered message as the job state machine sees it: decoupled from the client so the
 * retry, timeout and pulse rules are unit-tested with fake clocks and in-memory deliveries.
 */
export interface Delivery {
  readonly data: Uint8Array;
  /** First value of each header; `{}` when the message has none. */
  readonly headers: Readonly<Record<string, string>>;
  /** JetStream's delivery count, 1 on the first delivery. */
  readonly deliveryCount: number;
  /** Sequence number in the event's stream. */
  readonly streamSeq: number;
  /** When the stream stored the message, epoch ms. */
  readonly storedAt: number;
  /** Acknowledges and waits for the server to confirm. */
  ack(): Promise<void>;
  /** Hands the message back for redelivery after `delayMs`, confirmed. */
  nak(delayMs: number): Promise<void>;
  /** Stops redelivery for good, confirmed. */
  term(): Promise<void>;
  /** In-progress pulse: resets the server's ack timer. Fire and forget. */
  working(): void;
}

const encoder = new TextEncoder();
const ACK = encoder.encode("+ACK");
const NAK = encoder.encode("-NAK");
const TERM = encoder.encode("+TERM");
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * A JetStream message as a {@link Delivery}. Acks, naks and terms go through the
 * {@link Acker}: the server answers once it has processed them (a "double ack"), so a lost
 * acknowledgement is an error we see, not a silent redelivery later.
 */
export class JetStreamDelivery implements Delivery {
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly deliveryCount: number;
  readonly streamSeq: number;
  readonly storedAt: number;
  readonly #msg: JsMsg;
  readonly #acker: Acker;

  constructor(msg: JsMsg, acker: Acker) {
    this.#msg = msg;
    this.#acker = acker;
    const { info } = msg;
    this.data = msg.data;
    this.headers = msg.headers === undefined ? NO_HEADERS : headerRecord(msg.headers);
    this.deliveryCount = info.deliveryCount;
    this.streamSeq = info.streamSequence;
    this.storedAt = Math.floor(info.timestampNanos / 1_000_000);
  }

  ack(): Promise<void> {
    return this.#settle(ACK);
  }

  nak(delayMs: number): Promise<void> {
    return this.#settle(delayMs > 0 ? encoder.encode(`-NAK ${JSON.stringify({ delay: Math.round(delayMs * 1_000_000) })}`) : NAK);
  }

  term(): Promise<void> {
    return this.#settle(TERM);
  }

  working(): void {
    this.#msg.working();
  }

  #settle(payload: Uint8Array): Promise<void> {
    // The ack subject exists on the client's JsMsgImpl as `reply`, but not on the public type.
    const reply = (this.#msg as JsMsg & { readonly reply?: string }).reply ?? "";
    if (reply === "") return Promise.reject(new Error("message has no reply subject to acknowledge on"));
    return this.#acker.send(reply, payload);
  }
}
