import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { createInbox, type MsgHdrs, type NatsConnection } from "@nats-io/transport-node";
import {
  checkOptionKeys,
  describeValue,
  durationMsOption,
  Emitter,
  InvalidOptionError,
  type Listener,
  type Logger,
  type Unsubscribe,
} from "@x/core";
import { abortable } from "./abortable.js";
import type { CloudEvent } from "./cloud-event.js";
import { EmitConfirmations, type EmitCounts } from "./confirmations.js";
import { CONNECT_OPTIONS, type ConnectOptions, checkConnectOptions, openConnection } from "./connection.js";
import type { ConnectionStatus, ConnectionWatch } from "./connection-watch.js";
import {
  ClosedError,
  DuplicateRequestError,
  EmitsNotConfirmedError,
  PayloadTooLargeError,
  type UnconfirmedEmit,
  UnknownEventError,
} from "./errors.js";
import { type AnyEvent, type Event, isEvent, serialize } from "./event.js";
import { buildHeaders, HEADER_MSG_ID, MAX_DELAY_MS } from "./headers.js";
import { type EventMonitor, type MonitorOptions, monitorEvents } from "./monitor.js";
import { headerBytes, toMsgHdrs } from "./nats-headers.js";
import { interestWarning, type RegisterOptions, type RegisterResult, registerStream } from "./register-streams.js";
import { DEFAULT_REQUEST_TIMEOUT_MS, ResponseInbox } from "./request.js";
import type { EventWithResponse } from "./response.js";
import { checkSignal } from "./signal.js";
import { endEmitSpan, startEmitSpan } from "./telemetry.js";

/**
 * How long an emit waits for the server's acknowledgement, in ms: a `sync` emit rejects after
 * it, a fire-and-forget emit is then counted and reported as unconfirmed.
 */
export const DEFAULT_EMIT_TIMEOUT_MS = 5_000;

/** Options of `Events.connect`. */
export type EventsConnectOptions = ConnectOptions;

/** What `ConnectedEvents.on` reports: the event's name and its listener's argument. */
export interface ConnectedEventsEvents {
  /** The connection was lost, is being re-established, is back, was found stale, or closed for good. */
  readonly status: ConnectionStatus;
  /**
   * A fire-and-forget emit the server did not confirm within its `timeoutMs` (or refused, or that
   * could not be sent). It may or may not be stored: re-emit it with the same `uid` to be sure.
   * `flush()` also reports them, and `emitCounts.unconfirmed` counts them.
   */
  readonly unconfirmed: UnconfirmedEmit;
}

const EMIT_OPTIONS = ["uid", "traceId", "delayMs", "delayUntil", "meta", "sync", "timeoutMs", "signal"] as const;
const EMIT_OPTION_SET: ReadonlySet<string> = new Set(EMIT_OPTIONS);

/** Options of `emit`. */
export interface EmitOptions {
  /**
   * A unique id: sent as `Nats-Msg-Id`, so the stream drops a second event with the same uid
   * within its duplicate window (2 minutes). @default none (a CloudEvent's id when `meta` is one)
   */
  readonly uid?: string;
  /** A trace id, sent as the `Walnats-Trace` header and shown to middlewares. @default none */
  readonly traceId?: string;
  /**
   * Deliver no earlier than this many milliseconds from now, at most {@link MAX_DELAY_MS}. Sent as
   * integer epoch milliseconds, so publisher and actor agree whatever their time zones. @default none
   */
  readonly delayMs?: number;
  /** Deliver no earlier than this time (instead of `delayMs`). @default none */
  readonly delayUntil?: Date;
  /** Extra headers: a record of strings, or a {@link CloudEvent} sent as `ce-*` headers. @default none */
  readonly meta?: Readonly<Record<string, string>> | CloudEvent;
  /**
   * Wait for the server to store the event (a JetStream publish) and report duplicates. Without
   * it the event is published fire-and-forget: `emit` returns at once and the server's
   * confirmation is awaited in the background; a disconnect can lose the event, and then it is
   * counted (`emitCounts.unconfirmed`), reported by `on("unconfirmed")` and by `flush()`. @default false
   */
  readonly sync?: boolean;
  /**
   * How long to wait for the server's acknowledgement, in ms: a `sync` emit rejects after it; a
   * fire-and-forget one is then reported as unconfirmed. @default {@link DEFAULT_EMIT_TIMEOUT_MS}
   */
  readonly timeoutMs?: number;
  /** With `sync`: stops waiting for the acknowledgement. @default none */
  readonly signal?: AbortSignal;
}

