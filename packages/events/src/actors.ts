import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  JetStreamApiError,
  ReplayPolicy,
  JetStreamApiCodes,
  type Consumer,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { isActor, type AnyActor } from "./actor.js";
import { abortable } from "./abortable.js";
import { Acker } from "./acker.js";
import { FETCH_ERROR_DELAY, runActorLoop } from "./actor-loop.js";
import { isConnection, openConnection, type ConnectOptions } from "./connection.js";
import {
  deadLetterSettings,
  deadLetterStreamConfig,
  publishDeadLetter,
  type DeadLetterOptions,
  type DeadLetterSettings,
} from "./dead-letter.js";
import { ClosedError, ConsumerConfigError, InvalidOptionError, ShutdownError, type ConnectionLostError } from "./errors.js";
import type { ConnectionWatch } from "./connection-watch.js";
import type { JobOutcome } from "./job.js";
import { RunningJobs } from "./job-tracker.js";
import { describeError, type Logger } from "./logger.js";
import { sleepUnlessAborted } from "./abortable.js";
import { Pulse } from "./pulse.js";
import { STREAM_NAME_IN_USE } from "./register-streams.js";
import { Slots } from "./slots.js";
import { nanos } from "./stream-config.js";
import { Tasks } from "./tasks.js";

/** Events fetched per pull request, at most (walnats: 1). */
export const DEFAULT_BATCH = 1;
/** Concurrent jobs across all actors of one `listen` call (walnats: 16). */
export const DEFAULT_LISTEN_MAX_JOBS = 16;
/** How long one pull request waits for events, in ms (walnats: 2 s; the client's minimum is 1 s). */
export const DEFAULT_POLL_DELAY = 2_000;
/** The smallest `pollDelay` the NATS client accepts, in ms. */
export const MIN_POLL_DELAY = 1_000;
/** How long a stopping `listen` lets running jobs finish, in ms. */
export const DEFAULT_DRAIN_TIMEOUT = 10_000;
/** How long to wait for the server to confirm an ack, nak or term, in ms (`ackTimeout`). */
export const DEFAULT_ACK_TIMEOUT = 5_000;

/** Options of `listen`. Durations are milliseconds. */
export interface ListenOptions {
  /** Stops listening: fetching stops, running jobs get `drainTimeout` to finish. @default none (until `close()`) */
  readonly signal?: AbortSignal;
  /** Poll each actor once, handle what came, and return (tests, cron-style runs). @default false */
  readonly burst?: boolean;
  /** Events per pull request, at most; never more than free slots. @default {@link DEFAULT_BATCH} */
  readonly batch?: number;
  /** Concurrent jobs across all actors. @default {@link DEFAULT_LISTEN_MAX_JOBS} */
  readonly maxJobs?: number;
  /** How long a pull request waits for events. At least 1000. @default {@link DEFAULT_POLL_DELAY} */
  readonly pollDelay?: number;
  /** After the signal aborts: how long running jobs may still finish before they are aborted and handed back. @default {@link DEFAULT_DRAIN_TIMEOUT} */
  readonly drainTimeout?: number;
  /** Called after each delivery with what happened to it (metrics, tests). @default none */
  readonly onOutcome?: (actor: AnyActor, outcome: JobOutcome) => void;
}

/** Options of `Actors.connect`. */
export interface ActorsConnectOptions extends ConnectOptions {
  /** The dead-letter stream. @default `{ stream: "dead-letters", maxAge: 14 days }` */
  readonly deadLetters?: DeadLetterOptions;
  /**
   * How long to wait for the server to confirm an ack, nak or term, in ms. An unconfirmed one is
   * logged; the event may then be delivered again. @default {@link DEFAULT_ACK_TIMEOUT}
   */
  readonly ackTimeout?: number;
}

/** A registry of the actors a service runs (walnats' `Actors`). */
export interface Actors extends Iterable<AnyActor> {
  /** The actors, in declaration order. */
  readonly actors: readonly AnyActor[];
  /** The first actor with this name, if any (names are unique per event, not globally). */
  get(name: string): AnyActor | undefined;
  /** Connects to NATS. A connection passed in is never closed by us. */
  connect(target?: ActorsConnectOptions | NatsConnection): Promise<ConnectedActors>;
}

