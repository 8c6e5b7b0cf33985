import { checkOptionKeys, durationMsOption, InvalidOptionError } from "@x/core";
import type {
  BulkOptions,
  BulkResult,
  EnqueueResult,
  JobInfo,
  JobListing,
  JobPage,
  JobState,
  ListOptions,
  QueueAdapter,
  QueueCapabilities,
  QueueStats,
  ReleaseOptions,
  Reservation,
  ReserveOptions,
} from "./adapter.js";
import { InvalidArgumentError, LeaseLostError, QueueClosedError } from "./errors.js";
import { Heap } from "./internal/heap.js";
import type { JsonValue } from "./json-value.js";
import { createMessage, type Message, type MessageInit, normalizePriority, withHeader } from "./message.js";
import { checkBulkOptions, encodeProgress, enqueueOneByOne, matchesRequestType, normalizeListOptions } from "./operations.js";

/** Lease of a reserved job when the options do not say: 30 s. */
export const DEFAULT_MEMORY_LEASE_MS = 30_000;

/** Options for {@link createMemoryQueue}. */
export interface MemoryQueueOptions {
  /** How long a reservation is held before the job becomes ready again. @default DEFAULT_MEMORY_LEASE_MS */
  readonly leaseMs?: number;
  /** Name shown in errors. @default "memory" */
  readonly name?: string;
}

interface Job {
  message: Message;
  state: JobState;
  /** Position among equal priorities; renewed each time the job becomes ready. */
  seq: number;
  /** When a delayed job becomes ready (epoch ms). */
  readyAt: number;
  leaseEndsAt: number;
  /** Changes on every hand-out, so an old reservation can tell it was superseded. */
  token: number;
  /** Hand-outs so far; becomes `header.attempts` of the next delivery. */
  deliveries: number;
  buryReason?: string;
  buriedAt?: number;
  deleted: boolean;
  /** Enqueue order: the key `list()` walks by, never changed afterwards. */
  readonly order: number;
  readonly enqueuedAt: number;
  progress?: JsonValue;
}

/** A heap entry is valid only while the job is still in the state (and round) it was pushed for. */
interface Entry {
  readonly job: Job;
  readonly key: number;
  readonly seq: number;
}

