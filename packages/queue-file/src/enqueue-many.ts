/**
 * `enqueueMany()`: a batch of jobs stored with one group commit. Every job file is written and
 * flushed, then renamed into `ready/`, then `ready/` is flushed once and the names go to the
 * journal in one append: the durability of `enqueue`, for far fewer waits on the disk than one
 * `enqueue` a job. A batch of {@link FLUSH_TOGETHER_FROM} jobs or more is flushed with one
 * `syncfs` of the file system (see `sync-fs.ts`) where the system has it; otherwise, and for
 * smaller batches, each file is flushed, many at once (the journal commits them together).
 */
import { join } from "node:path";
import {
  createMessage,
  type EnqueueResult,
  encode,
  InvalidArgumentError,
  JobTooBigError,
  type Message,
  type MessageInit,
} from "@x/message";
import { FileSystemError, type IdLockedError } from "./errors.js";
import { claim, remove, tempName, writeNewFile } from "./files.js";
import { lockIds, unlockIds } from "./id-lock.js";
import type { JobStore } from "./store.js";
import { syncFileSystem, syncFileSystemAvailable } from "./sync-fs.js";

/** Job files written (and flushed) at once: enough to keep the thread pool and the disk's queue busy. */
const WRITES_IN_FLIGHT = 32;

/**
 * From this many jobs a batch is flushed with one `syncfs` instead of one `fsync` per file: below
 * it, starting the `sync` command costs more than the flushes it saves.
 */
const FLUSH_TOGETHER_FROM = 64;

interface Prepared<P> {
  readonly index: number;
  readonly message: Message<P>;
  readonly bytes: Uint8Array;
  readonly customId: boolean;
}

