import { DiscardPolicy, type JetStreamClient, jetstreamManager, RetentionPolicy, StorageType, type StreamConfig } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { checkOptionKeys, durationMsOption, InvalidOptionError, integerOption } from "@x/core";
import { abortable } from "./abortable.js";
import { MAX_REPLICAS } from "./event.js";
import type { DeadLetterReason, JobInfo } from "./middleware.js";
import { headerBytes, headerRecord, toMsgHdrs } from "./nats-headers.js";
import { checkSignal } from "./signal.js";
import { nanos } from "./stream-config.js";

/** The stream dead letters go to; its subjects are `<stream>.<event>.<actor>`. */
export const DEFAULT_DEAD_LETTER_STREAM = "dead-letters";
/** How long dead letters are kept, in ms (14 days). */
export const DEFAULT_DEAD_LETTER_MAX_AGE_MS = 14 * 24 * 60 * 60 * 1000;

/** Headers a dead letter carries besides the event's own. */
export const DEAD_LETTER_HEADERS = Object.freeze({
  reason: "Dead-Letter-Reason",
  error: "Dead-Letter-Error",
  event: "Dead-Letter-Event",
  actor: "Dead-Letter-Actor",
  seq: "Dead-Letter-Stream-Seq",
  attempts: "Dead-Letter-Attempts",
  uid: "Dead-Letter-Uid",
  time: "Dead-Letter-Time",
  stream: "Dead-Letter-Stream",
  bodyOmitted: "Dead-Letter-Body-Omitted",
  headersOmitted: "Dead-Letter-Headers-Omitted",
});

/** Options for the dead-letter stream (on `Actors.connect`). */
export interface DeadLetterOptions {
  /** Stream name, also the subject prefix. @default {@link DEFAULT_DEAD_LETTER_STREAM} */
  readonly stream?: string;
  /** How long dead letters are kept, in ms. @default {@link DEFAULT_DEAD_LETTER_MAX_AGE_MS} */
  readonly maxAgeMs?: number;
  /** Copies of the dead-letter stream a NATS cluster keeps (1 to 5). @default 1 */
  readonly replicas?: number;
}

/** A dead letter as read back by {@link readDeadLetters}. */
export interface DeadLetter {
  /** Sequence number in the dead-letter stream. */
  readonly seq: number;
  /** Why it was dead-lettered. */
  readonly reason: DeadLetterReason;
  /** The last error, as text. */
  readonly error: string;
  /** The event's name. */
  readonly event: string;
  /** The actor that gave up on it. */
  readonly actor: string;
  /** Sequence number of the event in its own stream. */
  readonly eventSeq: number;
  /** The event's own stream: with `eventSeq`, where the original is (while its retention keeps it). */
  readonly eventStream: string;
  /**
   * Set when the event was too large to be dead-lettered whole (the `Dead-Letter-*` headers
   * would take it over the server's `max_payload`): its size in bytes; `data` is then empty.
   */
  readonly bodyOmittedBytes: number | undefined;
  /** True when even the event's own headers did not fit and were left out too. */
  readonly headersOmitted: boolean;
  /** Handler runs before it was dead-lettered (0 for decode and schema errors). */
  readonly attempts: number;
  /** The emitter's uid, if any. */
  readonly uid: string | undefined;
  /** When it was dead-lettered. */
  readonly at: Date;
  /** The event's payload bytes, unchanged. */
  readonly data: Uint8Array;
  /** The event's own headers (without the `Dead-Letter-*` ones). */
  readonly headers: Readonly<Record<string, string>>;
}

/** Validated dead-letter settings. */
export interface DeadLetterSettings {
  readonly stream: string;
  readonly maxAgeMs: number;
  readonly replicas: number;
}

const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** A dead-letter stream name (the default when absent), or an error naming `option`. */
function streamName(option: string, value: string | undefined): string {
  const stream = value ?? DEFAULT_DEAD_LETTER_STREAM;
  if (typeof stream !== "string" || !STREAM_NAME.test(stream))
    throw new InvalidOptionError(option, stream, "must be 1-64 letters, digits, '-' or '_'");
  return stream;
}