const REQUEST_OPTIONS = ["uid", "traceId", "delayMs", "delayUntil", "meta", "timeoutMs", "signal"] as const;

/** Options of `request`: those of `emit` but `sync` (a request is always stored first). */
export interface RequestOptions extends Omit<EmitOptions, "sync" | "timeoutMs"> {
  /**
   * How long to wait for the response, in ms, from the call (the store and the actor's run
   * included; a delay too). @default {@link DEFAULT_REQUEST_TIMEOUT_MS}
   */
  readonly timeoutMs?: number;
}

/** The outcome of `emit`. */
export interface EmitResult {
  /** True when the server confirmed it stored (or de-duplicated) the event: `sync` emits only. */
  readonly acknowledged: boolean;
  /** True when the server dropped the event as a duplicate of an earlier `uid` (`sync` only). */
  readonly duplicate: boolean;
  /** The event's stream sequence number (`sync` only). */
  readonly seq: number | undefined;
}

/** Fire-and-forget events are handed to the client at the latest when this many bytes wait (its own write threshold is 32 KiB). */
const OUTBOX_CHUNK_BYTES = 64 * 1024;

const NOT_ACKNOWLEDGED: EmitResult = Object.freeze({ acknowledged: false, duplicate: false, seq: undefined });

/** A registry of the events a service emits (walnats' `Events`). */
export interface Events extends Iterable<AnyEvent> {
  /** The events, in declaration order. */
  readonly events: readonly AnyEvent[];
  /** The event with this name, if registered. */
  get(name: string): AnyEvent | undefined;
  /** Connects to NATS. A connection passed in is never closed by us. */
  connect(target?: EventsConnectOptions | NatsConnection): Promise<ConnectedEvents>;
}

/** Creates a registry of events. At least one event is required; names must be unique. */
export function Events(...events: AnyEvent[]): Events {
  if (events.length === 0) throw new InvalidOptionError("events", undefined, "needs at least one event");
  const byName = new Map<string, AnyEvent>();
  for (const event of events) {
    if (!isEvent(event)) throw new InvalidOptionError("events", event, "must be created with Event()");
    if (byName.has(event.name)) throw new InvalidOptionError("events", undefined, `has two events named "${event.name}"`);
    byName.set(event.name, event);
  }
  const list = Object.freeze([...events]);
  return Object.freeze({
    events: list,
    get: (name: string) => byName.get(name),
    [Symbol.iterator]: () => list[Symbol.iterator](),
    async connect(target?: EventsConnectOptions | NatsConnection): Promise<ConnectedEvents> {
      const logger = checkConnectOptions(target, CONNECT_OPTIONS, "Events.connect");
      const emitter = new Emitter<ConnectedEventsEvents>({ logger });
      const onStatus = (status: ConnectionStatus): void => {
        emitter.emit("status", status);
      };
      const { nc, owned, watch, extra: jsm } = await openConnection(target, logger, onStatus, (nc) => jetstreamManager(nc));
      const confirmations = new EmitConfirmations(nc, (emit) => {
        emitter.emit("unconfirmed", emit);
      });
      return new ConnectedEvents(byName, nc, owned, logger, jsm, { watch, confirmations, emitter });
    },
  });
}

/**
 * A connected events registry: registers streams and emits events. Observe it with
 * {@link ConnectedEvents.on}.
 */
export class ConnectedEvents implements AsyncDisposable {
  readonly #events: ReadonlyMap<string, AnyEvent>;
  readonly #owned: boolean;
  readonly #logger: Logger;
  readonly #jsm: JetStreamManager;
  readonly #js: JetStreamClient;
  readonly #watch: ConnectionWatch;
  readonly #confirmations: EmitConfirmations;
  readonly #emitter: Emitter<ConnectedEventsEvents>;
  #closing: Promise<void> | undefined;
  /** Fire-and-forget publishes of the current run of synchronous code and microtasks (see `#publishSoon`). */
  #outbox: { subject: string; data: Uint8Array; headers: MsgHdrs | undefined; reply: string }[] = [];
  #outboxBytes = 0;
  /** A hand-over of the outbox is scheduled (`process.nextTick`). */
  #flushScheduled = false;

  /** The NATS connection in use: the one passed in (never closed by us), or the one we opened. */
  readonly connection: NatsConnection;

  /** @internal Use `Events(...).connect()`. */
  constructor(
    events: ReadonlyMap<string, AnyEvent>,
    connection: NatsConnection,
    owned: boolean,
    logger: Logger,
    jsm: JetStreamManager,
    tracking: {
      readonly watch: ConnectionWatch;
      readonly confirmations: EmitConfirmations;
      readonly emitter: Emitter<ConnectedEventsEvents>;
    },
  ) {
    this.connection = connection;
    this.#events = events;
    this.#owned = owned;
    this.#logger = logger;
    this.#jsm = jsm;
    this.#js = jetstream(connection);
    this.#watch = tracking.watch;
    this.#confirmations = tracking.confirmations;
    this.#emitter = tracking.emitter;
  }

