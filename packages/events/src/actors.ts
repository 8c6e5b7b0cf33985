import {
  AckPolicy,
  type Consumer,
  type ConsumerConfig,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  ReplayPolicy,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  checkOptionKeys,
  describeValue,
  durationMsOption,
  Emitter,
  InvalidOptionError,
  integerOption,
  type Listener,
  type Logger,
  sleep,
  type Unsubscribe,
} from "@x/core";
import { abortable } from "./abortable.js";
import { Acker } from "./acker.js";
import { type AnyActor, isActor } from "./actor.js";
import { runActorLoop } from "./actor-loop.js";
import { CONNECT_OPTIONS, type ConnectOptions, checkConnectOptions, isConnection, openConnection } from "./connection.js";
import type { ConnectionStatus, ConnectionWatch } from "./connection-watch.js";
import {
  type DeadLetterOptions,
  type DeadLetterSettings,
  deadLetterSettings,
  deadLetterStreamConfig,
  publishDeadLetter,
} from "./dead-letter.js";
import { ClosedError, type ConnectionLostError, ConsumerConfigError, ShutdownError } from "./errors.js";
import type { JobOutcome } from "./job.js";
import { RunningJobs } from "./job-tracker.js";
import { toMsgHdrs } from "./nats-headers.js";
import { FETCH_ERROR_DELAY_MS } from "./pull.js";
import { Pulse } from "./pulse.js";
import { STREAM_NAME_IN_USE } from "./register-streams.js";
import { checkSignal } from "./signal.js";
import { Slots } from "./slots.js";
import { nanos } from "./stream-config.js";
import { Tasks } from "./tasks.js";
import { observeConsumerLag } from "./telemetry.js";

/** Events fetched per pull request, at most (walnats: 1). */
export const DEFAULT_BATCH = 1;
/** Concurrent jobs across all actors of one `listen` call (walnats: 16). */
export const DEFAULT_LISTEN_MAX_JOBS = 16;
/** How long one pull request waits for events, in ms (walnats: 2 s; the client's minimum is 1 s). */
export const DEFAULT_POLL_DELAY_MS = 2_000;
/** The smallest `pollDelayMs` the NATS client accepts. */
export const MIN_POLL_DELAY_MS = 1_000;
/** How long a stopping `listen` lets running jobs finish, in ms. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
/** How long to wait for the server to confirm an ack, nak or term, in ms (`ackTimeoutMs`). */
export const DEFAULT_ACK_TIMEOUT_MS = 5_000;

const LISTEN_OPTIONS = ["signal", "burst", "batch", "maxJobs", "pollDelayMs", "drainTimeoutMs"] as const;

/** Options of `listen`. Durations are milliseconds. */
export interface ListenOptions {
  /** Stops listening: fetching stops, running jobs get `drainTimeoutMs` to finish. @default none (until `close()`) */
  readonly signal?: AbortSignal;
  /** Poll each actor once, handle what came, and return (tests, cron-style runs). @default false */
  readonly burst?: boolean;
  /** Events per pull request, at most; never more than free slots. @default {@link DEFAULT_BATCH} */
  readonly batch?: number;
  /** Concurrent jobs across all actors. @default {@link DEFAULT_LISTEN_MAX_JOBS} */
  readonly maxJobs?: number;
  /** How long a pull request waits for events. At least {@link MIN_POLL_DELAY_MS}. @default {@link DEFAULT_POLL_DELAY_MS} */
  readonly pollDelayMs?: number;
  /** After the signal aborts: how long running jobs may still finish before they are aborted and handed back. @default {@link DEFAULT_DRAIN_TIMEOUT_MS} */
  readonly drainTimeoutMs?: number;
}

/** What happened to one delivery, as `on("outcome")` reports it. */
export interface OutcomeEvent {
  /** The actor that handled (or handed back) the delivery. */
  readonly actor: AnyActor;
  /** What happened to it. */
  readonly outcome: JobOutcome;
}

