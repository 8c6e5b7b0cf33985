import type { NatsConnection } from "@nats-io/transport-node";
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
import type { Monitor } from "@x/heartbeat";
import type { QueueAdapter } from "@x/message";
import type { ActionAuth } from "./auth.js";
import { DEFAULT_DEAD_LETTER_STREAM } from "./events.js";

/** How often each queue's stats are read for the plots, in ms. */
export const DEFAULT_SAMPLE_INTERVAL_MS = 2_000;
/** Samples kept per queue (10 minutes at the default interval). */
export const DEFAULT_HISTORY_LENGTH = 300;
/** How often the live feed sends the page one batched update, in ms. */
export const DEFAULT_UPDATE_INTERVAL_MS = 1_000;
/** Heartbeat transitions kept for the timeline. */
export const DEFAULT_MAX_TRANSITIONS = 1_000;
/** Probe checks kept (aspect and location pairs). */
export const DEFAULT_MAX_CHECKS = 10_000;

/** Where probe messages come from. */
export interface ProbesOptions {
  /** Subscribe to this NATS subject on `nats` (wildcards allowed, e.g. `probe.>`). Without it, feed `dashboard.probePublisher`. */
  readonly subject?: string;
  /** Checks kept at most; messages of further checks are dropped. @default DEFAULT_MAX_CHECKS */
  readonly maxChecks?: number;
}

/** Options of {@link createDashboard}. Every source is optional; the page shows the ones given. */
export interface DashboardOptions {
  /** Queues by the name the page shows. */
  readonly queues?: Readonly<Record<string, QueueAdapter>>;
  /** Process liveness. Pass the monitor's `time` as `time` too, so ages are read from its clock. */
  readonly monitor?: Monitor;
  /** A NATS connection: streams, consumers and dead letters (and probe messages with `probes.subject`). Never closed by the dashboard. */
  readonly nats?: NatsConnection;
  /** The dead-letter stream of `@x/events`. @default "dead-letters" */
  readonly deadLetterStream?: string;
  /** Shows the latest message of each probe check. */
  readonly probes?: ProbesOptions;
  /** Enables actions (retry, delete, pause, replay) for requests this hook authorizes: {@link tokenAuth}, {@link basicAuth} or your own. @default read-only */
  readonly actions?: ActionAuth;
  /** The path the handler is mounted at, e.g. `/dashboard`. @default "" (the root) */
  readonly basePath?: string;
  /** The page's title. @default "Dashboard" */
  readonly title?: string;
  /** How often queue stats are sampled for the plots. @default DEFAULT_SAMPLE_INTERVAL_MS */
  readonly sampleIntervalMs?: number;
  /** Samples kept per queue. @default DEFAULT_HISTORY_LENGTH */
  readonly historyLength?: number;
  /** How often the live feed sends one batched update. @default DEFAULT_UPDATE_INTERVAL_MS */
  readonly updateIntervalMs?: number;
  /** Heartbeat transitions kept for the timeline. @default DEFAULT_MAX_TRANSITIONS */
  readonly maxTransitions?: number;
  /** Where failed samples and subscriptions are reported. @default none */
  readonly logger?: Logger;
  /** Clock and timers; the monitor's, if there is one. @default `systemTime` of `@x/core` */
  readonly time?: TimeSource;
}

const KEYS = [
  "queues",
  "monitor",
  "nats",
  "deadLetterStream",
  "probes",
  "actions",
  "basePath",
  "title",
  "sampleIntervalMs",
  "historyLength",
  "updateIntervalMs",
  "maxTransitions",
  "logger",
  "time",
];