/** Creates a registry of actors. At least one; (event, name) pairs must be unique. */
export function Actors(...actors: AnyActor[]): Actors {
  if (actors.length === 0) throw new InvalidOptionError("actors", "needs at least one actor");
  const seen = new Set<string>();
  for (const actor of actors) {
    if (!isActor(actor)) throw new InvalidOptionError("actors", "must be created with Actor()");
    const key = `${actor.event.name}/${actor.name}`;
    if (seen.has(key)) throw new InvalidOptionError("actors", `has two actors named "${actor.name}" on event "${actor.event.name}"`);
    seen.add(key);
  }
  const list = Object.freeze([...actors]);
  return Object.freeze({
    actors: list,
    get: (name: string) => list.find((a) => a.name === name),
    [Symbol.iterator]: () => list[Symbol.iterator](),
    async connect(target: ActorsConnectOptions | NatsConnection = {}): Promise<ConnectedActors> {
      const options: ActorsConnectOptions = isConnection(target) ? {} : target;
      const settings = deadLetterSettings(options.deadLetters);
      const ackTimeout = options.ackTimeout ?? DEFAULT_ACK_TIMEOUT;
      if (typeof ackTimeout !== "number" || !Number.isFinite(ackTimeout) || ackTimeout <= 0) {
        throw new InvalidOptionError("ackTimeout", `must be a positive number of ms, got ${String(ackTimeout)}`);
      }
      const { nc, owned, logger, watch, extra: jsm } = await openConnection(target, (nc) => jetstreamManager(nc));
      return new ConnectedActors(list, nc, owned, logger, { deadLetters: settings, ackTimeout, watch }, jsm);
    },
  });
}

const positiveInt = (option: string, value: number): number => {
  if (!Number.isInteger(value) || value <= 0) throw new InvalidOptionError(option, `must be a positive integer, got ${String(value)}`);
  return value;
};

/** The durable consumer of an actor: explicit acks, deliver all, pull, no redelivery limit on the server. */
export function consumerConfigOf(actor: AnyActor): Partial<ConsumerConfig> & { durable_name: string } {
  const config: Partial<ConsumerConfig> & { durable_name: string } = {
    durable_name: actor.name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    ack_wait: nanos(actor.ackWait),
    // Attempts are counted by the actor, which dead-letters the event after the last one. A
    // server-side max_deliver would instead strand it silently in the stream (walnats' G-W2).
    max_deliver: -1,
    max_ack_pending: actor.maxAckPending,
  };
  if (actor.description !== undefined) config.description = actor.description;
  return config;
}

/** A connected actors registry: registers consumers and runs the actors. */
export class ConnectedActors implements AsyncDisposable {
  readonly #actors: readonly AnyActor[];
  readonly #owned: boolean;
  readonly #logger: Logger;
  readonly #deadLetters: DeadLetterSettings;
  readonly #jsm: JetStreamManager;
  readonly #js: JetStreamClient;
  readonly #closed = new AbortController();
  readonly #listening = new Set<Promise<void>>();
  readonly #acker: Acker;
  readonly #watch: ConnectionWatch;
  #closing: Promise<void> | undefined;

  /** The NATS connection in use: the one passed in (never closed by us), or the one we opened. */
  readonly connection: NatsConnection;

  /** @internal Use `Actors(...).connect()`. */
  constructor(
    actors: readonly AnyActor[],
    connection: NatsConnection,
    owned: boolean,
    logger: Logger,
    settings: { readonly deadLetters: DeadLetterSettings; readonly ackTimeout: number; readonly watch: ConnectionWatch },
    jsm: JetStreamManager,
  ) {
    this.connection = connection;
    this.#actors = actors;
    this.#owned = owned;
    this.#logger = logger;
    this.#deadLetters = settings.deadLetters;
    this.#jsm = jsm;
    this.#js = jetstream(connection);
    this.#acker = new Acker(connection, settings.ackTimeout);
    this.#watch = settings.watch;
  }

