import type { JsMsg } from "@nats-io/jetstream";
import { describeValue } from "@x/core";
import type { Acker } from "./acker.js";
import { MalformedMessageError } from "./errors.js";
import { deliveredHeaders } from "./nats-headers.js";

/**
 * One delivered message as the job state machine sees it: decoupled from the client so the
 * retry, timeout and pulse rules are unit-tested with fake clocks and in-memory deliveries.
 */
export interface Delivery {
  readonly data: Uint8Array;
  /** First value of each header; `{}` when the message has none (or they could not be read). */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Why the headers could not be read (a foreign publisher sent header names NATS forbids), or
   * `undefined` when they were fine. Such a message cannot be interpreted safely: it is dead-lettered.
   */
  readonly malformedHeaders?: string | undefined;
  /** JetStream's delivery count, 1 on the first delivery. */
  readonly deliveryCount: number;
  /** Sequence number in the event's stream. */
  readonly streamSeq: number;
  /** When the stream stored the message, epoch ms. */
  readonly storedAt: number;
  /** Acknowledges; resolves once the server confirmed (`undefined`) or with why it did not. Never rejects. */
  ack(): Promise<Error | undefined>;
  /** Hands the message back for redelivery after `delayMs`; resolves like {@link Delivery.ack}. */
  nak(delayMs: number): Promise<Error | undefined>;
  /** Stops redelivery for good; resolves like {@link Delivery.ack}. */
  term(): Promise<Error | undefined>;
  /** In-progress pulse: resets the server's ack timer. Fire and forget. */
  working(): void;
}

const encoder = new TextEncoder();
const ACK = encoder.encode("+ACK");
const NAK = encoder.encode("-NAK");
const TERM = encoder.encode("+TERM");
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Where the delivery count sits in a JetStream ack subject; the stream sequence and the
 * timestamp follow at +1 and +3:
 * - `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>` (9 tokens, older servers)
 * - `$JS.ACK.<domain>.<hash>.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>[.<token>]`
 */
const deliveredIndex = (tokens: readonly string[]): number => (tokens.length === 9 ? 4 : 6);

const COUNTER = /^\d{1,15}$/;

/**
 * The delivery count, stream sequence and stored time (nanoseconds, as text) of a JetStream ack
 * subject. Anything else is a {@link MalformedMessageError}: a count that is not a positive
 * integer would make every attempt rule misfire.
 */
export function parseAckSubject(reply: string): { readonly deliveryCount: number; readonly streamSeq: number; readonly timestamp: string } {
  const tokens = reply.split(".");
  if (tokens.length < 9 || tokens[0] !== "$JS" || tokens[1] !== "ACK") {
    throw new MalformedMessageError("ack-subject", `not a JetStream delivery: ${JSON.stringify(reply.slice(0, 128))}`);
  }
  const at = deliveredIndex(tokens);
  const delivered = tokens[at] ?? "";
  const seq = tokens[at + 1] ?? "";
  const timestamp = tokens[at + 3] ?? "";
  if (!COUNTER.test(delivered) || !COUNTER.test(seq) || !/^\d{1,20}$/.test(timestamp) || Number(delivered) < 1) {
    throw new MalformedMessageError("ack-subject", `no delivery count, sequence or time in ${JSON.stringify(reply.slice(0, 128))}`);
  }
  return { deliveryCount: Number(delivered), streamSeq: Number(seq), timestamp };
}

/**
 * A JetStream message as a {@link Delivery}. Acks, naks and terms go through the
 * {@link Acker}: the server answers once it has processed them (a "double ack"), so a lost
 * acknowledgement is an error we see, not a silent redelivery later.
 *
 * It reads only the ack-subject fields a job needs (the client's `msg.info` parses all of them
 * into a new object per message), and the stored time only when a delayed event asks for it.
 */
export class JetStreamDelivery implements Delivery {
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly malformedHeaders: string | undefined;
  readonly deliveryCount: number;
  readonly streamSeq: number;
  readonly #msg: JsMsg;
  readonly #acker: Acker;
  readonly #reply: string;
  readonly #timestamp: string;

  constructor(msg: JsMsg, acker: Acker) {
    this.#msg = msg;
    this.#acker = acker;
    // The ack subject is `reply` on the client's JsMsgImpl, but not on the public type.
    const reply = (msg as JsMsg & { readonly reply?: string }).reply;
    if (typeof reply !== "string")
      throw new MalformedMessageError("ack-subject", "the NATS client's message has no ack subject (JsMsg.reply)");
    this.#reply = reply;
    const parsed = parseAckSubject(reply);
    this.deliveryCount = parsed.deliveryCount;
    this.streamSeq = parsed.streamSeq;
    this.#timestamp = parsed.timestamp;
    this.data = msg.data;
    let headers = NO_HEADERS;
    let malformed: string | undefined;
    try {
      // Header names NATS forbids (a space, a non-ASCII byte) make parsing throw: that must not
      // break the loop that fetched the message.
      headers = deliveredHeaders(msg) ?? NO_HEADERS;
    } catch (error) {
      malformed = describeValue(error);
    }
    this.headers = headers;
    this.malformedHeaders = malformed;
  }

  get storedAt(): number {
    return Math.floor(Number(this.#timestamp) / 1_000_000);
  }

  ack(): Promise<Error | undefined> {
    return this.#acker.send(this.#reply, ACK);
  }

  nak(delayMs: number): Promise<Error | undefined> {
    return this.#acker.send(this.#reply, delayMs > 0 ? encoder.encode(`-NAK {"delay":${Math.round(delayMs * 1_000_000)}}`) : NAK);
  }

  term(): Promise<Error | undefined> {
    return this.#acker.send(this.#reply, TERM);
  }

  working(): void {
    this.#msg.working();
  }
}
