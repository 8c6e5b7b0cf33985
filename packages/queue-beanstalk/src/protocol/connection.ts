import { type Logger, sleep, systemTime } from "@x/core";
import { ConnectionError, TimeoutError } from "@x/message";
import { type BackoffOptions, reconnectDelay } from "./backoff.js";
import { Session } from "./session.js";

/** What a {@link Connection} reports about itself, by event name (the queue's events of the same names). */
export interface ConnectionEvents {
  /** A socket was (re)connected and its `use`/`watch` commands re-issued. */
  readonly connect: { readonly connection: string; readonly generation: number };
  /** A socket was lost. Jobs it had reserved are ready again on the server. */
  readonly disconnect: { readonly connection: string; readonly error: Error };
  /** A connect attempt failed; the next one follows after `delayMs`. */
  readonly reconnecting: {
    readonly connection: string;
    readonly attempt: number;
    readonly delayMs: number;
    readonly error: Error;
  };
}

/** Where a connection's events go: the queue's `Emitter`. */
export interface ConnectionEventSink {
  emit<E extends keyof ConnectionEvents>(event: E, payload: ConnectionEvents[E]): void;
}

/** Options for {@link Connection}. */
export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** Name in events and errors, e.g. `producer` or `reserver-3`. */
  readonly label: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly backoff: BackoffOptions;
  /** Commands every new socket runs before it is handed out (`use`, `watch`, `ignore`). */
  readonly setup: (session: Session) => Promise<void>;
  /** Receives `connect`, `disconnect` and `reconnecting`. */
  readonly events: ConnectionEventSink;
  readonly logger: Logger;
  /** For jitter; tests pass their own. @default Math.random */
  readonly random?: () => number;
}

/** Thrown by {@link Connection.ready} once the connection was closed for good. */
export class ConnectionClosedError extends ConnectionError {
  constructor(label: string) {
    super(`connection ${label} was closed`);
  }
}

/**
 * One logical connection to beanstalkd that survives socket losses: whoever needs it calls
 * {@link ready}, which reconnects with exponential backoff and re-issues the setup commands
 * (`use`/`watch`) on every new socket. Connecting is lazy: attempts run only while somebody waits.
 */
