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
const deliveredIndex = (tokens: number): number => (tokens === 9 ? 4 : 6);

/** The dots of the subject being parsed: past the 12th, only "more than 9 tokens" matters. */
const dots = new Int32Array(12);

/** The digits of `text` from `start` to `end` as a number, or -1 unless there are 1 to `maxDigits` of them and nothing else. */
function digitsAt(text: string, start: number, end: number, maxDigits: number): number {
  if (end <= start || end - start > maxDigits) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

const tokenStart = (k: number): number => (dots[k - 1] ?? -1) + 1;
const tokenEnd = (reply: string, k: number, count: number): number => (k < count ? (dots[k] ?? reply.length) : reply.length);

/**
 * The delivery count, stream sequence and stored time (nanoseconds, as text) of a JetStream ack
 * subject. Anything else is a {@link MalformedMessageError}: a count that is not a positive
 * integer would make every attempt rule misfire. One scan for the dots, no token strings: this
 * runs for every delivery.
 */
export function parseAckSubject(reply: string): { readonly deliveryCount: number; readonly streamSeq: number; readonly timestamp: string } {
  let count = 0;
  for (let at = reply.indexOf("."); at !== -1 && count < dots.length; at = reply.indexOf(".", at + 1)) dots[count++] = at;
  const tokens = count + 1; // at least; exact below 13
  if (tokens < 9 || !reply.startsWith("$JS.ACK.")) {
    throw new MalformedMessageError("ack-subject", `not a JetStream delivery: ${JSON.stringify(reply.slice(0, 128))}`);
  }
  // Token k (k >= 1) runs from after dot k-1 to dot k, or to the end of the subject.
  const at = deliveredIndex(tokens);
  const delivered = digitsAt(reply, tokenStart(at), tokenEnd(reply, at, count), 15);
  const seq = digitsAt(reply, tokenStart(at + 1), tokenEnd(reply, at + 1, count), 15);
  const timestampStart = tokenStart(at + 3);
  const timestampEnd = tokenEnd(reply, at + 3, count);
  if (delivered < 1 || seq === -1 || digitsAt(reply, timestampStart, timestampEnd, 20) === -1) {
    throw new MalformedMessageError("ack-subject", `no delivery count, sequence or time in ${JSON.stringify(reply.slice(0, 128))}`);
  }
  return { deliveryCount: delivered, streamSeq: seq, timestamp: reply.slice(timestampStart, timestampEnd) };
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
