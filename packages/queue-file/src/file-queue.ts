import { readFile } from "node:fs/promises";
import { sep } from "node:path";
import type { Observable } from "@x/core";
import {
  type BulkOptions,
  type BulkResult,
  createMessage,
  type EnqueueResult,
  encode,
  InvalidArgumentError,
  isValidMessageId,
  type JobInfo,
  type JobPage,
  JobTooBigError,
  type ListOptions,
  type Message,
  type MessageInit,
  type QueueAdapter,
  type QueueCapabilities,
  QueueClosedError,
  type QueueStats,
  type Reservation,
  type ReserveOptions,
  withHeader,
} from "@x/message";
import { runBulk } from "./bulk.js";
import { removeOrphanReasons } from "./cleanup.js";
import { enqueueBatch } from "./enqueue-many.js";
import { FileSystemError, isNotFound } from "./errors.js";
import type { FileQueueEvents } from "./events.js";
import { claim, remove, tempName, writeNewFile } from "./files.js";
import { withIdLock } from "./id-lock.js";
import { listJobs } from "./list.js";
import { formatReserved, newToken, reasonFileOf } from "./names.js";
import { type FileQueueOptions, resolveOptions } from "./options.js";
import { PauseMarker } from "./pause.js";
import { type Claim, FileReservation } from "./reservation.js";
import { JobStore, type Located } from "./store.js";
import { nextPollDelay } from "./waiting.js";

/**
 * The file queue keeps ids and bury reasons, its delays are exact to the millisecond, and it has
 * every operate capability.
 */
const FILE_QUEUE_CAPABILITIES: QueueCapabilities = Object.freeze({
  customIds: true,
  buryReason: true,
  delayResolutionMs: 1,
  list: true,
  enqueueMany: true,
  bulk: true,
  pause: true,
  progress: true,
});

/**
 * A {@link QueueAdapter} on a directory, with `inspect`, the directory it serves, and
 * `on(event, listener)` for what it reports (see {@link FileQueueEvents}).
 */
export interface FileQueue extends QueueAdapter, Observable<FileQueueEvents> {
  readonly name: "file";
  /** A page of the jobs in one state, ordered by id; see the README's "Operating the queue". */
  list(options: ListOptions): Promise<JobPage>;
  /** Stores a batch with one group commit, at the durability of `enqueue`; one result per job. */
  enqueueMany<P>(inits: readonly MessageInit<P>[]): Promise<EnqueueResult<P>[]>;
  /** Kicks, retries or deletes every job of a state (and request type); jobs taken meanwhile are skipped. */
  bulk(options: BulkOptions): Promise<BulkResult>;
  /** Creates the `paused` marker: no process on the directory hands out a job until `resume()`. */
  pause(): Promise<void>;
  /** Removes the `paused` marker; this process's waiting reserves look again at once. */
  resume(): Promise<void>;
  /** The queue directory, as given in the options. */
  readonly dir: string;
  /** State, bury reason and lease end of one job, or `null` when there is no such job. */
  inspect(id: string): Promise<JobInfo | null>;
}

/** How often a lookup by id is retried when the job moves between listing and reading it. */
const LOOKUP_TRIES = 5;

function checkId(id: unknown): string {
  if (typeof id !== "string" || !isValidMessageId(id)) {
    throw new InvalidArgumentError("id", `is not a job id of this queue: ${JSON.stringify(id)}`);
  }
  return id;
}

/**
 * Opens a crash-safe job queue on a directory that any number of processes on this machine may
 * share. Nothing is touched on disk until the first call. See the README for the layout and the
 * guarantees.
 *
 * @throws InvalidOptionError (from `@x/core`) naming the option, for a bad or unknown option.
 * @example
 * ```ts
 * const queue = createFileQueue({ dir: "/var/lib/myapp/jobs", ttrMs: 30_000 });
 * await queue.enqueue({ requestType: "send_email", payload: { to: "a@example.com" } });
 * const job = await queue.reserve({ timeoutMs: 5_000 });
 * await job?.ack();
 * ```
 */