  /**
   * Listens to `status` (the connection's state) or `unconfirmed` (a fire-and-forget emit the
   * server did not confirm); returns a function that removes the listener. A listener that throws
   * is logged and changes nothing.
   */
  on<E extends keyof ConnectedEventsEvents>(event: E, listener: Listener<ConnectedEventsEvents[E]>): Unsubscribe {
    return this.#emitter.on(event, listener);
  }

  /** Fire-and-forget emits since the connection opened: pending, confirmed and unconfirmed. */
  get emitCounts(): EmitCounts {
    return this.#confirmations.counts;
  }

  /**
   * Creates or updates one stream per event, all in parallel, with walnats' outcome matrix
   * (see `registerStream`). Warns (logger and result) about interest streams without actors:
   * events emitted on them now are dropped.
   */
  async register(options: RegisterOptions = {}): Promise<RegisterResult> {
    checkOptionKeys(options, ["create", "update", "signal"], "ConnectedEvents.register");
    checkSignal(options.signal);
    for (const flag of ["create", "update"] as const) {
      if (options[flag] !== undefined && typeof options[flag] !== "boolean")
        throw new InvalidOptionError(flag, options[flag], "must be a boolean");
    }
    this.#assertOpen();
    const events = [...this.#events.values()];
    options.signal?.throwIfAborted();
    const infos = await abortable(Promise.all(events.map((event) => registerStream(this.#jsm, event, options))), options.signal);
    const warnings: string[] = [];
    events.forEach((event, i) => {
      const warning = interestWarning(event, infos[i]);
      if (warning === undefined) return;
      warnings.push(warning);
      this.#logger.warn(
        { event: event.name, stream: event.streamName, warning },
        "interest stream has no actor: events emitted now are dropped",
      );
    });
    return { streams: events.filter((_, i) => infos[i] !== undefined).map((e) => e.streamName), warnings };
  }

  /**
   * Validates, encodes and publishes an event. See {@link EmitOptions} for de-duplication,
   * tracing, delays and the `sync` acknowledgement.
   */
  async emit<T, TInput>(event: Event<T, TInput>, payload: TInput, options: EmitOptions = {}): Promise<EmitResult> {
    this.#assertOpen();
    if (this.#events.get(event.name) === undefined) throw new UnknownEventError(event.name);
    checkEmitOptions(options);
    const { sync = false, timeoutMs = DEFAULT_EMIT_TIMEOUT_MS, signal } = options;
    const delayUntil = delayUntilOf(options);
    const built = buildHeaders({ uid: options.uid, traceId: options.traceId, delayUntilEpochMs: delayUntil, meta: options.meta });
    // The send span's W3C trace context goes into the NATS headers, so the actor continues the trace.
    const { span, headers: record } = startEmitSpan(event.name, built, options.uid);
    try {
      // Fire-and-forget without a schema has nothing to wait for: no promise of its own per event.
      const result =
        !sync && event.schema === undefined
          ? this.#publishLater(event, serialize(event.name, event.serializer, payload), record, timeoutMs)
          : await this.#publish(event, payload, record, sync, timeoutMs, signal);
      endEmitSpan(event.name, span);
      return result;
    } catch (error) {
      endEmitSpan(event.name, span, error);
      throw error;
    }
  }

  async #publish<T, TInput>(
    event: Event<T, TInput>,
    payload: TInput,
    record: Readonly<Record<string, string>> | undefined,
    sync: boolean,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<EmitResult> {
    const data = event.schema === undefined ? serialize(event.name, event.serializer, payload) : await event.encode(payload);
    if (!sync) return this.#publishLater(event, data, record, timeoutMs);
    this.#checkSize(event, data.byteLength + (record === undefined ? 0 : headerBytes(record)));
    const hdrs = record === undefined ? undefined : toMsgHdrs(record);
    signal?.throwIfAborted();
    this.#flushOutbox(); // keep the order: earlier fire-and-forget events go first
    const ack = await abortable(
      this.#js.publish(event.subject, data, hdrs === undefined ? { timeout: timeoutMs } : { timeout: timeoutMs, headers: hdrs }),
      signal,
    );
    if (ack.duplicate) this.#logger.debug({ event: event.name, uid: record?.[HEADER_MSG_ID] }, "duplicate emit dropped by the stream");
    return { acknowledged: true, duplicate: ack.duplicate, seq: ack.seq };
  }

  /** A fire-and-forget emit of encoded `data`: queued for the client, its confirmation expected in the background. */
  #publishLater(event: AnyEvent, data: Uint8Array, record: Readonly<Record<string, string>> | undefined, timeoutMs: number): EmitResult {
    this.#checkSize(event, data.byteLength + (record === undefined ? 0 : headerBytes(record)));
    const hdrs = record === undefined ? undefined : toMsgHdrs(record);
    this.#publishSoon(event.subject, data, hdrs, this.#confirmations.expect(event.name, record?.[HEADER_MSG_ID], timeoutMs));
    return NOT_ACKNOWLEDGED;
  }

  /**
   * A live feed of the registry's events as they are published (walnats' `monitor()`), for
   * debugging: `for await (const seen of events.monitor({ signal })) ...`. It uses plain NATS
   * subscriptions, so it changes no stream or consumer; see {@link monitorEvents}.
   */
  monitor(options: MonitorOptions = {}): EventMonitor {
    this.#assertOpen();
    return monitorEvents(this.connection, [...this.#events.values()], options);
  }

  /**
   * Emits an event made by `withResponse()` and resolves with the first actor's response
   * (walnats' `request`): the event is stored (a JetStream publish) with a `Walnats-Reply` header
   * naming a fresh inbox, and the actor's handler result comes back there after its ack.
   * Rejects with `RequestTimeoutError` after `timeoutMs`, `RequestFailedError` when the actor
   * dead-lettered the event, and `DuplicateRequestError` when the stream already had its `uid`.
   */
  async request<T, TInput, R, RInput>(
    event: EventWithResponse<T, TInput, R, RInput>,
    payload: TInput,
    options: RequestOptions = {},
  ): Promise<R> {
    this.#assertOpen();
    if (this.#events.get(event.name) === undefined) throw new UnknownEventError(event.name);
    checkOptionKeys(options, REQUEST_OPTIONS, "request");
    if (typeof (event as Partial<EventWithResponse>).response?.decode !== "function")
      throw new InvalidOptionError("event", event.name, "must be made by withResponse()");
    const timeoutMs = durationMsOption("timeoutMs", options.timeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, { min: 1 });
    checkSignal(options.signal);
    const deadline = performance.now() + timeoutMs;
    const inbox = createInbox();
    const record = buildHeaders({
      uid: options.uid,
      traceId: options.traceId,
      delayUntilEpochMs: delayUntilOf(options),
      meta: options.meta,
      replyTo: inbox,
    });
    const data = await event.encode(payload);
    this.#checkSize(event, data.byteLength + (record === undefined ? 0 : headerBytes(record)));
    options.signal?.throwIfAborted();
    this.#flushOutbox();
    const responses = new ResponseInbox<R>(this.connection, inbox);
    try {
      const publishing = this.#js.publish(event.subject, data, {
        timeout: timeoutMs,
        ...(record === undefined ? {} : { headers: toMsgHdrs(record) }),
      });
      const ack = await abortable(publishing, options.signal);
      if (ack.duplicate) throw new DuplicateRequestError(event.name, record?.[HEADER_MSG_ID] ?? "");
    } catch (error) {
      responses.close();
      throw error;
    }
    return responses.wait(event.name, event.response, timeoutMs, deadline, options.signal);
  }

  /**
   * Refuses an event the server would reject: with `sync` the caller would get a client error,
   * without it the event would be dropped on the way and nobody would know.
   */
  #checkSize(event: AnyEvent, size: number): void {
    const serverLimit = this.connection.info?.max_payload ?? Number.POSITIVE_INFINITY;
    const limit = Math.min(serverLimit, event.limits.messageSize ?? Number.POSITIVE_INFINITY);
    if (size > limit) throw new PayloadTooLargeError(event.name, size, limit);
  }

  /**
   * Queues a fire-and-forget publish and hands the queue to the client once the running code and
   * its microtasks are done (`process.nextTick` queued from a microtask runs only when the
   * microtask queue is empty). The client writes to the socket once per microtask checkpoint, so a
   * loop of `await emit()` would otherwise cost one socket write per event; and unlike a
   * `setImmediate`, the hand-over does not wait for the event loop's next turn (I/O and timers
   * first), which is latency every event would pay.
   */
  #publishSoon(subject: string, data: Uint8Array, headers: MsgHdrs | undefined, reply: string): void {
    this.#outbox.push({ subject, data, headers, reply });
    this.#outboxBytes += data.byteLength;
    // A long burst is handed over in chunks, so the server stores the first events while the
    // caller still emits the rest instead of waiting for the end of the burst.
    if (this.#outboxBytes >= OUTBOX_CHUNK_BYTES) {
      this.#flushOutbox();
      return;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(this.#flushOutboxSoon);
    }
  }

  readonly #flushOutboxSoon = (): void => {
    this.#flushScheduled = false;
    this.#flushOutbox();
  };

  #flushOutbox(): void {
    const outbox = this.#outbox;
    if (outbox.length === 0) return;
    this.#outbox = [];
    this.#outboxBytes = 0;
    for (const { subject, data, headers, reply } of outbox) {
      try {
        this.connection.publish(subject, data, headers === undefined ? { reply } : { headers, reply });
      } catch (error) {
        // Fire-and-forget: the caller has moved on, so the failure can only be reported.
        const reason = describeValue(error);
        this.#logger.error({ subject, error: reason }, "fire-and-forget emit failed");
        this.#confirmations.fail(reply, reason);
      }
    }
  }

  /**
   * Hands queued fire-and-forget events to the client and waits until the server confirmed or
   * failed each one emitted so far (at most their `timeoutMs`). Rejects with
   * {@link EmitsNotConfirmedError} listing those that were not confirmed since the previous
   * `flush()`; each is then reported once. `signal` stops waiting (with its reason).
   */
  async flush(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    checkOptionKeys(options, ["signal"], "ConnectedEvents.flush");
    checkSignal(options.signal);
    options.signal?.throwIfAborted();
    this.#flushOutbox();
    await this.#confirmations.settled(options.signal);
    options.signal?.throwIfAborted();
    const failures = this.#confirmations.takeFailures();
    if (failures.count > 0) throw new EmitsNotConfirmedError(failures.count, failures.emits);
  }

  /**
   * Hands queued events to the client, waits (at most their `timeoutMs`) for the confirmations of
   * fire-and-forget emits, which are counted and reported as usual, and closes the connection
   * if we opened it. Idempotent; never rejects because of unconfirmed emits.
   */
  async close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#flushOutbox();
      if (!this.connection.isClosed()) await this.#confirmations.settled();
      this.#watch.markClosing();
      this.#confirmations.close();
      if (this.connection.isClosed()) return;
      if (this.#owned) await this.connection.drain();
      else await this.connection.flush();
    })();
    return this.#closing;
  }

  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#watch.lost !== undefined) throw this.#watch.lost;
    if (this.#closing !== undefined || this.connection.isClosed()) throw new ClosedError("the events connection");
  }
}

