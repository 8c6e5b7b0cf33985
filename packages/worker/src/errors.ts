/**
 * Errors of `@x/worker` and the `x-queue` CLI. Two kinds live here:
 * - control flow thrown by handlers: {@link TransientError} (retry later) and {@link FatalError}
 *   (do not retry, bury);
 * - failures of the worker or the CLI themselves (bad options, wrong state, usage, a missing adapter).
 * Queue failures keep `@x/message`'s shared classes (`QueueClosedError`, `LeaseLostError`, ...).
 */

/** Stable, machine-readable error codes; safe to branch on. */
export type WorkerErrorCode =
  | "ERR_WORKER_TRANSIENT"
  | "ERR_WORKER_FATAL"
  | "ERR_WORKER_INVALID_OPTION"
  | "ERR_WORKER_STATE"
  | "ERR_WORKER_STOPPING"
  | "ERR_CLI_USAGE"
  | "ERR_ADAPTER_NOT_INSTALLED"
  | "ERR_HANDLERS_MODULE";

/** Base class of every error `@x/worker` defines. */
export class WorkerError extends Error {
  /** Stable code; safe to branch on. */
  readonly code: WorkerErrorCode;

  constructor(code: WorkerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
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
    super("ERR_WORKER_TRANSIENT", message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Thrown by a handler: the job can never succeed (bad input, a declined card). It is buried. */
export class FatalError extends WorkerError {
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_WORKER_FATAL", message, options);
  }
}

/** A worker or CLI option with a bad value. `option` names it (`concurrency`, `backoff.delayMs`). */
export class InvalidOptionError extends WorkerError {
  readonly option: string;

  constructor(option: string, problem: string, options?: ErrorOptions) {
    super("ERR_WORKER_INVALID_OPTION", `\`${option}\` ${problem}`, options);
    this.option = option;
  }
}

/** The worker cannot do this in its current state (`run()` twice, `run()` after `close()`). */
export class WorkerStateError extends WorkerError {
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_WORKER_STATE", message, options);
  }
}

/**
 * The reason a handler's `ctx.signal` is aborted with when the worker stops and the job did not
 * finish within `shutdownTimeoutMs` (or a second SIGINT/SIGTERM asked to hurry). The job is
 * released with no delay.
 */
export class WorkerStoppingError extends WorkerError {
  constructor(message = "the worker is stopping", options?: ErrorOptions) {
    super("ERR_WORKER_STOPPING", message, options);
  }
}

/** The `x-queue` command line is wrong (unknown command or option, bad value). Exit code 2. */
export class UsageError extends WorkerError {
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_CLI_USAGE", message, options);
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
      "ERR_ADAPTER_NOT_INSTALLED",
      `the ${scheme} queue needs the package ${packageName}, which ${options?.problem ?? "is not installed"}; install it with: npm install ${packageName}`,
      options,
    );
    this.packageName = packageName;
  }
}

/** The module given to `x-queue work --handlers` could not be loaded or exports no handler map. */
export class HandlersModuleError extends WorkerError {
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_HANDLERS_MODULE", message, options);
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
  return error instanceof FatalError || hasCode(error, "ERR_WORKER_FATAL");
}

/** Whether a thrown value is a {@link TransientError}, from this or another copy of `@x/worker`. */
export function isTransientError(error: unknown): error is TransientError {
  return error instanceof TransientError || hasCode(error, "ERR_WORKER_TRANSIENT");
}
