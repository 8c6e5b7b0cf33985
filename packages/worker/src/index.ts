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
export type { TransientErrorOptions, WorkerErrorCode } from "./errors.js";
export {
  FatalError,
  isFatalError,
  isTransientError,
  TransientError,
  WorkerError,
  WorkerStateError,
  WorkerStoppingError,
} from "./errors.js";
export type { BuryReason, ErrorPhase, JobEvent, StopReason, WorkerEventName, WorkerEvents } from "./events.js";
export type { Handler, HandlerMap, JobContext, JobResult } from "./handlers.js";
export { defineHandlers, respond } from "./handlers.js";
export type { WorkerHeart } from "./heartbeat.js";
export type { WorkerOptions } from "./options.js";
export type { EnqueueOptions, Producer, ProducerOptions } from "./producer.js";
export { createProducer } from "./producer.js";
export type { Worker, WorkerCounters, WorkerRunResult, WorkerState } from "./worker.js";
export { createWorker } from "./worker.js";