export class Connection {
  readonly label: string;
  readonly #options: ConnectionOptions;
  #session: Session | undefined;
  #connecting: Promise<Session> | undefined;
  #waiters = 0;
  #generation = 0;
  #closed = false;
  #lastError: Error | undefined;
  /** Aborted by close() and end(), to cut a reconnect delay short. */
  readonly #stop = new AbortController();
  /**
   * Rejects on `close()`, so that waiters stop at once. A promise rather than an AbortSignal: a
   * burst of calls waiting for the first connect would add a listener each (and Node warns
   * about more than ten).
   */
  readonly #closing: Promise<never>;
  #rejectClosing!: (error: Error) => void;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.label = options.label;
    this.#closing = new Promise<never>((_resolve, reject) => {
      this.#rejectClosing = reject;
    });
    // Only waiters observe it.
    this.#closing.catch(() => undefined);
  }

  /** The open socket, if any. */
  get current(): Session | undefined {
    return this.#session?.isOpen === true ? this.#session : undefined;
  }

  /** Counts successful connects; changes whenever a new socket replaced the old one. */
  get generation(): number {
    return this.#generation;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Whether connect attempts are running (they run only while somebody waits in {@link ready}). */
  get isConnecting(): boolean {
    return this.#connecting !== undefined;
  }

  /**
   * The open socket, connecting first if needed. Rejects with `ConnectionError` (naming the last
   * failure) when `deadline` (`systemTime.now()` ms) passes first, with the signal's reason on
   * abort, and with {@link ConnectionClosedError} after {@link close}.
   */
  async ready(deadline: number, signal?: AbortSignal): Promise<Session> {
    if (this.#closed) throw new ConnectionClosedError(this.label);
    const open = this.current;
    if (open) return open;
    signal?.throwIfAborted();
    if (!this.#connecting) {
      const attempt = this.#connectLoop();
      // Nobody may be waiting when it fails; the failure is reported to the waiters it had.
      attempt.catch(() => undefined);
      this.#connecting = attempt;
    }
    this.#waiters++;
    // Ends the deadline's timer once the wait is over; the caller's signal aborts it too.
    const done = new AbortController();
    const stop = signal === undefined ? done.signal : AbortSignal.any([signal, done.signal]);
    const timeUp = sleep(deadline - systemTime.now(), stop).then(() => {
      throw this.#noConnection();
    });
    try {
      return await Promise.race([this.#connecting, this.#closing, timeUp]);
    } finally {
      this.#waiters--;
      done.abort();
      // It rejects with the abort just made (or lost the race); nobody else awaits it.
      timeUp.catch(() => undefined);
    }
  }

  #noConnection(): ConnectionError {
    const last = this.#lastError;
    const why = last ? `: ${last.message}` : "";
    return new ConnectionError(`no connection to beanstalkd at ${this.#address()} (${this.label})${why}`, { cause: last });
  }

  /** Closes the current socket (its reserved jobs go back to ready); the next `ready` reconnects. */
  drop(reason: Error): void {
    this.#session?.destroy(reason);
  }

  /** Closes for good, at once: pending commands reject with `ConnectionError`. */
  close(): void {
    this.#closed = true;
    this.#rejectClosing(new ConnectionClosedError(this.label));
    this.#stop.abort();
    this.#session?.destroy(new ConnectionClosedError(this.label));
  }

  /** Closes for good after the pending replies came (at most `timeoutMs`). */
  async end(timeoutMs: number): Promise<void> {
    this.#closed = true;
    this.#rejectClosing(new ConnectionClosedError(this.label));
    this.#stop.abort();
    await this.#session?.end(timeoutMs);
  }

  #address(): string {
    return `${this.#options.host}:${this.#options.port}`;
  }

  async #connectLoop(): Promise<Session> {
    const options = this.#options;
    try {
      for (let attempt = 1; ; attempt++) {
        if (this.#closed) throw new ConnectionClosedError(this.label);
        try {
          return await this.#connectOnce();
        } catch (err) {
          if (this.isClosed) throw new ConnectionClosedError(this.label);
          const error = err instanceof Error ? err : new Error(String(err));
          this.#lastError = error;
          if (this.#waiters === 0) throw error;
          const delayMs = reconnectDelay(attempt, options.backoff, options.random);
          options.logger.warn({ connection: this.label, attempt, delayMs, error }, "beanstalkd connect failed, retrying");
          options.events.emit("reconnecting", { connection: this.label, attempt, delayMs, error });
          // close() cuts the delay short; the loop then ends at its check of #closed.
          await sleep(delayMs, this.#stop.signal).catch(() => undefined);
          if (this.#waiters === 0) throw error;
        }
      }
    } finally {
      this.#connecting = undefined;
    }
  }

  async #connectOnce(): Promise<Session> {
    const options = this.#options;
    const started = systemTime.now();
    const session = await Session.open(options.host, options.port, options);
    // The setup commands are part of connecting: a server (or a stalled link) that accepts the
    // socket but never answers must fail the attempt within connectTimeoutMs, like one that
    // never accepts, rather than after commandTimeoutMs.
    const handshake = setTimeout(
      () => {
        session.destroy(
          new TimeoutError(`no answer from beanstalkd at ${this.#address()} to the connection setup within ${options.connectTimeoutMs} ms`),
        );
      },
      Math.max(0, started + options.connectTimeoutMs - systemTime.now()),
    );
    try {
      await options.setup(session);
    } catch (err) {
      session.destroy(err instanceof Error ? err : undefined);
      throw err;
    } finally {
      clearTimeout(handshake);
    }
    if (this.#closed) {
      session.destroy(new ConnectionClosedError(this.label));
      throw new ConnectionClosedError(this.label);
    }
    this.#session = session;
    const generation = ++this.#generation;
    void session.closed.then((reason) => {
      if (this.#session !== session) return;
      this.#session = undefined;
      if (this.#closed) return;
      options.logger.warn({ connection: this.label, error: reason }, "beanstalkd connection lost");
      options.events.emit("disconnect", { connection: this.label, error: reason });
    });
    options.logger.debug({ connection: this.label, generation }, "beanstalkd connected");
    options.events.emit("connect", { connection: this.label, generation });
    return session;
  }
}
