import { type NatsConnection, type NodeConnectionOptions, connect as natsConnect } from "@nats-io/transport-node";
import { checkOptionKeys, InvalidOptionError, type Logger, loggerOption, silentLogger } from "@x/core";
import { abortable } from "./abortable.js";
import { type ConnectionStatus, ConnectionWatch } from "./connection-watch.js";
import { checkSignal } from "./signal.js";

/** The server `connect` uses when none is given and `NATS_SERVER` is not set. */
export const DEFAULT_SERVERS = "nats://127.0.0.1:4222";
/** The environment variable that names the server when `servers` is not given (walnats' own). */
export const SERVERS_ENV = "NATS_SERVER";

/**
 * The servers to use when none are given: `NATS_SERVER` (walnats' variable; a URL, or several
 * separated by commas) when it is set and not empty, else {@link DEFAULT_SERVERS}.
 */
export function defaultServers(env: Readonly<Record<string, string | undefined>> = process.env): string | string[] {
  const value = env[SERVERS_ENV]?.trim();
  if (value === undefined || value === "") return DEFAULT_SERVERS;
  const list = value
    .split(",")
    .map((url) => url.trim())
    .filter((url) => url !== "");
  const [first] = list;
  return list.length === 1 && first !== undefined ? first : list;
}
/**
 * Reconnect attempts before the client gives up, `-1` for no limit. The NATS client's own
 * default (10 attempts, 2 s apart) gave up after about 20 s of outage and left actors idle for good.
 */
export const DEFAULT_MAX_RECONNECT_ATTEMPTS = -1;
/** Pause between reconnect attempts to one server, in ms (plus the client's jitter). */
export const DEFAULT_RECONNECT_TIME_WAIT_MS = 1_000;
/**
 * How often the client pings the server, in ms. The client's own default (2 minutes) left a
 * partition, where the TCP connection stays open but nothing flows, unnoticed for minutes.
 */
export const DEFAULT_PING_INTERVAL_MS = 2_000;
/**
 * Unanswered pings before the connection is declared stale and replaced: a partition is
 * noticed between `maxPingOut` and `maxPingOut + 1` ping intervals after it began.
 */
export const DEFAULT_MAX_PING_OUT = 2;

/** Options of `Events.connect` and `Actors.connect`. */
export interface ConnectOptions {
  /**
   * NATS server URL(s). Ignored when `connection` is given.
   * @default the `NATS_SERVER` environment variable (walnats'), else {@link DEFAULT_SERVERS}
   */
  readonly servers?: string | readonly string[];
  /**
   * An already open connection to use. It is never closed by us: `close()` leaves it open.
   * @default none (a connection is opened, and closed by `close()`)
   */
  readonly connection?: NatsConnection;
  /**
   * Further options for the connection we open (name, auth, TLS, ...). The four options below
   * take precedence over their counterparts here when both are given. @default {}
   */
  readonly nats?: Omit<NodeConnectionOptions, "servers">;
  /**
   * How many times the connection we open tries to reconnect after losing the server, `-1` for
   * no limit. When a limit runs out the connection closes for good: `listen()` rejects and
   * `emit()` throws with `ConnectionLostError`. Ignored for a connection passed in.
   * @default {@link DEFAULT_MAX_RECONNECT_ATTEMPTS} (no limit)
   */
  readonly maxReconnectAttempts?: number;
  /** Pause between reconnect attempts, in ms. Ignored for a connection passed in. @default {@link DEFAULT_RECONNECT_TIME_WAIT_MS} */
  readonly reconnectTimeWaitMs?: number;
  /** How often to ping the server, in ms. Ignored for a connection passed in. @default {@link DEFAULT_PING_INTERVAL_MS} */
  readonly pingIntervalMs?: number;
  /** Unanswered pings before the connection is replaced. Ignored for a connection passed in. @default {@link DEFAULT_MAX_PING_OUT} */
  readonly maxPingOut?: number;
  /** Where warnings and errors go (`@x/core`'s `Logger`: pino or console fit); the library never prints. @default silent */
  readonly logger?: Logger;
  /**
   * Stops waiting for the connection (a server that is down makes the client retry). A
   * connection opened meanwhile is closed again. @default none
   */
  readonly signal?: AbortSignal;
}

/** The keys of {@link ConnectOptions}, for the option checks of both `connect`s. */
export const CONNECT_OPTIONS: readonly string[] = [
  "servers",
  "connection",
  "nats",
  "maxReconnectAttempts",
  "reconnectTimeWaitMs",
  "pingIntervalMs",
  "maxPingOut",
  "logger",
  "signal",
];

/** `connect`'s argument: options, or an open connection (shorthand for `{ connection }`). */
export type ConnectTarget = ConnectOptions | NatsConnection;

