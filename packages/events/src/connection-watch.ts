import type { NatsConnection, Status } from "@nats-io/transport-node";
import { describeValue, type Logger } from "@x/core";
import { ConnectionLostError } from "./errors.js";

/** What happened to the connection (see {@link ConnectionStatus}). */
export type ConnectionStatusType =
  /** The connection to the server was lost; the client is reconnecting. */
  | "disconnected"
  /** One reconnect attempt is starting. */
  | "reconnecting"
  /** The client reconnected; fetching and emitting go on. */
  | "reconnected"
  /** The server stopped answering pings (a partition): the connection is replaced. */
  | "stale"
  /** The connection closed for good (not by `close()`); `error` says why. */
  | "closed";

/** A change of the connection's state, as reported by `on("status")`. */
export interface ConnectionStatus {
  readonly type: ConnectionStatusType;
  /** When it was noticed, epoch ms. */
  readonly at: number;
  /** The server concerned, when the client names one. */
  readonly server?: string;
  /** With `closed`: the error `listen()` rejects and `emit()` throws with. */
  readonly error?: ConnectionLostError;
}

/** The part of a NATS connection the watch needs (a fake in unit tests). */
export type WatchedConnection = Pick<NatsConnection, "status" | "closed" | "isClosed">;

/**
 * Follows one connection's status: whether it is up, and whether it closed for good without us
 * closing it. Callers wait on it instead of polling a dead connection, and a connection that
 * closed for good turns into a {@link ConnectionLostError} instead of an idle, silent process.
 */
export class ConnectionWatch {
  readonly #logger: Logger;
  readonly #onStatus: (status: ConnectionStatus) => void;
  /** Resolved (and dropped) when the connection is back, closed for good, or closing. */
  #up: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined;
  readonly #lostListeners = new Set<(error: ConnectionLostError) => void>();
  #connected = true;
  #closing = false;
  #lost: ConnectionLostError | undefined;

  /** `onStatus` gets every change (the owner's emitter; it must not throw). */
  constructor(nc: WatchedConnection, logger: Logger, onStatus: (status: ConnectionStatus) => void = () => undefined) {
    this.#logger = logger;
    this.#onStatus = onStatus;
    void this.#follow(nc);
    void nc.closed().then(
      (error) => {
        this.#closed(error);
      },
      (error: unknown) => {
        this.#closed(error);
      },
    );
  }

  /** False between a disconnect and the next reconnect, and after the connection closed. */
  get connected(): boolean {
    return this.#connected && this.#lost === undefined;
  }

  /** Why the connection closed for good, once it did (not set by our own `close()`). */
  get lost(): ConnectionLostError | undefined {
    return this.#lost;
  }

  /** Our own `close()` is closing the connection: that is not a loss. */
  markClosing(): void {
    this.#closing = true;
    this.#wake();
  }

  /** Calls `listener` once if the connection closes for good; returns a function that removes it. */
  onLost(listener: (error: ConnectionLostError) => void): () => void {
    if (this.#lost !== undefined) {
      listener(this.#lost);
      return () => undefined;
    }
    this.#lostListeners.add(listener);
    return () => this.#lostListeners.delete(listener);
  }

  /**
   * Resolves when the connection is up again, closed for good, or being closed by us. One
   * promise is shared by every caller (many fetches wait at once during an outage), so callers
   * race it with their own stop signal.
   */
  untilConnected(): Promise<void> {
    if (this.connected || this.#closing || this.#lost !== undefined) return Promise.resolve();
    if (this.#up === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#up = { promise, resolve };
    }
    return this.#up.promise;
  }

  /** Handles one status of the client; public for unit tests with fake statuses. */
  handle(status: Status): void {
    switch (status.type) {
      case "disconnect":
        this.#connected = false;
        if (!this.#closing) this.#logger.warn({ server: status.server }, "lost the NATS connection; reconnecting");
        this.#report({ type: "disconnected", server: status.server });
        break;
      case "reconnecting":
        this.#report({ type: "reconnecting" });
        break;
      case "reconnect":
        this.#connected = true;
        this.#logger.info({ server: status.server }, "reconnected to NATS");
        this.#report({ type: "reconnected", server: status.server });
        this.#wake();
        break;
      case "staleConnection":
        this.#logger.warn({}, "the NATS server stopped answering pings; replacing the connection");
        this.#report({ type: "stale" });
        break;
      default:
        break;
    }
  }

  async #follow(nc: WatchedConnection): Promise<void> {
    try {
      for await (const status of nc.status()) this.handle(status);
    } catch (error) {
      this.#logger.debug({ error: describeValue(error) }, "connection status stream ended");
    }
  }

  #closed(error: unknown): void {
    this.#connected = false;
    if (this.#closing || this.#lost !== undefined) {
      this.#wake();
      return;
    }
    const reason =
      error instanceof Error ? describeValue(error) : "the client gave up reconnecting, or the connection was closed by its owner";
    const lost = new ConnectionLostError(reason, error instanceof Error ? { cause: error } : undefined);
    this.#lost = lost;
    this.#logger.error({ error: reason }, "the NATS connection closed for good");
    this.#report({ type: "closed", error: lost });
    for (const listener of [...this.#lostListeners]) listener(lost);
    this.#lostListeners.clear();
    this.#wake();
  }

  #report(status: Omit<ConnectionStatus, "at">): void {
    this.#onStatus(Object.freeze({ ...status, at: Date.now() }));
  }

  #wake(): void {
    this.#up?.resolve();
    this.#up = undefined;
  }
}
