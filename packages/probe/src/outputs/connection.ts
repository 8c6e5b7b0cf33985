import { connect, type Socket } from "node:net";
import { checkOptionKeys, durationMsOption, type Observable } from "@x/core";
import { type Backoff, type BackoffOptions, backoffDelay, resolveBackoff } from "../backoff.js";
import { OutputError } from "../errors.js";
import { BoundedQueue } from "../internal/bounded-queue.js";
import { functionOption, numberOption, portOption, stringOption } from "../internal/options.js";
import { RateLimit } from "../internal/rate-limit.js";
import type { ProbeMessage } from "../message/types.js";
import { observeSpool } from "../telemetry.js";
import { BaseOutput, DEFAULT_WARN_INTERVAL_MS, OUTPUT_OPTION_KEYS, type OutputOptions } from "./base-output.js";
import type { Output } from "./output.js";

/** Bytes of lines kept while the destination is down, by default: 20 MiB (DumbProbe's bound). */
export const DEFAULT_SPOOL_BYTES = 20 * 1024 * 1024;
/** Time allowed for a connection attempt, by default: 5 s (DumbProbe's). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Reconnect backoff by default: 500 ms, doubling up to 30 s, ±20 %. */
export const DEFAULT_RECONNECT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 };
/** TCP keepalive idle time (DumbProbe sets 30 s on Linux). */
const KEEPALIVE_MS = 30_000;

/** Options shared by {@link tcpOutput} and {@link unixOutput}. */
export interface ConnectionOutputOptions extends OutputOptions {
  /** Bytes of lines kept while disconnected; beyond it the oldest are dropped and counted. @default DEFAULT_SPOOL_BYTES */
  readonly spoolBytes?: number;
  /** Time allowed for one connection attempt (ms). @default DEFAULT_CONNECT_TIMEOUT_MS */
  readonly connectTimeoutMs?: number;
  /** Backoff between reconnection attempts. @default DEFAULT_RECONNECT_BACKOFF */
  readonly reconnect?: BackoffOptions;
  /** Random numbers in [0, 1) for the backoff jitter. @default Math.random */
  readonly random?: () => number;
}

/** Options for {@link tcpOutput}. */
export interface TcpOutputOptions extends ConnectionOutputOptions {
  /** Host name or IP address of the collector. Required. */
  readonly host: string;
  /** TCP port of the collector, 1-65535. Required. */
  readonly port: number;
}

/** Options for {@link unixOutput}. */
export interface UnixOutputOptions extends ConnectionOutputOptions {
  /** Path of a unix stream socket. */
  readonly path: string;
}

/** Events of a {@link ConnectionOutput}, observed with `output.on(event, listener)`. */
export interface ConnectionOutputEvents {
  /** Connected (first time or again). */
  connected: undefined;
  /** The connection was lost or an attempt failed; `error` says why, when known. */
  disconnected: { readonly error: Error | undefined };
  /** Spooled lines were dropped to stay within `spoolBytes`. */
  dropped: { readonly count: number };
}

/** The option keys of {@link tcpOutput} and {@link unixOutput} besides the target. */
export const CONNECTION_OPTION_KEYS = [...OUTPUT_OPTION_KEYS, "spoolBytes", "connectTimeoutMs", "reconnect", "random"] as const;

/** A TCP or unix socket output: an {@link Output} that spools while disconnected and reports its connection. */
export interface ConnectionOutput extends Output, Observable<ConnectionOutputEvents> {
  /** Whether a connection is up right now. */
  readonly connected: boolean;
}

type Target = { readonly host: string; readonly port: number } | { readonly path: string };

/**
 * A stream connection that never loses what it can keep: lines are spooled in memory (FIFO, up to
 * `spoolBytes`, dropping the oldest with a count) while the peer is down, a reconnect runs in the
 * background with backoff (sending never blocks), and on reconnect the spool drains at once
 * instead of waiting for the next message. Writes follow socket backpressure; a line whose write
 * did not complete goes back to the front of the spool. Lines already handed to the kernel when a
 * peer vanishes can still be lost: TCP gives no delivery receipt.
 */
class SpoolingConnectionOutput extends BaseOutput<ConnectionOutputEvents> implements ConnectionOutput {
  readonly #target: Target;
  readonly #spool: BoundedQueue<Buffer>;
  readonly #spoolBytes: number;
  readonly #connectTimeoutMs: number;
  readonly #backoff: Backoff;
  readonly #random: () => number;
  readonly #reconnectWarn: RateLimit;

