import type { Logger } from "@x/core";
import type { Message, QueueAdapter } from "@x/message";
import {
  ATTR,
  type AttributeMap,
  createInstruments,
  JOB_INSTRUMENTS,
  messagingSpanName,
  otelApi,
  SCOPE,
  type SpanScope,
  startSpan,
  telemetryActive,
  traceFields,
} from "@x/telemetry";

/** The job instruments of the schema (`x.jobs.*`, `x.job.*`, `x.queue.depth`), shared by every worker and producer. */
export const jobInstruments = createInstruments(SCOPE.worker, JOB_INSTRUMENTS);

/** The process span of each running job, so its log lines carry the trace and span ids. */
const processSpans = new WeakMap<Message, SpanScope>();

/** `traceId` and `spanId` of the job's process span, when one is recording. */
export function jobTraceFields(message: Message): { readonly traceId: string; readonly spanId: string } | undefined {
  return traceFields(processSpans.get(message));
}

/** Attributes per backend and request type, made once: a job's metrics allocate nothing. */
const attributeCache = new Map<string, AttributeMap>();

/** `messaging.system` (the adapter's name) and `messaging.destination.name` (the request type). */
export function jobAttributes(system: string, requestType: string | undefined): AttributeMap {
  const key = `${system}\u0000${requestType ?? ""}`;
  let attributes = attributeCache.get(key);
  if (attributes === undefined) {
    attributes = Object.freeze({ [ATTR.MESSAGING_SYSTEM]: system, [ATTR.MESSAGING_DESTINATION_NAME]: requestType });
    // Request types come from code, not payloads; the cap only guards against a producer gone wild.
    if (attributeCache.size < 10_000) attributeCache.set(key, attributes);
  }
  return attributes;
}

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7/i;

/** When the job could first run: its UUIDv7 creation time, or its `delay` if later; `undefined` for other ids. */
function readySince(message: Message): number | undefined {
  if (!UUID7.test(message.id)) return undefined;
  const created = Number.parseInt(message.id.slice(0, 8) + message.id.slice(9, 13), 16);
  const delay = message.header.delay?.getTime();
  return delay !== undefined && delay > created ? delay : created;
}

/** Settle operations, by the conventions' `messaging.operation.name`. */
export type SettleOperation = "ack" | "release" | "bury";

/**
 * The telemetry of one reserved job: the `process` span (continuing the producer's trace from the
 * job's header), one `settle` child span around the queue call, and the job instruments. Made only
 * when `@opentelemetry/api` is there, so a worker without it pays one check per job.
 */
export class JobTelemetry {
  readonly #span: SpanScope | undefined;
  readonly #attributes: AttributeMap;
  readonly #message: Message;
  #settle: SpanScope | undefined;

  constructor(queue: QueueAdapter, message: Message, attempt: number, wallNow: number, logger: Logger | undefined) {
    const requestType = message.header.requestType;
    this.#message = message;
    this.#attributes = jobAttributes(queue.name, requestType);
    const options = {
      kind: "consumer" as const,
      parentHeaders: message.header,
      attributes: {
        ...this.#attributes,
        [ATTR.MESSAGING_OPERATION_TYPE]: "process",
        [ATTR.MESSAGING_OPERATION_NAME]: "process",
        [ATTR.MESSAGING_MESSAGE_ID]: message.id,
        [ATTR.MESSAGING_DELIVERY_COUNT]: attempt,
      },
    };
    this.#span = startSpan(
      SCOPE.worker,
      messagingSpanName("process", requestType),
      logger === undefined ? options : { ...options, logger },
    );
    if (this.#span !== undefined) processSpans.set(message, this.#span);
    const since = readySince(message);
    if (since !== undefined) jobInstruments.record("waitTime", Math.max(0, wallNow - since) / 1000, this.#attributes);
  }

  /** A job telemetry when an SDK is registered (and the API installed and not switched off), else `undefined`. */
  static for(
    queue: QueueAdapter,
    message: Message,
    attempt: number,
    wallNow: number,
    logger: Logger | undefined,
  ): JobTelemetry | undefined {
    return telemetryActive() ? new JobTelemetry(queue, message, attempt, wallNow, logger) : undefined;
  }

  /** Runs the handler inside the process span, so what it enqueues or emits continues the trace. */
  run<T>(fn: () => T): T {
    return this.#span === undefined ? fn() : this.#span.run(fn);
  }

  started(): void {
    jobInstruments.add("started", 1, this.#attributes);
  }

  failed(): void {
    jobInstruments.add("failed", 1, this.#attributes);
  }

  touched(): void {
    jobInstruments.add("leaseTouches", 1, this.#attributes);
  }

  /** The queue call that settles the job starts now. */
  settling(operation: SettleOperation): void {
    this.#settle = this.#span?.child(messagingSpanName(operation, this.#message.header.requestType), {
      kind: "client",
      attributes: { ...this.#attributes, [ATTR.MESSAGING_OPERATION_TYPE]: "settle", [ATTR.MESSAGING_OPERATION_NAME]: operation },
    });
  }

  /** The job is settled: counts it, records its duration, ends the spans (`error`: what the handler threw). */
  settled(outcome: "succeeded" | "retried" | "buried" | "expired" | "deferred", durationMs: number, error?: unknown): void {
    if (outcome !== "deferred") jobInstruments.add(outcome, 1, this.#attributes);
    jobInstruments.record("duration", durationMs / 1000, this.#attributes);
    this.#settle?.end();
    this.#span?.setAttribute(ATTR.OUTCOME, outcome);
    this.#span?.end(error);
  }

  /** Settling failed (the lease runs out and the job comes back): the spans end with the queue's error. */
  settleFailed(error: unknown): void {
    this.#settle?.end(error);
    this.#span?.end(error);
  }
}

const DEPTH_STATES = ["ready", "delayed", "reserved", "buried"] as const;

/**
 * Reports `x.queue.depth` by state from `queue.stats()` at each metrics collection while the
 * worker runs; returns the function that stops it. A failing `stats()` reports nothing that time.
 */
export function observeQueueDepth(queue: QueueAdapter): () => void {
  if (otelApi() === undefined) return () => undefined;
  return jobInstruments.observe("depth", async (observe) => {
    let stats: Awaited<ReturnType<QueueAdapter["stats"]>>;
    try {
      stats = await queue.stats();
    } catch {
      return;
    }
    for (const state of DEPTH_STATES) observe(stats[state], { [ATTR.MESSAGING_SYSTEM]: queue.name, [ATTR.QUEUE_STATE]: state });
  });
}