/** What `ConnectedActors.on` reports: the event's name and its listener's argument. */
export interface ConnectedActorsEvents {
  /** The connection was lost, is being re-established, is back, was found stale, or closed for good. */
  readonly status: ConnectionStatus;
  /** A delivery was handled, retried, released, bounced, dead-lettered or terminated (metrics, tests). */
  readonly outcome: OutcomeEvent;
}

/** What `listen` runs with, once its options are checked. */
interface RunSettings {
  readonly batch: number;
  readonly maxJobs: number;
  readonly pollDelayMs: number;
  readonly drainTimeoutMs: number;
  readonly burst: boolean;
}

/** Options of `Actors.connect`. */
export interface ActorsConnectOptions extends ConnectOptions {
  /** The dead-letter stream. @default `{ stream: "dead-letters", maxAge: 14 days }` */
  readonly deadLetters?: DeadLetterOptions;
  /**
   * How long to wait for the server to confirm an ack, nak or term, in ms. An unconfirmed one is
   * logged; the event may then be delivered again. @default {@link DEFAULT_ACK_TIMEOUT_MS}
   */
  readonly ackTimeoutMs?: number;
}

const ACTORS_CONNECT_OPTIONS: readonly string[] = [...CONNECT_OPTIONS, "deadLetters", "ackTimeoutMs"];

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
  if (actors.length === 0) throw new InvalidOptionError("actors", undefined, "needs at least one actor");
  const seen = new Set<string>();
  for (const actor of actors) {
    if (!isActor(actor)) throw new InvalidOptionError("actors", actor, "must be created with Actor()");
    const key = `${actor.event.name}/${actor.name}`;
    if (seen.has(key))
      throw new InvalidOptionError("actors", undefined, `has two actors named "${actor.name}" on event "${actor.event.name}"`);
    seen.add(key);
  }
  const list = Object.freeze([...actors]);
  return Object.freeze({
    actors: list,
    get: (name: string) => list.find((a) => a.name === name),
    [Symbol.iterator]: () => list[Symbol.iterator](),
    async connect(target: ActorsConnectOptions | NatsConnection = {}): Promise<ConnectedActors> {
      const logger = checkConnectOptions(target, ACTORS_CONNECT_OPTIONS, "Actors.connect");
      const options: ActorsConnectOptions = isConnection(target) ? {} : target;
      const settings = deadLetterSettings(options.deadLetters);
      const ackTimeoutMs = durationMsOption("ackTimeoutMs", options.ackTimeoutMs, DEFAULT_ACK_TIMEOUT_MS, { min: 1 });
      const emitter = new Emitter<ConnectedActorsEvents>({ logger });
      const onStatus = (status: ConnectionStatus): void => {
        emitter.emit("status", status);
      };
      const { nc, owned, watch, extra: jsm } = await openConnection(target, logger, onStatus, (nc) => jetstreamManager(nc));
      return new ConnectedActors(list, nc, owned, logger, { deadLetters: settings, ackTimeoutMs, watch, emitter }, jsm);
    },
  });
}

/** The durable consumer of an actor: explicit acks, deliver all, pull, no redelivery limit on the server. */
export function consumerConfigOf(actor: AnyActor): Partial<ConsumerConfig> & { durable_name: string } {
  const config: Partial<ConsumerConfig> & { durable_name: string } = {
    durable_name: actor.name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    ack_wait: nanos(actor.ackWaitMs),
    // Attempts are counted by the actor, which dead-letters the event after the last one. A
    // server-side max_deliver would instead strand it silently in the stream, as walnats does.
    max_deliver: -1,
    max_ack_pending: actor.maxAckPending,
  };
  if (actor.description !== undefined) config.description = actor.description;
  return config;
}