  #socket: Socket | undefined;
  #connected = false;
  #connecting = false;
  #everConnected = false;
  #failures = 0;
  #retryTimer: unknown;
  #waitingDrain = false;
  /** Lines written to the current socket whose write has not completed yet, oldest first. */
  #inFlight: Buffer[] = [];
  #droppedSinceWarn = 0;
  readonly #stopObserving: () => void;

  constructor(target: Target, options: ConnectionOutputOptions = {}) {
    super(
      "path" in target
        ? `unix-stream:${target.path}`
        : `tcp:${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port}`,
      options,
    );
    this.#target = target;
    this.#spoolBytes = numberOption("spoolBytes", options.spoolBytes, DEFAULT_SPOOL_BYTES, 1);
    this.#spool = new BoundedQueue<Buffer>(this.#spoolBytes, (line) => line.length);
    this.#connectTimeoutMs = durationMsOption("connectTimeoutMs", options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, { min: 1 });
    this.#backoff = resolveBackoff("reconnect", options.reconnect, DEFAULT_RECONNECT_BACKOFF);
    this.#random = functionOption("random", options.random, Math.random);
    this.#reconnectWarn = new RateLimit(this.time, durationMsOption("warnIntervalMs", options.warnIntervalMs, DEFAULT_WARN_INTERVAL_MS));
    this.#stopObserving = observeSpool(this, this.name, (output) => output.pendingCount());
  }