interface Waiter {
  resolve(reservation: Reservation | null): void;
  reject(error: unknown): void;
  cleanup(): void;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** The memory queue keeps ids and bury reasons and is exact to the millisecond. */
const MEMORY_QUEUE_CAPABILITIES: QueueCapabilities = Object.freeze({
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
 * An in-memory {@link QueueAdapter} that passes the whole conformance suite: priorities, FIFO,
 * delays, leases, bury and kick. For unit tests and single-process tools; nothing survives the
 * process. Messages are copied on the way in and frozen, so callers cannot change queued jobs.
 *
 * @example
 * ```ts
 * const queue = createMemoryQueue({ leaseMs: 5_000 });
 * await queue.enqueue({ requestType: "greet", payload: "world" });
 * const job = await queue.reserve();
 * await job?.ack();
 * ```
 */
export function createMemoryQueue(options: MemoryQueueOptions = {}): QueueAdapter {
  checkOptionKeys(options, ["leaseMs", "name"], "createMemoryQueue");
  const leaseMs = durationMsOption("leaseMs", options.leaseMs, DEFAULT_MEMORY_LEASE_MS, { min: 1 });
  if (options.name !== undefined && (typeof options.name !== "string" || options.name === "")) {
    throw new InvalidOptionError("name", options.name, "must be a non-empty string");
  }
  const name = options.name ?? "memory";
  const jobs = new Map<string, Job>();
  const ready = new Heap<Entry>((a, b) => a.key < b.key || (a.key === b.key && a.seq < b.seq));
  const delayed = new Heap<Entry>((a, b) => a.key < b.key || (a.key === b.key && a.seq < b.seq));
  const leases = new Heap<Entry>((a, b) => a.key < b.key);
  const waiters: Waiter[] = [];
  let seq = 0;
  let order = 0;
  let closed = false;
  let paused = false;
  let wakeTimer: NodeJS.Timeout | undefined;

  const assertOpen = (): void => {
    if (closed) throw new QueueClosedError(name);
  };

  const makeReady = (job: Job): void => {
    job.state = "ready";
    job.seq = ++seq;
    ready.push({ job, key: job.message.header.priority, seq: job.seq });
  };

  const makeDelayed = (job: Job, readyAt: number): void => {
    job.state = "delayed";
    job.readyAt = readyAt;
    job.seq = ++seq;
    delayed.push({ job, key: readyAt, seq: job.seq });
  };

  /** Moves due delayed jobs and expired leases to ready. */
  const promote = (now: number): void => {
    for (let top = delayed.peek(); top && top.key <= now; top = delayed.peek()) {
      delayed.pop();
      if (!top.job.deleted && top.job.state === "delayed" && top.job.seq === top.seq) makeReady(top.job);
    }
    for (let top = leases.peek(); top && top.key <= now; top = leases.peek()) {
      leases.pop();
      const job = top.job;
      // A touched lease has a newer entry further down the heap; this one is stale.
      if (!job.deleted && job.state === "reserved" && job.token === top.seq && job.leaseEndsAt <= now) makeReady(job);
    }
  };

  const takeReady = (): Job | undefined => {
    for (let top = ready.pop(); top; top = ready.pop()) {
      if (!top.job.deleted && top.job.state === "ready" && top.job.seq === top.seq) return top.job;
    }
    return undefined;
  };

  const settle = (job: Job, token: number, action: string): void => {
    if (closed) throw new QueueClosedError(name);
    promote(Date.now());
    // After the lease ran out the job may still be ready and unclaimed: the holder can settle it.
    if (job.deleted || job.token !== token || (job.state !== "reserved" && job.state !== "ready")) {
      throw new LeaseLostError(job.message.id, `cannot ${action}: already settled or handed to another reserver`);
    }
  };

  const handOut = (job: Job, now: number): Reservation => {
    job.state = "reserved";
    job.token = ++seq;
    job.leaseEndsAt = now + leaseMs;
    delete job.progress;
    leases.push({ job, key: job.leaseEndsAt, seq: job.token });
    const message = withHeader(job.message, { attempts: job.deliveries });
    job.deliveries++;
    const token = job.token;
    let settled = false;
    const finish = (action: string): void => {
      if (settled) throw new LeaseLostError(job.message.id, `cannot ${action}: already settled`);
      settle(job, token, action);
    };
    return {
      message,
      leaseMs,
      ack: async () => {
        finish("ack");
        settled = true;
        job.deleted = true;
        jobs.delete(job.message.id);
      },
      release: async (release: ReleaseOptions = {}) => {
        const delayMs = release.delayMs ?? 0;
        if (!Number.isFinite(delayMs) || delayMs < 0) {
          throw new InvalidArgumentError("delayMs", `must be a non-negative number, got ${String(delayMs)}`);
        }
        const priority = release.priority === undefined ? undefined : normalizePriority(release.priority);
        finish("release");
        settled = true;
        if (priority !== undefined) job.message = withHeader(job.message, { priority });
        job.token = ++seq;
        if (delayMs > 0) makeDelayed(job, Date.now() + delayMs);
        else makeReady(job);
        dispatch();
      },
      bury: async (reason: string) => {
        finish("bury");
        settled = true;
        job.token = ++seq;
        job.state = "buried";
        job.buryReason = reason;
        job.buriedAt = Date.now();
      },
      touch: async () => {
        finish("touch");
        extendLease(job);
      },
      progress: async (value: JsonValue) => {
        const stored = checkProgress(value);
        finish("report progress");
        extendLease(job);
        job.progress = stored;
      },
    };
  };

  const extendLease = (job: Job): void => {
    if (job.state === "ready") {
      // The lease had lapsed but nobody took the job: the holder gets it back.
      job.state = "reserved";
    }
    job.leaseEndsAt = Date.now() + leaseMs;
    leases.push({ job, key: job.leaseEndsAt, seq: job.token });
  };

  /** Serves waiting reservers from the ready jobs, then arms one timer for the next due event. */
  const dispatch = (): void => {
    const now = Date.now();
    promote(now);
    while (waiters.length > 0 && !paused) {
      const job = takeReady();
      if (!job) break;
      const waiter = waiters.shift();
      waiter?.cleanup();
      waiter?.resolve(handOut(job, now));
    }
    if (wakeTimer) clearTimeout(wakeTimer);
    wakeTimer = undefined;
    if (waiters.length === 0) return;
    const next = Math.min(delayed.peek()?.key ?? Infinity, leases.peek()?.key ?? Infinity);
    if (next !== Infinity) wakeTimer = setTimeout(dispatch, Math.max(0, next - now));
  };

  const inspectJob = (job: Job): JobInfo => ({
    message: job.message,
    state: job.state,
    ...(job.buryReason === undefined || job.state !== "buried" ? {} : { buryReason: job.buryReason }),
    ...(job.state === "reserved" ? { leaseEndsAt: job.leaseEndsAt } : {}),
  });

  const listing = (job: Job): JobListing => ({
    id: job.message.id,
    state: job.state,
    requestType: job.message.header.requestType ?? "",
    priority: job.message.header.priority,
    attempts: job.deliveries,
    enqueuedAt: job.enqueuedAt,
    message: job.message,
    ...(job.state === "delayed" ? { readyAt: job.readyAt } : {}),
    ...(job.state === "reserved" ? { leaseEndsAt: job.leaseEndsAt } : {}),
    ...(job.state === "reserved" && job.progress !== undefined ? { progress: job.progress } : {}),
    ...(job.state === "buried" && job.buryReason !== undefined ? { buryReason: job.buryReason } : {}),
    ...(job.state === "buried" && job.buriedAt !== undefined ? { buriedAt: job.buriedAt } : {}),
  });

  const queue: QueueAdapter = {
    name,
    capabilities: MEMORY_QUEUE_CAPABILITIES,

    async enqueue<P>(init: MessageInit<P>): Promise<Message<P>> {
      assertOpen();
      const now = Date.now();
      const created = createMessage(init, now);
      if (jobs.has(created.id)) throw new InvalidArgumentError("id", `a job with id ${created.id} already exists`);
      const message = deepFreeze(structuredClone(created));
      const job: Job = {
        order: ++order,
        enqueuedAt: now,
        message,
        state: "ready",
        seq: 0,
        readyAt: 0,
        leaseEndsAt: 0,
        token: 0,
        deliveries: message.header.attempts,
        deleted: false,
      };
      jobs.set(message.id, job);
      const delayUntil = message.header.delay?.getTime() ?? 0;
      if (delayUntil > now) makeDelayed(job, delayUntil);
      else makeReady(job);
      dispatch();
      return message;
    },

    async reserve(reserveOptions: ReserveOptions = {}): Promise<Reservation | null> {
      assertOpen();
      const { signal } = reserveOptions;
      const timeoutMs = reserveOptions.timeoutMs ?? 0;
      if (Number.isNaN(timeoutMs) || timeoutMs < 0) {
        throw new InvalidArgumentError("timeoutMs", `must be >= 0, got ${String(timeoutMs)}`);
      }
      signal?.throwIfAborted();
      const now = Date.now();
      promote(now);
      if (waiters.length === 0 && !paused) {
        const job = takeReady();
        if (job) return handOut(job, now);
      }
      if (timeoutMs === 0) return null;
      return new Promise<Reservation | null>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const onAbort = (): void => {
          remove();
          reject(signal?.reason);
        };
        const waiter: Waiter = {
          resolve,
          reject,
          cleanup: () => {
            if (timer) clearTimeout(timer);
            signal?.removeEventListener("abort", onAbort);
          },
        };
        const remove = (): void => {
          waiter.cleanup();
          const index = waiters.indexOf(waiter);
          if (index >= 0) waiters.splice(index, 1);
          dispatch();
        };
        if (timeoutMs !== Infinity) {
          timer = setTimeout(() => {
            remove();
            resolve(null);
          }, timeoutMs);
        }
        signal?.addEventListener("abort", onAbort, { once: true });
        waiters.push(waiter);
        dispatch();
      });
    },

    async peek(id: string): Promise<Message | null> {
      assertOpen();
      return jobs.get(id)?.message ?? null;
    },

    async inspect(id: string): Promise<JobInfo | null> {
      assertOpen();
      promote(Date.now());
      const job = jobs.get(id);
      return job ? inspectJob(job) : null;
    },

    async delete(id: string): Promise<boolean> {
      assertOpen();
      const job = jobs.get(id);
      if (!job) return false;
      job.deleted = true;
      jobs.delete(id);
      return true;
    },

    async enqueueMany<P>(inits: readonly MessageInit<P>[]): Promise<EnqueueResult<P>[]> {
      assertOpen();
      // Nothing to make durable in memory: one job after another is already the fast path.
      return enqueueOneByOne(queue, inits);
    },

    async list(listOptions: ListOptions): Promise<JobPage> {
      assertOpen();
      const { state, requestType, limit, cursor } = normalizeListOptions(listOptions);
      const after = cursor === undefined ? 0 : parseCursor(cursor);
      promote(Date.now());
      const page: JobListing[] = [];
      let last = after;
      // Map iteration follows insertion, which is enqueue order: the walk's stable key.
      for (const job of jobs.values()) {
        if (job.order <= after || job.state !== state || !matchesRequestType(requestType, job.message.header.requestType)) continue;
        if (page.length === limit) return { jobs: page, cursor: String(last) };
        page.push(listing(job));
        last = job.order;
      }
      return { jobs: page, cursor: null };
    },

    async bulk(bulkOptions: BulkOptions): Promise<BulkResult> {
      assertOpen();
      checkBulkOptions(bulkOptions);
      const { action, state, requestType, signal } = bulkOptions;
      promote(Date.now());
      let matched = 0;
      for (const job of [...jobs.values()]) {
        if (signal?.aborted) break;
        if (job.state !== state || !matchesRequestType(requestType, job.message.header.requestType)) continue;
        matched++;
        if (action === "delete") {
          job.deleted = true;
          jobs.delete(job.message.id);
        } else {
          delete job.buryReason;
          delete job.buriedAt;
          makeReady(job);
        }
      }
      if (matched > 0 && action !== "delete") dispatch();
      // One thread: nothing can take a matched job between the check and the change.
      return { matched, changed: matched };
    },

    async pause(): Promise<void> {
      assertOpen();
      paused = true;
    },

    async resume(): Promise<void> {
      assertOpen();
      paused = false;
      dispatch();
    },

    async kick(max: number): Promise<number> {
      assertOpen();
      if (!Number.isInteger(max) || max < 0) throw new InvalidArgumentError("max", `must be a non-negative integer, got ${String(max)}`);
      let kicked = 0;
      // Map iteration is insertion order, so the oldest buried jobs come back first.
      for (const job of jobs.values()) {
        if (kicked >= max) break;
        if (job.state !== "buried") continue;
        delete job.buryReason;
        makeReady(job);
        kicked++;
      }
      if (kicked > 0) dispatch();
      return kicked;
    },

    async stats(): Promise<QueueStats> {
      assertOpen();
      promote(Date.now());
      const counts = { ready: 0, delayed: 0, reserved: 0, buried: 0 };
      for (const job of jobs.values()) counts[job.state]++;
      return { ...counts, paused };
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (wakeTimer) clearTimeout(wakeTimer);
      for (const waiter of waiters.splice(0)) {
        waiter.cleanup();
        waiter.reject(new QueueClosedError(name));
      }
      jobs.clear();
      ready.clear();
      delayed.clear();
      leases.clear();
    },

    async [Symbol.asyncDispose](): Promise<void> {
      await queue.close();
    },
  };
  return queue;
}

function parseCursor(cursor: string): number {
  const value = Number(cursor);
  if (!/^[0-9]+$/.test(cursor) || !Number.isSafeInteger(value))
    throw new InvalidArgumentError("cursor", `is not a cursor of this queue: ${JSON.stringify(cursor)}`);
  return value;
}

function checkProgress(value: JsonValue): JsonValue {
  return deepFreeze(JSON.parse(encodeProgress(value)) as JsonValue);
}