  /**
   * Creates or updates one durable consumer per actor (all in parallel) and the dead-letter
   * stream. The events' streams must exist (`Events.register()`); otherwise the client's
   * "stream not found" error passes through. A consumer change the server refuses (e.g. another
   * ack policy) raises {@link ConsumerConfigError}. `signal` stops waiting for the server.
   */
  async register(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    this.#assertOpen();
    options.signal?.throwIfAborted();
    await abortable(Promise.all([
      this.#registerDeadLetterStream(),
      ...this.#actors.map(async (actor) => {
        try {
          await this.#jsm.consumers.add(actor.event.streamName, consumerConfigOf(actor));
        } catch (error) {
          if (error instanceof JetStreamApiError && error.code !== JetStreamApiCodes.StreamNotFound) {
            throw new ConsumerConfigError(actor.event.streamName, actor.name, error.message, { cause: error });
          }
          throw error;
        }
      }),
    ]), options.signal);
  }

  /**
   * Runs every actor until the signal aborts (or `close()`), or polls each once with `burst`.
   * On abort it stops fetching, lets running jobs finish within `drainTimeout`, aborts the rest
   * (their handlers' signals get a `ShutdownError`) and hands their events back with no delay.
   * Resolves when all of that, including middleware hooks, is done.
   *
   * While the server is unreachable it waits for the connection to come back, however long
   * that takes. If the connection closes for good instead (a `maxReconnectAttempts` limit ran
   * out), it stops as if aborted and then rejects with `ConnectionLostError`.
   */
  async listen(options: ListenOptions = {}): Promise<void> {
    this.#assertOpen();
    const batch = positiveInt("batch", options.batch ?? DEFAULT_BATCH);
    const maxJobs = positiveInt("maxJobs", options.maxJobs ?? DEFAULT_LISTEN_MAX_JOBS);
    const pollDelay = options.pollDelay ?? DEFAULT_POLL_DELAY;
    if (!Number.isFinite(pollDelay) || pollDelay < MIN_POLL_DELAY) {
      throw new InvalidOptionError("pollDelay", `must be at least ${MIN_POLL_DELAY} ms (the NATS client's minimum), got ${String(pollDelay)}`);
    }
    const drainTimeout = options.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT;
    if (!Number.isFinite(drainTimeout) || drainTimeout < 0) throw new InvalidOptionError("drainTimeout", "must be a non-negative number of ms");
    if (options.burst !== undefined && typeof options.burst !== "boolean") throw new InvalidOptionError("burst", "must be a boolean");
    if (options.onOutcome !== undefined && typeof options.onOutcome !== "function") throw new InvalidOptionError("onOutcome", "must be a function");
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw new InvalidOptionError("signal", "must be an AbortSignal");
    const run = this.#listen({ batch, maxJobs, pollDelay, drainTimeout, burst: options.burst ?? false, signal: options.signal, onOutcome: options.onOutcome });
    this.#listening.add(run);
    try {
      await run;
    } finally {
      this.#listening.delete(run);
    }
  }

  async #listen(o: {
    batch: number;
    maxJobs: number;
    pollDelay: number;
    drainTimeout: number;
    burst: boolean;
    signal: AbortSignal | undefined;
    onOutcome: ListenOptions["onOutcome"];
  }): Promise<void> {
    // A connection that closed for good stops the loops like an abort; listen then rejects.
    const lostController = new AbortController();
    let lost: ConnectionLostError | undefined;
    const removeLostListener = this.#watch.onLost((error) => {
      lost = error;
      lostController.abort(error);
    });
    try {
      await this.#run(o, AbortSignal.any([...(o.signal === undefined ? [] : [o.signal]), this.#closed.signal, lostController.signal]));
    } finally {
      removeLostListener();
    }
    if (lost !== undefined) throw lost;
  }

  async #run(
    o: {
      batch: number;
      maxJobs: number;
      pollDelay: number;
      drainTimeout: number;
      burst: boolean;
      onOutcome: ListenOptions["onOutcome"];
    },
    stop: AbortSignal,
  ): Promise<void> {
    const shutdown = new AbortController();
    const running = new Set<{ abort(reason: Error): void }>();
    const jobs = new RunningJobs();
    const tasks = new Tasks((error) => {
      this.#logger.error("middleware hook failed", { error: describeError(error) });
    });
    const globalSlots = new Slots(o.maxJobs);
    let bound: { actor: AnyActor; consumer: Consumer }[];
    try {
      bound = await abortable(Promise.all(this.#actors.map(async (actor) => ({ actor, consumer: await this.#consumerOf(actor, stop) }))), stop);
    } catch (error) {
      if (stop.aborted) return; // stopped before it started: nothing was fetched
      throw error;
    }
    const deadLetter = publishDeadLetter.bind(null, this.#js, this.#deadLetters, () => this.connection.info?.max_payload);
    // One pulse timer per actor, stopped once its jobs are done (not left to run out on its own).
    const loops = bound.map((loop) => ({ ...loop, pulse: new Pulse(loop.actor.ackWait / 2) }));
    await Promise.all(
      loops.map(({ actor, consumer, pulse }) =>
        runActorLoop(actor, {
          acker: this.#acker,
          watch: this.#watch,
          consumer,
          pulse,
          logger: this.#logger,
          globalSlots,
          stop,
          batch: o.batch,
          pollDelay: o.pollDelay,
          burst: o.burst,
          jobs,
          tasks,
          shutdown: shutdown.signal,
          running,
          deadLetter,
          onOutcome: o.onOutcome,
        }),
      ),
    );
    // Drain: let running jobs finish, then abort what is left so it is handed back at once.
    if (jobs.size > 0 && !o.burst) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, o.drainTimeout);
      });
      await Promise.race([jobs.idle(), deadline]);
      clearTimeout(timer);
      shutdown.abort();
      for (const job of running) job.abort(new ShutdownError());
    }
    await jobs.idle();
    for (const { pulse } of loops) pulse.stop();
    await tasks.wait();
    if (!this.connection.isClosed()) await this.connection.flush().catch(() => undefined);
  }

  /** Stops every running `listen` (with its drain), then closes the connection if we opened it. Idempotent. */
  async close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#watch.markClosing();
      this.#closed.abort();
      await Promise.allSettled([...this.#listening]);
      this.#acker.close();
      if (this.#owned && !this.connection.isClosed()) await this.connection.drain();
    })();
    return this.#closing;
  }

  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #registerDeadLetterStream(): Promise<void> {
    const config = deadLetterStreamConfig(this.#deadLetters);
    try {
      await this.#jsm.streams.add(config);
    } catch (error) {
      // Already there with other settings (e.g. maxAge): bring it up to date.
      if (!(error instanceof JetStreamApiError) || error.code !== STREAM_NAME_IN_USE) throw error;
      await this.#jsm.streams.update(config.name, config);
    }
  }

  /**
   * The actor's consumer. A server that is unreachable (or restarting) is waited for; an answer
   * from JetStream (no such consumer or stream) is thrown.
   */
  async #consumerOf(actor: AnyActor, stop: AbortSignal): Promise<Consumer> {
    for (;;) {
      try {
        return await this.#js.consumers.get(actor.event.streamName, actor.name);
      } catch (error) {
        if (error instanceof JetStreamApiError || stop.aborted || this.connection.isClosed()) throw error;
        this.#logger.warn("cannot look up the consumer; retrying", { actor: actor.name, event: actor.event.name, error: describeError(error) });
        await abortable(this.#watch.untilConnected(), stop).catch(() => undefined);
        await sleepUnlessAborted(FETCH_ERROR_DELAY, stop);
      }
    }
  }

  #assertOpen(): void {
    if (this.#watch.lost !== undefined) throw this.#watch.lost;
    if (this.#closing !== undefined || this.connection.isClosed()) throw new ClosedError("the actors connection");
  }
}