  /** Whether a connection is up right now. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Resolves when the spool is empty and every write completed; starts a connection attempt if one is due. */
  override async flush(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    if (!this.#connected && this.#spool.length > 0) this.#connect();
    return super.flush(options);
  }

  protected deliver(_message: ProbeMessage, json: string): void {
    const line = Buffer.from(`${json}\n`, "utf8");
    if (line.length > this.#spoolBytes) {
      this.countDropped(1, new OutputError(`dropped a ${line.length}-byte message larger than the spool (${this.#spoolBytes} bytes)`));
      return;
    }
    this.#dropOldest(this.#spool.push(line));
    if (this.#connected) this.#drain();
    else this.#connect();
  }

  protected override idle(): boolean {
    return this.#spool.length === 0 && this.#inFlight.length === 0;
  }

  protected override pendingCount(): number {
    return this.#spool.length + this.#inFlight.length;
  }

  protected async shutdown(): Promise<void> {
    this.#stopObserving();
    if (this.#retryTimer !== undefined) this.time.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const socket = this.#socket;
    if (socket !== undefined && this.#connected) {
      // Let the writes already in the socket finish, then close our side.
      await new Promise<void>((resolve) => {
        socket.once("close", () => {
          resolve();
        });
        socket.end();
        const timer = setTimeout(() => socket.destroy(), this.#connectTimeoutMs);
        socket.once("close", () => {
          clearTimeout(timer);
        });
      });
    } else {
      socket?.destroy();
    }
    const left = this.#spool.clear() + this.#inFlight.length;
    this.#inFlight = [];
    if (left > 0) {
      this.countDropped(left);
      this.logger.warn({ output: this.name, undelivered: left }, "closed with undelivered messages");
    }
    this.pending.check(() => true);
  }

  /** Counts spooled lines dropped to stay within the bound; the warning says how many since the last one. */
  #dropOldest(count: number): void {
    if (count === 0) return;
    this.countDropped(count);
    this.#droppedSinceWarn += count;
    this.events.emit("dropped", { count });
    if (this.warnLimited({ dropped: this.#droppedSinceWarn }, "dropped pending messages")) this.#droppedSinceWarn = 0;
  }

  #connect(): void {
    if (this.closed || this.#connected || this.#connecting || this.#retryTimer !== undefined) return;
    this.#connecting = true;
    const socket =
      "path" in this.#target ? connect({ path: this.#target.path }) : connect({ host: this.#target.host, port: this.#target.port });
    this.#socket = socket;
    const timeout = this.time.setTimeout(() => {
      socket.destroy(new OutputError(`connect timed out after ${this.#connectTimeoutMs} ms`));
    }, this.#connectTimeoutMs);
    let lastError: Error | undefined;
    socket.on("error", (error) => {
      lastError = error;
    });
    socket.once("connect", () => {
      this.time.clearTimeout(timeout);
      this.#onConnect(socket);
    });
    socket.on("drain", () => {
      this.#waitingDrain = false;
      this.#drain();
    });
    // The peer never sends anything; reading keeps the socket flowing so 'end' (peer gone) is seen.
    socket.resume();
    socket.once("close", () => {
      this.time.clearTimeout(timeout);
      this.#onClose(socket, lastError);
    });
  }

  #onConnect(socket: Socket): void {
    this.#connecting = false;
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.#connected = true;
    this.#failures = 0;
    if ("host" in this.#target) socket.setKeepAlive(true, KEEPALIVE_MS);
    socket.setNoDelay(true);
    this.logger.info({ output: this.name }, this.#everConnected ? "reconnected" : "connected");
    this.#everConnected = true;
    this.events.emit("connected", undefined);
    const backlog = this.#spool.length;
    this.#drain();
    if (backlog > 0)
      this.logger.info({ output: this.name, sent: backlog - this.#spool.length, left: this.#spool.length }, "sent pending messages");
  }

  #onClose(socket: Socket, error: Error | undefined): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    this.#waitingDrain = false;
    const wasConnected = this.#connected;
    this.#connected = false;
    this.#connecting = false;
    // Writes that never completed go back to the front of the spool, in order.
    const unfinished = this.#inFlight;
    this.#inFlight = [];
    this.#dropOldest(this.#spool.unshift(unfinished));
    if (this.closed) return;
    this.events.emit("disconnected", { error });
    this.#failures++;
    const delay = backoffDelay(this.#backoff, this.#failures, this.#random);
    if (wasConnected) {
      this.logger.warn({ output: this.name, error, reconnectInMs: delay }, "lost connection");
    } else if (this.#reconnectWarn.allow()) {
      this.logger.warn({ output: this.name, error: error ?? "connection closed", reconnectInMs: delay }, "reconnecting failed");
    }
    this.#retryTimer = this.time.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#connect();
    }, delay);
  }

  /** Writes spooled lines until the socket pushes back; resumes on 'drain'. */
  #drain(): void {
    const socket = this.#socket;
    if (socket === undefined || !this.#connected || this.#waitingDrain) return;
    for (let line = this.#spool.shift(); line !== undefined; line = this.#spool.shift()) {
      this.#inFlight.push(line);
      this.pending.add();
      const ok = socket.write(line, (error) => {
        if (socket === this.#socket && error == null) this.#confirm(line);
        this.pending.done();
      });
      if (!ok) {
        this.#waitingDrain = true;
        return;
      }
    }
  }

  #confirm(line: Buffer): void {
    // Writes complete in order, so the confirmed line is the oldest in flight.
    if (this.#inFlight[0] === line) this.#inFlight.shift();
    else {
      const i = this.#inFlight.indexOf(line);
      if (i >= 0) this.#inFlight.splice(i, 1);
    }
    this.countSent();
  }
}

/**
 * An output to `host:port` over TCP, spooling while the peer is down.
 *
 * @example
 * ```ts
 * const output = tcpOutput({ host: "127.0.0.1", port: 5000 });
 * ```
 */
export function tcpOutput(options: TcpOutputOptions): ConnectionOutput {
  checkOptionKeys(options, ["host", "port", ...CONNECTION_OPTION_KEYS], "tcpOutput");
  const { host, port } = (options as Partial<TcpOutputOptions> | undefined) ?? {};
  return new SpoolingConnectionOutput({ host: stringOption("host", host), port: portOption("port", port) }, options);
}

/**
 * An output to a unix stream socket (`unix-stream:PATH`), spooling while nobody listens. A
 * datagram socket at the path (DumbProbe's `unix:PATH`, seismometer's unix input) refuses the
 * connection with `EPROTOTYPE`: Node has no unix datagram sockets.
 *
 * @example
 * ```ts
 * const output = unixOutput({ path: "/run/collector.sock" });
 * ```
 */
export function unixOutput(options: UnixOutputOptions): ConnectionOutput {
  checkOptionKeys(options, ["path", ...CONNECTION_OPTION_KEYS], "unixOutput");
  return new SpoolingConnectionOutput({ path: stringOption("path", (options as Partial<UnixOutputOptions> | undefined)?.path) }, options);
}