/** Validates {@link DeadLetterOptions} and fills in the defaults. */
export function deadLetterSettings(options: DeadLetterOptions = {}): DeadLetterSettings {
  const raw: unknown = options;
  if (typeof raw !== "object" || raw === null) throw new InvalidOptionError("deadLetters", raw, "must be an object");
  for (const key of Object.keys(options)) {
    if (!DEAD_LETTER_OPTIONS.includes(key)) {
      throw new InvalidOptionError(
        `deadLetters.${key}`,
        undefined,
        `is not an option of deadLetters; valid options: ${DEAD_LETTER_OPTIONS.join(", ")}`,
      );
    }
  }
  const stream = streamName("deadLetters.stream", options.stream);
  const maxAgeMs = durationMsOption("deadLetters.maxAgeMs", options.maxAgeMs, DEFAULT_DEAD_LETTER_MAX_AGE_MS, { min: 1 });
  const replicas = integerOption("deadLetters.replicas", options.replicas, 1, 1, MAX_REPLICAS);
  return { stream, maxAgeMs, replicas };
}

const DEAD_LETTER_OPTIONS: readonly string[] = ["maxAgeMs", "replicas", "stream"];

/** The dead-letter stream: limits retention (nobody has to consume it), file storage. */
export function deadLetterStreamConfig(settings: DeadLetterSettings): Partial<StreamConfig> & { name: string } {
  return {
    name: settings.stream,
    subjects: [`${settings.stream}.>`],
    description: "Events that @x/events actors could not handle",
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(settings.maxAgeMs),
    num_replicas: settings.replicas,
  };
}

/** What a job hands over to be dead-lettered. */
export interface DeadLetterInput {
  readonly reason: DeadLetterReason;
  readonly error: string;
  readonly info: JobInfo;
  readonly data: Uint8Array;
  /** Handler runs so far. */
  readonly attempts: number;
  /** The event's stream. */
  readonly stream: string;
}

// Header values are single lines; keep the error short enough to stay well inside a header.
const headerSafe = (text: string): string => text.replace(/[\r\n]+/g, " ").slice(0, 1024);

/**
 * Publishes a dead letter (the event's bytes and headers plus `Dead-Letter-*` headers) and waits
 * for the server to store it. De-duplicated on (event, actor, sequence), so a retry after a lost
 * acknowledgement does not store it twice. Returns the subject.
 *
 * An event close to the server's `max_payload` does not fit once the `Dead-Letter-*` headers are
 * added, and the server would refuse it every time: its body is then left out (its size in
 * `Dead-Letter-Body-Omitted`), and if that is not enough, its own headers too. The stream and
 * sequence headers still say where the original is.
 */
export async function publishDeadLetter(
  js: JetStreamClient,
  settings: DeadLetterSettings,
  maxPayload: () => number | undefined,
  input: DeadLetterInput,
): Promise<string> {
  const { info } = input;
  const subject = `${settings.stream}.${info.event}.${info.actor}`;
  const own: Record<string, string> = {};
  for (const [key, value] of Object.entries(info.headers)) {
    // Nats-* headers belong to the original stream (Nats-Msg-Id would de-duplicate here).
    if (!key.toLowerCase().startsWith("nats-")) own[key] = value;
  }
  const record: Record<string, string> = {};
  record[DEAD_LETTER_HEADERS.reason] = input.reason;
  record[DEAD_LETTER_HEADERS.error] = headerSafe(input.error);
  record[DEAD_LETTER_HEADERS.event] = info.event;
  record[DEAD_LETTER_HEADERS.actor] = info.actor;
  record[DEAD_LETTER_HEADERS.seq] = String(info.seq);
  record[DEAD_LETTER_HEADERS.attempts] = String(input.attempts);
  record[DEAD_LETTER_HEADERS.time] = String(Date.now());
  record[DEAD_LETTER_HEADERS.stream] = input.stream;
  if (info.uid !== undefined) record[DEAD_LETTER_HEADERS.uid] = headerSafe(info.uid);
  const msgID = `${info.event}.${info.actor}.${info.seq}`;
  const limit = maxPayload() ?? Number.POSITIVE_INFINITY;
  // The client adds Nats-Msg-Id to the header block.
  const sizeOf = (headers: Record<string, string>, data: Uint8Array): number =>
    headerBytes(headers) + "Nats-Msg-Id".length + msgID.length + 4 + data.byteLength;
  let data = input.data;
  let headers: Record<string, string> = { ...own, ...record };
  if (sizeOf(headers, data) > limit) {
    data = new Uint8Array();
    headers[DEAD_LETTER_HEADERS.bodyOmitted] = String(input.data.byteLength);
    if (sizeOf(headers, data) > limit) {
      headers = {
        ...record,
        [DEAD_LETTER_HEADERS.bodyOmitted]: String(input.data.byteLength),
        [DEAD_LETTER_HEADERS.headersOmitted]: "true",
      };
    }
  }
  await js.publish(subject, data, { headers: toMsgHdrs(headers), msgID });
  return subject;
}

