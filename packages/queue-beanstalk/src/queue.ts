import { Emitter, type Listener, sleep, systemTime, type Unsubscribe } from "@x/core";
import {
  type BulkOptions,
  type BulkResult,
  ConnectionError,
  checkBulkOptions,
  createMessage,
  type EnqueueResult,
  encodeToString,
  InvalidArgumentError,
  InvalidMessageError,
  type JobInfo,
  type JobPage,
  JobTooBigError,
  type ListOptions,
  MAX_PRIORITY,
  type Message,
  type MessageInit,
  normalizeListOptions,
  type QueueAdapter,
  type QueueCapabilities,
  QueueClosedError,
  type QueueStats,
  type Reservation,
  type ReserveOptions,
  TimeoutError,
  withHeader,
} from "@x/message";
import { BeanstalkCommandError, JobReservedElsewhereError } from "./errors.js";
import { type BeanstalkQueueEvents, EVENT_NAMES } from "./events.js";
import { readJobBody } from "./interop.js";
import { ID_PROBE_TUBE, JobWalker } from "./job-walk.js";
import { LeaseWatch } from "./lease-watch.js";
import { withServerCounts } from "./listing.js";
import { listPage, type OperateContext, runBulk } from "./operate.js";
import { type BeanstalkQueueOptions, MAX_SECONDS, type ResolvedOptions, resolveOptions, toSeconds } from "./options.js";
import { PrefetchBuffer } from "./prefetch.js";
import { reconnectDelay } from "./protocol/backoff.js";
import { Connection, ConnectionClosedError } from "./protocol/connection.js";
import type { ReservedJob } from "./protocol/request.js";
import type { RawJob, Session } from "./protocol/session.js";
import type { JobStats, TubeStats } from "./protocol/stats.js";
import { BeanstalkReservation, type ReservationHost } from "./reservation.js";
import { ReserverPool } from "./reserver-pool.js";

/** A reserve with less than a second left polls this often (beanstalkd's timeouts are whole seconds). */
const SUB_SECOND_POLL_MS = 50;

/**
 * `pause()` pauses the tube for beanstalkd's longest pause, 2^32-1 seconds (about 136 years):
 * `pause-tube` has no "until resumed".
 */
const PAUSE_SECONDS = MAX_SECONDS;

/** pulpo's adapter puts no id in the body: the job id is the message id (ours too). */
const PULPO_PUT = { dialect: "pulpo", includeId: false } as const;

/** A job put, ready to be sent: everything that can be wrong with it was checked. */
interface PreparedPut {
  readonly message: Message;
  readonly priority: number;
  readonly ttrSeconds: number;
  readonly delaySeconds: number;
  /** The encoded message as text: the session writes it with the command line, no Buffer of its own. */
  readonly body: string;
  /** Its UTF-8 length. */
  readonly bytes: number;
}

