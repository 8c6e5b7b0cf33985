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
  | "ERR_X_WORKER_CLI_USAGE"
  | "ERR_X_WORKER_CLI_ADAPTER_NOT_INSTALLED"
  | "ERR_X_WORKER_CLI_HANDLERS_MODULE";

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
