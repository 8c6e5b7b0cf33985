import { connect as natsConnect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
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
}

/** `connect`'s argument: options, or an open connection (shorthand for `{ connection }`). */
export type ConnectTarget = ConnectOptions | NatsConnection;

/** An open connection and whether we own (and so must close) it. */
export interface OpenedConnection {
  readonly nc: NatsConnection;
  readonly owned: boolean;
  readonly logger: Logger;
}

function isConnection(value: unknown): value is NatsConnection {
  const candidate = value as Partial<NatsConnection> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.publish === "function" &&
    typeof candidate.request === "function" &&
    typeof candidate.close === "function"
  );
}

/** Opens (or adopts) the connection described by a {@link ConnectTarget}. */
export async function openConnection(target: ConnectTarget = {}): Promise<OpenedConnection> {
  if (isConnection(target)) return { nc: target, owned: false, logger: silentLogger };
  const raw: unknown = target;
  if (typeof raw !== "object" || raw === null) throw new InvalidOptionError("connect", "expects options or a NatsConnection");
  const logger = target.logger ?? silentLogger;
  if (target.connection !== undefined) {
    if (!isConnection(target.connection)) throw new InvalidOptionError("connection", "must be a NatsConnection");
    return { nc: target.connection, owned: false, logger };
  }
  const servers = target.servers ?? DEFAULT_SERVERS;
  const list = typeof servers === "string" ? [servers] : [...servers];
  if (list.length === 0 || list.some((s) => typeof s !== "string" || s === "")) {
    throw new InvalidOptionError("servers", "must be a non-empty URL or list of URLs");
  }
  const nc = await natsConnect({ ...target.nats, servers: list });
  return { nc, owned: true, logger };
}
