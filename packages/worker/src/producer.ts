import { randomUUID } from "node:crypto";
import { checkOptionKeys, durationMsOption, InvalidOptionError, MAX_TIMER_MS, sleep, type TimeSource, timeSourceOption } from "@x/core";
import type { Message, MessageInit, QueueAdapter } from "@x/message";
import { InvalidJobPayloadError, JobFailedError, ReplyTimeoutError, ResultNotEncodableError } from "./errors.js";
import { REPLY_BY_HEADER, REPLY_TO_HEADER, type ReplyPayload } from "./reply.js";
import { schemaOption, type Validation, validate } from "./schema.js";
import { sendTraced } from "./send-span.js";
import type { StandardSchemaV1 } from "./standard-schema.js";

/** Everything `enqueue` takes besides the request type and payload. */
export type EnqueueOptions = Omit<MessageInit, "requestType" | "payload">;

/** Options of `producer.request()`: those of `enqueue`, plus how long to wait for the reply. */
export interface RequestOptions extends EnqueueOptions {
  /** How long to wait for the reply, in ms. Required: a request that may wait forever is a hang. */
  readonly timeoutMs: number;
  /** Aborting stops the wait (rejects with the signal's reason); the job stays enqueued. */
  readonly signal?: AbortSignal;
}

/** Longest wait between two looks for a reply when the options do not say: 50 ms. */
export const DEFAULT_REPLY_POLL_MS = 50;

/** Options of {@link createProducer}. */
export interface ProducerOptions<Jobs extends object = Record<string, unknown>> {
  /** Where jobs go. The producer never closes it: it is yours. */
  readonly queue: QueueAdapter;
  /**
   * A Standard Schema per request type (the same ones the handlers declare): `enqueue` and
   * `request` check the payload first and reject with `InvalidJobPayloadError`, enqueueing nothing.
   * The payload is enqueued as given (the worker applies the schema's transforms).
   */
  readonly schemas?: { readonly [K in keyof Jobs]?: StandardSchemaV1 };
  /**
   * Where `request()` looks for replies: the workers' `replyQueue`. It must keep custom ids
   * (memory, file). Several producers may share it: each looks only for its own reply ids.
   */
  readonly replies?: QueueAdapter;
  /** Longest wait between two looks for a reply, in ms (the first looks come sooner). @default DEFAULT_REPLY_POLL_MS (50) */
  readonly replyPollMs?: number;
  /** Time and timers of `request()`'s waits; a fake one in tests. @default systemTime of `@x/core` */
  readonly time?: TimeSource;
}

/** What `request()` resolves to for request type `K`: the handler's result when the map says, else `unknown`. */
export type RequestResult<Results, K> = K extends keyof Results ? Results[K] : unknown;

/** Enqueues jobs whose payload type is checked against a job map (see {@link createProducer}). */
export interface Producer<Jobs extends object, Results extends object = Record<string, unknown>> {
  /**
   * Enqueues one job of `requestType`; resolves to the stored message (id filled in). The values
   * of `options` are checked by the queue (`InvalidArgumentError` of `@x/message`).
   * @throws InvalidOptionError for a key `enqueue` does not know (`delay_ms`, `requestType`).
   * @throws InvalidJobPayloadError when the request type has a schema and the payload does not match it.
   */
  enqueue<K extends keyof Jobs & string>(requestType: K, payload: Jobs[K], options?: EnqueueOptions): Promise<Message<Jobs[K]>>;
  /**
   * Enqueues one job and waits for its handler's result (a worker with `replyQueue` sends it).
   * @throws ReplyTimeoutError when no reply came within `timeoutMs` (the job may still run).
   * @throws JobFailedError when the job was buried or expired instead (`detail` says why).
   * @throws ResultNotEncodableError when the handler succeeded with a result that is not JSON.
   * @throws InvalidOptionError when the producer has no `replies` queue, or for a bad option.
   */
  request<K extends keyof Jobs & string>(requestType: K, payload: Jobs[K], options: RequestOptions): Promise<RequestResult<Results, K>>;
}

const PRODUCER_OPTION_KEYS = ["queue", "schemas", "replies", "replyPollMs", "time"] as const satisfies readonly (keyof ProducerOptions)[];
const ENQUEUE_OPTION_KEYS = [
  "id",
  "priority",
  "delay",
  "delayMs",
  "expiration",
  "expiresInMs",
  "attempts",
  "header",
  "body",
] as const satisfies readonly (keyof EnqueueOptions)[];
const REQUEST_OPTION_KEYS = [...ENQUEUE_OPTION_KEYS, "timeoutMs", "signal"] as const satisfies readonly (keyof RequestOptions)[];
/** The first look for a reply comes this soon; each later wait doubles, up to `replyPollMs`. */
const FIRST_REPLY_POLL_MS = 2;

function isQueue(value: unknown): value is QueueAdapter {
  return typeof value === "object" && value !== null && typeof (value as QueueAdapter).enqueue === "function";
}

function checkSchemas(schemas: unknown): Readonly<Record<string, StandardSchemaV1>> {
  if (schemas === undefined) return {};
  if (typeof schemas !== "object" || schemas === null)
    throw new InvalidOptionError("schemas", schemas, "must map request types to schemas");
  const checked: Record<string, StandardSchemaV1> = Object.create(null) as Record<string, never>;
  for (const [type, schema] of Object.entries(schemas)) {
    const resolved = schemaOption(`schemas.${type}`, schema);
    if (resolved !== undefined) checked[type] = resolved;
  }
  return checked;
}

