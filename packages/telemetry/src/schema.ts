/**
 * The one telemetry schema of the toolkit: span names, attribute keys and instruments, the same for
 * every package and every backend, so a dashboard written once works for all of them. Attribute
 * keys follow OpenTelemetry's messaging semantic conventions where they have one; what is ours
 * lives under `x.`.
 */

/** Attribute keys: the messaging semantic conventions, plus the toolkit's own under `x.`. */
export const ATTR = {
  /** The backend: `file`, `beanstalk`, `memory`, `nats` (a queue adapter's `name`). */
  MESSAGING_SYSTEM: "messaging.system",
  /** One of {@link MessagingOperationType}. */
  MESSAGING_OPERATION_TYPE: "messaging.operation.type",
  /** The operation's own name: `send`, `process`, `ack`, `release`, `bury`, `emit`, `handle`. */
  MESSAGING_OPERATION_NAME: "messaging.operation.name",
  /** Where the message goes: a job's request type, an event's name. */
  MESSAGING_DESTINATION_NAME: "messaging.destination.name",
  /** A consumer group: an actor's name. */
  MESSAGING_CONSUMER_GROUP_NAME: "messaging.consumer.group.name",
  /** The message's id (job id, event `Nats-Msg-Id` when set). */
  MESSAGING_MESSAGE_ID: "messaging.message.id",
  /** Delivery number of this message, from 1 (semantic conventions count retries; we count runs). */
  MESSAGING_DELIVERY_COUNT: "x.messaging.delivery.count",
  /** How a job or event ended: {@link Outcome}. */
  OUTCOME: "x.outcome",
  /** A queue's depth is reported per state: `ready`, `delayed`, `reserved`, `buried`. */
  QUEUE_STATE: "x.queue.state",
  /** A process name of the heartbeat convention (`billing.worker.1`). */
  HEARTBEAT_PROCESS: "x.heartbeat.process",
  /** A monitored process's state: `starting`, `up`, `degraded`, `late`, `down`, `stopped`. */
  HEARTBEAT_STATE: "x.heartbeat.state",
  /** The state a process left. */
  HEARTBEAT_FROM_STATE: "x.heartbeat.from_state",
  /** A heartbeat's kind: `start`, `beat`, `degraded`, `stop`. */
  HEARTBEAT_KIND: "x.heartbeat.kind",
  /** A probe check's name. */
  PROBE_CHECK: "x.probe.check",
  /** A check's resulting state: `ok`, `warning`, `critical`, `unknown`, `error`. */
  PROBE_STATE: "x.probe.state",
  /** The standard error type attribute: the error's class name or code. */
  ERROR_TYPE: "error.type",
} as const;

/** `messaging.operation.type` values of the semantic conventions. */
export type MessagingOperationType = "create" | "send" | "receive" | "process" | "settle";

/** Values of the `x.outcome` attribute. */
export type Outcome = "succeeded" | "retried" | "buried" | "expired" | "deferred" | "failed" | "dead-lettered";

/**
 * A messaging span's name, as the conventions want it: `{operation} {destination}` (`send
 * send_email`, `process send_email`). The destination is a request type or an event name, both
 * chosen by the application, never by a payload: the name's cardinality stays bounded.
 */
export function messagingSpanName(operation: string, destination: string | undefined): string {
  return destination === undefined ? operation : `${operation} ${destination}`;
}

/** Span names that are not messaging spans. */
export const SPAN = {
  /** One probe check run: `check {name}`. */
  PROBE_CHECK: "check",
} as const;

/** The kind of an instrument. */
export type InstrumentKind = "counter" | "histogram" | "updown" | "gauge";

/** One instrument of the schema. */
export interface InstrumentSpec {
  readonly name: string;
  readonly kind: InstrumentKind;
  /** UCUM unit: `s` for durations (OpenTelemetry's convention), `{job}` and the like for counts. */
  readonly unit: string;
  readonly description: string;
}

function spec(name: string, kind: InstrumentKind, unit: string, description: string): InstrumentSpec {
  return Object.freeze({ name, kind, unit, description });
}

