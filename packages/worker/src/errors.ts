/**
 * Errors of `@x/worker` and the `x-queue` CLI. Two kinds live here:
 * - control flow thrown by handlers: {@link TransientError} (retry later) and {@link FatalError}
 *   (do not retry, bury);
 * - failures of the worker or the CLI themselves (wrong state, usage, a missing adapter).
 * A bad option is `@x/core`'s `InvalidOptionError`, re-exported; queue failures keep
 * `@x/message`'s shared classes (`QueueClosedError`, `LeaseLostError`, ...).
 */
import { XError } from "@x/core";

/** The `code` of every {@link WorkerError}, unique across the toolkit; safe to branch on. */
export type WorkerErrorCode =
  | "ERR_X_WORKER_TRANSIENT"
  | "ERR_X_WORKER_FATAL"
  | "ERR_X_WORKER_STATE"
  | "ERR_X_WORKER_STOPPING"
  | "ERR_X_WORKER_JOB_TIMEOUT"
  | "ERR_X_WORKER_INVALID_PAYLOAD"
  | "ERR_X_WORKER_JOB_ENDED"
  | "ERR_X_WORKER_REQUEST_TIMEOUT"
  | "ERR_X_WORKER_JOB_FAILED"
  | "ERR_X_WORKER_RESULT_NOT_ENCODABLE"
  | "ERR_X_WORKER_CLI_USAGE"
  | "ERR_X_WORKER_CLI_ADAPTER_NOT_INSTALLED"
  | "ERR_X_WORKER_CLI_HANDLERS_MODULE"
  | "ERR_X_WORKER_CLI_QUEUE_NOT_FOUND"
  | "ERR_X_WORKER_CLI_NO_JOB"
  | "ERR_X_WORKER_CLI_JOB_LINE"
  | "ERR_X_WORKER_CLI_SCHEDULES_MODULE";

/** Base class of every error `@x/worker` defines. */
export class WorkerError extends XError {
  /** Stable code, unique across the toolkit; safe to branch on. */
  declare readonly code: WorkerErrorCode;

  // Not useless: it narrows `code` to the codes of this package.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: WorkerErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** Options for {@link TransientError}. */
export interface TransientErrorOptions extends ErrorOptions {
  /** Retry after this many milliseconds instead of the worker's backoff (e.g. a `Retry-After`). */
  readonly retryAfterMs?: number;
}

/**
 * Thrown by a handler: the job failed for a reason that may pass (a timeout, a 503). The worker
 * releases it with backoff, keeping its priority, until `maxAttempts` is reached.
 */
export class TransientError extends WorkerError {
  /** Overrides the backoff delay for this retry, when set. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: TransientErrorOptions = {}) {
    super("ERR_X_WORKER_TRANSIENT", message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Thrown by a handler: the job can never succeed (bad input, a declined card). It is buried. */
export class FatalError extends WorkerError {
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_X_WORKER_FATAL", message, options);
  }
}

/** The worker cannot do this in its current state (`run()` twice, `run()` after `close()`). */
export class WorkerStateError extends WorkerError {
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_X_WORKER_STATE", message, options);
  }
}

/**
 * The reason a handler's `ctx.signal` is aborted with when the worker stops and the job did not
 * finish within `shutdownTimeoutMs` (or a second SIGINT/SIGTERM asked to hurry). The job is
 * released with no delay.
 */
export class WorkerStoppingError extends WorkerError {
  constructor(message = "the worker is stopping", options?: ErrorOptions) {
    super("ERR_X_WORKER_STOPPING", message, options);
  }
}

/**
 * The reason a handler's `ctx.signal` is aborted with when its `timeoutMs` passed. The job is
 * settled at once (the handler's promise is abandoned) and retried like a `TransientError`.
 */
export class HandlerTimeoutError extends WorkerError {
  /** The time limit that passed, in ms. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number, options?: ErrorOptions) {
    super("ERR_X_WORKER_JOB_TIMEOUT", `the job did not finish within its timeout of ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
  }
}

/** One problem a payload schema found: a dotted path (`""` for the payload itself) and the schema's message. */
export interface PayloadIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * A payload does not match the schema of its request type: thrown by `enqueue` and `request` of
 * a producer with `schemas`; the worker buries such a job at once (reason `invalid-payload`).
 */
export class InvalidJobPayloadError extends WorkerError {
  readonly requestType: string;
  readonly issues: readonly PayloadIssue[];

