import {
  InvalidArgumentError,
  type JobListing,
  type JobPage,
  type JsonValue,
  type ListOptions,
  matchesRequestType,
  normalizeListOptions,
} from "@x/message";
import type { NatsReservation } from "./reservation.js";
import type { QueueStream } from "./stream.js";
import { readJob, type StoredJob } from "./wire.js";

/** A cursor is the stream sequence of the last job a page looked at. */
const CURSOR_PATTERN = /^(0|[1-9][0-9]{0,15})$/;

/** What a page needs besides the stream: the reservations this adapter holds, and the clocks. */
export interface ListContext {
  readonly held: ReadonlySet<NatsReservation>;
  /** A monotonic lease end as epoch ms. */
  toWallTime(monotonic: number): number;
}

/**
 * One page of the jobs in one state, in stream order (the stream sequence is the stable key, and
 * a job that moves gets a new, later one). Ready and reserved jobs share their band's subject: a
 * copy at or below the band consumer's delivered sequence that is still stored is held.
 */
export async function listPage(stream: QueueStream, options: ListOptions, context: ListContext): Promise<JobPage> {
  const { state, requestType, limit, cursor } = normalizeListOptions(options);
  if (cursor !== undefined && !CURSOR_PATTERN.test(cursor))
    throw new InvalidArgumentError("cursor", "is not a cursor of this queue's list()");
  const after = cursor === undefined ? 0 : Number(cursor);
  const { subjects } = stream;
  const filter = state === "delayed" ? subjects.delayedAny : state === "buried" ? subjects.buried : subjects.readyAny;
  const deliveredUpTo = new Map<number, number>();
  const delivered = async (band: number): Promise<number> => {
    let upTo = deliveredUpTo.get(band);
    if (upTo === undefined) {
      upTo = (await stream.consumerState(band))?.deliveredUpTo ?? 0;
      deliveredUpTo.set(band, upTo);
    }
    return upTo;
  };
  const heldBySequence = new Map([...context.held].map((reservation) => [reservation.sequence, reservation]));
  const jobs: JobListing[] = [];
  let last = after;
  for (let sequence = after + 1; ; ) {
    const stored = await stream.next(filter, sequence);
    if (stored === null) return { jobs, cursor: null };
    if (jobs.length === limit) return { jobs, cursor: String(last) };
    sequence = stored.seq + 1;
    last = stored.seq;
    const place = subjects.place(stored.subject);
    if (place === undefined || place.kind === "paused") continue;
    let job: StoredJob;
    try {
      job = readJob(stored.header, stored.data);
    } catch {
      continue;
    }
    const { message } = job;
    if (!matchesRequestType(requestType, message.header.requestType)) continue;
    if (place.kind === "ready") {
      const held = stored.seq <= (await delivered(place.band));
      if (held !== (state === "reserved")) continue;
    }
    const mine = heldBySequence.get(stored.seq);
    const progress = state === "reserved" ? await progressOf(stream, stored.seq) : undefined;
    const shown = mine?.message ?? message;
    jobs.push({
      id: message.id,
      state,
      requestType: message.header.requestType ?? "",
      priority: message.header.priority,
      attempts: shown.header.attempts,
      message: shown,
      ...(job.enqueuedAt === undefined ? {} : { enqueuedAt: job.enqueuedAt }),
      ...(place.kind === "delayed" ? { readyAt: place.dueAt } : {}),
      ...(mine === undefined ? {} : { leaseEndsAt: context.toWallTime(mine.leaseEndsAt) }),
      ...(job.buryReason === undefined ? {} : { buryReason: job.buryReason }),
      ...(job.buriedAt === undefined ? {} : { buriedAt: job.buriedAt }),
      ...(progress === undefined ? {} : { progress }),
    });
  }
}

/** The last `progress()` value stored for the held copy at a sequence. */
async function progressOf(stream: QueueStream, sequence: number): Promise<JsonValue | undefined> {
  const stored = await stream.last(stream.subjects.progress(sequence));
  if (stored === null) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(stored.data)) as JsonValue;
  } catch {
    return undefined;
  }
}
