import { type JetStreamManager, jetstream, jetstreamManager, type StoredMsg } from "@nats-io/jetstream";
import { type MsgHdrs, type NatsConnection, headers as natsHeaders } from "@nats-io/transport-node";
import { BadRequestError, DashboardError, NotFoundError, SourceUnavailableError } from "./errors.js";
import { limitParam, MAX_PAYLOAD_TEXT } from "./queues.js";

/** The dead-letter stream `@x/events` writes to unless configured otherwise. */
export const DEFAULT_DEAD_LETTER_STREAM = "dead-letters";

/** One consumer of a stream (an `@x/events` actor, or any durable). */
export interface ConsumerView {
  readonly name: string;
  /** Messages not yet delivered. */
  readonly pending: number;
  /** Delivered, not yet acknowledged. */
  readonly inFlight: number;
  readonly redelivered: number;
}

/** One stream with its consumers. */
export interface StreamView {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly messages: number;
  readonly bytes: number;
  readonly consumers: readonly ConsumerView[];
}

/** One dead letter as the API shows it (the headers `@x/events` writes, decoded). */
export interface DeadLetterView {
  readonly seq: number;
  readonly event: string;
  readonly actor: string;
  readonly reason: string;
  readonly error: string;
  readonly attempts: number;
  readonly eventStream: string;
  readonly eventSeq: number;
  readonly at: number;
  readonly payload: string;
  readonly payloadTruncated: boolean;
  /** The body was too large to be dead-lettered: replay is not possible from here. */
  readonly bodyOmitted: boolean;
}

const decoder = new TextDecoder();

/** Streams, consumers and dead letters of one NATS server, read through JetStream's API. */
export class EventSource {
  readonly #nc: NatsConnection;
  readonly #deadLetterStream: string;
  #jsm: Promise<JetStreamManager> | undefined;

  constructor(nc: NatsConnection, deadLetterStream: string) {
    this.#nc = nc;
    this.#deadLetterStream = deadLetterStream;
  }

