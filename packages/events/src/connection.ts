import { connect as natsConnect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import { abortable } from "./abortable.js";
import { InvalidOptionError } from "./errors.js";
import { silentLogger, type Logger } from "./logger.js";

/** The server `connect` uses when none is given. */
export const DEFAULT_SERVERS = "nats://127.0.0.1:4222";

/** Options of `Events.connect` and `Actors.connect`. */
export interface ConnectOptions {
  /** NATS server URL(s). Ignored when `connection` is given. @default {@link DEFAULT_SERVERS} */
  readonly servers?: string | readonly string[];
  /**
   * An already open connection to use. It is never closed by us: `close()` leaves it open.
   * @default none (a connection is opened, and closed by `close()`)
   */
  readonly connection?: NatsConnection;
  /** Further options for the connection we open (name, auth, reconnect, ...). @default {} */
  readonly nats?: Omit<NodeConnectionOptions, "servers">;
  /** Where warnings and errors go; the library never prints. @default a silent logger */
  readonly logger?: Logger;
  /**
   * Stops waiting for the connection (a server that is down makes the client retry). A
   * connection opened meanwhile is closed again. @default none
   */
  readonly signal?: AbortSignal;
}

/** `connect`'s argument: options, or an open connection (shorthand for `{ connection }`). */
export type ConnectTarget = ConnectOptions | NatsConnection;

/** An open connection and whether we own (and so must close) it. */
export interface OpenedConnection {
  readonly nc: NatsConnection;
  readonly owned: boolean;
  readonly logger: Logger;
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

const LOGGER_METHODS = ["debug", "info", "warn", "error"] as const;

function validLogger(logger: unknown): Logger {
  const candidate = logger as Partial<Record<(typeof LOGGER_METHODS)[number], unknown>> | null;
  if (typeof candidate !== "object" || candidate === null || LOGGER_METHODS.some((m) => typeof candidate[m] !== "function")) {
    throw new InvalidOptionError("logger", "must have debug, info, warn and error methods");
  }
  return logger as Logger;
}

/**
 * Opens (or adopts) the connection described by a {@link ConnectTarget}, then runs `setUp` on
 * it (e.g. creating the JetStream manager). When the signal aborts or `setUp` fails, a
 * connection we opened is closed again, so nothing is left behind.
 */
export async function openConnection<T>(
  target: ConnectTarget | undefined,
  setUp: (nc: NatsConnection) => Promise<T>,
): Promise<OpenedConnection & { readonly extra: T }> {
  const opened = await adopt(target ?? {});
  try {
    const extra = await abortable(setUp(opened.nc), opened.signal);
    return { ...opened, extra };
  } catch (error) {
    if (opened.owned) await opened.nc.close().catch(() => undefined);
    throw error;
  }
}

async function adopt(target: ConnectTarget): Promise<OpenedConnection & { readonly signal: AbortSignal | undefined }> {
  if (isConnection(target)) return { nc: target, owned: false, logger: silentLogger, signal: undefined };
  const raw: unknown = target;
  if (typeof raw !== "object" || raw === null) throw new InvalidOptionError("connect", "expects options or a NatsConnection");
  const logger = target.logger === undefined ? silentLogger : validLogger(target.logger);
  const { signal } = target;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidOptionError("signal", "must be an AbortSignal");
  signal?.throwIfAborted();
  if (target.connection !== undefined) {
    if (!isConnection(target.connection)) throw new InvalidOptionError("connection", "must be a NatsConnection");
    return { nc: target.connection, owned: false, logger, signal };
  }
  const servers = target.servers ?? DEFAULT_SERVERS;
  const list = typeof servers === "string" ? [servers] : [...servers];
  if (list.length === 0 || list.some((s) => typeof s !== "string" || s === "")) {
    throw new InvalidOptionError("servers", "must be a non-empty URL or list of URLs");
  }
  const connecting = natsConnect({ ...target.nats, servers: list });
  try {
    return { nc: await abortable(connecting, signal), owned: true, logger, signal };
  } catch (error) {
    // Aborted while the client was still trying: close whatever it opens later.
    void connecting.then((nc) => nc.close(), () => undefined);
    throw error;
  }
}
