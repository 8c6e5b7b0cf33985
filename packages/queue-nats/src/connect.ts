import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { ResolvedOptions } from "./options.js";

/** Reconnect for ever: a queue whose client gave up would leave its workers idle for good. */
const MAX_RECONNECT_ATTEMPTS = -1;
/** Pause between reconnect attempts to one server. */
const RECONNECT_TIME_WAIT_MS = 500;
/** Ping often, so a dead node is noticed in seconds and the client moves to another one. */
const PING_INTERVAL_MS = 2_000;
const MAX_PING_OUT = 2;

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
    ...options.nats,
    servers: [...options.servers],
  });
  return { nc, owned: true };
}