  #manager(): Promise<JetStreamManager> {
    this.#jsm ??= jetstreamManager(this.#nc);
    // A failed lookup (JetStream off, server away) is tried again on the next request.
    this.#jsm.catch(() => (this.#jsm = undefined));
    return this.#jsm;
  }

  async streams(): Promise<StreamView[]> {
    return nats(() => this.#streams());
  }

  async deadLetters(query: URLSearchParams): Promise<{ deadLetters: DeadLetterView[]; total: number; cursor: string | null }> {
    return nats(() => this.#deadLetters(query));
  }

  async replay(seq: number): Promise<{ subject: string; eventSeq: number }> {
    return nats(() => this.#replay(seq));
  }

  async deleteDeadLetter(seq: number): Promise<void> {
    return nats(() => this.#deleteDeadLetter(seq));
  }

  async #streams(): Promise<StreamView[]> {
    const jsm = await this.#manager();
    const views: StreamView[] = [];
    for await (const info of jsm.streams.list()) {
      const consumers: ConsumerView[] = [];
      for await (const consumer of jsm.consumers.list(info.config.name)) {
        consumers.push({
          name: consumer.name,
          pending: consumer.num_pending,
          inFlight: consumer.num_ack_pending,
          redelivered: consumer.num_redelivered,
        });
      }
      views.push({
        name: info.config.name,
        subjects: info.config.subjects,
        messages: info.state.messages,
        bytes: info.state.bytes,
        consumers,
      });
    }
    return views.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A page of dead letters, oldest first, from sequence `cursor`. */
  async #deadLetters(query: URLSearchParams): Promise<{ deadLetters: DeadLetterView[]; total: number; cursor: string | null }> {
    const limit = limitParam(query.get("limit"), 50, 200);
    const from = seqParam(query.get("cursor") ?? "1");
    const jsm = await this.#manager();
    let state: { first_seq: number; last_seq: number; messages: number };
    try {
      ({ state } = await jsm.streams.info(this.#deadLetterStream));
    } catch {
      // No actor has registered yet, so there is no dead-letter stream and no dead letter.
      return { deadLetters: [], total: 0, cursor: null };
    }
    const letters: DeadLetterView[] = [];
    let seq = Math.max(from, state.first_seq);
    for (; seq <= state.last_seq && letters.length < limit; seq++) {
      const stored = await getMessage(jsm, this.#deadLetterStream, seq);
      if (stored !== null) letters.push(deadLetterView(stored));
    }
    return { deadLetters: letters, total: state.messages, cursor: seq <= state.last_seq ? String(seq) : null };
  }

  /**
   * Publishes the dead letter's payload and own headers on its event's subject again, waits for
   * JetStream to store it, then deletes the dead letter. Every actor of that event receives it again.
   */
  async #replay(seq: number): Promise<{ subject: string; eventSeq: number }> {
    const jsm = await this.#manager();
    const stored = await getMessage(jsm, this.#deadLetterStream, seq);
    if (stored === null) throw new NotFoundError(`no dead letter ${seq} in stream ${this.#deadLetterStream}`);
    const record = headerRecord(stored.header);
    const subject = record["Dead-Letter-Event"];
    if (subject === undefined || subject === "")
      throw new BadRequestError(`dead letter ${seq} does not name its event (no Dead-Letter-Event header)`);
    if (record["Dead-Letter-Body-Omitted"] !== undefined)
      throw new BadRequestError(
        `dead letter ${seq} has no body (it was too large); replay it from stream ${record["Dead-Letter-Stream"] ?? "?"}`,
      );
    const hdrs = natsHeaders();
    for (const [key, value] of Object.entries(record)) {
      if (!key.startsWith("Dead-Letter-") && !key.toLowerCase().startsWith("nats-")) hdrs.set(key, value);
    }
    const ack = await jetstream(this.#nc).publish(subject, stored.data, { headers: hdrs });
    await jsm.streams.deleteMessage(this.#deadLetterStream, seq);
    return { subject, eventSeq: ack.seq };
  }

  async #deleteDeadLetter(seq: number): Promise<void> {
    const jsm = await this.#manager();
    let deleted: boolean;
    try {
      deleted = await jsm.streams.deleteMessage(this.#deadLetterStream, seq);
    } catch {
      deleted = false;
    }
    if (!deleted) throw new NotFoundError(`no dead letter ${seq} in stream ${this.#deadLetterStream}`);
  }
}

/** A sequence number from a path or query. */
export function seqParam(value: string): number {
  const seq = Number(value);
  if (!Number.isSafeInteger(seq) || seq < 1)
    throw new BadRequestError(`sequence must be a positive integer, got ${JSON.stringify(value.slice(0, 40))}`);
  return seq;
}

async function getMessage(jsm: JetStreamManager, stream: string, seq: number): Promise<StoredMsg | null> {
  try {
    return await jsm.streams.getMessage(stream, { seq });
  } catch {
    // Deleted or expired since the stream's info was read.
    return null;
  }
}

function headerRecord(hdrs: MsgHdrs | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  if (hdrs === undefined) return record;
  for (const key of hdrs.keys()) record[key] = hdrs.get(key);
  return record;
}

function deadLetterView(stored: StoredMsg): DeadLetterView {
  const h = headerRecord(stored.header);
  const text = decoder.decode(stored.data);
  return {
    seq: stored.seq,
    event: h["Dead-Letter-Event"] ?? "",
    actor: h["Dead-Letter-Actor"] ?? "",
    reason: h["Dead-Letter-Reason"] ?? "",
    error: h["Dead-Letter-Error"] ?? "",
    attempts: Number(h["Dead-Letter-Attempts"] ?? 0),
    eventStream: h["Dead-Letter-Stream"] ?? "",
    eventSeq: Number(h["Dead-Letter-Stream-Seq"] ?? 0),
    at: Number(h["Dead-Letter-Time"] ?? stored.time.getTime()),
    payload: text.length > MAX_PAYLOAD_TEXT ? text.slice(0, MAX_PAYLOAD_TEXT) : text,
    payloadTruncated: text.length > MAX_PAYLOAD_TEXT,
    bodyOmitted: h["Dead-Letter-Body-Omitted"] !== undefined,
  };
}

/** Runs a NATS call; what fails other than the dashboard's own errors means the server did not answer. */
async function nats<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof DashboardError) throw error;
    throw new SourceUnavailableError("NATS", error);
  }
}
