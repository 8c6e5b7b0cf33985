import type { NatsConnection, NodeConnectionOptions } from "@nats-io/transport-node";
import {
  checkOptionKeys,
  durationMsOption,
  InvalidOptionError,
  integerOption,
  type Logger,
  loggerOption,
  type TimeSource,
  timeSourceOption,
} from "@x/core";
import { QUEUE_NAME_PATTERN } from "./subjects.js";

/** The server a queue connects to when neither `servers` nor `connection` is given. */
export const DEFAULT_SERVERS = "nats://127.0.0.1:4222";
/** The lease (the consumers' ack wait) when the options do not say: 60 s, as beanstalkd's TTR in pulpo. */
export const DEFAULT_LEASE_MS = 60_000;
/** How long JetStream remembers a job id to refuse a duplicate (`Nats-Msg-Id`): JetStream's own 2 minutes. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
/**
 * How often a waiting `reserve()` looks again without being woken: it is what notices a lease that
 * ran out, a delayed job that came due, or a `resume()` from another process.
 */
export const DEFAULT_POLL_INTERVAL_MS = 200;
/** How long one JetStream request (a publish, a pull, an ack) waits for its answer. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** Replicas of the queue's stream: 1 on a single server; 3 on a three-node cluster. */
export const DEFAULT_REPLICAS = 1;

/** Options for {@link createNatsQueue}. */
export interface NatsQueueOptions {
  /** The queue's name: letters, digits, `_` and `-` (it becomes `XQ_<queue>` and subject `xq.<queue>.>`). */
  readonly queue: string;
  /** NATS server URL(s); a cluster's several. Ignored when `connection` is given. @default "nats://127.0.0.1:4222" */
  readonly servers?: string | readonly string[];
  /** An open connection to use instead; `close()` never closes it. */
  readonly connection?: NatsConnection;
  /** Further options of the connection we open (name, auth, TLS, ...). @default {} */
  readonly nats?: Omit<NodeConnectionOptions, "servers">;
  /**
   * How long a reservation is held before JetStream hands the job out again: the ack wait of the
   * queue's consumers. The last adapter to open a queue sets it for every consumer of the queue.
   * @default 60 000
   */
  readonly leaseMs?: number;
  /** Replicas of the stream when this adapter creates it (1 to 5; 3 on a three-node cluster). @default 1 */
  readonly replicas?: number;
  /** How long a job id is remembered to refuse a duplicate (JetStream's duplicate window). @default 120 000 */
  readonly duplicateWindowMs?: number;
  /** How often a waiting `reserve()` looks again when nothing woke it. @default 200 */
  readonly pollIntervalMs?: number;
  /** How long one JetStream request waits for its answer before failing with `TimeoutError`. @default 5 000 */
  readonly requestTimeoutMs?: number;
  /** Receives connection changes and buried jobs as structured log lines. @default no logging */
  readonly logger?: Logger;
  /** Clock for leases (monotonic) and due times (wall clock). @default the system's */
  readonly time?: TimeSource;
}

const OPTION_KEYS: readonly (keyof NatsQueueOptions)[] = [
  "queue",
  "servers",
  "connection",
  "nats",
  "leaseMs",
  "replicas",
  "duplicateWindowMs",
  "pollIntervalMs",
  "requestTimeoutMs",
  "logger",
  "time",
];

/** The options with every default filled in. */
export interface ResolvedOptions {
  readonly queue: string;
  readonly servers: readonly string[];
  readonly connection: NatsConnection | undefined;
  readonly nats: Omit<NodeConnectionOptions, "servers">;
  readonly leaseMs: number;
  readonly replicas: number;
  readonly duplicateWindowMs: number;
  readonly pollIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly logger: Logger;
  readonly time: TimeSource;
}

function positiveMs(option: string, value: unknown, fallback: number): number {
  const ms = durationMsOption(option, value, fallback);
  if (ms <= 0 || !Number.isFinite(ms)) throw new InvalidOptionError(option, value, "must be a finite number of milliseconds above 0");
  return ms;
}

function isConnection(value: unknown): value is NatsConnection {
  const candidate = value as Partial<NatsConnection> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.publish === "function" &&
    typeof candidate.request === "function"
  );
}

/**
 * Checks every option up front (unknown keys included) and fills in the defaults; the caller's
 * object is not touched.
 * @throws InvalidOptionError naming the option.
 */
export function resolveOptions(options: NatsQueueOptions): ResolvedOptions {
  checkOptionKeys(options, OPTION_KEYS, "createNatsQueue");
  const queue: unknown = options.queue;
  if (typeof queue !== "string" || !QUEUE_NAME_PATTERN.test(queue)) {
    throw new InvalidOptionError("queue", queue, "must be 1 to 64 letters, digits, _ or -");
  }
  const servers: unknown = options.servers ?? DEFAULT_SERVERS;
  const list: unknown[] = typeof servers === "string" ? [servers] : Array.isArray(servers) ? [...(servers as unknown[])] : [];
  if (list.length === 0 || list.some((s) => typeof s !== "string" || s === "")) {
    throw new InvalidOptionError("servers", options.servers, "must be a non-empty URL or list of URLs");
  }
  if (options.connection !== undefined && !isConnection(options.connection)) {
    throw new InvalidOptionError("connection", options.connection, "must be a NatsConnection");
  }
  const nats: unknown = options.nats ?? {};
  if (typeof nats !== "object" || nats === null) throw new InvalidOptionError("nats", options.nats, "must be an object");
  const leaseMs = positiveMs("leaseMs", options.leaseMs, DEFAULT_LEASE_MS);
  if (leaseMs < 100) throw new InvalidOptionError("leaseMs", options.leaseMs, "must be at least 100 milliseconds");
  return {
    queue,
    servers: list as string[],
    connection: options.connection,
    nats,
    leaseMs,
    replicas: integerOption("replicas", options.replicas, DEFAULT_REPLICAS, 1, 5),
    duplicateWindowMs: positiveMs("duplicateWindowMs", options.duplicateWindowMs, DEFAULT_DUPLICATE_WINDOW_MS),
    pollIntervalMs: positiveMs("pollIntervalMs", options.pollIntervalMs, DEFAULT_POLL_INTERVAL_MS),
    requestTimeoutMs: positiveMs("requestTimeoutMs", options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS),
    logger: loggerOption(options.logger),
    time: timeSourceOption(options.time),
  };
}
