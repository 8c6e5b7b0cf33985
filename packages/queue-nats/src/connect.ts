import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { ResolvedOptions } from "./options.js";

/** Reconnect for ever: a queue whose client gave up would leave its workers idle for good. */
const MAX_RECONNECT_ATTEMPTS = -1;
/** Pause between reconnect attempts to one server. */
const RECONNECT_TIME_WAIT_MS = 500;
/** Ping often, so a dead node is noticed in seconds and the client moves to another one. */
const PING_INTERVAL_MS = 2_000;
const MAX_PING_OUT = 2;
/**
 * The client builds an Error (a stack trace) before every request so that a timeout can name its
 * call site; the adapter makes several requests per job and maps every failure onto its own error
 * classes (with the client's error as `cause`), so that stack is pure cost on the hot path.
 */
const NO_ASYNC_TRACES = true;

/** The connection a queue uses, and whether it is ours to close. */
export interface QueueConnection {
  readonly nc: NatsConnection;
  readonly owned: boolean;
}

/** Adopts the caller's connection, or opens one to `servers` with reconnection that never gives up. */
export async function openConnection(options: ResolvedOptions): Promise<QueueConnection> {
  if (options.connection !== undefined) return { nc: options.connection, owned: false };
  const nc = await connect({
    maxReconnectAttempts: MAX_RECONNECT_ATTEMPTS,
    reconnectTimeWait: RECONNECT_TIME_WAIT_MS,
    pingInterval: PING_INTERVAL_MS,
    maxPingOut: MAX_PING_OUT,
    noAsyncTraces: NO_ASYNC_TRACES,
    ...options.nats,
    servers: [...options.servers],
  });
  return { nc, owned: true };
}