/** {@link DashboardOptions} checked, with the defaults filled in. */
export interface DashboardSettings {
  readonly queues: Readonly<Record<string, QueueAdapter>>;
  readonly monitor: Monitor | undefined;
  readonly nats: NatsConnection | undefined;
  readonly deadLetterStream: string;
  readonly probes: { readonly subject: string | undefined; readonly maxChecks: number } | undefined;
  readonly actions: ActionAuth | undefined;
  readonly basePath: string;
  readonly title: string;
  readonly sampleIntervalMs: number;
  readonly historyLength: number;
  readonly updateIntervalMs: number;
  readonly maxTransitions: number;
  readonly logger: Logger;
  readonly time: TimeSource;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Checks the options of `createDashboard`; throws `InvalidOptionError` naming the first bad one. */
export function dashboardSettings(options: DashboardOptions): DashboardSettings {
  checkOptionKeys(options, KEYS, "createDashboard");
  const queues = options.queues ?? {};
  if (!isObject(queues)) throw new InvalidOptionError("queues", queues, "must be an object of queues by name");
  for (const [name, queue] of Object.entries(queues)) {
    if (!isObject(queue) || typeof queue.stats !== "function" || !isObject(queue.capabilities)) {
      throw new InvalidOptionError(`queues.${name}`, queue, "must be a QueueAdapter");
    }
  }
  const monitor = options.monitor;
  if (monitor !== undefined && (typeof monitor.snapshot !== "function" || typeof monitor.on !== "function")) {
    throw new InvalidOptionError("monitor", monitor, "must be a Monitor from @x/heartbeat");
  }
  const nats = options.nats;
  if (nats !== undefined && (!isObject(nats) || typeof nats.subscribe !== "function")) {
    throw new InvalidOptionError("nats", nats, "must be a NatsConnection");
  }
  const deadLetterStream = options.deadLetterStream ?? DEFAULT_DEAD_LETTER_STREAM;
  if (typeof deadLetterStream !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(deadLetterStream)) {
    throw new InvalidOptionError("deadLetterStream", deadLetterStream, "must be 1-64 letters, digits, '-' or '_'");
  }
  let probes: DashboardSettings["probes"];
  if (options.probes !== undefined) {
    checkOptionKeys(options.probes, ["subject", "maxChecks"], "createDashboard");
    const { subject } = options.probes;
    if (subject !== undefined && (typeof subject !== "string" || subject === "" || /\s/.test(subject))) {
      throw new InvalidOptionError("probes.subject", subject, "must be a NATS subject");
    }
    if (subject !== undefined && nats === undefined) throw new InvalidOptionError("probes.subject", subject, "needs the `nats` option");
    probes = { subject, maxChecks: integerOption("probes.maxChecks", options.probes.maxChecks, DEFAULT_MAX_CHECKS, 1) };
  }
  const actions = options.actions;
  if (
    actions !== undefined &&
    (!isObject(actions) || typeof actions.authorize !== "function" || !["bearer", "basic", "custom"].includes(actions.scheme))
  ) {
    throw new InvalidOptionError("actions", actions, "must be { scheme, authorize(request) }, e.g. tokenAuth(token)");
  }
  const basePath = (options.basePath ?? "").replace(/\/+$/, "");
  if (typeof options.basePath === "string" && basePath !== "" && !/^\/[A-Za-z0-9._~\-/]*$/.test(basePath)) {
    throw new InvalidOptionError("basePath", options.basePath, "must be a path starting with '/'");
  } else if (options.basePath !== undefined && typeof options.basePath !== "string") {
    throw new InvalidOptionError("basePath", options.basePath, "must be a path starting with '/'");
  }
  const title = options.title ?? "Dashboard";
  if (typeof title !== "string") throw new InvalidOptionError("title", title, "must be a string");
  return {
    queues,
    monitor,
    nats,
    deadLetterStream,
    probes,
    actions,
    basePath,
    title,
    sampleIntervalMs: durationMsOption("sampleIntervalMs", options.sampleIntervalMs, DEFAULT_SAMPLE_INTERVAL_MS, { min: 10 }),
    historyLength: integerOption("historyLength", options.historyLength, DEFAULT_HISTORY_LENGTH, 2, 100_000),
    updateIntervalMs: durationMsOption("updateIntervalMs", options.updateIntervalMs, DEFAULT_UPDATE_INTERVAL_MS, { min: 10 }),
    maxTransitions: integerOption("maxTransitions", options.maxTransitions, DEFAULT_MAX_TRANSITIONS, 1),
    logger: loggerOption(options.logger),
    time: timeSourceOption(options.time),
  };
}