const REASONS: readonly string[] = ["max-attempts", "decode-error", "schema-error"];

/** How many dead letters {@link readDeadLetters} returns at most, unless told otherwise. */
export const DEFAULT_READ_LIMIT = 100;

/** Options of {@link readDeadLetters}. */
export interface ReadDeadLettersOptions {
  /** The dead-letter stream. @default {@link DEFAULT_DEAD_LETTER_STREAM} */
  readonly stream?: string;
  /** Start at this sequence number of the dead-letter stream. @default 1 (the first stored) */
  readonly from?: number;
  /** Return at most this many. @default {@link DEFAULT_READ_LIMIT} */
  readonly limit?: number;
  /** Stops reading; the promise rejects with the signal's reason. @default none */
  readonly signal?: AbortSignal;
}

/** Reads dead letters back, oldest first, for inspection or replay. */
export async function readDeadLetters(connection: NatsConnection, options: ReadDeadLettersOptions = {}): Promise<DeadLetter[]> {
  checkOptionKeys(options, ["stream", "from", "limit", "signal"], "readDeadLetters");
  const { signal } = options;
  const stream = streamName("stream", options.stream);
  const limit = integerOption("limit", options.limit, DEFAULT_READ_LIMIT, 1);
  const from = integerOption("from", options.from, 1, 1);
  checkSignal(signal);
  signal?.throwIfAborted();
  const jsm = await abortable(jetstreamManager(connection), signal);
  const { state } = await abortable(jsm.streams.info(stream), signal);
  const letters: DeadLetter[] = [];
  for (let seq = Math.max(from, state.first_seq); seq <= state.last_seq && letters.length < limit; seq++) {
    const stored = await abortable(jsm.streams.getMessage(stream, { seq }), signal);
    if (stored === null) continue;
    const all = headerRecord(stored.header);
    const own: Record<string, string> = {};
    for (const [key, value] of Object.entries(all)) {
      // Dead-Letter-* describe the dead letter; Nats-* belong to the dead-letter stream itself.
      if (!key.startsWith("Dead-Letter-") && !key.toLowerCase().startsWith("nats-")) own[key] = value;
    }
    const reason = all[DEAD_LETTER_HEADERS.reason] ?? "";
    letters.push({
      seq: stored.seq,
      reason: (REASONS.includes(reason) ? reason : "max-attempts") as DeadLetterReason,
      error: all[DEAD_LETTER_HEADERS.error] ?? "",
      event: all[DEAD_LETTER_HEADERS.event] ?? "",
      actor: all[DEAD_LETTER_HEADERS.actor] ?? "",
      eventSeq: Number(all[DEAD_LETTER_HEADERS.seq] ?? 0),
      eventStream: all[DEAD_LETTER_HEADERS.stream] ?? "",
      bodyOmittedBytes: all[DEAD_LETTER_HEADERS.bodyOmitted] === undefined ? undefined : Number(all[DEAD_LETTER_HEADERS.bodyOmitted]),
      headersOmitted: all[DEAD_LETTER_HEADERS.headersOmitted] === "true",
      attempts: Number(all[DEAD_LETTER_HEADERS.attempts] ?? 0),
      uid: all[DEAD_LETTER_HEADERS.uid],
      at: new Date(Number(all[DEAD_LETTER_HEADERS.time] ?? stored.time.getTime())),
      data: stored.data,
      headers: own,
    });
  }
  return letters;
}