function check(requestType: string, validation: Validation): void {
  if (!validation.ok) throw new InvalidJobPayloadError(requestType, validation.issues);
}

function unwrapReply(jobId: string, reply: Message): unknown {
  const payload = reply.body.payload as ReplyPayload | undefined;
  if (payload?.ok === true) return payload.result;
  if (payload?.ok === false && payload.reason === "not-encodable") throw new ResultNotEncodableError(jobId, payload.detail);
  throw new JobFailedError(jobId, payload?.ok === false ? payload.detail : "the reply could not be read");
}

/**
 * The producer side of a typed job map: the same `Jobs` type that types the worker's handlers
 * makes a wrong request type or payload shape a compile error when enqueueing. With `schemas`
 * the payload is checked at run time too; with `replies`, `request()` waits for a job's result.
 *
 * @example
 * ```ts
 * interface Jobs { send_email: { to: string } }
 * const jobs = createProducer<Jobs>({ queue });
 * await jobs.enqueue("send_email", { to: "ada@example.com" }, { priority: 10 });
 * ```
 * @throws InvalidOptionError for an unknown option or a `queue` that is not a QueueAdapter.
 */
export function createProducer<Jobs extends object, Results extends object = Record<string, unknown>>(
  options: ProducerOptions<Jobs>,
): Producer<Jobs, Results> {
  checkOptionKeys(options, PRODUCER_OPTION_KEYS, "createProducer");
  const given = (options as ProducerOptions<Jobs> | undefined)?.queue;
  if (!isQueue(given)) throw new InvalidOptionError("queue", undefined, "must be a QueueAdapter");
  const queue: QueueAdapter = given;
  const schemas = checkSchemas(options.schemas);
  const replies = options.replies;
  if (replies !== undefined) {
    if (!isQueue(replies)) throw new InvalidOptionError("replies", undefined, "must be a QueueAdapter");
    if (!replies.capabilities.customIds) {
      throw new InvalidOptionError("replies", undefined, `must keep custom ids (memory, file queues); ${replies.name} does not`);
    }
  }
  const replyPollMs = durationMsOption("replyPollMs", options.replyPollMs, DEFAULT_REPLY_POLL_MS, { min: 1, max: MAX_TIMER_MS });
  const time = timeSourceOption(options.time);

  async function checked(requestType: string, payload: unknown): Promise<void> {
    const schema = schemas[requestType];
    if (schema === undefined) return;
    const validation = validate(schema, payload);
    check(requestType, validation instanceof Promise ? await validation : validation);
  }

  async function enqueue(requestType: string, payload: unknown, enqueueOptions: EnqueueOptions): Promise<Message> {
    await checked(requestType, payload);
    return sendTraced(queue, requestType, payload, enqueueOptions);
  }

  async function waitForReply(jobId: string, replyId: string, replyQueue: QueueAdapter, timeoutMs: number, signal?: AbortSignal) {
    const deadline = time.now() + timeoutMs;
    let waitMs = FIRST_REPLY_POLL_MS;
    for (;;) {
      const reply = await replyQueue.peek(replyId);
      if (reply !== null) {
        await replyQueue.delete(replyId);
        return unwrapReply(jobId, reply);
      }
      const left = deadline - time.now();
      if (left <= 0) throw new ReplyTimeoutError(jobId, timeoutMs);
      await sleep(Math.min(waitMs, left), signal, time);
      waitMs = Math.min(waitMs * 2, replyPollMs);
    }
  }

  return {
    async enqueue(requestType, payload, enqueueOptions = {}) {
      checkOptionKeys(enqueueOptions, ENQUEUE_OPTION_KEYS, "enqueue");
      return (await enqueue(requestType, payload, enqueueOptions)) as Message<Jobs[typeof requestType]>;
    },
    async request(requestType, payload, requestOptions) {
      checkOptionKeys(requestOptions, REQUEST_OPTION_KEYS, "request");
      if (replies === undefined)
        throw new InvalidOptionError("replies", undefined, "is needed by request(): the queue workers send replies to");
      const { timeoutMs: rawTimeout, signal, ...enqueueOptions } = (requestOptions as Partial<RequestOptions> | undefined) ?? {};
      if (rawTimeout === undefined) throw new InvalidOptionError("timeoutMs", rawTimeout, "is required: how long to wait for the reply");
      const timeoutMs = durationMsOption("timeoutMs", rawTimeout, 0, { min: 1, max: MAX_TIMER_MS });
      if (signal !== undefined && !(signal instanceof AbortSignal))
        throw new InvalidOptionError("signal", signal, "must be an AbortSignal");
      const replyId = `reply-${randomUUID()}`;
      const header = { ...enqueueOptions.header, [REPLY_TO_HEADER]: replyId, [REPLY_BY_HEADER]: time.wallNow() + timeoutMs };
      const message = await enqueue(requestType, payload, { ...enqueueOptions, header });
      return (await waitForReply(message.id, replyId, replies, timeoutMs, signal)) as RequestResult<Results, typeof requestType>;
    },
  };
}
