import { systemTime } from "@x/core";
import {
  type BulkOptions,
  type BulkResult,
  type JobListing,
  type JobPage,
  type JobState,
  type ListOptions,
  matchesRequestType,
} from "@x/message";
import { BeanstalkCommandError } from "./errors.js";
import type { IdRange, JobWalker } from "./job-walk.js";
import { formatCursor, parseCursor } from "./list-cursor.js";
import { toListing } from "./listing.js";
import type { RawJob, Session } from "./protocol/session.js";
import type { JobStats } from "./protocol/stats.js";

/** Bodies fetched at once while filtering by request type (bounded: a body may be up to `max-job-size`). */
const PEEK_BATCH = 64;

const isNotFound = (err: unknown): boolean => err instanceof BeanstalkCommandError && err.reply === "NOT_FOUND";

/** What `list()` and `bulk()` need from their queue. */
export interface OperateContext {
  readonly session: Session;
  readonly walker: JobWalker;
  /** The highest job id this process has seen (a floor for the walk's upper end). */
  readonly knownHighest: number;
}

/**
 * How many jobs of the tube are in `state` right now; 0 when the tube does not exist. A job that
 * stays in the state for the whole walk is counted at every moment of it, so with 0 the walk can
 * end at once.
 */
async function countInState(session: Session, tube: string, state: JobState): Promise<number> {
  try {
    const stats = await session.statsTube(tube);
    return stats[state];
  } catch (err) {
    if (isNotFound(err)) return 0;
    throw err;
  }
}

/** Bodies of the jobs, in order; jobs deleted since they were looked at are left out. */
async function peekAll(session: Session, jobs: readonly JobStats[]): Promise<{ stats: JobStats; raw: RawJob }[]> {
  const replies = await Promise.allSettled(jobs.map((job) => session.peek(job.id)));
  const found: { stats: JobStats; raw: RawJob }[] = [];
  replies.forEach((reply, i) => {
    const stats = jobs[i];
    if (reply.status === "rejected") {
      if (!isNotFound(reply.reason)) throw reply.reason;
    } else if (stats) found.push({ stats, raw: reply.value });
  });
  return found;
}

/**
 * One page of `list()`: the jobs of the tube in the state, in increasing id order, from the
 * cursor's position to the end of the walk's id range.
 */
export async function listPage(context: OperateContext, options: ListOptions & { readonly limit: number }): Promise<JobPage> {
  const { session, walker } = context;
  const cursor = options.cursor === undefined ? undefined : parseCursor(options.cursor);
  if ((await countInState(session, walker.tube, options.state)) === 0) return { jobs: [], cursor: null };
  const bounds = await walker.range(session, context.knownHighest);
  // A later page goes on after the cursor, to the end of the walk's range. It never goes past the
  // ids assigned so far: a cursor from another server (or a forged one) cannot start an endless scan.
  const range: IdRange = cursor
    ? { from: Math.max(cursor.after + 1, bounds.from), to: Math.min(cursor.end, bounds.to) }
    : { from: bounds.from, to: bounds.to };
  const instance = cursor ? undefined : bounds.instance;
  const jobs: JobListing[] = [];
  for await (const chunk of walker.jobs(session, range, options.state, instance)) {
    for (let start = 0; start < chunk.length; ) {
      // Without a type filter every body is listed, so fetch only as many as the page still takes.
      const size = options.requestType === undefined ? Math.min(PEEK_BATCH, options.limit - jobs.length) : PEEK_BATCH;
      const batch = chunk.slice(start, start + size);
      start += batch.length;
      const now = systemTime.wallNow();
      for (const { stats, raw } of await peekAll(session, batch)) {
        const listing = toListing(stats, raw, now);
        if (!matchesRequestType(options.requestType, listing.message.header.requestType)) continue;
        jobs.push(listing);
        if (jobs.length === options.limit) {
          return { jobs, cursor: stats.id >= range.to ? null : formatCursor({ after: stats.id, end: range.to }) };
        }
      }
    }
  }
  return { jobs, cursor: null };
}

/**
 * `bulk()`: one walk over the tube's jobs in the state; each match gets `kick-job` (kick, retry)
 * or `delete`, pipelined per chunk. A job a worker took (or deleted, or moved) since it was looked
 * at answers `NOT_FOUND` and is skipped: counted in `matched`, not in `changed`.
 */
export async function runBulk(context: OperateContext, options: BulkOptions): Promise<BulkResult> {
  const { session, walker } = context;
  const { signal } = options;
  // A function, not the field: TypeScript would keep a narrowing of `aborted` across awaits.
  const aborted = (): boolean => signal?.aborted === true;
  let matched = 0;
  let changed = 0;
  if (aborted() || (await countInState(session, walker.tube, options.state)) === 0) return { matched, changed };
  const { instance, ...range } = await walker.range(session, context.knownHighest);
  for await (const chunk of walker.jobs(session, range, options.state, instance)) {
    for (let start = 0; start < chunk.length; start += PEEK_BATCH) {
      if (aborted()) return { matched, changed };
      let targets = chunk.slice(start, start + PEEK_BATCH);
      if (options.requestType !== undefined) {
        const now = systemTime.wallNow();
        targets = (await peekAll(session, targets))
          .filter(({ stats, raw }) => matchesRequestType(options.requestType, toListing(stats, raw, now).message.header.requestType))
          .map(({ stats }) => stats);
        if (aborted()) return { matched, changed };
      }
      matched += targets.length;
      const replies = await Promise.allSettled(
        targets.map((job) => (options.action === "delete" ? session.delete(job.id) : session.kickJob(job.id))),
      );
      for (const reply of replies) {
        if (reply.status === "fulfilled") changed++;
        else if (!isNotFound(reply.reason)) throw reply.reason;
      }
    }
  }
  return { matched, changed };
}
