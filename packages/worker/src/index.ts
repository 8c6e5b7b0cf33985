export { createWorker } from "./worker.js";
export { createProducer } from "./producer.js";
export { respond, defineHandlers, isJobResult, JobResult } from "./handlers.js";
export {
  backoffDelay,
  normalizeBackoff,
  DEFAULT_BACKOFF,
  DEFAULT_BACKOFF_FACTOR,
  DEFAULT_BACKOFF_JITTER,
  DEFAULT_BACKOFF_MAX_DELAY_MS,
} from "./backoff.js";
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_POLL_TIMEOUT_MS,
  DEFAULT_SLEEP_DURATION_MS,
  DEFAULT_SHUTDOWN_AFTER_EMPTY_ITERATIONS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  DEFAULT_ERROR_DELAY_MS,
  DEFAULT_TOUCH_FRACTION,
  DEFAULT_ON_EXPIRED,
  DEFAULT_UNEXPECTED_ERRORS,
  DEFAULT_AUTO_TOUCH,
  DEFAULT_HANDLE_SIGNALS,
  DEFAULT_HEARTBEAT_PERIOD_MS,
  DEFAULT_HEARTBEAT_WARMUP_MS,
  DEFAULT_DEGRADED_AFTER_FAILURES,
} from "./options.js";
export {
  WorkerError,
  TransientError,
  FatalError,
  InvalidOptionError,
  WorkerStateError,
  WorkerStoppingError,
  UsageError,
  AdapterNotInstalledError,
  HandlersModuleError,
  isFatalError,
  isTransientError,
} from "./errors.js";

export type { Worker, WorkerCounters, WorkerRunResult, WorkerState } from "./worker.js";
export type { WorkerOptions, WorkerLogger } from "./options.js";
export type { Handler, HandlerMap, JobContext } from "./handlers.js";
export type { Producer, EnqueueOptions } from "./producer.js";
export type {
  BackoffStrategy,
  BackoffContext,
  BackoffFunction,
  FixedBackoff,
  ExponentialBackoff,
  ListBackoff,
} from "./backoff.js";
export type { WorkerEvents, WorkerListener, WorkerEventName, JobEvent, BuryReason, StopReason, ErrorPhase } from "./events.js";
export type { WorkerHeart } from "./heartbeat.js";
export type { WorkerErrorCode, TransientErrorOptions } from "./errors.js";