  constructor(requestType: string, issues: readonly PayloadIssue[], options?: ErrorOptions) {
    super("ERR_X_WORKER_INVALID_PAYLOAD", `invalid payload for ${JSON.stringify(requestType)}: ${formatIssues(issues)}`, options);
    this.requestType = requestType;
    this.issues = Object.freeze([...issues]);
  }
}

/** `path: message; path: message`, as bury reasons and error messages show the issues. */
export function formatIssues(issues: readonly PayloadIssue[]): string {
  return issues.map((issue) => (issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`)).join("; ");
}

/** `ctx.progress()` was called after the job was settled (or abandoned at its timeout or the shutdown deadline). */
export class JobEndedError extends WorkerError {
  constructor(message = "the job has ended; its progress can no longer be reported", options?: ErrorOptions) {
    super("ERR_X_WORKER_JOB_ENDED", message, options);
  }
}

/**
 * `producer.request()` got no reply within its `timeoutMs`. The job may still run later: a
 * timeout says nothing about whether it did.
 */
export class ReplyTimeoutError extends WorkerError {
  /** The id of the job that was enqueued. */
  readonly jobId: string;

  constructor(jobId: string, timeoutMs: number, options?: ErrorOptions) {
    super("ERR_X_WORKER_REQUEST_TIMEOUT", `no reply to job ${jobId} within ${timeoutMs} ms`, options);
    this.jobId = jobId;
  }
}

/** `producer.request()`: the job was buried (a fatal error, too many attempts, an invalid payload); `detail` is the bury reason. */
export class JobFailedError extends WorkerError {
  readonly jobId: string;
  readonly detail: string;

  constructor(jobId: string, detail: string, options?: ErrorOptions) {
    super("ERR_X_WORKER_JOB_FAILED", `job ${jobId} failed: ${detail}`, options);
    this.jobId = jobId;
    this.detail = detail;
  }
}

/**
 * `producer.request()`: the job succeeded but its result is not a JSON value (a BigInt, a cycle,
 * a class instance), so it could not be sent back. The job was acked: its work is done.
 */
export class ResultNotEncodableError extends WorkerError {
  readonly jobId: string;

  constructor(jobId: string, problem: string, options?: ErrorOptions) {
    super("ERR_X_WORKER_RESULT_NOT_ENCODABLE", `job ${jobId} succeeded, but its result cannot be sent back: ${problem}`, options);
    this.jobId = jobId;
  }
}

/** The `x-queue` command line is wrong (unknown command or option, bad value). Exit code 2. */
export class QueueCliUsageError extends WorkerError {
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_X_WORKER_CLI_USAGE", message, options);
  }
}

/**
 * The queue adapter package for a `--queue` URL is not installed (or is too old to have the
 * factory the CLI calls). `packageName` says which package to install.
 */
export class AdapterNotInstalledError extends WorkerError {
  readonly packageName: string;

  constructor(packageName: string, scheme: string, options?: ErrorOptions & { readonly problem?: string }) {
    super(
      "ERR_X_WORKER_CLI_ADAPTER_NOT_INSTALLED",
      `the ${scheme} queue needs the package ${packageName}, which ${options?.problem ?? "is not installed"}; install it with: npm install ${packageName}`,
      options,
    );
    this.packageName = packageName;
  }
}

/** The module given to `x-queue work --handlers` could not be loaded or exports no handler map. */
export class HandlersModuleError extends WorkerError {
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_X_WORKER_CLI_HANDLERS_MODULE", message, options);
  }
}

/** A read-only `x-queue` command (`stats`, `list`, `peek`) was pointed at a queue that does not exist. Exit code 1. */
export class QueueNotFoundError extends WorkerError {
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_X_WORKER_CLI_QUEUE_NOT_FOUND", message, options);
  }
}

/** `x-queue pop` found no job, or `peek`/`delete` no job with that id. Exit code 1. */
export class NoJobError extends WorkerError {
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_X_WORKER_CLI_NO_JOB", message, options);
  }
}

/** One line of `x-queue put --from` is not a job; `line` is its 1-based number. The other lines go on. */
export class JobLineError extends WorkerError {
  readonly line: number;

  constructor(line: number, message: string, options?: ErrorOptions) {
    super("ERR_X_WORKER_CLI_JOB_LINE", `line ${line}: ${message}`, options);
    this.line = line;
  }
}

/** The module given to `x-queue work --schedules` could not be loaded, exports no schedules, or `@x/schedule` is missing. */
export class SchedulesModuleError extends WorkerError {
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_X_WORKER_CLI_SCHEDULES_MODULE", message, options);
  }
}

function hasCode(error: unknown, code: WorkerErrorCode): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

/**
 * Whether a thrown value is a {@link FatalError}, also when it comes from another copy of
 * `@x/worker` (a handlers module with its own install), so `instanceof` alone is not enough.
 */
export function isFatalError(error: unknown): error is FatalError {
  return error instanceof FatalError || hasCode(error, "ERR_X_WORKER_FATAL");
}

/** Whether a thrown value is a {@link TransientError}, from this or another copy of `@x/worker`. */
export function isTransientError(error: unknown): error is TransientError {
  return error instanceof TransientError || hasCode(error, "ERR_X_WORKER_TRANSIENT");
}
