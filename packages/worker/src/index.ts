export { createWorker } from "./worker.js";
export { createProducer } from "./producer.js";
export { respond, defineHandlers } from "./handlers.js";
export { backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
export { WorkerError, TransientError, FatalError, WorkerStateError, WorkerStoppingError, isFatalError, isTransientError } from "./errors.js";
// Bad options are the one `InvalidOptionError` of the toolkit, re-exported so users need no `@x/core` import.
export { InvalidOptionError } from "@x/core";

export type { Worker, WorkerCounters, WorkerRunResult, WorkerState } from "./worker.js";
export type { WorkerOptions } from "./options.js";
export type { Handler, HandlerMap, JobContext, JobResult } from "./handlers.js";
export type { Producer, ProducerOptions, EnqueueOptions } from "./producer.js";
export type {
  BackoffStrategy,
  BackoffContext,
  BackoffFunction,
  FixedBackoff,
  ExponentialBackoff,
  ListBackoff,
} from "./backoff.js";
export type { WorkerEvents, WorkerEventName, JobEvent, BuryReason, StopReason, ErrorPhase } from "./events.js";
export type { WorkerHeart } from "./heartbeat.js";
export type { WorkerErrorCode, TransientErrorOptions } from "./errors.js";
export type { Logger, LogFields, Unsubscribe } from "@x/core";