/** A beanstalkd tube as a {@link QueueAdapter}, plus what only beanstalkd has. */
export interface BeanstalkQueue extends QueueAdapter {
  /** Always `"beanstalk"`. */
  readonly name: "beanstalk";
  /** The tube this queue puts into and reserves from. */
  readonly tube: string;
  readonly host: string;
  readonly port: number;
  /** State and lease end of one job in this tube (from `stats-job`), or `null`. No bury reason: beanstalkd cannot store it. */
  inspect(id: string): Promise<JobInfo | null>;
  /**
   * Subscribes to an event (`buried`, `connect`, `disconnect`, `reconnecting`); returns the
   * function that unsubscribes. A listener that throws is logged and disturbs nothing.
   * @throws InvalidArgumentError for an unknown event name or a listener that is not a function.
   */
  on<E extends keyof BeanstalkQueueEvents>(event: E, listener: Listener<BeanstalkQueueEvents[E]>): Unsubscribe;
  /**
   * A page of this tube's jobs in one state, in increasing id order. beanstalkd cannot enumerate
   * jobs, so a walk looks at every job id the server assigned (one pipelined `stats-job` per id,
   * from the lowest id that may still be a job to the highest assigned when the walk began) and
   * keeps this tube's jobs in the state; see the README, "Operating the queue", for what it costs.
   * Jobs put after the walk began are not part of it. No bury reason, bury time or lease holder:
   * beanstalkd keeps none.
   * @throws InvalidArgumentError for a bad state, limit, request type or cursor.
   */
  list(options: ListOptions): Promise<JobPage>;
  /**
   * Puts every job, pipelined on one connection, and resolves with one result per job in order.
   * A job that cannot be put (a bad message, too big) fails its own entry. A connection lost
   * mid-batch fails the entries not yet answered with `ConnectionError`: they may or may not be stored.
   */
  enqueueMany<P>(inits: readonly MessageInit<P>[]): Promise<EnqueueResult<P>[]>;
  /**
   * Kicks (`kick-job`), retries (`kick-job` of buried or delayed jobs) or deletes every job of
   * this tube in a state, of a request type if given, in one walk like {@link list}. Jobs a
   * worker reserved or deleted meanwhile are skipped. Aborting stops between jobs.
   */
  bulk(options: BulkOptions): Promise<BulkResult>;
  /**
   * `pause-tube` for 2^32-1 seconds: no connection gets a job of this tube until {@link resume}.
   * The pause lives in the server's memory: a restart ends it, and so does the tube vanishing
   * (beanstalkd drops a tube with no jobs that no connection uses or watches).
   */
  pause(): Promise<void>;
  /** `pause-tube <tube> 0`: jobs are handed out again at once. */
  resume(): Promise<void>;
  /**
   * Whether the tube exists on the server, without creating it (`stats-tube` on a socket of its
   * own): it holds jobs, or a connection other than this queue's uses or watches it. beanstalkd
   * creates a tube on `use`/`watch` and drops it once it has no jobs and no such connection, so
   * `false` means: no jobs, and no producer or worker connected to it right now.
   */
  tubeExists(): Promise<boolean>;
}

