import type { MsgHdrs } from "@nats-io/transport-node";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { decode, encode, type Message } from "@x/message";

/**
 * How a job is stored: the message in the toolkit's wire format (its `header.attempts` holds the
 * deliveries before this copy was written), plus NATS headers for what JetStream should see
 * without decoding the body.
 */
export const JOB_ID_HEADER = "X-Job-Id";
export const ENQUEUED_AT_HEADER = "X-Enqueued-At";
export const BURY_REASON_HEADER = "X-Bury-Reason";
export const BURIED_AT_HEADER = "X-Buried-At";

/** A job as read back from the stream. */
export interface StoredJob {
  readonly message: Message;
  readonly enqueuedAt: number | undefined;
  readonly buryReason: string | undefined;
  readonly buriedAt: number | undefined;
}

/** What goes with a stored copy besides the message. */
export interface JobMarks {
  readonly enqueuedAt: number;
  readonly bury?: { readonly reason: string; readonly at: number };
}

/** The body and headers of one stored copy of a job. */
export function writeJob(message: Message, marks: JobMarks): { readonly data: Uint8Array; readonly headers: MsgHdrs } {
  const headers = natsHeaders();
  headers.set(JOB_ID_HEADER, message.id);
  headers.set(ENQUEUED_AT_HEADER, String(marks.enqueuedAt));
  if (marks.bury) {
    // JSON keeps a reason with line breaks on one header line.
    headers.set(BURY_REASON_HEADER, JSON.stringify(marks.bury.reason));
    headers.set(BURIED_AT_HEADER, String(marks.bury.at));
  }
  return { data: encode(message), headers };
}

function numberHeader(headers: MsgHdrs | undefined, name: string): number | undefined {
  const value = headers?.get(name);
  if (value === undefined || value === "") return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function reasonHeader(headers: MsgHdrs | undefined): string | undefined {
  const value = headers?.get(BURY_REASON_HEADER);
  if (value === undefined || value === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === "string" ? parsed : value;
  } catch {
    return value;
  }
}

/** Reads a stored copy; throws `InvalidMessageError` when the body is not a message. */
export function readJob(headers: MsgHdrs | undefined, data: Uint8Array): StoredJob {
  return {
    message: decode(data),
    enqueuedAt: numberHeader(headers, ENQUEUED_AT_HEADER),
    buryReason: reasonHeader(headers),
    buriedAt: numberHeader(headers, BURIED_AT_HEADER),
  };
}

/** The job id of a stored copy without decoding its body. */
export function jobIdOf(headers: MsgHdrs | undefined): string | undefined {
  const id = headers?.get(JOB_ID_HEADER) ?? "";
  return id === "" ? undefined : id;
}

/**
 * The delivery count in a JetStream ack subject: `$JS.ACK.<stream>.<consumer>.<delivered>...`
 * (9 tokens), or with a domain and account hash after `ACK` (12 tokens).
 */
export function deliveryCount(ackSubject: string): number | undefined {
  const tokens = ackSubject.split(".");
  const index = tokens.length === 9 ? 4 : tokens.length >= 11 ? 6 : -1;
  const value = Number(tokens[index]);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/** The stream sequence in a JetStream ack subject (the token after the delivery count). */
export function streamSequence(ackSubject: string): number | undefined {
  const tokens = ackSubject.split(".");
  const index = tokens.length === 9 ? 5 : tokens.length >= 11 ? 7 : -1;
  const value = Number(tokens[index]);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}