interface Staged<P> extends Prepared<P> {
  readonly name: string;
  readonly temp: string;
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** Stores a batch; see the module comment. One result per init, in order. */
export async function enqueueBatch<P>(store: JobStore, inits: readonly MessageInit<P>[]): Promise<EnqueueResult<P>[]> {
  if (!Array.isArray(inits)) throw new InvalidArgumentError("inits", "must be an array of jobs");
  const results: EnqueueResult<P>[] = new Array<EnqueueResult<P>>(inits.length);
  const fail = (index: number, error: unknown): void => {
    results[index] = { ok: false, error: asError(error) };
  };
  let prepared = prepare<P>(store, inits, fail);
  const customIds = prepared.filter((job) => job.customId).map((job) => job.message.id);
  const { locked, busy } =
    customIds.length === 0
      ? { locked: [], busy: new Map<string, IdLockedError>() }
      : await lockIds(store.layout.tmp, customIds, store.options.time);
  try {
    if (customIds.length > 0) {
      // One listing for the whole batch, under the locks: no other enqueue can add these ids meanwhile.
      const live = await store.liveIds();
      prepared = prepared.filter((job) => {
        if (!job.customId) return true;
        const locking = busy.get(job.message.id);
        if (locking) fail(job.index, locking);
        else if (live.has(job.message.id))
          fail(job.index, new InvalidArgumentError("id", `a job with id ${job.message.id} already exists`));
        else return true;
        return false;
      });
    }
    const stored = await writeStaged(store, stage(store, prepared), fail);
    for (const job of stored) results[job.index] = { ok: true, message: job.message };
  } finally {
    await unlockIds(store.layout.tmp, locked);
  }
  return results;
}

/** Builds and checks each message; a bad one fails its own entry. */
function prepare<P>(store: JobStore, inits: readonly MessageInit<P>[], fail: (index: number, error: unknown) => void): Prepared<P>[] {
  const prepared: Prepared<P>[] = [];
  const seen = new Set<string>();
  const now = store.clock.now();
  for (const [index, init] of inits.entries()) {
    try {
      if (typeof init !== "object" || (init as unknown) === null) throw new InvalidArgumentError(`inits[${index}]`, "must be an object");
      const message = createMessage<P>(init, now);
      const bytes = encode(message);
      if (bytes.byteLength > store.options.maxJobBytes) throw new JobTooBigError(bytes.byteLength, store.options.maxJobBytes);
      const customId = init.id !== undefined;
      if (customId) {
        if (seen.has(message.id)) throw new InvalidArgumentError("id", `a job with id ${message.id} is earlier in this batch`);
        seen.add(message.id);
      }
      prepared.push({ index, message, bytes, customId });
    } catch (error) {
      fail(index, error);
    }
  }
  return prepared;
}

/** Names every job in input order: the names' sequence numbers keep the batch first in, first out. */
function stage<P>(store: JobStore, prepared: readonly Prepared<P>[]): Staged<P>[] {
  // The wall clock as read (see `enqueue`): a due time ahead of it would hide the job after a backward step.
  const wall = store.clock.wall();
  return prepared.map((job) => {
    const { header } = job.message;
    const readyAt = Math.max(wall, header.delay?.getTime() ?? 0);
    const name = store.readyName({ priority: header.priority, deliveries: header.attempts, id: job.message.id }, readyAt);
    return { ...job, name, temp: join(store.layout.tmp, tempName()) };
  });
}

/** Runs `task` over `items`, at most `limit` at a time; `task` must not reject. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

/** Whether `syncfs` can flush this batch; an error while finding out leaves the per-file flushes. */
async function flushTogetherAvailable(store: JobStore): Promise<boolean> {
  try {
    return await syncFileSystemAvailable(store.layout.tmp);
  } catch {
    return false;
  }
}

/**
 * Flushes the written (not yet visible) job files with one `syncfs`. If it fails, none of them
 * counts as durable: each is removed and fails with the flush's error.
 */
async function flushWritten<P>(
  store: JobStore,
  written: readonly Staged<P>[],
  fail: (index: number, error: unknown) => void,
): Promise<Staged<P>[]> {
  try {
    await syncFileSystem(store.layout.tmp);
    return [...written];
  } catch (error) {
    const failure = new FileSystemError("flush", store.layout.tmp, error);
    await eachLimited(written, WRITES_IN_FLIGHT, async (job) => {
      await remove(job.temp).catch(() => false);
      fail(job.index, failure);
    });
    return [];
  }
}

/**
 * The group commit of {@link enqueueBatch}: resolves to the jobs stored, durable and published;
 * the others are failed through `fail`.
 */
async function writeStaged<P>(
  store: JobStore,
  staged: readonly Staged<P>[],
  fail: (index: number, error: unknown) => void,
): Promise<Staged<P>[]> {
  const together = store.options.fsync && staged.length >= FLUSH_TOGETHER_FROM && (await flushTogetherAvailable(store));
  let written: Staged<P>[] = [];
  await eachLimited(staged, WRITES_IN_FLIGHT, async (job) => {
    try {
      await writeNewFile(job.temp, job.bytes, store.options.fsync && !together);
      written.push(job);
    } catch (error) {
      fail(job.index, error);
    }
  });
  if (together && written.length > 0) written = await flushWritten(store, written, fail);
  const visible: Staged<P>[] = [];
  // The rename is the moment a job becomes visible, complete.
  await eachLimited(written, WRITES_IN_FLIGHT, async (job) => {
    try {
      if (await claim(job.temp, store.path("ready", job.name))) visible.push(job);
      else fail(job.index, new FileSystemError("move into ready/", job.temp, new Error("the temp file vanished")));
    } catch (error) {
      await remove(job.temp).catch(() => false);
      fail(job.index, error);
    }
  });
  let failure: Error | undefined;
  try {
    failure = await store.publishReady(visible.map((job) => job.name));
  } catch (error) {
    failure = error instanceof Error ? error : new FileSystemError("flush", store.layout.ready, error);
  }
  if (failure === undefined) return visible;
  // As in `enqueue`: not flushed, or not in the journal. Each job is taken back and fails, unless
  // a consumer has it already (then it is being served, and must not be enqueued again).
  const kept: Staged<P>[] = [];
  for (const job of visible) {
    const back = join(store.layout.tmp, tempName());
    const takenBack = await claim(store.path("ready", job.name), back).catch(() => false);
    store.withdraw(job.name);
    if (takenBack) {
      await remove(back).catch(() => false);
      fail(job.index, failure);
    } else {
      kept.push(job);
    }
  }
  return kept;
}
