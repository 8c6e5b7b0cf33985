export type { LogFields, Logger, Unsubscribe } from "@x/core";
// Bad options are the one `InvalidOptionError` of the toolkit, re-exported so users need no `@x/core` import.
export { InvalidOptionError } from "@x/core";
export type {
  BackoffContext,
  BackoffFunction,
  BackoffStrategy,
  ExponentialBackoff,
  FixedBackoff,
  ListBackoff,
} from "./backoff.js";
export { backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
export type { PayloadIssue, TransientErrorOptions, WorkerErrorCode } from "./errors.js";
export {
  FatalError,
  HandlerTimeoutError,
  InvalidJobPayloadError,
  isFatalError,
  isTransientError,
  JobEndedError,
  JobFailedError,
  ReplyTimeoutError,
  ResultNotEncodableError,
  TransientError,
  WorkerError,
  WorkerStateError,
  WorkerStoppingError,
} from "./errors.js";
export type { BuryReason, ErrorPhase, JobEvent, StopReason, WorkerEventName, WorkerEvents } from "./events.js";
export type { Handler, HandlerMap, JobContext, JobDefinition, JobResult, RateLimit, ResultOf, ResultsOf } from "./handlers.js";
export { defineHandlers, defineJob, respond } from "./handlers.js";
export type { WorkerHeart } from "./heartbeat.js";
export type { WorkerOptions } from "./options.js";
export type { EnqueueOptions, Producer, ProducerOptions, RequestOptions, RequestResult } from "./producer.js";
export { createProducer, DEFAULT_REPLY_POLL_MS } from "./producer.js";
export type { ReplyPayload } from "./reply.js";
export { REPLY_BY_HEADER, REPLY_REQUEST_TYPE, REPLY_TO_HEADER } from "./reply.js";
export type { StandardSchemaV1 } from "./standard-schema.js";
export type { Worker, WorkerCounters, WorkerRunResult, WorkerState } from "./worker.js";
export { createWorker } from "./worker.js";