/** An open connection and whether we own (and so must close) it. */
export interface OpenedConnection {
  readonly nc: NatsConnection;
  readonly owned: boolean;
  readonly logger: Logger;
  /** Follows the connection's status; tells when it is down or closed for good. */
  readonly watch: ConnectionWatch;
}

/** True for an open NATS connection object (as opposed to connect options). */
export function isConnection(value: unknown): value is NatsConnection {
  const candidate = value as Partial<NatsConnection> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.publish === "function" &&
    typeof candidate.request === "function" &&
    typeof candidate.close === "function"
  );
}

/**
 * Checks the options of a `connect` (`factory` names it in errors; `known` are its keys) before
 * anything is opened, and returns the logger.
 */
export function checkConnectOptions(target: ConnectTarget | undefined, known: readonly string[], factory: string): Logger {
  if (target === undefined || isConnection(target)) return silentLogger;
  checkOptionKeys(target, known, factory);
  return loggerOption(target.logger);
}

/**
 * Opens (or adopts) the connection described by a {@link ConnectTarget}, then runs `setUp` on
 * it (e.g. creating the JetStream manager). When the signal aborts or `setUp` fails, a
 * connection we opened is closed again, so nothing is left behind. `onStatus` gets every change
 * of the connection's state, from the moment `connect` resolves: nothing happens to a connection
 * before that which a caller could miss (the first connect either succeeds or throws).
 */
export async function openConnection<T>(
  target: ConnectTarget | undefined,
  logger: Logger,
  onStatus: (status: ConnectionStatus) => void,
  setUp: (nc: NatsConnection) => Promise<T>,
): Promise<OpenedConnection & { readonly extra: T }> {
  const opened = await adopt(target ?? {}, logger);
  try {
    const extra = await abortable(setUp(opened.nc), opened.signal);
    return { ...opened, extra, watch: new ConnectionWatch(opened.nc, opened.logger, onStatus) };
  } catch (error) {
    if (opened.owned) await opened.nc.close().catch(() => undefined);
    throw error;
  }
}

/** The client options our own connection gets: our defaults, then `nats`, then the named options. */
export function clientOptions(target: ConnectOptions, servers: string[]): NodeConnectionOptions {
  const named = (option: string, value: number | undefined, min: number): number | undefined => {
    if (value !== undefined && (typeof value !== "number" || !Number.isInteger(value) || value < min)) {
      throw new InvalidOptionError(option, value, `must be an integer of at least ${min}`);
    }
    return value;
  };
  const maxReconnectAttempts = named("maxReconnectAttempts", target.maxReconnectAttempts, -1);
  const reconnectTimeWait = named("reconnectTimeWaitMs", target.reconnectTimeWaitMs, 0);
  const pingInterval = named("pingIntervalMs", target.pingIntervalMs, 1);
  const maxPingOut = named("maxPingOut", target.maxPingOut, 1);
  return {
    maxReconnectAttempts: DEFAULT_MAX_RECONNECT_ATTEMPTS,
    reconnectTimeWait: DEFAULT_RECONNECT_TIME_WAIT_MS,
    pingInterval: DEFAULT_PING_INTERVAL_MS,
    maxPingOut: DEFAULT_MAX_PING_OUT,
    ...target.nats,
    ...(maxReconnectAttempts === undefined ? {} : { maxReconnectAttempts }),
    ...(reconnectTimeWait === undefined ? {} : { reconnectTimeWait }),
    ...(pingInterval === undefined ? {} : { pingInterval }),
    ...(maxPingOut === undefined ? {} : { maxPingOut }),
    servers,
  };
}

async function adopt(
  target: ConnectTarget,
  logger: Logger,
): Promise<Omit<OpenedConnection, "watch"> & { readonly signal: AbortSignal | undefined }> {
  if (isConnection(target)) return { nc: target, owned: false, logger, signal: undefined };
  const { signal } = target;
  checkSignal(signal);
  signal?.throwIfAborted();
  if (target.connection !== undefined) {
    if (!isConnection(target.connection)) throw new InvalidOptionError("connection", target.connection, "must be a NatsConnection");
    return { nc: target.connection, owned: false, logger, signal };
  }
  const servers = target.servers ?? defaultServers();
  const list: unknown[] = typeof servers === "string" ? [servers] : Array.isArray(servers) ? [...(servers as unknown[])] : [];
  if (list.length === 0 || list.some((s) => typeof s !== "string" || s === "")) {
    throw new InvalidOptionError("servers", servers, "must be a non-empty URL or list of URLs");
  }
  const connecting = natsConnect(clientOptions(target, list as string[]));
  try {
    return { nc: await abortable(connecting, signal), owned: true, logger, signal };
  } catch (error) {
    // Aborted while the client was still trying: close whatever it opens later.
    void connecting.then(
      (nc) => nc.close(),
      () => undefined,
    );
    throw error;
  }
}