export function createFileQueue(options: FileQueueOptions): FileQueue {
  const resolved = resolveOptions(options);
  const store = new JobStore(resolved);
  const pauseMarker = new PauseMarker(store.layout, store.clock, resolved.fsync);
  const held = new Set<FileReservation>();
  const inflight = new Set<Promise<unknown>>();
  let started: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const isClosed = (): boolean => closing !== undefined;
  const closedError = (): QueueClosedError => new QueueClosedError("file");

  const start = (): Promise<void> => {
    started ??= store.start().catch((error: unknown) => {
      // A later call tries again (the directory may become writable).
      started = undefined;
      throw error;
    });
    return started;
  };

  /**
   * Runs a public operation: refused once closed, counted so that `close` waits for it. A call
   * that fails because the queue's directories vanished (deleted under the running process,
   * maybe re-created since) makes the queue forget what it cached about them, prepare the
   * directory again as on first use, and run the call once more.
   */
  const operation = <T>(task: () => Promise<T>): Promise<T> => {
    if (isClosed()) return Promise.reject(closedError());
    const running = (async () => {
      for (let recovered = false; ; recovered = true) {
        await start();
        if (isClosed()) throw closedError();
        try {
          return await task();
        } catch (error) {
          if (recovered || !(error instanceof FileSystemError) || isClosed() || store.layoutIntact()) throw error;
          store.report("error", { during: "recover", error });
          await store.reset();
          started = undefined;
        }
      }
    })();
    inflight.add(running);
    const forget = (): void => {
      inflight.delete(running);
    };
    running.then(forget, forget);
    return running;
  };

  /** Claims the most urgent ready job, or `undefined`; bad files met on the way are moved aside. */
  const claimNext = async (): Promise<{ claimed: Claim; message: Message; readyName: string } | undefined> => {
    await store.startConsuming();
    await store.reapIfDue(store.clock.monotonic());
    await store.refresh();
    for (let entry = store.index.take(store.clock.monotonic()); entry; entry = store.index.take(store.clock.monotonic())) {
      // The name carries the wall-clock end (it outlives this process); this process measures
      // the lease on the monotonic clock.
      const leaseEndsAt = store.clock.wall() + resolved.ttrMs;
      const endsAt = store.clock.monotonic() + resolved.ttrMs;
      const deliveries = entry.deliveries + 1;
      const name = formatReserved({ leaseEndsAt, token: newToken(), priority: entry.priority, deliveries, id: entry.id });
      const loaded = await store.claimAndLoad(entry, name);
      if (!("message" in loaded)) continue;
      store.noteLease(name, endsAt);
      const message = withHeader(loaded.message, { attempts: entry.deliveries, priority: entry.priority });
      return { claimed: { id: entry.id, priority: entry.priority, deliveries, name, leaseEndsAt }, message, readyName: entry.name };
    }
    return undefined;
  };

  /** Puts a job claimed for a reserve that was aborted back where it was: not an attempt. */
  const unclaim = async (claimed: Claim, readyName: string): Promise<void> => {
    store.forgetLease(claimed.name);
    await store.putBack(claimed.name, readyName);
  };

  const settled = (reservation: FileReservation): void => {
    held.delete(reservation);
  };

  /** Finds a job by id, reads it, and retries when it moved between the two. */
  const lookup = async (id: string): Promise<{ where: Located; message: Message } | undefined> => {
    for (let attempt = 0; attempt < LOOKUP_TRIES; attempt++) {
      const where = await store.find(id);
      if (!where) return undefined;
      const loaded = await store.load(where.dir, where.name, id);
      if ("message" in loaded) {
        const { priority, deliveries } = where.parsed;
        // A reserved job's current delivery already counts in its name.
        const attempts = where.dir === "reserved" ? deliveries - 1 : deliveries;
        return { where, message: withHeader(loaded.message, { priority, attempts }) };
      }
      if (loaded.missing === "corrupt") return undefined;
    }
    return undefined;
  };

  const write = async (message: Message): Promise<void> => {
    const bytes = encode(message);
    if (bytes.byteLength > resolved.maxJobBytes) throw new JobTooBigError(bytes.byteLength, resolved.maxJobBytes);
    // The wall clock as read, not a value that never goes back: a due time ahead of the clock
    // would hide the job as delayed after a backward step.
    const readyAt = Math.max(store.clock.wall(), message.header.delay?.getTime() ?? 0);
    const name = store.readyName({ priority: message.header.priority, deliveries: message.header.attempts, id: message.id }, readyAt);
    const temp = `${store.layout.tmp}${sep}${tempName()}`;
    await writeNewFile(temp, bytes, resolved.fsync);
    // The rename is the moment the job becomes visible, complete: readers never see a partial file.
    if (!(await claim(temp, store.path("ready", name)))) {
      throw new FileSystemError("move into ready/", temp, new Error("the temp file vanished"));
    }
    let failure: Error | undefined;
    try {
      failure = await store.publishReady([name]);
    } catch (error) {
      failure = error instanceof Error ? error : new FileSystemError("flush", store.layout.ready, error);
    }
    if (failure === undefined) return;
    // Not in the journal (a full disk) or not flushed: running consumers might not see the job, or
    // a power cut might lose it. Take it back and fail, unless a consumer has it already (then
    // it is being served, and the caller must not enqueue it again).
    const back = `${store.layout.tmp}${sep}${tempName()}`;
    if (await claim(store.path("ready", name), back).catch(() => false)) {
      store.withdraw(name);
      await remove(back).catch(() => false);
      throw failure;
    }
    store.withdraw(name);
  };

  const queue: FileQueue = {
    name: "file",
    capabilities: FILE_QUEUE_CAPABILITIES,
    dir: resolved.dir,

    on(event, listener) {
      return store.events.on(event, listener);
    },

    enqueue<P>(init: MessageInit<P>): Promise<Message<P>> {
      return operation(async () => {
        const message = createMessage(init, store.clock.now());
        if (init.id === undefined) await write(message);
        else
          await withIdLock(
            store.layout.tmp,
            message.id,
            async (id) => (await store.find(id)) !== undefined,
            resolved.time,
            () => write(message),
          );
        return message;
      });
    },

    reserve(reserveOptions: ReserveOptions = {}): Promise<Reservation | null> {
      const { signal } = reserveOptions;
      const timeoutMs = reserveOptions.timeoutMs ?? 0;
      if (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs) || timeoutMs < 0) {
        return Promise.reject(new InvalidArgumentError("timeoutMs", `must be a number >= 0 (or Infinity), got ${String(timeoutMs)}`));
      }
      if (signal?.aborted) return Promise.reject(signal.reason);
      return operation(async () => {
        const deadline = store.clock.monotonic() + timeoutMs;
        let pause: number | undefined;
        for (;;) {
          signal?.throwIfAborted();
          if (isClosed()) throw closedError();
          const paused = pauseMarker.isPaused();
          const got = paused ? undefined : await claimNext();
          if (got) {
            if (isClosed() || signal?.aborted) {
              await unclaim(got.claimed, got.readyName);
              signal?.throwIfAborted();
              throw closedError();
            }
            const reservation = new FileReservation(store, got.claimed, got.message, isClosed, settled);
            held.add(reservation);
            return reservation;
          }
          const now = store.clock.monotonic();
          if (now >= deadline) return null;
          // While paused, only the pause's end matters (a reap or a due job would change nothing).
          pause = nextPollDelay(pause, resolved.pollIntervalMs, Math.min(deadline, paused ? Infinity : store.nextEventAt()) - now);
          await store.sleepers.sleep(pause, signal);
        }
      });
    },

    peek(id: string): Promise<Message | null> {
      return operation(async () => (await lookup(checkId(id)))?.message ?? null);
    },

    inspect(id: string): Promise<JobInfo | null> {
      return operation(async () => {
        const found = await lookup(checkId(id));
        if (!found) return null;
        const { where, message } = found;
        switch (where.dir) {
          case "ready":
            return { message, state: store.isDelayed({ ...where.parsed, name: where.name }) ? "delayed" : "ready" };
          case "reserved":
            return { message, state: "reserved", leaseEndsAt: where.parsed.leaseEndsAt };
          case "buried": {
            const reason = await readFile(store.path("buried", reasonFileOf(where.name)), "utf8").catch((error: unknown) => {
              if (isNotFound(error)) return undefined;
              throw new FileSystemError("read", reasonFileOf(where.name), error);
            });
            return { message, state: "buried", ...(reason === undefined ? {} : { buryReason: reason }) };
          }
        }
      });
    },

    delete(id: string): Promise<boolean> {
      return operation(async () => {
        checkId(id);
        for (let attempt = 0; attempt < LOOKUP_TRIES; attempt++) {
          const where = await store.find(id);
          if (!where) return false;
          if (await remove(store.path(where.dir, where.name))) {
            if (where.dir === "buried") await remove(store.path("buried", reasonFileOf(where.name)));
            if (where.dir === "ready") store.index.forget(where.name);
            await store.flush(where.dir);
            return true;
          }
        }
        return false;
      });
    },

    kick(max: number): Promise<number> {
      if (typeof max !== "number" || !Number.isInteger(max) || max < 0) {
        return Promise.reject(new InvalidArgumentError("max", `must be a non-negative integer, got ${String(max)}`));
      }
      return operation(async () => {
        if (max === 0) return 0;
        const { jobs, reasons } = await store.listBuried();
        const revived: string[] = [];
        for (const job of jobs) {
          if (revived.length >= max) break;
          const readyName = store.readyName(job);
          if (!(await claim(store.path("buried", job.name), store.path("ready", readyName)))) continue;
          revived.push(readyName);
          await remove(store.path("buried", reasonFileOf(job.name)));
        }
        await store.publishReady(revived);
        await removeOrphanReasons(store.layout, jobs, reasons, store.report);
        return revived.length;
      });
    },

    stats(): Promise<QueueStats> {
      return operation(async () => {
        await store.reap();
        const [ready, reserved, buried] = await Promise.all([store.listReady(), store.listReserved(), store.listBuried()]);
        // Counted after the listings, which move strangers aside.
        const corrupt = await store.countCorrupt();
        const due = ready.filter((entry) => !store.isDelayed(entry)).length;
        return {
          ready: due,
          delayed: ready.length - due,
          reserved: reserved.length,
          buried: buried.jobs.length,
          paused: pauseMarker.isPausedNow(),
          extra: { corrupt },
        };
      });
    },

    list(listOptions: ListOptions): Promise<JobPage> {
      return operation(() => listJobs(store, listOptions));
    },

    enqueueMany<P>(inits: readonly MessageInit<P>[]): Promise<EnqueueResult<P>[]> {
      if (Array.isArray(inits) && inits.length === 0) return isClosed() ? Promise.reject(closedError()) : Promise.resolve([]);
      return operation(() => enqueueBatch(store, inits));
    },

    bulk(bulkOptions: BulkOptions): Promise<BulkResult> {
      return operation(() => runBulk(store, bulkOptions));
    },

    pause(): Promise<void> {
      return operation(() => pauseMarker.pause());
    },

    resume(): Promise<void> {
      return operation(async () => {
        await pauseMarker.resume();
        // Reserves of this process waiting out the pause take jobs at once.
        store.sleepers.wakeAll();
      });
    },

    close(): Promise<void> {
      closing ??= (async () => {
        store.sleepers.failAll(closedError());
        await Promise.allSettled([...inflight]);
        for (const reservation of [...held]) {
          try {
            if (await reservation.returnToQueue()) store.report("returned", { id: reservation.message.id });
          } catch (error) {
            store.report("error", { during: "close", error });
          }
        }
        held.clear();
        // Jobs claimed by a reserve that then failed, and could not be put back at the time.
        for (const [reservedName, readyName] of [...store.stranded]) {
          await store.putBack(reservedName, readyName).catch((error: unknown) => {
            store.report("error", { during: "close", error });
          });
        }
        await store.close();
      })();
      return closing;
    },

    async [Symbol.asyncDispose](): Promise<void> {
      await queue.close();
    },
  };
  return queue;
}
