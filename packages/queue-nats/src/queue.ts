import type { Subscription } from "@nats-io/transport-node";
import type { TimeSource } from "@x/core";
import {
  type BulkResult,
  createMessage,
  DEFAULT_PRIORITY,
  type EnqueueResult,
  InvalidArgumentError,
  type JobInfo,
  type JobPage,
  type ListOptions,
  type Message,
  type MessageInit,
  type QueueAdapter,
  type QueueCapabilities,
  QueueClosedError,
  type QueueStats,
  type ReserveOptions,
  withHeader,
} from "@x/message";
import { bulkParked, moveIdOf, type ParkedBulkOptions } from "./bulk.js";
import { openConnection, type QueueConnection } from "./connect.js";
import type { RemovalState } from "./deletion-check.js";
import { mapNatsError } from "./errors.js";
import { listPage } from "./list.js";
import { type NatsQueueOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { type Destination, NatsReservation, type ReservationHost } from "./reservation.js";
import { type Overview, type Pulled, QueueStream } from "./stream.js";
import { bandOf, type Place } from "./subjects.js";
import { deliveryCount, jobIdOf, readJob, type StoredJob, streamSequence, writeJob } from "./wire.js";

/** A queue on NATS JetStream; see {@link createNatsQueue}. */
export interface NatsQueue extends QueueAdapter {
  /** The queue's name (its stream is `XQ_<queue>`). */
  readonly queue: string;
  /** The servers the adapter connects to (empty when it was given a connection). */
  readonly servers: readonly string[];
  /** The lease every reservation gets (the consumers' ack wait). */
  readonly leaseMs: number;
  /** State of one job: a walk over the stream (O(jobs)); a job past its lease shows as reserved until handed out again. */
  inspect(id: string): Promise<JobInfo | null>;
  /** A page of the jobs in one state, in stream order; see the README for how ready and reserved are told apart. */
  list(options: ListOptions): Promise<JobPage>;
  /** Every publish of the batch in flight at once, each confirmed; one result per job, in order. */
  enqueueMany<P>(inits: readonly MessageInit<P>[]): Promise<EnqueueResult<P>[]>;
  /** Stops hand-outs for every adapter on the queue (a flag message in the stream). */
  pause(): Promise<void>;
  /** Hands out jobs again (purges the flag). */
  resume(): Promise<void>;
  /**
   * `bulk()` for the jobs no worker holds: kick or retry buried jobs, retry delayed ones now, or
   * delete either (of one request type). Safe while workers run and other operators kick. Ready
   * jobs are refused with `InvalidArgumentError`: see the README's capability table for why and
   * what to do instead; this is why `capabilities.bulk` is false.
   */
  bulkParked(options: ParkedBulkOptions): Promise<BulkResult>;
}

/** What the adapter can do; the README's capability table says why for each. */
const CAPABILITIES: QueueCapabilities = Object.freeze({
  customIds: true,
  buryReason: true,
  delayResolutionMs: 1,
  list: true,
  enqueueMany: true,
  bulk: false,
  pause: true,
  progress: true,
});

interface Opened {
  readonly connection: QueueConnection;
  readonly stream: QueueStream;
}

interface Waiter {
  wake(): void;
  fail(error: unknown): void;
}

interface SharedOverview {
  /** On the monotonic clock. */
  readonly askedAt: number;
  readonly overview: Promise<Overview>;
  /** When the answer came, on the monotonic clock; `undefined` while it is on its way. */
  answeredAt?: number;
  /** Jobs of each band this adapter settled since it asked: no longer there to pull. */
  readonly settled: Map<number, number>;
}

/**
 * How long reserves keep using one stream-info answer (which bands hold jobs, the pause flag, due
 * delayed jobs) before asking again. This adapter's own enqueues, kicks and resumes drop it at
 * once; what other processes change is seen this much later at most (well within the time a
 * pause may take to reach another process). A reserve that finds nothing always asks afresh.
 */
const OVERVIEW_REUSE_MS = 25;

/** The band of jobs enqueued without a priority. */
const DEFAULT_BAND = bandOf(DEFAULT_PRIORITY);

/**
 * How long a deletion mark is kept at least: longer than any holder's lease (a holder that touched
 * its job after the mark was written saw it and lost the job), with room for other adapters on
 * the queue with a longer `leaseMs` and for clocks that differ between machines.
 */
const MIN_MARK_LIFETIME_MS = 600_000;

interface Found {
  readonly sequence: number;
  readonly place: Place;
  readonly job: StoredJob;
}

/**
 * Creates a queue on a NATS JetStream work-queue stream: jobs are stored with a confirmed
 * publish, handed out by durable pull consumers (one per priority band) under a lease that is the
 * consumers' ack wait, and acknowledged with confirmation. Connects lazily, on the first call.
 *
 * @example
 * ```ts
 * const queue = createNatsQueue({ servers: "nats://127.0.0.1:4222", queue: "mail", leaseMs: 30_000 });
 * await queue.enqueue({ requestType: "send_email", payload: { to: "a@example.com" } });
 * ```
 * @throws InvalidOptionError for a bad or unknown option.
 */
export function createNatsQueue(options: NatsQueueOptions): NatsQueue {
  return new JetStreamQueue(resolveOptions(options));
}

class JetStreamQueue implements NatsQueue, ReservationHost {
  readonly name = "nats";
  readonly capabilities = CAPABILITIES;
  readonly queue: string;
  readonly servers: readonly string[];
  readonly leaseMs: number;
  readonly time: TimeSource;
  readonly #options: ResolvedOptions;
  readonly #held = new Set<NatsReservation>();
  readonly #waiters = new Set<Waiter>();
  #opening: Promise<Opened> | undefined;
  #stream: QueueStream | undefined;
  #wakeups: Subscription | undefined;
  #closing: Promise<void> | undefined;
  #overview: SharedOverview | undefined;
  #preparedDefaultBand = false;
  /** Deletion marks being purged, by subject, so one is purged once. */
  readonly #purgingMarks = new Set<string>();

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.queue = options.queue;
    this.servers = options.connection === undefined ? options.servers : [];
    this.leaseMs = options.leaseMs;
    this.time = options.time;
  }

  checkOpen(): void {
    if (this.#closing !== undefined) throw new QueueClosedError(this.queue);
  }

  async #open(): Promise<QueueStream> {
    this.checkOpen();
    this.#opening ??= this.#connect();
    try {
      const opened = await this.#opening;
      this.checkOpen();
      return opened.stream;
    } catch (error) {
      this.#opening = undefined;
      this.checkOpen();
      throw error;
    }
  }

  async #connect(): Promise<Opened> {
    let connection: QueueConnection;
    try {
      connection = await openConnection(this.#options);
    } catch (error) {
      throw mapNatsError("connect", error);
    }
    try {
      const stream = await QueueStream.open(connection.nc, this.#options, (removals) => {
        this.#purgeOldMarks(removals);
      });
      this.#stream = stream;
      return { connection, stream };
    } catch (error) {
      if (connection.owned) await connection.nc.close().catch(() => undefined);
      throw error;
    }
  }

  /** Drops the deletion marks no holder can need any more (see {@link MIN_MARK_LIFETIME_MS}). */
  #purgeOldMarks(removals: RemovalState): void {
    const stream = this.#stream;
    if (stream === undefined || removals.marks.size === 0) return;
    const oldest = this.time.wallNow() - Math.max(MIN_MARK_LIFETIME_MS, 2 * this.leaseMs);
    for (const [sequence, { subject, at }] of removals.marks) {
      if (at > oldest || this.#purgingMarks.has(subject)) continue;
      this.#purgingMarks.add(subject);
      stream
        .purge(subject)
        .catch((error: unknown) => {
          this.#options.logger.warn({ sequence, error }, "deletion mark not purged");
        })
        .finally(() => this.#purgingMarks.delete(subject));
    }
  }

  /** Runs a call, turning the failures of a connection closed under it into `QueueClosedError`. */
  async #run<T>(call: (stream: QueueStream) => Promise<T>): Promise<T> {
    const stream = await this.#open();
    try {
      return await call(stream);
    } catch (error) {
      this.checkOpen();
      throw error;
    }
  }

  async enqueue<P>(init: MessageInit<P>): Promise<Message<P>> {
    this.checkOpen();
    const message = createMessage(init, this.time.wallNow());
    await this.#run((stream) => this.#storeNew(stream, message));
    return message;
  }

  async enqueueMany<P>(inits: readonly MessageInit<P>[]): Promise<EnqueueResult<P>[]> {
    this.checkOpen();
    const given: unknown = inits;
    if (!Array.isArray(given)) throw new InvalidArgumentError("inits", "must be an array of message inits");
    if (inits.length === 0) return [];
    return this.#run(async (stream) => {
      const now = this.time.wallNow();
      // Every publish in flight at once: JetStream stores them in order and confirms each one.
      const pending = inits.map((init): Promise<EnqueueResult<P>> => {
        let message: Message<P>;
        try {
          message = createMessage(init, now);
        } catch (error) {
          return Promise.resolve({ ok: false, error: error as Error });
        }
        return this.#storeNew(stream, message).then(
          () => ({ ok: true, message }),
          (error: unknown) => ({ ok: false, error: error instanceof Error ? error : new Error(String(error)) }),
        );
      });
      return Promise.all(pending);
    });
  }

  async #storeNew(stream: QueueStream, message: Message): Promise<void> {
    const now = this.time.wallNow();
    const dueAt = message.header.delay?.getTime();
    const delayed = dueAt !== undefined && dueAt > now;
    const subject = delayed ? stream.subjects.delayed(dueAt) : stream.subjects.ready(bandOf(message.header.priority));
    const { data, headers } = writeJob(message, { enqueuedAt: now });
    const ack = await stream.publish(subject, data, headers, message.id);
    if (ack.duplicate) {
      throw new InvalidArgumentError(
        "id",
        `${JSON.stringify(message.id)} is the id of a job enqueued within the last ${this.#options.duplicateWindowMs} ms (JetStream's duplicate window)`,
      );
    }
    if (!delayed) this.#wake();
  }

  async store(message: Message, destination: Destination, enqueuedAt: number): Promise<void> {
    const stream = this.#stream;
    if (stream === undefined) throw new QueueClosedError(this.queue);
    const subjects = stream.subjects;
    const subject =
      destination.kind === "ready"
        ? subjects.ready(bandOf(message.header.priority))
        : destination.kind === "delayed"
          ? subjects.delayed(destination.dueAt)
          : subjects.buried;
    const bury = destination.kind === "buried" ? { reason: destination.reason, at: destination.at } : undefined;
    const { data, headers } = writeJob(message, { enqueuedAt, ...(bury === undefined ? {} : { bury }) });
    await stream.publish(subject, data, headers);
    if (destination.kind === "buried") this.#options.logger.warn({ jobId: message.id, reason: destination.reason }, "job buried");
    if (destination.kind === "ready") this.#wake();
  }

  acknowledge(ackSubject: string, body: string): Promise<void> {
    const stream = this.#stream;
    if (stream === undefined) return Promise.reject(new QueueClosedError(this.queue));
    return stream.acknowledge(ackSubject, body);
  }

  async deleted(sequence: number): Promise<boolean> {
    const stream = this.#stream;
    if (stream === undefined) throw new QueueClosedError(this.queue);
    return stream.deleted(sequence);
  }

  async saveProgress(sequence: number, text: string): Promise<void> {
    const stream = this.#stream;
    if (stream === undefined) throw new QueueClosedError(this.queue);
    const subject = stream.subjects.progress(sequence);
    await stream.publish(subject, new TextEncoder().encode(text));
    await stream.purge(subject, 1);
  }

  async clearProgress(sequence: number): Promise<void> {
    const stream = this.#stream;
    if (stream === undefined) return;
    await stream.purge(stream.subjects.progress(sequence)).catch((error: unknown) => {
      this.#options.logger.warn({ sequence, error }, "progress not cleared");
    });
  }

  settled(reservation: NatsReservation): void {
    this.#held.delete(reservation);
    const shared = this.#overview;
    if (shared !== undefined) {
      const band = bandOf(reservation.message.header.priority);
      shared.settled.set(band, (shared.settled.get(band) ?? 0) + 1);
    }
  }

  async reserve(options: ReserveOptions = {}): Promise<NatsReservation | null> {
    this.checkOpen();
    const timeoutMs = options.timeoutMs ?? 0;
    if (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      throw new InvalidArgumentError("timeoutMs", `must be a number of milliseconds of at least 0, got ${String(timeoutMs)}`);
    }
    const { signal } = options;
    signal?.throwIfAborted();
    const deadline = this.time.now() + timeoutMs;
    return this.#run(async (stream) => {
      if (!this.#preparedDefaultBand) {
        // Most jobs come in the default band: its consumer (on a cluster, a Raft group to elect)
        // gets ready while this first reserve looks, not when the first job arrives.
        this.#preparedDefaultBand = true;
        // A failure here is met again, and reported, by the pull that needs the consumer.
        void stream.ensureConsumer(DEFAULT_BAND).catch(() => undefined);
      }
      for (;;) {
        const { reservation, nextDueAt } = await this.#scan(stream);
        if (reservation !== undefined) {
          if (this.#closing !== undefined || signal?.aborted === true) {
            await reservation.giveBack().catch(() => undefined);
            this.checkOpen();
            signal?.throwIfAborted();
          }
          return reservation;
        }
        this.checkOpen();
        signal?.throwIfAborted();
        const remaining = deadline - this.time.now();
        if (remaining <= 0) return null;
        let waitMs = Math.min(remaining, this.#options.pollIntervalMs);
        if (nextDueAt !== undefined) waitMs = Math.min(waitMs, Math.max(1, nextDueAt - this.time.wallNow()));
        await this.#wait(waitMs, signal);
      }
    });
  }

  /** One look at the queue: promotes due jobs, then pulls from the most urgent band that has any. */
  async #scan(stream: QueueStream): Promise<{ reservation?: NatsReservation; nextDueAt?: number }> {
    const pulledAt = this.time.now();
    const shared = this.#sharedOverview(stream);
    const scanned = await this.#scanWith(stream, await shared.overview, shared.settled, pulledAt);
    // An overview asked for before this call may predate a job stored just before it: look again.
    if (scanned.reservation === undefined && shared.askedAt < pulledAt) {
      if (this.#overview === shared) this.#overview = undefined;
      const fresh = this.#sharedOverview(stream);
      return this.#scanWith(stream, await fresh.overview, fresh.settled, pulledAt);
    }
    return scanned;
  }

  async #scanWith(
    stream: QueueStream,
    overview: Overview,
    settled: ReadonlyMap<number, number>,
    pulledAt: number,
  ): Promise<{ reservation?: NatsReservation; nextDueAt?: number }> {
    const now = this.time.wallNow();
    const bands = new Set<number>();
    let paused = false;
    let nextDueAt: number | undefined;
    const due: string[] = [];
    for (const [subject, count] of overview) {
      if (count <= 0) continue;
      const place = stream.subjects.place(subject);
      if (place?.kind === "ready") {
        // A band whose jobs this adapter has all settled since is empty but for others' holdings.
        if (count > (settled.get(place.band) ?? 0)) bands.add(place.band);
      } else if (place?.kind === "paused") paused = true;
      else if (place?.kind === "delayed") {
        if (place.dueAt <= now) due.push(subject);
        else nextDueAt = Math.min(nextDueAt ?? place.dueAt, place.dueAt);
      }
    }
    for (const subject of due) {
      const band = await this.#promote(stream, subject);
      if (band !== undefined) bands.add(band);
    }
    const found = nextDueAt === undefined ? {} : { nextDueAt };
    if (paused) return found;
    for (const band of [...bands].sort((a, b) => a - b)) {
      const pulled = await stream.pull(band);
      if (pulled === undefined) continue;
      const reservation = await this.#reservationOf(stream, pulled, pulledAt);
      if (reservation !== undefined) return { reservation };
    }
    return found;
  }

  /**
   * Reserves running at the same time, or within {@link OVERVIEW_REUSE_MS}, share one stream-info
   * call: with a worker's 16 slots, each asking on its own would cost JetStream more than the jobs do.
   */
  #sharedOverview(stream: QueueStream): SharedOverview {
    const current = this.#overview;
    if (current !== undefined && (current.answeredAt === undefined || this.time.now() - current.answeredAt < OVERVIEW_REUSE_MS)) {
      return current;
    }
    const asked: SharedOverview = {
      askedAt: this.time.now(),
      settled: new Map(),
      overview: stream.overview().then(
        (overview) => {
          asked.answeredAt = this.time.now();
          return overview;
        },
        (error: unknown) => {
          if (this.#overview === asked) this.#overview = undefined;
          throw error;
        },
      ),
    };
    this.#overview = asked;
    return asked;
  }

  async #reservationOf(stream: QueueStream, pulled: Pulled, pulledAt: number): Promise<NatsReservation | undefined> {
    const delivered = deliveryCount(pulled.ackSubject) ?? 1;
    const sequence = streamSequence(pulled.ackSubject) ?? 0;
    let job: StoredJob;
    try {
      job = readJob(pulled.msg.headers, pulled.msg.data);
    } catch (error) {
      // Not a message of ours (someone published to the queue's subject by hand): it can never run.
      this.#options.logger.error({ sequence, error }, "unreadable job removed");
      await stream.acknowledge(pulled.ackSubject, "+TERM");
      return undefined;
    }
    // A copy handed out again may carry the progress of the holder whose lease ran out.
    if (delivered > 1) await this.clearProgress(sequence);
    const message = withHeader(job.message, { attempts: job.message.header.attempts + delivered - 1 });
    const reservation = new NatsReservation(this, {
      message,
      leaseMs: this.leaseMs,
      sequence,
      ackSubject: pulled.ackSubject,
      pulledAt,
      enqueuedAt: job.enqueuedAt ?? this.time.wallNow(),
    });
    this.#held.add(reservation);
    return reservation;
  }

  /** Moves one due delayed job to its band; the message id makes a second mover's copy a duplicate. */
  async #promote(stream: QueueStream, subject: string): Promise<number | undefined> {
    const stored = await stream.last(subject);
    if (stored === null) return undefined;
    let job: StoredJob;
    try {
      job = readJob(stored.header, stored.data);
    } catch (error) {
      this.#options.logger.error({ sequence: stored.seq, error }, "unreadable job removed");
      await stream.remove(stored.seq);
      return undefined;
    }
    const band = bandOf(job.message.header.priority);
    const { data, headers } = writeJob(job.message, { enqueuedAt: job.enqueuedAt ?? stored.time.getTime() });
    await stream.publish(stream.subjects.ready(band), data, headers, moveIdOf("delayed", stored.seq));
    await stream.remove(stored.seq);
    return band;
  }

  #wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const finish = (settle: () => void): void => {
        this.time.clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#waiters.delete(waiter);
        if (this.#waiters.size === 0) this.#stopListening();
        settle();
      };
      const waiter: Waiter = {
        wake: () => {
          finish(resolve);
        },
        fail: (error) => {
          finish(() => {
            reject(error);
          });
        },
      };
      const onAbort = (): void => {
        waiter.fail(signal?.reason);
      };
      const timer = this.time.setTimeout(() => {
        waiter.wake();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(waiter);
      this.#listen();
    });
  }

  /** While reserves wait, a plain subscription to the ready subjects wakes them when a job arrives. */
  #listen(): void {
    if (this.#wakeups !== undefined || this.#opening === undefined) return;
    this.#opening.then(
      (opened) => {
        if (this.#wakeups !== undefined || this.#waiters.size === 0 || this.#closing !== undefined) return;
        if (opened.connection.nc.isClosed()) return;
        this.#wakeups = opened.connection.nc.subscribe(opened.stream.subjects.readyAny, {
          callback: () => {
            this.#wake();
          },
        });
      },
      // A failed open is reported by the call that awaited it; waking is only a shortcut.
      () => undefined,
    );
  }

  #stopListening(): void {
    const subscription = this.#wakeups;
    this.#wakeups = undefined;
    if (subscription !== undefined && !subscription.isClosed()) subscription.unsubscribe();
  }

  /** Something changed: later reserves ask JetStream afresh instead of sharing an older answer. */
  #wake(): void {
    this.#overview = undefined;
    for (const waiter of [...this.#waiters]) waiter.wake();
  }

  async list(options: ListOptions): Promise<JobPage> {
    this.checkOpen();
    return this.#run((stream) =>
      listPage(stream, options, {
        held: this.#held,
        toWallTime: (monotonic) => this.time.wallNow() + (monotonic - this.time.now()),
      }),
    );
  }

  async peek(id: string): Promise<Message | null> {
    this.checkOpen();
    checkId(id);
    return this.#run(async (stream) => (await this.#find(stream, id))?.job.message ?? null);
  }

  async inspect(id: string): Promise<JobInfo | null> {
    this.checkOpen();
    checkId(id);
    return this.#run(async (stream) => {
      const found = await this.#find(stream, id);
      if (found === undefined) return null;
      const { message, buryReason } = found.job;
      if (found.place.kind === "buried") return { message, state: "buried", ...(buryReason === undefined ? {} : { buryReason }) };
      if (found.place.kind === "delayed") return { message, state: "delayed" };
      if (found.place.kind !== "ready") return null;
      const consumer = await stream.consumerState(found.place.band);
      // A band hands out in stream order, so a copy at or below its delivered sequence that is still stored is held.
      if (consumer === undefined || found.sequence > consumer.deliveredUpTo) return { message, state: "ready" };
      const mine = [...this.#held].find((r) => r.sequence === found.sequence);
      const leaseEndsAt = mine === undefined ? undefined : this.time.wallNow() + (mine.leaseEndsAt - this.time.now());
      return { message, state: "reserved", ...(leaseEndsAt === undefined ? {} : { leaseEndsAt }) };
    });
  }

  /** Walks the stream for the job's copy: JetStream has no index by our ids. */
  async #find(stream: QueueStream, id: string): Promise<Found | undefined> {
    for (let sequence = 1; ; ) {
      const stored = await stream.next(stream.subjects.all, sequence);
      if (stored === null) return undefined;
      sequence = stored.seq + 1;
      if (jobIdOf(stored.header) !== id) continue;
      const place = stream.subjects.place(stored.subject);
      if (place === undefined || place.kind === "paused") continue;
      try {
        return { sequence: stored.seq, place, job: readJob(stored.header, stored.data) };
      } catch {
        continue;
      }
    }
  }

  async delete(id: string): Promise<boolean> {
    this.checkOpen();
    checkId(id);
    return this.#run(async (stream) => {
      const found = await this.#find(stream, id);
      if (found === undefined) return false;
      const removed = await stream.remove(found.sequence);
      if (found.place.kind === "ready") {
        if (removed) await this.#markIfHandedOut(stream, found.sequence, found.place.band);
        await this.clearProgress(found.sequence);
      }
      for (const reservation of [...this.#held]) {
        if (reservation.sequence === found.sequence) reservation.lose("deleted");
      }
      return removed;
    });
  }

  /**
   * After the copy is removed (so no consumer can hand it out any more), marks it when its band's
   * consumer had handed it out: a holder in another process then fails its acknowledgement with
   * `LeaseLostError`. A copy never handed out needs no mark, so deleting ready jobs in bulk leaves none.
   */
  async #markIfHandedOut(stream: QueueStream, sequence: number, band: number): Promise<void> {
    const consumer = await stream.consumerState(band);
    if (consumer !== undefined && sequence <= consumer.deliveredUpTo) await stream.markDeleted(sequence, this.time.wallNow());
  }

  async kick(max: number): Promise<number> {
    this.checkOpen();
    if (!Number.isSafeInteger(max) || max < 0) throw new InvalidArgumentError("max", `must be a non-negative integer, got ${String(max)}`);
    return this.#run(async (stream) => {
      let kicked = 0;
      for (let sequence = 1; kicked < max; ) {
        const stored = await stream.next(stream.subjects.buried, sequence);
        if (stored === null) break;
        sequence = stored.seq + 1;
        let job: StoredJob;
        try {
          job = readJob(stored.header, stored.data);
        } catch {
          continue;
        }
        const { data, headers } = writeJob(job.message, { enqueuedAt: job.enqueuedAt ?? stored.time.getTime() });
        // The same message id for every kicker of this copy: a concurrent kick of it is refused as a duplicate.
        const ack = await stream.publish(
          stream.subjects.ready(bandOf(job.message.header.priority)),
          data,
          headers,
          moveIdOf("buried", stored.seq),
        );
        await stream.remove(stored.seq);
        // Whoever stored the ready copy moved the job; a second kicker's copy was refused as a duplicate.
        if (!ack.duplicate) kicked++;
      }
      if (kicked > 0) this.#wake();
      return kicked;
    });
  }

  async bulkParked(options: ParkedBulkOptions): Promise<BulkResult> {
    this.checkOpen();
    return this.#run((stream) =>
      bulkParked(stream, options, () => {
        this.#wake();
      }),
    );
  }

  async stats(): Promise<QueueStats> {
    this.checkOpen();
    return this.#run(async (stream) => {
      const overview = await stream.overview();
      let inBands = 0;
      let delayed = 0;
      let buried = 0;
      let paused = false;
      let messages = 0;
      const bands: number[] = [];
      for (const [subject, count] of overview) {
        const place = stream.subjects.place(subject);
        if (place === undefined || count <= 0) continue;
        if (place.kind === "paused") {
          paused = true;
          continue;
        }
        messages += count;
        if (place.kind === "ready") {
          inBands += count;
          bands.push(place.band);
        } else if (place.kind === "delayed") delayed += count;
        else buried += count;
      }
      const consumers = await Promise.all(bands.map((band) => stream.consumerState(band)));
      const reserved = consumers.reduce((sum, state) => sum + (state?.ackPending ?? 0), 0);
      return {
        ready: Math.max(0, inBands - reserved),
        delayed,
        reserved: Math.min(reserved, inBands),
        buried,
        paused,
        extra: { messages, bands: bands.length },
      };
    });
  }

  async pause(): Promise<void> {
    this.checkOpen();
    await this.#run(async (stream) => {
      await stream.publish(stream.subjects.paused, new Uint8Array(0));
    });
    this.#overview = undefined;
  }

  async resume(): Promise<void> {
    this.checkOpen();
    await this.#run(async (stream) => {
      await stream.purge(stream.subjects.paused);
    });
    this.#wake();
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    const closed = new QueueClosedError(this.queue);
    for (const waiter of [...this.#waiters]) waiter.fail(closed);
    const opened = await this.#opening?.catch(() => undefined);
    if (opened === undefined) return;
    // Held jobs go back at once rather than after their lease.
    await Promise.allSettled([...this.#held].map((reservation) => reservation.giveBack()));
    this.#stopListening();
    opened.stream.close();
    if (opened.connection.owned) await opened.connection.nc.close().catch(() => undefined);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function checkId(id: unknown): void {
  if (typeof id !== "string" || id === "") throw new InvalidArgumentError("id", "must be a non-empty string");
}