/** A connected actors registry: registers consumers and runs the actors. Observe it with {@link ConnectedActors.on}. */
export class ConnectedActors implements AsyncDisposable {
  readonly #actors: readonly AnyActor[];
  /** Stops reporting `x.event.consumer.lag` (at `close()`). */
  readonly #stopLag: () => void;
  readonly #owned: boolean;
  readonly #logger: Logger;
  readonly #deadLetters: DeadLetterSettings;
  readonly #jsm: JetStreamManager;
  readonly #js: JetStreamClient;
  readonly #closed = new AbortController();
  readonly #listening = new Set<Promise<void>>();
  readonly #acker: Acker;
  readonly #watch: ConnectionWatch;
  readonly #emitter: Emitter<ConnectedActorsEvents>;
  #closing: Promise<void> | undefined;

  /** The NATS connection in use: the one passed in (never closed by us), or the one we opened. */
  readonly connection: NatsConnection;

  /** @internal Use `Actors(...).connect()`. */
  constructor(
    actors: readonly AnyActor[],
    connection: NatsConnection,
    owned: boolean,
    logger: Logger,
    settings: {
      readonly deadLetters: DeadLetterSettings;
      readonly ackTimeoutMs: number;
      readonly watch: ConnectionWatch;
      readonly emitter: Emitter<ConnectedActorsEvents>;
    },
    jsm: JetStreamManager,
  ) {
    this.connection = connection;
    this.#actors = actors;
    this.#owned = owned;
    this.#logger = logger;
    this.#deadLetters = settings.deadLetters;
    this.#jsm = jsm;
    this.#js = jetstream(connection);
    this.#acker = new Acker(connection, settings.ackTimeoutMs);
    this.#watch = settings.watch;
    this.#emitter = settings.emitter;
    // Each actor's backlog, read from its consumer's info at each metrics collection.
    this.#stopLag = observeConsumerLag(() =>
      Promise.all(
        actors.map(async (actor) => ({
          actor: actor.name,
          event: actor.event.name,
          pending: (await jsm.consumers.info(actor.event.streamName, actor.name)).num_pending,
        })),
      ),
    );
  }

  /**
   * Listens to `status` (the connection's state) or `outcome` (what happened to each delivery);
   * returns a function that removes the listener. A listener that throws is logged and changes
   * nothing. Middlewares act on jobs; `on` is for watching.
   */
  on<E extends keyof ConnectedActorsEvents>(event: E, listener: Listener<ConnectedActorsEvents[E]>): Unsubscribe {
    return this.#emitter.on(event, listener);
  }

  /**
   * Creates or updates one durable consumer per actor (all in parallel) and the dead-letter
   * stream. The events' streams must exist (`Events.register()`); otherwise the client's
   * "stream not found" error passes through. A consumer change the server refuses (e.g. another
   * ack policy) raises {@link ConsumerConfigError}. `signal` stops waiting for the server.
   */
  async register(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    checkOptionKeys(options, ["signal"], "ConnectedActors.register");
    checkSignal(options.signal);
    this.#assertOpen();
    options.signal?.throwIfAborted();
    await abortable(
      Promise.all([
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
      ]),
      options.signal,
    );
  }

  /**
   * Runs every actor until the signal aborts (or `close()`), or polls each once with `burst`.
   * On abort it stops fetching, lets running jobs finish within `drainTimeoutMs`, aborts the rest
   * (their handlers' signals get a `ShutdownError`) and hands their events back with no delay.
   * Resolves when all of that, including middleware hooks, is done.
   *
   * While the server is unreachable it waits for the connection to come back, however long
   * that takes. If the connection closes for good instead (a `maxReconnectAttempts` limit ran
   * out), it stops as if aborted and then rejects with `ConnectionLostError`.
   */
  async listen(options: ListenOptions = {}): Promise<void> {
    checkOptionKeys(options, LISTEN_OPTIONS, "listen");
    this.#assertOpen();
    const batch = integerOption("batch", options.batch, DEFAULT_BATCH, 1);
    const maxJobs = integerOption("maxJobs", options.maxJobs, DEFAULT_LISTEN_MAX_JOBS, 1);
    // The NATS client refuses shorter pull requests.
    const pollDelayMs = durationMsOption("pollDelayMs", options.pollDelayMs, DEFAULT_POLL_DELAY_MS, { min: MIN_POLL_DELAY_MS });
    const drainTimeoutMs = durationMsOption("drainTimeoutMs", options.drainTimeoutMs, DEFAULT_DRAIN_TIMEOUT_MS);
    if (options.burst !== undefined && typeof options.burst !== "boolean")
      throw new InvalidOptionError("burst", options.burst, "must be a boolean");
    checkSignal(options.signal);
    const run = this.#listen({ batch, maxJobs, pollDelayMs, drainTimeoutMs, burst: options.burst ?? false, signal: options.signal });
    this.#listening.add(run);
    try {
      await run;
    } finally {
      this.#listening.delete(run);
    }
  }

  async #listen(o: RunSettings & { signal: AbortSignal | undefined }): Promise<void> {
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

  async #run(o: RunSettings, stop: AbortSignal): Promise<void> {
    const shutdown = new AbortController();
    const running = new Set<{ abort(reason: Error): void }>();
    const jobs = new RunningJobs();
    const tasks = new Tasks((error) => {
      this.#logger.error({ error: describeValue(error) }, "middleware hook failed");
    });
    const listenSlots = new Slots(o.maxJobs);
    let bound: { actor: AnyActor; consumer: Consumer }[];
    try {
      bound = await abortable(
        Promise.all(this.#actors.map(async (actor) => ({ actor, consumer: await this.#consumerOf(actor, stop) }))),
        stop,
      );
    } catch (error) {
      if (stop.aborted) return; // stopped before it started: nothing was fetched
      throw error;
    }
    const deadLetter = publishDeadLetter.bind(null, this.#js, this.#deadLetters, () => this.connection.info?.max_payload);
    // One pulse timer per actor, stopped once its jobs are done (not left to run out on its own).
    const loops = bound.map((loop) => ({ ...loop, pulse: new Pulse(loop.actor.ackWaitMs / 2) }));
    await Promise.all(
      loops.map(({ actor, consumer, pulse }) =>
        runActorLoop(actor, {
          acker: this.#acker,
          watch: this.#watch,
          consumer,
          pulse,
          logger: this.#logger,
          listenSlots,
          stop,
          batch: o.batch,
          pollDelayMs: o.pollDelayMs,
          burst: o.burst,
          jobs,
          tasks,
          shutdown: shutdown.signal,
          running,
          deadLetter,
          reply: this.#reply,
          onOutcome: this.#reportOutcome,
        }),
      ),
    );
    // Drain: let running jobs finish, then abort what is left so it is handed back at once.
    if (jobs.size > 0 && !o.burst) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, o.drainTimeoutMs);
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

  readonly #reply = (subject: string, data: Uint8Array, headers: Readonly<Record<string, string>>): void => {
    try {
      this.connection.publish(subject, data, Object.keys(headers).length === 0 ? {} : { headers: toMsgHdrs(headers) });
    } catch (error) {
      // Responses are not stored (as in walnats): the requester times out.
      this.#logger.warn({ subject, error: describeValue(error) }, "cannot send the response");
    }
  };

  readonly #reportOutcome = (actor: AnyActor, outcome: JobOutcome): void => {
    // With nobody listening, a job costs no event object.
    if (this.#emitter.has("outcome")) this.#emitter.emit("outcome", { actor, outcome });
  };

  /** Stops every running `listen` (with its drain), then closes the connection if we opened it. Idempotent. */
  async close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#watch.markClosing();
      this.#stopLag();
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
      // Already there with other settings (e.g. maxAgeMs): bring it up to date.
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
        this.#logger.warn(
          { actor: actor.name, event: actor.event.name, error: describeValue(error) },
          "cannot look up the consumer; retrying",
        );
        await abortable(this.#watch.untilConnected(), stop).catch(() => undefined);
        await sleep(FETCH_ERROR_DELAY_MS, stop).catch(() => undefined); // stop ends the wait; the next turn throws
      }
    }
  }

  #assertOpen(): void {
    if (this.#watch.lost !== undefined) throw this.#watch.lost;
    if (this.#closing !== undefined || this.connection.isClosed()) throw new ClosedError("the actors connection");
  }
}