/** Bucket boundaries of every duration histogram, in seconds: 1 ms to 5 minutes. */
export const DURATION_BUCKETS_S: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
]);

/** Instruments of jobs (`@x/worker`). Attributes: `messaging.system`, `messaging.destination.name`. */
export const JOB_INSTRUMENTS = {
  enqueued: spec("x.jobs.enqueued", "counter", "{job}", "Jobs enqueued by a producer."),
  started: spec("x.jobs.started", "counter", "{job}", "Jobs whose handler was started by a worker."),
  succeeded: spec("x.jobs.succeeded", "counter", "{job}", "Jobs whose handler resolved and that were acked."),
  failed: spec("x.jobs.failed", "counter", "{job}", "Handler runs that threw or timed out (each is then retried or buried)."),
  retried: spec("x.jobs.retried", "counter", "{job}", "Jobs released for another run."),
  buried: spec("x.jobs.buried", "counter", "{job}", "Jobs buried (fatal error, no handler, too many attempts, invalid payload)."),
  expired: spec("x.jobs.expired", "counter", "{job}", "Jobs past their expiration when reserved."),
  duration: spec("x.job.duration", "histogram", "s", "From the reservation to the settlement of a job."),
  waitTime: spec("x.job.wait_time", "histogram", "s", "From when a job could first run (enqueue or delay) to its reservation."),
  depth: spec("x.queue.depth", "gauge", "{job}", "Jobs in the queue by state (x.queue.state), from stats()."),
  leaseTouches: spec("x.job.lease_touches", "counter", "{touch}", "Lease extensions of running jobs."),
} as const;

/** Instruments of events (`@x/events`). Attributes: `messaging.destination.name`, `messaging.consumer.group.name`. */
export const EVENT_INSTRUMENTS = {
  emitted: spec("x.events.emitted", "counter", "{event}", "Events emitted."),
  handled: spec("x.events.handled", "counter", "{event}", "Events handled successfully by an actor."),
  retried: spec("x.events.retried", "counter", "{event}", "Handler failures that will be delivered again."),
  deadLettered: spec("x.events.dead_lettered", "counter", "{event}", "Events moved to the dead-letter stream."),
  handlerDuration: spec("x.event.handler.duration", "histogram", "s", "How long an actor's handler ran."),
  consumerLag: spec("x.event.consumer.lag", "gauge", "{event}", "Events in the stream the actor's consumer has not yet received."),
} as const;

/** Instruments of heartbeats (`@x/heartbeat`). */
export const HEARTBEAT_INSTRUMENTS = {
  processes: spec("x.heartbeat.processes", "gauge", "{process}", "Processes a Monitor tracks, by state (x.heartbeat.state)."),
  transitions: spec("x.heartbeat.transitions", "counter", "{transition}", "State changes seen by a Monitor (from and to state)."),
  beatsSent: spec("x.heartbeat.beats_sent", "counter", "{beat}", "Heartbeats published by a Heart, by kind."),
} as const;

/** Instruments of probes (`@x/probe`). */
export const PROBE_INSTRUMENTS = {
  checkDuration: spec("x.probe.check.duration", "histogram", "s", "How long one check run took."),
  checkRuns: spec("x.probe.check.runs", "counter", "{run}", "Check runs by resulting state (x.probe.state)."),
  spoolSize: spec("x.probe.spool.size", "gauge", "{message}", "Messages held by an output while its peer is down."),
  spoolDropped: spec("x.probe.spool.dropped", "counter", "{message}", "Messages an output dropped because its spool was full."),
} as const;

/** The instrumentation scope (tracer and meter name) of each package. */
export const SCOPE = {
  worker: "@x/worker",
  events: "@x/events",
  heartbeat: "@x/heartbeat",
  probe: "@x/probe",
} as const;

/** The header fields of W3C Trace Context, as job headers and NATS headers carry them. */
export const TRACE_HEADERS = ["traceparent", "tracestate"] as const;