/** Job ids are beanstalkd's: decimal integers. Anything else names no job. */
function parseJobId(id: string): number | undefined {
  if (typeof id !== "string" || !/^[0-9]{1,16}$/.test(id)) return undefined;
  const value = Number(id);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

const isReply = (err: unknown, reply: string): boolean => err instanceof BeanstalkCommandError && err.reply === reply;

/** A failure after which the socket is gone and a new one may do better. */
const isConnectionLoss = (err: unknown): boolean =>
  (err instanceof ConnectionError && !(err instanceof ConnectionClosedError)) || err instanceof TimeoutError;

/** The TTR a message asks for in its `ttr` header (seconds), if any. */
function messageTtr(message: Message): number | undefined {
  const ttr = message.header.ttr;
  if (ttr === undefined) return undefined;
  if (typeof ttr !== "number" || !Number.isInteger(ttr) || ttr < 1 || ttr > MAX_SECONDS) {
    throw new InvalidArgumentError("header.ttr", `must be a whole number of seconds from 1 to ${MAX_SECONDS}, got ${JSON.stringify(ttr)}`);
  }
  return ttr;
}

/**
 * Opens a beanstalkd tube as a {@link QueueAdapter}. Connects lazily, on the first call.
 *
 * One connection puts and administers (puts are pipelined on it). Every `reserve()` first asks
 * for a job without waiting on one shared reserving connection, where the reserves, `stats-job`s
 * and acks of many jobs share writes; a `reserve()` that has to wait does so on a connection of
 * its own, so a blocking reserve never delays a put or an ack. A reservation's calls go through
 * the socket that reserved it. Every connection reconnects with backoff and re-issues `use`/`watch`.
 *
 * @throws InvalidOptionError naming the option, for an unknown or bad option (such as an invalid tube name).
 *
 * @example
 * ```ts
 * const queue = createBeanstalkQueue({ host: "127.0.0.1", port: 11300, tube: "emails", ttrMs: 30_000 });
 * await queue.enqueue({ requestType: "send_email", payload: { to: "ada@example.com" } });
 * const job = await queue.reserve({ timeoutMs: 5_000 });
 * await job?.ack();
 * await queue.close();
 * ```
 */
export function createBeanstalkQueue(options: BeanstalkQueueOptions = {}): BeanstalkQueue {
  return new BeanstalkQueueImpl(resolveOptions(options));
}

/**
 * beanstalkd assigns its own job ids and keeps no bury reason (the adapter tells the reason only
 * to its own process, through the `buried` event), and its delays are whole seconds.
 */
const BEANSTALK_CAPABILITIES: QueueCapabilities = Object.freeze({
  customIds: false,
  buryReason: false,
  delayResolutionMs: 1000,
  list: true,
  enqueueMany: true,
  bulk: true,
  pause: true,
  progress: false,
});

class BeanstalkQueueImpl implements BeanstalkQueue {
  readonly name = "beanstalk" as const;
  readonly capabilities = BEANSTALK_CAPABILITIES;
  readonly tube: string;
  readonly host: string;
  readonly port: number;
  readonly #options: ResolvedOptions;
  readonly #events: Emitter<BeanstalkQueueEvents>;
  readonly #producer: Connection;
  /**
   * Non-blocking reserves, of any number of callers at once: it never waits on the server, so
   * nothing queues behind a blocking command, and the commands of one tick share a write.
   */
  readonly #shared: Connection;
  /** Connections for reserves that wait, one per waiting call. */
  readonly #pool: ReserverPool;
  /**
   * Walks for `list()` and `bulk()` and `tubeExists()`: long pipelines that would hold up puts,
   * on a socket that does not `use` this tube (so asking never creates it).
   */
  readonly #inspector: Connection;
  readonly #walker: JobWalker;
  /** The highest job id this queue put or reserved. */
  #highestSeen = 0;
  /** Reservations this queue handed out and that still hold their job, by job id. */
  readonly #held = new Map<number, BeanstalkReservation>();
  readonly #reservationHost: ReservationHost;
  /** beanstalkd's `max-job-size`, learnt on connect. */
  #maxJobSize: number | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #prefetched = new PrefetchBuffer();

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.tube = options.tube;
    this.host = options.host;
    this.port = options.port;
    this.#events = new Emitter<BeanstalkQueueEvents>({ logger: options.logger });
    this.#producer = this.#connection("producer", async (session) => {
      // Pipelined: one round trip on connect.
      const [, server] = await Promise.all([session.use(this.tube), session.stats()]);
      this.#maxJobSize = server.maxJobSize;
    });
    const watchTube = async (session: Session): Promise<void> => {
      const watches = [session.watch(this.tube)];
      if (this.tube !== "default") watches.push(session.ignore("default"));
      await Promise.all(watches);
    };
    this.#shared = this.#connection("reserver-shared", watchTube);
    this.#pool = new ReserverPool((label) => this.#connection(label, watchTube));
    this.#inspector = this.#connection("inspector", async (session) => {
      await session.use(ID_PROBE_TUBE);
    });
    this.#walker = new JobWalker(this.tube);
    this.#reservationHost = {
      queueName: `beanstalk:${this.tube}`,
      leases: new LeaseWatch(),
      isClosed: () => this.#closed,
      finished: (reservation) => {
        // The job may be held again already, by a newer reservation of this queue.
        if (this.#held.get(reservation.jobId) === reservation) this.#held.delete(reservation.jobId);
        this.#pool.unhold(reservation.owner);
      },
      buried: (jobId, reason) => {
        this.#reportBuried(String(jobId), reason, false);
      },
    };
  }

  on<E extends keyof BeanstalkQueueEvents>(event: E, listener: Listener<BeanstalkQueueEvents[E]>): Unsubscribe {
    if (!EVENT_NAMES.has(event)) {
      throw new InvalidArgumentError("event", `must be one of ${[...EVENT_NAMES].join(", ")}, got ${JSON.stringify(event)}`);
    }
    if (typeof listener !== "function") throw new InvalidArgumentError("listener", `must be a function, got ${typeof listener}`);
    return this.#events.on(event, listener);
  }

  #connection(label: string, setup: (session: Session) => Promise<void>): Connection {
    const o = this.#options;
    return new Connection({
      host: o.host,
      port: o.port,
      label,
      connectTimeoutMs: o.connectTimeoutMs,
      commandTimeoutMs: o.commandTimeoutMs,
      backoff: { initialDelayMs: o.reconnectDelayMs, maxDelayMs: o.maxReconnectDelayMs },
      setup,
      events: this.#events,
      logger: o.logger,
    });
  }

  #reportBuried(id: string, reason: string, foreign: boolean): void {
    this.#options.logger.info({ jobId: id, reason, foreign, tube: this.tube }, "job buried");
    this.#events.emit("buried", { id, reason, foreign });
  }

  /** A method, not the field: TypeScript would keep a narrowing of the field across awaits. */
  #isClosed(): boolean {
    return this.#closed;
  }

  #assertOpen(): void {
    if (this.#closed) throw new QueueClosedError(this.#reservationHost.queueName);
  }

  /** Maps a failure of a call on the producer connection: after close() it is QueueClosedError. */
  #closedOr(err: unknown): unknown {
    return this.#closed ? new QueueClosedError(this.#reservationHost.queueName, { cause: err }) : err;
  }

  /**
   * Runs an admin command on the producer connection. Read-only commands are retried once when
   * the socket was lost under them; the others (put, delete, kick) are not, since they may have
   * been applied. Failing to connect is not retried: `ready` already tried for `connectTimeoutMs`,
   * and a second round would double the wait on a server that is down or does not answer.
   */
  async #admin<T>(run: (session: Session) => Promise<T>, retry: boolean, connection = this.#producer): Promise<T> {
    this.#assertOpen();
    for (let attempt = 1; ; attempt++) {
      let session: Session;
      try {
        session = await connection.ready(systemTime.now() + this.#options.connectTimeoutMs);
      } catch (err) {
        throw this.#closedOr(err);
      }
      try {
        return await run(session);
      } catch (err) {
        if (retry && attempt === 1 && !this.#isClosed() && isConnectionLoss(err)) continue;
        throw this.#closedOr(err);
      }
    }
  }

  /** Checks and encodes a job to put. @throws for a bad message, a delay beanstalkd cannot express, a body over the server's limit. */
  #prepare(init: MessageInit): PreparedPut {
    const message = createMessage(init);
    const ttrSeconds = messageTtr(message) ?? this.#options.ttrSeconds;
    const body = this.#options.dialect === "pulpo" ? encodeToString(message, PULPO_PUT) : encodeToString(message);
    const bytes = Buffer.byteLength(body, "utf8");
    const delayMs = message.header.delay === undefined ? 0 : message.header.delay.getTime() - systemTime.wallNow();
    const delaySeconds = delayMs > 0 ? toSeconds(delayMs) : 0;
    if (delaySeconds > MAX_SECONDS) throw new InvalidArgumentError("delay", "is beyond beanstalkd's 2^32-1 seconds");
    if (this.#maxJobSize !== undefined && bytes > this.#maxJobSize) throw new JobTooBigError(bytes, this.#maxJobSize);
    return { message, priority: message.header.priority, ttrSeconds, delaySeconds, body, bytes };
  }

  /** The producer's socket, connecting first if needed. */
  async #producerSession(): Promise<Session> {
    try {
      return this.#producer.current ?? (await this.#producer.ready(systemTime.now() + this.#options.connectTimeoutMs));
    } catch (err) {
      throw this.#closedOr(err);
    }
  }

  async enqueue<P>(init: MessageInit<P>): Promise<Message<P>> {
    this.#assertOpen();
    const put = this.#prepare(init);
    const session = this.#producer.current ?? (await this.#producerSession());
    // Not retried on a lost connection: the put may have been applied.
    let id: number;
    try {
      id = await session.put(put.priority, put.delaySeconds, put.ttrSeconds, put.body, put.bytes);
    } catch (err) {
      throw this.#closedOr(await this.#putFailure(session, put.bytes, err));
    }
    return this.#stored(put, id) as Message<P>;
  }

  async enqueueMany<P>(inits: readonly MessageInit<P>[]): Promise<EnqueueResult<P>[]> {
    this.#assertOpen();
    const given: unknown = inits;
    if (!Array.isArray(given)) throw new InvalidArgumentError("inits", `must be an array, got ${typeof given}`);
    if (inits.length === 0) return [];
    // Connected first, so that each job is checked against the server's max-job-size as it is built.
    const session = this.#producer.current ?? (await this.#producerSession());
    const results = new Array<EnqueueResult<P>>(inits.length);
    const puts: PreparedPut[] = [];
    const positions: number[] = [];
    // One pass builds and encodes every job; the session writes the puts of this tick as one string
    // (the window keeps the rest until replies come) and resolves the batch with one promise.
    inits.forEach((init, index) => {
      try {
        puts.push(this.#prepare(init));
        positions.push(index);
      } catch (err) {
        results[index] = { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
      }
    });
    const outcomes = await session.putMany(puts);
    for (const [i, put] of puts.entries()) {
      const outcome = outcomes[i];
      const index = positions[i] ?? i;
      if (typeof outcome === "number") {
        results[index] = { ok: true, message: this.#stored(put, outcome) as Message<P> };
        continue;
      }
      const error = this.#closedOr(await this.#putFailure(session, put.bytes, outcome));
      results[index] = { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
    }
    return results;
  }

  /** The message of a job the server stored under `id`. */
  #stored(put: PreparedPut, id: number): Message {
    if (id > this.#highestSeen) this.#highestSeen = id;
    return { id: String(id), header: put.message.header, body: put.message.body };
  }

  /** What a failed put rejects with: `JOB_TOO_BIG` becomes `JobTooBigError` with the server's current limit. */
  async #putFailure(session: Session, bytes: number, err: unknown): Promise<unknown> {
    if (!isReply(err, "JOB_TOO_BIG")) return err;
    // The server's limit may have changed since we connected (restarted with another -z).
    const limit = await session.stats().then(
      (stats) => stats.maxJobSize,
      () => undefined,
    );
    if (limit === undefined) return err;
    this.#maxJobSize = limit;
    return new JobTooBigError(bytes, limit, { cause: err });
  }

  reserve(options: ReserveOptions = {}): Promise<Reservation | null> {
    // The common call (a worker filling its free slots) is one async frame, not two.
    // Typed as given from JavaScript: a caller passing null gets the error #reserve rejects with.
    const given = options as ReserveOptions | null;
    if (given?.timeoutMs === 0 && given.signal === undefined && this.#options.prefetch === 0 && !this.#closed) {
      return this.#reserveNow(systemTime.now(), undefined);
    }
    return this.#reserve(options);
  }

  async #reserve(options: ReserveOptions): Promise<Reservation | null> {
    this.#assertOpen();
    const timeoutMs = options.timeoutMs ?? 0;
    if (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      throw new InvalidArgumentError("timeoutMs", `must be a number >= 0 (Infinity allowed), got ${String(timeoutMs)}`);
    }
    const { signal } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new InvalidArgumentError("signal", `must be an AbortSignal, got ${typeof signal}`);
    }
    signal?.throwIfAborted();
    if (this.#options.prefetch > 0) {
      const ready = await this.#prefetched.take();
      if (ready) return ready;
    }
    const started = systemTime.now();
    // First without waiting, on the shared socket: while jobs flow, every job comes from here.
    const now = await this.#reserveNow(started, signal);
    if (now !== null || timeoutMs === 0 || systemTime.now() - started >= timeoutMs) return now;
    return this.#reserveWaiting(started, started + timeoutMs, signal);
  }

  /**
   * One `reserve-with-timeout 0` on the shared socket (again after a foreign body was buried, or
   * after a lost connection until `connectTimeoutMs` has passed). The command is not abortable,
   * but it is answered at once: an abort is honoured when it returns, and a job that came with it
   * goes straight back (counting one attempt).
   */
  async #reserveNow(started: number, signal: AbortSignal | undefined): Promise<BeanstalkReservation | null> {
    const o = this.#options;
    const connection = this.#shared;
    const giveUpAt = started + o.connectTimeoutMs;
    let losses = 0;
    for (;;) {
      if (this.#isClosed()) throw new QueueClosedError(this.#reservationHost.queueName);
      try {
        const session = connection.current ?? (await connection.ready(giveUpAt, signal));
        const job = await session.reserveWithStats(0);
        if (job === null) return null;
        const taken = this.#take(connection, session, job);
        const reservation = taken instanceof Promise ? await taken : taken;
        if (!reservation) continue;
        if (signal?.aborted === true) {
          reservation.giveBack("given back unused: the reserve() that took it was aborted");
          throw signal.reason;
        }
        if (this.#options.prefetch > 0) this.#prefetchOn(connection);
        return reservation;
      } catch (err) {
        if (signal?.aborted === true) throw signal.reason;
        if (this.#isClosed() || !isConnectionLoss(err) || systemTime.now() >= giveUpAt) throw this.#closedOr(err);
        losses++;
        await sleep(reconnectDelay(losses, { initialDelayMs: o.reconnectDelayMs, maxDelayMs: o.maxReconnectDelayMs }), signal);
      }
    }
  }

  /** A reserve that waits for a job, on a socket of its own (a waiting socket answers nothing else). */
  async #reserveWaiting(started: number, deadline: number, signal: AbortSignal | undefined): Promise<BeanstalkReservation | null> {
    const connection = this.#pool.acquire();
    // beanstalkd cannot cancel a waiting reserve: abort drops the socket. A job the server hands
    // to it meanwhile goes straight back to ready when the server sees the socket close.
    const abort = { seen: false };
    const onAbort = (): void => {
      abort.seen = true;
      this.#pool.discard(connection);
      this.#prefetched.releaseAll("given back unused: the reserve() that fetched it ahead was aborted");
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    let reservation: BeanstalkReservation | null = null;
    try {
      reservation = await this.#reserveOn(connection, started, deadline, signal);
      if (abort.seen && reservation) {
        // The abort dropped the socket after the job arrived: the server has it back already.
        reservation.giveBack("given back unused: the reserve() that took it was aborted");
      }
      if (abort.seen) throw signal?.reason;
      if (reservation && this.#options.prefetch > 0) this.#prefetchOn(connection);
      return reservation;
    } catch (err) {
      if (abort.seen || signal?.aborted === true) throw signal?.reason;
      throw this.#closedOr(err);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      if (reservation === null && !abort.seen) this.#pool.release(connection);
    }
  }

  async #reserveOn(
    connection: Connection,
    started: number,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<BeanstalkReservation | null> {
    const o = this.#options;
    // Past this point a lost connection is reported instead of retried. It is at least
    // connectTimeoutMs, so that a short reserve still rides out a quick server restart.
    const giveUpAt = Math.max(deadline, started + o.connectTimeoutMs);
    let losses = 0;
    for (;;) {
      if (this.#isClosed()) throw new QueueClosedError(this.#reservationHost.queueName);
      try {
        const session = await connection.ready(giveUpAt, signal);
        const remaining = deadline - systemTime.now();
        const seconds = remaining >= 1000 ? Math.min(o.reserveSliceSeconds, Math.floor(remaining / 1000)) : 0;
        const job = await session.reserveWithStats(seconds);
        losses = 0;
        if (job !== null) {
          const taken = this.#take(connection, session, job);
          const reservation = taken instanceof Promise ? await taken : taken;
          if (reservation) return reservation;
          continue;
        }
        const left = deadline - systemTime.now();
        if (left <= 0) return null;
        if (seconds === 0) await sleep(Math.min(SUB_SECOND_POLL_MS, left), signal);
      } catch (err) {
        if (isReply(err, "DEADLINE_SOON")) {
          // Only a socket holding a job near its TTR gets this; a waiting socket holds none.
          connection.drop(err as Error);
          continue;
        }
        if (this.#isClosed() || signal?.aborted === true || !isConnectionLoss(err) || systemTime.now() >= giveUpAt) throw err;
        losses++;
        await sleep(reconnectDelay(losses, { initialDelayMs: o.reconnectDelayMs, maxDelayMs: o.maxReconnectDelayMs }), signal);
      }
    }
  }

  /**
   * Reserves up to `prefetch` more jobs that are ready now into the buffer, on the socket that
   * just got one: the `reserve-with-timeout 0` commands go out in one write, their `stats-job`
   * commands in another, and the acks of jobs that finish together share writes too.
   */
  #prefetchOn(connection: Connection): void {
    const session = connection.current;
    const wanted = this.#options.prefetch - this.#prefetched.size;
    if (!session || wanted <= 0) return;
    this.#prefetched.fill(async () => {
      // Runs at once (before reserve() returns), so the socket cannot go back to the pool first.
      this.#pool.hold(connection);
      try {
        await Promise.all(
          Array.from({ length: wanted }, async () => {
            // DEADLINE_SOON (a held job near its TTR, nothing ready) or a lost socket: nothing to add.
            const job = await session.reserveWithStats(0).catch(() => null);
            if (job === null) return;
            const reservation = await Promise.resolve(this.#take(connection, session, job)).catch(() => null);
            if (reservation && !this.#isClosed()) this.#prefetched.add(reservation);
          }),
        );
      } finally {
        this.#pool.unhold(connection);
      }
    });
  }

  /**
   * Turns a reserved job into a reservation (`null` when the job was gone by its `stats-job`), or
   * buries it when its body is not a message (a promise then, settled once the bury is answered;
   * the common case makes none).
   */
  #take(connection: Connection, session: Session, job: ReservedJob): BeanstalkReservation | null | Promise<null> {
    if (job.id > this.#highestSeen) this.#highestSeen = job.id;
    const stats = job.stats;
    if (stats === undefined) return null;
    const reading = readJobBody(job.id, job.body);
    if (reading.kind === "foreign") return this.#buryForeign(session, job.id, stats, reading.reason);
    const message = this.#deliverable(reading.message, stats);
    const reservation = new BeanstalkReservation(this.#reservationHost, connection, session, job.id, message, stats.ttr);
    this.#held.set(job.id, reservation);
    this.#pool.hold(connection);
    return reservation;
  }

  /** Buries a reserved job whose body is not a message, and reports it. */
  async #buryForeign(session: Session, jobId: number, stats: JobStats, reason: string): Promise<null> {
    try {
      await session.bury(jobId, stats.pri);
    } catch (err) {
      if (!isReply(err, "NOT_FOUND")) throw err;
    }
    this.#reportBuried(String(jobId), `unreadable job body: ${reason}`, true);
    return null;
  }

  /** The job's live priority and attempt count come from the server, not from the body. */
  #deliverable(message: Message, stats: JobStats): Message {
    return withHeader(message, {
      priority: Math.min(stats.pri, MAX_PRIORITY),
      // reserves counts this delivery too; TTR timeouts and crashed holders count, as they should.
      attempts: message.header.attempts + Math.max(0, stats.reserves - 1),
    });
  }

  /** stats-job and peek together (pipelined); `null` when the job is not in this tube. */
  async #lookup(session: Session, jobId: number): Promise<{ stats: JobStats; raw: RawJob } | null> {
    const [stats, raw] = await Promise.allSettled([session.statsJob(jobId), session.peek(jobId)]);
    for (const result of [stats, raw]) {
      if (result.status === "rejected" && !isReply(result.reason, "NOT_FOUND")) throw result.reason;
    }
    if (stats.status !== "fulfilled" || raw.status !== "fulfilled") return null;
    if (stats.value.tube !== this.tube) return null;
    return { stats: stats.value, raw: raw.value };
  }

  #readOrThrow(raw: RawJob, stats: JobStats): Message {
    const reading = readJobBody(raw.id, raw.body);
    if (reading.kind === "foreign") throw new InvalidMessageError(undefined, `job ${raw.id} is not a message: ${reading.reason}`);
    return withServerCounts(reading.message, stats);
  }

  async peek(id: string): Promise<Message | null> {
    return (await this.inspect(id))?.message ?? null;
  }

  async inspect(id: string): Promise<JobInfo | null> {
    this.#assertOpen();
    const jobId = parseJobId(id);
    if (jobId === undefined) return null;
    return this.#admin(async (session) => {
      const found = await this.#lookup(session, jobId);
      if (!found) return null;
      const { stats } = found;
      const message = this.#readOrThrow(found.raw, stats);
      return stats.state === "reserved"
        ? { message, state: stats.state, leaseEndsAt: systemTime.wallNow() + stats.timeLeft * 1000 }
        : { message, state: stats.state };
    }, true);
  }

  async delete(id: string): Promise<boolean> {
    this.#assertOpen();
    const jobId = parseJobId(id);
    if (jobId === undefined) return false;
    const mine = this.#held.get(jobId);
    if (mine && (await mine.deleteForQueue().catch((err: unknown) => Promise.reject(this.#closedOr(err))))) return true;
    return this.#admin(async (session) => {
      let stats: JobStats;
      try {
        stats = await session.statsJob(jobId);
      } catch (err) {
        if (isReply(err, "NOT_FOUND")) return false;
        throw err;
      }
      if (stats.tube !== this.tube) return false;
      try {
        await session.delete(jobId);
        return true;
      } catch (err) {
        if (!isReply(err, "NOT_FOUND")) throw err;
        if (stats.state === "reserved") throw new JobReservedElsewhereError(id, { cause: err });
        return false;
      }
    }, false);
  }

  async kick(max: number): Promise<number> {
    this.#assertOpen();
    if (typeof max !== "number" || !Number.isInteger(max) || max < 0) {
      throw new InvalidArgumentError("max", `must be a non-negative integer, got ${String(max)}`);
    }
    if (max === 0) return 0;
    // Not `kick n`: with no buried jobs it kicks delayed ones. One buried job at a time, oldest first.
    return this.#admin(async (session) => {
      let kicked = 0;
      let previous: number | undefined;
      while (kicked < max) {
        let job: RawJob;
        try {
          job = await session.peekBuried();
        } catch (err) {
          if (isReply(err, "NOT_FOUND")) break;
          throw err;
        }
        try {
          await session.kickJob(job.id);
          kicked++;
        } catch (err) {
          if (!isReply(err, "NOT_FOUND")) throw err;
          // Someone else kicked or deleted it first; stop if the server keeps showing the same one.
          if (previous === job.id) break;
        }
        previous = job.id;
      }
      return kicked;
    }, false);
  }

  async stats(): Promise<QueueStats> {
    this.#assertOpen();
    return this.#admin(async (session) => {
      try {
        const stats = await session.statsTube(this.tube);
        // `pause` is the length of the current pause in whole seconds; `resume()` leaves a 1 ns one (read as 0).
        const paused = (stats.raw.pause ?? 0) > 0;
        return { ready: stats.ready, delayed: stats.delayed, reserved: stats.reserved, buried: stats.buried, paused, extra: stats.raw };
      } catch (err) {
        // A tube nobody uses and that holds no jobs does not exist on the server.
        if (isReply(err, "NOT_FOUND")) return { ready: 0, delayed: 0, reserved: 0, buried: 0, paused: false };
        throw err;
      }
    }, true);
  }

  #operateContext(session: Session): OperateContext {
    return { session, walker: this.#walker, knownHighest: this.#highestSeen };
  }

  async list(options: ListOptions): Promise<JobPage> {
    this.#assertOpen();
    const normalized = normalizeListOptions(options);
    // Read-only but for the id probe, which is deleted at once: retried once on a lost socket.
    return this.#admin((session) => listPage(this.#operateContext(session), normalized), true, this.#inspector);
  }

  async bulk(options: BulkOptions): Promise<BulkResult> {
    this.#assertOpen();
    checkBulkOptions(options);
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
      throw new InvalidArgumentError("signal", `must be an AbortSignal, got ${typeof options.signal}`);
    }
    return this.#admin((session) => runBulk(this.#operateContext(session), options), false, this.#inspector);
  }

  async pause(): Promise<void> {
    this.#assertOpen();
    // On the producer: its `use` makes the tube exist, which pause-tube requires.
    await this.#admin((session) => session.pauseTube(this.tube, PAUSE_SECONDS), true);
  }

  async resume(): Promise<void> {
    this.#assertOpen();
    await this.#admin((session) => session.pauseTube(this.tube, 0), true);
  }

  async tubeExists(): Promise<boolean> {
    this.#assertOpen();
    return this.#admin(
      async (session) => {
        let stats: TubeStats;
        try {
          stats = await session.statsTube(this.tube);
        } catch (err) {
          if (isReply(err, "NOT_FOUND")) return false;
          throw err;
        }
        if (stats.ready + stats.delayed + stats.reserved + stats.buried > 0) return true;
        // This queue's own sockets do not make the tube exist for anyone else.
        const using = (stats.raw["current-using"] ?? 0) - (this.#producer.current ? 1 : 0);
        const watching = (stats.raw["current-watching"] ?? 0) - (this.#shared.current ? 1 : 0) - this.#pool.openCount;
        return using > 0 || watching > 0;
      },
      true,
      this.#inspector,
    );
  }

  async close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    // Waiting reserves reject; jobs held by open reservations go back to ready on the server.
    this.#pool.closeAll();
    this.#shared.close();
    this.#inspector.close();
    this.#held.clear();
    this.#reservationHost.leases.clear();
    this.#prefetched.clear();
    // Puts already sent are answered before the socket closes.
    await this.#producer.end(this.#options.commandTimeoutMs);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
