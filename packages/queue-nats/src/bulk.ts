import { type BulkOptions, type BulkResult, checkBulkOptions, InvalidArgumentError, matchesRequestType } from "@x/message";
import type { QueueStream } from "./stream.js";
import { bandOf } from "./subjects.js";
import { readJob, type StoredJob, writeJob } from "./wire.js";

/** The states {@link bulkParked} works on: no worker holds or can pull a job in them. */
export type ParkedState = "buried" | "delayed";

/** Options of `NatsQueue.bulkParked`: `BulkOptions` for buried or delayed jobs. */
export interface ParkedBulkOptions extends BulkOptions {
  readonly state: ParkedState;
}

/**
 * The message id a move of the copy at `sequence` out of its place carries: the due-time move of
 * a reserve, `kick()` and this module all use it, so of every mover of one copy exactly one is
 * stored and the others are refused as duplicates.
 */
export function moveIdOf(state: ParkedState, sequence: number): string {
  return state === "delayed" ? `xq-due-${String(sequence)}` : `xq-kick-${String(sequence)}`;
}

/**
 * Kick, retry or delete every buried or delayed job (of one request type). Each copy is claimed
 * with its move id before it changes: a retry stores the ready copy under that id; a delete stores
 * an empty placeholder under it (removed again at once), so a reserve moving the same due job, or
 * a `kick()` of the same buried one, is refused as a duplicate and the job is not brought back.
 * Only the claimer counts the job as changed.
 */
export async function bulkParked(stream: QueueStream, options: ParkedBulkOptions, wake: () => void): Promise<BulkResult> {
  checkBulkOptions(options);
  const { action, state, requestType, signal } = options;
  const given: string = state;
  if (given !== "buried" && given !== "delayed") {
    throw new InvalidArgumentError(
      "state",
      `bulkParked works on buried and delayed jobs, which no worker holds; ${given} jobs cannot be changed in bulk safely on JetStream (see the README)`,
    );
  }
  const subject = state === "buried" ? stream.subjects.buried : stream.subjects.delayedAny;
  let matched = 0;
  let changed = 0;
  for (let sequence = 1; signal?.aborted !== true; ) {
    const stored = await stream.next(subject, sequence);
    if (stored === null) break;
    sequence = stored.seq + 1;
    let job: StoredJob;
    try {
      job = readJob(stored.header, stored.data);
    } catch {
      continue;
    }
    if (!matchesRequestType(requestType, job.message.header.requestType)) continue;
    matched++;
    const moveId = moveIdOf(state, stored.seq);
    let claimed: boolean;
    if (action === "delete") {
      const placeholder = await stream.publish(stream.subjects.claim, new Uint8Array(0), undefined, moveId);
      claimed = !placeholder.duplicate;
      if (claimed) await stream.remove(placeholder.seq);
    } else {
      const { data, headers } = writeJob(job.message, { enqueuedAt: job.enqueuedAt ?? stored.time.getTime() });
      const ack = await stream.publish(stream.subjects.ready(bandOf(job.message.header.priority)), data, headers, moveId);
      claimed = !ack.duplicate;
    }
    // The claimer or the other mover removes the parked copy; removing it twice is harmless.
    await stream.remove(stored.seq);
    if (claimed) changed++;
  }
  if (changed > 0 && action !== "delete") wake();
  return { matched, changed };
}