/**
 * Checks emit's options. Emit is the hot path: a known key costs one set lookup, and only an
 * unknown one goes through `checkOptionKeys` for its error.
 */
function checkEmitOptions(options: EmitOptions): void {
  const raw: unknown = options;
  if (typeof raw !== "object" || raw === null) checkOptionKeys(raw, EMIT_OPTIONS, "emit");
  for (const key in options) if (!EMIT_OPTION_SET.has(key)) checkOptionKeys(options, EMIT_OPTIONS, "emit");
  if (options.timeoutMs !== undefined) durationMsOption("timeoutMs", options.timeoutMs, DEFAULT_EMIT_TIMEOUT_MS, { min: 1 });
  if (options.sync !== undefined && typeof options.sync !== "boolean")
    throw new InvalidOptionError("sync", options.sync, "must be a boolean");
  if (options.signal !== undefined) checkSignal(options.signal);
}

/** The not-before time of `delayMs` or `delayUntil`, in epoch ms (calendar time: it travels to other machines). */
function delayUntilOf(options: Pick<EmitOptions, "delayMs" | "delayUntil">): number | undefined {
  const { delayMs, delayUntil } = options;
  if (delayMs === undefined && delayUntil === undefined) return undefined;
  if (delayMs !== undefined && delayUntil !== undefined)
    throw new InvalidOptionError("delayUntil", delayUntil, "cannot be combined with `delayMs`");
  const now = Date.now();
  let at: number;
  if (delayUntil !== undefined) {
    at = delayUntil instanceof Date ? delayUntil.getTime() : Number.NaN;
    if (Number.isNaN(at)) throw new InvalidOptionError("delayUntil", delayUntil, "must be a valid Date");
    if (at - now > MAX_DELAY_MS)
      throw new InvalidOptionError("delayUntil", delayUntil, `must be at most ${MAX_DELAY_MS} ms (about 285 years) ahead`);
  } else {
    at = now + durationMsOption("delayMs", delayMs, 0, { max: MAX_DELAY_MS });
  }
  return at;
}
